import { type ParseArgsConfig, parseArgs } from 'node:util';
import { configFromEnv } from '../adapters/db/database.ts';
import { strings } from './args.ts';
import { anchorWitness, rotateSealKey, sealKeyConfigFromEnv } from '../adapters/event-store/anchors.ts';
import { openLedger } from '../adapters/event-store/open.ts';
import { auditVerify } from '../adapters/event-store/verification.ts';
import { takeAuditExport } from '../app/audit/record-export.ts';
import { replayAsOf } from '../app/audit/replay.ts';
import { traceId } from '../app/audit/trace.ts';
import { AUDIT_ROLES } from '../domain/audit/export.ts';
import { UPCASTERS } from '../domain/events.ts';
import { DEFAULT_TIME_ZONE, isBusinessDate, isTimeZone } from '../domain/business-date.ts';
import { formatReplay, formatReport, formatTrace, toJson } from './audit-format.ts';
import { type CliActor, CliAuthError, EX_NOPERM, resolveCliActor } from './actor.ts';
import type { CliIo } from './main.ts';

// `ledger audit …`: what an auditor runs. Every subcommand checks its arguments before it opens a store, so a
// usage error (exit 64) never touches the database.

export const EXIT_USAGE = 64;
/** Exit status when the store's history does not verify. */
export const EXIT_BROKEN = 2;
/** Orders `audit replay` prints unless told otherwise. */
const DEFAULT_REPLAY_ORDERS_SHOWN = 20;

interface Subcommand {
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Checks the parsed arguments; returns an error message, or the run. */
  prepare(values: Record<string, string | boolean | undefined>, positionals: string[]): string | Run;
}

type Run = (io: CliIo) => Promise<number>;

const USAGE = `ledger audit <subcommand> [options]   (--help after a subcommand for its options)
  verify [--from POS] [--to POS] [--json]   every stream's chain, every seal, signature and anchor, the stream rows;
                                            exit 2 on a break
  rotate-key                                a new seal-signing key; the old public key stays listed to verify old seals
  export --from DATE --to DATE [--out DIR]  the events of a period, their seals, anchors and keys, and a manifest;
                                            recorded as an event (auditors and administrators)
  trace ID [--json]                         an order, payment, refund, statement line, discrepancy, export or
                                            staff session end to end
  replay --as-of INSTANT [--json]           balances, orders and reconciliation as they stood at an instant, in
                                            schemas of their own`;

class UsageError extends Error {}

function position(name: string, value: string | boolean | undefined): bigint | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^[1-9][0-9]{0,18}$/.test(value))
    throw new UsageError(`--${name}: a global position (a positive integer), got ${String(value)}`);
  return BigInt(value);
}

const subcommands: Record<string, Subcommand> = {
  verify: {
    usage: `ledger audit verify [--from POS] [--to POS] [--json]
  Recomputes every event's hash and its link to the event before it in its stream, every seal over the events
  of its range, and checks every row of \`streams\` against its events. Reports each break with its kind
  (altered, missing, reordered, inserted, stream-row-changed, stream-row-missing, seal-changed, …), its
  position and stream. Each seal's signature is checked against the public keys listed in the anchor directory
  (LEDGER_ANCHOR_DIR, default .data/anchors), and each seal against its anchor there. Progress goes to stderr.
  Exit 0: intact; 2: a break.
  --from, --to   limit the event checks to a position range (widened to whole seals)
  --json         the report as JSON on stdout`,
    options: { from: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean' } },
    prepare(values, positionals) {
      if (positionals.length > 0) return `unexpected argument: ${positionals[0]}`;
      const from = position('from', values.from);
      const to = position('to', values.to);
      if (from !== undefined && to !== undefined && from > to) return '--from is after --to';
      return async (io) => {
        const ledger = await openLedger(configFromEnv(io.env), { migrate: true });
        try {
          let last = 0;
          const report = await auditVerify(ledger.database, {
            sealWitness: anchorWitness(sealKeyConfigFromEnv(io.env).anchorDir),
            ...(from !== undefined ? { from } : {}),
            ...(to !== undefined ? { to } : {}),
            onProgress: (p) => {
              const now = Date.now();
              if (now - last < 200) return;
              last = now;
              io.stderr.write(
                `\rverifying ${p.phase}: ${p.checked} checked (position ${p.position}/${p.target})   `,
              );
            },
          });
          io.stderr.write('\r\u001b[K');
          io.stdout.write(values.json ? `${toJson(report)}\n` : formatReport(report));
          return report.ok ? 0 : EXIT_BROKEN;
        } finally {
          await ledger.close();
        }
      };
    },
  },
};

const rotateKey: Subcommand = {
  usage: `ledger audit rotate-key
  Generates a new Ed25519 seal-signing key in LEDGER_SEAL_KEY_FILE (on the embedded database, by default a file
  under ~/.config/hospital-ledger/seal-keys/, one per data directory), lists its public key in LEDGER_ANCHOR_DIR/keys.jsonl and marks the old one retired there.
  Seals the old key signed keep verifying with its listed public key; the old private key is overwritten.`,
  options: {},
  prepare(_values, positionals) {
    if (positionals.length > 0) return `unexpected argument: ${positionals[0]}`;
    return async (io) => {
      const r = rotateSealKey(sealKeyConfigFromEnv(io.env));
      io.stdout.write(`retired ${r.retired}; new seal-signing key ${r.current}\n`);
      return 0;
    };
  },
};
subcommands['rotate-key'] = rotateKey;

subcommands.export = {
  usage: `ledger audit export --from DATE --to DATE [--out DIR] [--time-zone ZONE] [--all-hospitals]
                          [--user NAME --hospital H [--password-stdin]]
  Writes the events recorded from DATE to DATE (inclusive, local days in ZONE, default ${DEFAULT_TIME_ZONE}),
  widened to whole seals, as events.jsonl and events.csv (UTF-8 with BOM), with seals.jsonl, anchors.jsonl,
  other-hospitals.jsonl, manifest.json (counts, first/last position, SHA-256 of each file, anchors, public keys)
  and SHA256SUMS. docs/audit.md says how an auditor checks it. Default DIR: audit-export-FROM-TO.
  Run by an auditor or administrator: --user (password at a prompt, or the first line of stdin with
  --password-stdin) or the session of \`ledger login\`. Exports that user's hospital (the other hospitals' events
  in the same positions as hashes only); --all-hospitals: every hospital's events. The export is recorded as an
  event (who, period, address, the manifest's SHA-256) that \`ledger audit trace EXPORT-ID\` shows.
  Exit 77: not signed in, or not an auditor or administrator.`,
  options: {
    ...strings('from', 'to', 'out', 'time-zone', 'user', 'hospital'),
    'all-hospitals': { type: 'boolean' },
    'password-stdin': { type: 'boolean' },
  },
  prepare(values, positionals) {
    if (positionals.length > 0) return `unexpected argument: ${positionals[0]}`;
    const fromDate = String(values.from ?? '');
    const toDate = String(values.to ?? '');
    if (!isBusinessDate(fromDate)) return `--from: a date YYYY-MM-DD is needed, got "${fromDate}"`;
    if (!isBusinessDate(toDate)) return `--to: a date YYYY-MM-DD is needed, got "${toDate}"`;
    if (toDate < fromDate) return '--to is before --from';
    const timeZone = String(values['time-zone'] ?? DEFAULT_TIME_ZONE);
    if (!isTimeZone(timeZone)) return `--time-zone: unknown time zone "${timeZone}"`;
    const outDir = String(values.out ?? `audit-export-${fromDate}-${toDate}`);
    const flags = {
      ...(typeof values.user === 'string' ? { user: values.user } : {}),
      ...(typeof values.hospital === 'string' ? { hospital: values.hospital } : {}),
      ...(values['password-stdin'] === true ? { 'password-stdin': true } : {}),
    };
    return async (io) => {
      const ledger = await openLedger(configFromEnv(io.env), { migrate: true });
      try {
        let actor: CliActor;
        try {
          actor = await resolveCliActor(ledger, flags, io);
          if (!(AUDIT_ROLES as readonly string[]).includes(actor.role))
            throw new CliAuthError(
              `${actor.username} is ${actor.role}: an export is taken by an auditor or administrator`,
            );
        } catch (error) {
          if (!(error instanceof CliAuthError)) throw error;
          io.stderr.write(`ledger audit export: ${error.message}\n`);
          return EX_NOPERM;
        }
        const r = await takeAuditExport({
          database: ledger.database,
          store: ledger.store,
          fromDate,
          toDate,
          timeZone,
          outDir,
          anchorDir: sealKeyConfigFromEnv(io.env).anchorDir,
          hospitalId: actor.hospitalId,
          scope: values['all-hospitals'] === true ? 'all-hospitals' : 'hospital',
          via: 'cli',
          sessionId: actor.sessionId,
          context: actor.context,
          now: () => new Date(),
          onProgress: (n, position, last) =>
            io.stderr.write(`\rexported ${n} events (position ${position}/${last})   `),
        });
        io.stderr.write('\r\u001b[K');
        io.stdout.write(
          `exported positions ${r.firstPosition}–${r.lastPosition}: ${r.events} events, ${r.seals} seals, ` +
            `${r.anchors} anchors into ${r.outDir} (check: cd ${r.outDir} && sha256sum -c SHA256SUMS)\n` +
            `recorded as export ${r.exportId} (manifest SHA-256 ${r.manifestSha256})\n`,
        );
        return 0;
      } finally {
        await ledger.close();
      }
    };
  },
};

subcommands.trace = {
  usage: `ledger audit trace ID [--hospital H] [--json]
  ID: an order id, a payment's channel transaction id, a refund id, a statement line (the statement id's first 12
  hex digits, a colon, the line number: 3f2a9c01b7de:118), a discrepancy id, an export id or a staff session id.
  Prints every event about it (time, actor, channel, device, correlation, causation), the journal entry each money
  event posts (computed from the events with the posting rules), the reconciliation discrepancies that mention it
  and the statement lines that carry it. --json: the same as JSON.`,
  options: { hospital: { type: 'string' }, json: { type: 'boolean' } },
  prepare(values, positionals) {
    if (positionals.length !== 1) return 'one ID is needed';
    const id = positionals[0]!;
    if (id.length > 200) return 'ID is too long';
    const hospital = typeof values.hospital === 'string' ? values.hospital : undefined;
    return async (io) => {
      const ledger = await openLedger(configFromEnv(io.env), { migrate: true, upcasters: UPCASTERS });
      try {
        const trace = await traceId(ledger.database, ledger.store, id, hospital);
        io.stdout.write(values.json ? `${toJson(trace)}\n` : formatTrace(trace));
        return trace.events.length + trace.statementLines.length > 0 ? 0 : 1;
      } finally {
        await ledger.close();
      }
    };
  },
};

subcommands.replay = {
  usage: `ledger audit replay --as-of INSTANT [--hospital H] [--orders N] [--json]
  Builds the balances, the orders and the reconciliation (days, discrepancies) from the events recorded up to
  INSTANT (ISO-8601, e.g. 2026-11-20T16:00:00Z) into schemas of their own (asof_balances_<stamp>, asof_orders_<stamp>,
  asof_reconciliation_<stamp>; the live read models are untouched) and prints every account balance, every
  reconciled day and the first N orders and discrepancies (default ${DEFAULT_REPLAY_ORDERS_SHOWN}). --json prints all.`,
  options: {
    ...strings('as-of', 'hospital', 'orders'),
    json: { type: 'boolean' },
  },
  prepare(values, positionals) {
    if (positionals.length > 0) return `unexpected argument: ${positionals[0]}`;
    const text = String(values['as-of'] ?? '');
    // An instant, not a date: a bare date would silently mean midnight UTC.
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/.test(text))
      return `--as-of: an ISO-8601 instant with its offset is needed (2026-11-20T16:00:00Z), got "${text}"`;
    const asOf = new Date(text);
    if (Number.isNaN(asOf.getTime())) return `--as-of: not a valid instant: ${text}`;
    const shown = values.orders === undefined ? DEFAULT_REPLAY_ORDERS_SHOWN : Number(values.orders);
    if (!Number.isSafeInteger(shown) || shown < 0) return `--orders: a count, got ${String(values.orders)}`;
    const hospitalId = typeof values.hospital === 'string' ? values.hospital : undefined;
    return async (io) => {
      const ledger = await openLedger(configFromEnv(io.env), { migrate: true, upcasters: UPCASTERS });
      try {
        const r = await replayAsOf({
          db: ledger.database.db,
          store: ledger.store,
          asOf,
          ...(hospitalId ? { hospitalId } : {}),
          onProgress: (name, p) =>
            io.stderr.write(`\rreplaying ${name}: position ${p.position}/${p.target}   `),
        });
        io.stderr.write('\r\u001b[K');
        io.stdout.write(values.json ? `${toJson(r)}\n` : formatReplay(r, shown));
        return 0;
      } finally {
        await ledger.close();
      }
    };
  },
};

export async function auditCommand(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    (name ? io.stdout : io.stderr).write(`${USAGE}\n`);
    return name ? 0 : EXIT_USAGE;
  }
  const sub = subcommands[name];
  if (!sub) {
    io.stderr.write(`ledger audit: unknown subcommand "${name}"\n${USAGE}\n`);
    return EXIT_USAGE;
  }
  let run: string | Run;
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: { ...sub.options, help: { type: 'boolean', short: 'h' } },
    });
    if (values.help) {
      io.stdout.write(`${sub.usage}\n`);
      return 0;
    }
    run = sub.prepare(values, positionals);
  } catch (error) {
    if (!(error instanceof UsageError) && !(error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))
      throw error;
    run = (error as Error).message;
  }
  if (typeof run === 'string') {
    io.stderr.write(`ledger audit ${name}: ${run}\n${sub.usage}\n`);
    return EXIT_USAGE;
  }
  return run(io);
}
