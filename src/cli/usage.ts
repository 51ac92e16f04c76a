// The usage of the commands whose modules have no parser of their own for `--help` (or that would open the
// store or read a key before looking at their arguments). `main` checks these before it loads the command:
// `--help` / `-h` prints the usage and does nothing else; an unknown option or a stray argument exits 64,
// naming it, before any store is opened. Commands with subcommands parse their own arguments (and do the same).
import { type ParseArgsConfig, parseArgs } from 'node:util';

export const EX_USAGE = 64;

interface SimpleCommand {
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** How many positionals the command takes (0 when absent). */
  positionals?: number;
}

export const SIMPLE_COMMANDS: Record<string, SimpleCommand> = {
  migrate: {
    usage: `ledger migrate
  Brings the database schema up to date (PostgreSQL at DATABASE_URL, else PGlite in LEDGER_DATA_DIR,
  default .data/pglite). Every other command migrates on its own when it opens the store; this one is for
  deployments that migrate once, before starting the processes.`,
    options: {},
  },
  seal: {
    usage: `ledger seal
  Seals every settled event not sealed yet, signs each seal with the Ed25519 key in LEDGER_SEAL_KEY_FILE
  (on PGlite: seal-key.pem beside the data folder, made on first use) and anchors it in LEDGER_ANCHOR_DIR
  (default .data/anchors). Check the chain afterwards with \`ledger audit verify\`.`,
    options: {},
  },
  serve: {
    usage: `ledger serve
  Runs the command bus (HTTP JSON under /v1, OpenAPI at /docs) with the projections and reactions.
  HOST (127.0.0.1) and PORT (8080) choose the address. The store is PostgreSQL at DATABASE_URL, else the
  embedded PGlite in LEDGER_DATA_DIR (default .data/pglite).
  LEDGER_MASTER_KEY seals client secrets and channel credentials: "k1:<32 bytes in base64>" (several keys:
  "k2:…,k1:…", the first one seals). On PGlite without it, serve makes one in the data folder's parent
  (master-key, mode 0600) on first start and uses it afterwards; on PostgreSQL or with NODE_ENV=production it
  must be set. Make one with:  node -e "console.log('k1:'+require('crypto').randomBytes(32).toString('base64'))"
  First administrator: \`ledger users add --hospital H001 --username admin --role administrator\`.
  Send a signed request as a bus client: \`ledger call\`.`,
    options: {},
  },
  'his-simulator': {
    usage: `ledger his-simulator [--port N] [--host H] [--mode MODE] [--strict]
  Runs the HIS simulator (JSON and SOAP writeback endpoints) until Ctrl-C. --port (HIS_SIM_PORT, 7070),
  --host (HIS_SIM_HOST, 127.0.0.1), --mode normal | slow:<ms> | fail:<code> | timeout | twice | … (HIS_SIM_MODE).`,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      mode: { type: 'string' },
      strict: { type: 'boolean' },
    },
  },
  'channel-sandbox': {
    usage: `ledger channel-sandbox [--port N] [--host H] [--credentials FILE] [--public-key-mode]
                       [--fault KIND[:CHANNEL[:OP[:N]]] …] [--wechat-notify-url URL] [--alipay-notify-url URL]
  Runs the WeChat Pay v3 / Alipay sandbox (orders, queries, refunds, closes, bill downloads) until Ctrl-C and
  writes the merchant credentials the ledger needs to --credentials FILE.`,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      credentials: { type: 'string' },
      'public-key-mode': { type: 'boolean' },
      fault: { type: 'string', multiple: true },
      'wechat-notify-url': { type: 'string' },
      'alipay-notify-url': { type: 'string' },
    },
  },
};

/** True when the arguments ask for help (`--help`, `-h`, or `help` as the only argument). */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  const args = end === -1 ? argv : argv.slice(0, end);
  return args.includes('--help') || args.includes('-h') || (args.length === 1 && args[0] === 'help');
}

/** What a usage error says next: where the command's usage is. */
export function usageHint(command: string): string {
  return `run \`ledger ${command} --help\` for its usage`;
}

/** Node's parser errors end with a long note about `--`: keep the first sentence, which names the argument. */
export function shortParseError(message: string): string {
  const i = message.indexOf('. To specify a positional argument');
  return i === -1 ? message : message.slice(0, i);
}

/**
 * Checks a simple command's arguments before it runs. Answers an exit status when the command must not run
 * (help printed: 0; usage error: 64), undefined when it may.
 */
export function preflight(
  name: string,
  argv: string[],
  out: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): number | undefined {
  const simple = SIMPLE_COMMANDS[name];
  if (!simple) return undefined;
  if (wantsHelp(argv)) {
    out.stdout.write(`${simple.usage}\n`);
    return 0;
  }
  try {
    const { positionals } = parseArgs({
      args: argv,
      options: simple.options,
      allowPositionals: true,
      strict: true,
    });
    const allowed = simple.positionals ?? 0;
    if (positionals.length > allowed) throw new Error(`unexpected argument '${positionals[allowed]}'`);
  } catch (error) {
    out.stderr.write(`ledger ${name}: ${shortParseError((error as Error).message)}; ${usageHint(name)}\n`);
    return EX_USAGE;
  }
  return undefined;
}

/** Parser errors of node:util (unknown option, missing value, stray positional): usage errors. */
export function isParseError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}
