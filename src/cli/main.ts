import { parseArgs } from 'node:util';
// Every command's module (and the database drivers) loads only when that command runs: `ledger help` stays fast.
import { isParseError, preflight, shortParseError, usageHint } from './usage.ts';

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  /** Where passwords are read from (--password-stdin, prompts); process.stdin when absent. */
  stdin?: NodeJS.ReadableStream;
}

type Command = (argv: string[], io: CliIo) => Promise<number>;

const USAGE = `ledger — hospital payment ledger & reconciliation

Usage: ledger <command> [options]

Commands:
  migrate                 bring the database schema up to date
  audit …                 verify | … : what an auditor runs (ledger audit --help)
  verify                  the same as \`audit verify\`: every chain, seal and stream row; exit 2 on a break
  seal                    seal every settled event not sealed yet; sign each seal (LEDGER_SEAL_KEY_FILE) and anchor it
                          in LEDGER_ANCHOR_DIR (default .data/anchors)
  projections …           list | status | run | rebuild NAME | build NAME --as-of INSTANT
  report …                finance reports as xlsx / CSV / JSON: list | NAME --hospital H --from D --to D --out FILE
                          [--as-of T] [--lang zh|en] (ledger report --help)
  statements parse FILE   parse a statement file, check its totals, print normalized lines as JSON lines
  statements import|list  import a statement file as a finance user; list imported statements with their checks
  reconcile               reconcile a date or range (--date D [--to D] [--channel C]) as a finance user
  match | unmatch         pair open items by hand (--reason, --difference fee|shortfall|surplus); undo a match
  proposals | matches     proposed matches list|accept|reject; matches show|list|approve|reject
  evidence                attach|list|get evidence files (PDF, PNG, JPEG, CSV) on a discrepancy or match
  days …                  list | show | close | reopen: reconciliation days
  discrepancies …         list | show | assign | comment | resolve | approve | reject | accept-timing
  refunds …               preview | plan | show | approve | bounce | reroute | returns | policy | set-policy
                          refunds that choose their route (原路退回), bounced transfers (退票), the policy
  mappings …              add FILE.json | list | show NAME [--version N] | retire NAME | try NAME FILE:
                          the hospital's bank / HIS / insurance file mappings (ledger mappings --help)
  call METHOD PATH [JSON]  send a signed request to the bus as a bus client (or your \`ledger login\` session)
  serve                   run the command bus (HOST/PORT; PGlite when DATABASE_URL is unset) with the projections
  users …                 add | list | show | disable | enable | set-password | set-role | revoke-sessions: staff accounts
  login / logout          sign in as a staff user (session kept in ~/.config/ledger/session.json, mode 0600) / sign out
  worker                  run the projections, reactions and background jobs without the bus (scale-out, schedules)
  devices …               serve (kiosk / MIS-POS TCP gateway + MQTT) | register | status | models
  his-simulator           run the HIS simulator (--port, --host, --mode normal|slow:<ms>|fail:<code>|timeout|twice|…)
  channel-sandbox         run the WeChat Pay / Alipay sandbox (--port, --credentials FILE, --fault kind[:channel[:op[:n]]])
  simulate                simulate a hospital day through the command handlers; write its statement files and answer key
                          (--date YYYY-MM-DD --orders N --anomalies N --seed S --out DIR)
  demo                    the first run: simulate a day on PGlite, import its statements, reconcile, print the summary
                          (--batch: no live progress; exit 0 only when the summary matches the answer key)
  schedules …             list | set | pause | resume | remove | run-now | runs : auto-reconciliation schedules
  help                    this text

\`ledger <command> --help\` prints a command's usage and does nothing else.

The database is PostgreSQL when DATABASE_URL is set, otherwise the embedded PGlite in LEDGER_DATA_DIR
(default .data/pglite). Events live in that database unless EVENT_STORE=kurrentdb, which keeps them in
KurrentDB at KURRENTDB_URL (read models and checkpoints stay in the database).`;

/** A command whose module loads only when it runs: `load` answers the module's entry point. */
const lazy =
  (load: () => Promise<Command>): Command =>
  async (argv, io) =>
    (await load())(argv, io);

const commands: Record<string, Command> = {
  async migrate(_argv, io) {
    const { configFromEnv } = await import('../adapters/db/database.ts');
    const { migrateToLatest } = await import('../adapters/db/migrate.ts');
    const { openLedger } = await import('../adapters/event-store/open.ts');
    const ledger = await openLedger(configFromEnv(io.env));
    try {
      const result = await migrateToLatest(ledger.database.db);
      const applied = result.results?.filter((r) => r.status === 'Success').map((r) => r.migrationName) ?? [];
      io.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'schema is up to date\n');
      return 0;
    } finally {
      await ledger.close();
    }
  },

  schedules: lazy(async () => (await import('./schedules.ts')).schedulesCommand),

  audit: lazy(async () => (await import('./audit.ts')).auditCommand),

  // The first name of `audit verify`, kept for scripts that call it.
  async verify(argv, io) {
    const { auditCommand } = await import('./audit.ts');
    return auditCommand(['verify', ...argv], io);
  },

  async seal(_argv, io) {
    const { configFromEnv } = await import('../adapters/db/database.ts');
    const { AnchorDir, openSealSigner, sealKeyConfigFromEnv } = await import(
      '../adapters/event-store/anchors.ts'
    );
    const { openLedger } = await import('../adapters/event-store/open.ts');
    // The key is opened (or generated) before the store: a missing key file fails without touching the database.
    const keys = sealKeyConfigFromEnv(io.env);
    const signer = openSealSigner(keys, (message) => io.stderr.write(`${message}\n`));
    const ledger = await openLedger(configFromEnv(io.env), { migrate: true });
    try {
      const r = await ledger.seal({ signer, anchors: new AnchorDir(keys.anchorDir) });
      io.stdout.write(
        `${r.sealsWritten} seal(s) written, signed with ${signer.keyId} and anchored in ${keys.anchorDir}; ` +
          `sealed up to position ${r.lastSealedPosition}\n`,
      );
      return 0;
    } finally {
      await ledger.close();
    }
  },

  projections: lazy(async () => (await import('./projections.ts')).projectionsCommand),

  report: lazy(async () => (await import('./report.ts')).reportCommand),

  statements: lazy(async () => (await import('./statements.ts')).statementsCommand),

  reconcile: lazy(async () => (await import('./finance.ts')).reconcileCommand),

  days: lazy(async () => (await import('./finance.ts')).daysCommand),

  discrepancies: lazy(async () => (await import('./finance.ts')).discrepanciesCommand),

  match: lazy(async () => (await import('./matching.ts')).matchCommand),
  unmatch: lazy(async () => (await import('./matching.ts')).unmatchCommand),
  proposals: lazy(async () => (await import('./matching.ts')).proposalsCommand),
  matches: lazy(async () => (await import('./matching.ts')).matchesCommand),
  evidence: lazy(async () => (await import('./matching.ts')).evidenceCommand),
  refunds: lazy(async () => (await import('./refunds.ts')).refundsCommand),

  mappings: lazy(async () => (await import('./mappings.ts')).mappingsCommand),

  serve: lazy(async () => (await import('./serve.ts')).serve),

  users: lazy(async () => (await import('./users.ts')).usersCommand),

  login: lazy(async () => (await import('./users.ts')).loginCommand),

  logout: lazy(async () => (await import('./users.ts')).logoutCommand),

  worker: lazy(async () => (await import('./worker.ts')).worker),

  devices: lazy(async () => (await import('./devices.ts')).devicesCommand),

  async 'his-simulator'(argv, io) {
    const { runHisSimulator } = await import('../simulation/his/simulator-main.ts');
    await runHisSimulator({ argv, env: io.env, out: (line) => io.stdout.write(`${line}\n`) });
    await new Promise(() => {}); // runs until SIGINT/SIGTERM (handled by the simulator)
    return 0;
  },

  'channel-sandbox': lazy(async () => (await import('./channel-sandbox.ts')).channelSandboxCommand),

  simulate: lazy(async () => (await import('./simulate.ts')).simulateCommand),

  demo: lazy(async () => (await import('./demo.ts')).demoCommand),

  call: lazy(async () => (await import('./call.ts')).callCommand),

  async help(_argv, io) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  },
};

/** Every command's name (the usage test walks them all). */
export const COMMAND_NAMES: readonly string[] = Object.keys(commands);

export async function main(argv: string[], io: CliIo): Promise<number> {
  const { positionals } = parseArgs({ args: argv.slice(0, 1), allowPositionals: true, strict: false });
  const name = positionals[0] ?? 'help';
  const command = commands[name];
  if (!command) {
    io.stderr.write(`ledger: unknown command "${name}"\n\n${USAGE}\n`);
    return 64;
  }
  const checked = preflight(name, argv.slice(1), io);
  if (checked !== undefined) return checked;
  try {
    return await command(argv.slice(1), io);
  } catch (error) {
    const e = error as { code?: string; message?: string };
    if (isParseError(error)) {
      io.stderr.write(`ledger ${name}: ${shortParseError(e.message ?? '')}; ${usageHint(name)}\n`);
      return 64;
    }
    const message = e.message ?? String(error);
    // A message that already starts with its code is printed once.
    const code = e.code && !message.startsWith(e.code) && !/^ERR_/.test(e.code) ? `${e.code}: ` : '';
    io.stderr.write(`ledger ${name}: ${code}${message}\n`);
    return 1;
  }
}
