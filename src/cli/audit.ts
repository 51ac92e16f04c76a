import { type ParseArgsConfig, parseArgs } from 'node:util';
import { configFromEnv } from '../adapters/db/database.ts';
import { anchorWitness, rotateSealKey, sealKeyConfigFromEnv } from '../adapters/event-store/anchors.ts';
import { openLedger } from '../adapters/event-store/open.ts';
import { auditVerify } from '../adapters/event-store/verification.ts';
import { exportAudit } from '../app/audit/export.ts';
import { replayAsOf } from '../app/audit/replay.ts';
import { traceId } from '../app/audit/trace.ts';
import { UPCASTERS } from '../domain/events.ts';
import { DEFAULT_TIME_ZONE, isBusinessDate } from '../domain/business-date.ts';
import { formatReplay, formatReport, formatTrace, toJson } from './audit-format.ts';
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
  export --from DATE --to DATE [--out DIR]  the events of a period, their seals, anchors and keys, and a manifest
  trace ID [--json]                         an order, payment, refund, statement line or discrepancy end to end
  replay --as-of INSTANT [--json]           balances and orders as they stood at an instant, in schemas of their own`;

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
  Generates a new Ed25519 seal-signing key in LEDGER_SEAL_KEY_FILE (on the embedded database: seal-key.pem beside
  its data directory), lists its public key in LEDGER_ANCHOR_DIR/keys.jsonl and marks the old one retired there.
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
  usage: `ledger audit export --from DATE --to DATE [--out DIR] [--time-zone ZONE]
  Writes the events recorded from DATE to DATE (inclusive, local days in ZONE, default ${DEFAULT_TIME_ZONE}),
  widened to whole seals, as events.jsonl and events.csv (UTF-8 with BOM), with seals.jsonl, anchors.jsonl,
  manifest.json (counts, first/last position, SHA-256 of each file, anchors, public keys) and SHA256SUMS.
  docs/audit.md says how an auditor checks it. Default DIR: audit-export-FROM-TO.`,
  options: {
    from: { type: 'string' },
    to: { type: 'string' },
    out: { type: 'string' },
    'time-zone': { type: 'string' },
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
    return async (io) => {
      const ledger = await openLedger(configFromEnv(io.env), { migrate: true });
      try {
        const r = await exportAudit({
          database: ledger.database,
          fromDate,
          toDate,
          timeZone,
          outDir,
          anchorDir: sealKeyConfigFromEnv(io.env).anchorDir,
          onProgress: (n, position, last) =>
            io.stderr.write(`\rexported ${n} events (position ${position}/${last})   `),
        });
        io.stderr.write('\r\u001b[K');
        io.stdout.write(
          `exported positions ${r.firstPosition}–${r.lastPosition}: ${r.events} events, ${r.seals} seals, ` +
            `${r.anchors} anchors into ${r.outDir} (check: cd ${r.outDir} && sha256sum -c SHA256SUMS)\n`,
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
  hex digits, a colon, the line number: 3f2a9c01b7de:118) or a discrepancy id. Prints every event about it (time,
  actor, channel, device, correlation, causation), the journal entry each money event posts (computed from the
  events with the posting rules), the reconciliation discrepancies that mention it and the statement lines that
  carry it. --json: the same as JSON.`,
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
  Builds the balances and the orders from the events recorded up to INSTANT (ISO-8601, e.g. 2026-11-20T16:00:00Z)
  into schemas of their own (asof_balances_<stamp>, asof_orders_<stamp>; the live read models are untouched) and
  prints every account balance and the first N orders (default ${DEFAULT_REPLAY_ORDERS_SHOWN}). --json prints all.`,
  options: {
    'as-of': { type: 'string' },
    hospital: { type: 'string' },
    orders: { type: 'string' },
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

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

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
