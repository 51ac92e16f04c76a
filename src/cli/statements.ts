// `ledger statements parse FILE [--format auto|wechat|wechat-fundflow|alipay|alipay-account|bank:NAME|his|insurance]
//  [--merchant ID] [--date YYYY-MM-DD] [--hospital ID] [--tz ZONE] [--unit yuan|fen] [--mapping MAPPING.json]`
// Validates the whole file first (nothing is printed from a refused file), then prints one JSON line
// per normalized statement line; errors go to stderr as `FILE:LINE: reason (CODE)`.
import { readFile } from 'node:fs/promises';
import { strings } from './args.ts';
import { parseArgs } from 'node:util';
import {
  AMOUNT_UNITS,
  type AmountUnit,
  type ColumnMapping,
  type ParseOptions,
  StatementError,
  fileSource,
  readVerifiedStatement,
  validateStatement,
} from '../adapters/statements/index.ts';
import type { StatementSummary } from '../domain/reconciliation/statement-line.ts';
import type { CliIo } from './main.ts';

const USAGE =
  'usage: ledger statements parse FILE [--format auto|wechat|wechat-fundflow|alipay|alipay-account|bank:NAME|his|insurance] [--merchant ID] [--date YYYY-MM-DD] [--hospital ID] [--tz ZONE] [--unit yuan|fen] [--mapping MAPPING.json]';
const EX_USAGE = 64;

export async function statementsCommand(
  argv: string[],
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): Promise<number> {
  const args = argv[0] === 'statements' ? argv.slice(1) : argv;
  if (args[0] === 'import' || args[0] === 'list' || args[0] === '--help' || args[0] === '-h') {
    const { financeStatementsCommand } = await import('./finance.ts');
    if (args[0] === '--help' || args[0] === '-h') io.stdout.write(`${USAGE}\n\n`);
    return financeStatementsCommand(args, io as CliIo);
  }
  let parsed: ReturnType<typeof parseCli>;
  try {
    parsed = parseCli(args);
  } catch (e) {
    io.stderr.write(`${e instanceof Error ? e.message : String(e)}\n${USAGE}\n`);
    return EX_USAGE;
  }
  const { values, positionals } = parsed;
  if (positionals[0] !== 'parse' || positionals.length !== 2) {
    io.stderr.write(`${USAGE}\n`);
    return EX_USAGE;
  }
  const path = positionals[1]!;
  const opts: ParseOptions = { format: (values.format ?? 'auto') as ParseOptions['format'] };
  if (values.merchant) opts.merchantId = values.merchant;
  if (values.date) opts.businessDate = values.date;
  if (values.hospital) opts.hospitalId = values.hospital;
  if (values.tz) opts.timeZone = values.tz;
  if (values.unit) {
    if (!AMOUNT_UNITS.includes(values.unit as AmountUnit)) {
      io.stderr.write(`--unit must be yuan or fen, not ${values.unit}\n${USAGE}\n`);
      return EX_USAGE;
    }
    opts.amountUnit = values.unit as AmountUnit;
  }
  if (values.mapping) {
    try {
      const m = JSON.parse(await readFile(values.mapping, 'utf8')) as ColumnMapping | ColumnMapping[];
      opts.mappings = Array.isArray(m) ? m : [m];
    } catch (e) {
      io.stderr.write(
        `${values.mapping}: cannot read mapping: ${e instanceof Error ? e.message : String(e)}\n`,
      );
      return EX_USAGE;
    }
  }
  const source = fileSource(path, path);
  try {
    const summary = await validateStatement(source, opts);
    const it = readVerifiedStatement(source, opts, summary);
    for await (const batch of it) {
      let out = '';
      for (const line of batch) out += `${JSON.stringify(line)}\n`;
      if (!io.stdout.write(out)) await new Promise<void>((r) => io.stdout.once('drain', r));
    }
    const kinds = Object.entries(summary.counts)
      .filter(([k, n]) => n > 0 || k === 'payment' || k === 'refund')
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    io.stderr.write(
      `${path}: ${summary.format} verified, ${summary.lines} lines (${kinds}), ${totalsText(summary)}, sha256 ${summary.sha256}\n`,
    );
    return 0;
  } catch (e) {
    if (e instanceof StatementError) {
      io.stderr.write(`${e.file}:${e.line}: ${e.reason} (${e.code})\n`);
      return 1;
    }
    throw e;
  }
}

/** `6 of 6 totals agree (总交易单数, …)`, or that the file states none: never "agree" for a partial check. */
export function totalsText(s: StatementSummary): string {
  if (s.totalsStated === 0) return 'the file states no totals';
  return `${s.checks.length} of ${s.totalsStated} totals agree (${s.checks.map((c) => c.name).join(', ')})`;
}

function parseCli(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: strings('format', 'merchant', 'date', 'hospital', 'tz', 'unit', 'mapping'),
  });
}
