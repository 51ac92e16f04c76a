// `ledger mappings …`: a hospital's statement mappings as managed configuration (docs/mappings.md).
//   add FILE.json [--note TEXT]          add the mapping, or a new version of it when the name exists
//   list                                 the hospital's mappings (newest version) and the built-in ones
//   show NAME [--version N]              one version (default the newest) and the list of its versions
//   retire NAME --reason TEXT            no new import may use it (its versions stay readable)
//   try NAME FILE [--date D] [--merchant ID] [--channel C]
//                                        read FILE with the mapping, writing nothing: the normalized lines, the
//                                        rows it refuses (line, reason) and the totals verdict
// Every command takes --hospital H (or LEDGER_HOSPITAL) and --user NAME (recorded as the actor); --json prints
// JSON for scripts. Exit codes: 0 done (try: the file would import), 1 refused (try: the file would be refused),
// 64 usage.
import { readFile } from 'node:fs/promises';
import { argsOrExit, commandArgs, strings } from './args.ts';
import { configFromEnv } from '../adapters/db/database.ts';
import { openLedger } from '../adapters/event-store/open.ts';
import { fileSource } from '../adapters/statements/source.ts';
import {
  listMappings,
  type MappingPorts,
  retireMapping,
  saveMapping,
  showMapping,
  storeMappingCatalog,
  type TrialResult,
  tryMapping,
} from '../app/mappings.ts';
import { describeVerdict } from '../domain/mappings/totals.ts';
import { Refusal } from '../domain/rejection.ts';
import type { CliIo } from './main.ts';

const EX_USAGE = 64;
const USAGE = `usage: ledger mappings add FILE.json [--note TEXT]
       ledger mappings list
       ledger mappings show NAME [--version N]
       ledger mappings retire NAME --reason TEXT
       ledger mappings try NAME FILE [--date YYYY-MM-DD] [--merchant ID] [--channel C]
options: --hospital H (or LEDGER_HOSPITAL)  --user NAME (the actor recorded; default: cli)  --json
exit codes: 0 done / would import, 1 refused / would be refused, 64 usage`;

class UsageError extends Error {}

function parse(argv: string[]) {
  return commandArgs(argv, {
    ...strings('hospital', 'user', 'note', 'reason', 'version', 'date', 'merchant', 'channel'),
    json: { type: 'boolean' },
  });
}

const ARITY: Readonly<Record<string, number>> = { add: 1, list: 0, show: 1, retire: 1, try: 2 };

export async function mappingsCommand(argv: string[], io: CliIo): Promise<number> {
  const parsed = argsOrExit(io, USAGE, {
    parse: () => parse(argv),
    help: (p) => p.values.help,
    check: ({ positionals: [sub, ...args], values }) => {
      if (sub === undefined || ARITY[sub] === undefined) throw new UsageError('which mappings command?');
      if (args.length !== ARITY[sub]) throw new UsageError(`mappings ${sub}: wrong number of arguments`);
      if (!(values.hospital ?? io.env.LEDGER_HOSPITAL)) throw new UsageError('--hospital is required');
      if (sub === 'retire' && !values.reason) throw new UsageError('--reason is required');
      if (values.version !== undefined && !/^\d{1,6}$/.test(values.version))
        throw new UsageError('--version must be a whole number');
    },
  });
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const [sub, ...args] = positionals as [string, ...string[]];
  const hospitalId = (values.hospital ?? io.env.LEDGER_HOSPITAL)!;
  const out = (text: string) => io.stdout.write(`${text}\n`);

  // A mapping file is read before the database opens: a missing or malformed file touches nothing.
  let definition: unknown;
  if (sub === 'add') {
    const file = args[0]!;
    try {
      definition = JSON.parse(await readFile(file, 'utf8'));
    } catch (e) {
      const reason = e instanceof SyntaxError ? `not JSON: ${e.message}` : (e as Error).message;
      io.stderr.write(`${file}: ${reason}\n`);
      return 1;
    }
  }

  const ledger = await openLedger(configFromEnv(io.env), { migrate: true });
  const ports: MappingPorts = { store: ledger.store, db: ledger.database.db };
  const ctx = {
    hospitalId,
    actor: { kind: 'staff' as const, id: values.user ?? 'cli' },
    at: new Date(),
  };
  try {
    switch (sub) {
      case 'add': {
        const r = await saveMapping(ports, ctx, definition, values.note);
        if (values.json) out(JSON.stringify(r));
        else out(`${r.added ? 'added' : 'revised'} mapping ${r.name}, version ${r.version}`);
        return 0;
      }
      case 'list': {
        const rows = await listMappings(ports, hospitalId);
        if (values.json) for (const r of rows) out(JSON.stringify(r));
        else
          table(
            out,
            ['name', 'version', 'status', 'party', 'format', 'recorded', 'by'],
            rows.map((r) => [
              r.name,
              String(r.version),
              r.status,
              r.party,
              r.format,
              r.recordedAt ?? '',
              r.actor ?? '',
            ]),
          );
        return 0;
      }
      case 'show': {
        const version = values.version === undefined ? undefined : Number(values.version);
        const r = await showMapping(ports, hospitalId, args[0]!, version);
        if (values.json) out(JSON.stringify(r));
        else {
          out(`${r.name} version ${r.shown.version} (${r.builtin ? 'built in' : r.shown.status})`);
          out(JSON.stringify(r.shown.definition, null, 2));
          out('versions:');
          table(
            out,
            ['version', 'status', 'recorded', 'by', 'note'],
            r.versions.map((v) => [
              String(v.version),
              v.status,
              v.recordedAt,
              v.actor ?? '',
              v.retiredReason ? `retired: ${v.retiredReason}` : (v.note ?? ''),
            ]),
          );
        }
        return 0;
      }
      case 'retire': {
        const r = await retireMapping(ports, ctx, args[0]!, values.reason!);
        if (values.json) out(JSON.stringify(r));
        else out(`retired mapping ${r.name} at version ${r.version}`);
        return 0;
      }
      case 'try': {
        const [name, file] = args as [string, string];
        const r = await tryMapping(
          { store: ledger.store, db: ledger.database.db },
          storeMappingCatalog(ledger.store),
          hospitalId,
          name,
          fileSource(file, file),
          {
            ...(values.date ? { businessDate: values.date } : {}),
            ...(values.merchant ? { merchantId: values.merchant } : {}),
            ...(values.channel ? { channel: values.channel } : {}),
          },
        );
        printTrial(r, file, values.json === true, out, (t) => io.stderr.write(`${t}\n`));
        return r.wouldImport ? 0 : 1;
      }
    }
    return EX_USAGE;
  } catch (e) {
    if (e instanceof Refusal) {
      const d = e.details as Record<string, unknown>;
      const where = typeof d.path === 'string' && sub === 'add' ? `${args[0]}: ${d.path}: ` : '';
      const why = typeof d.reason === 'string' ? ` — ${d.reason}` : '';
      io.stderr.write(`${where}${e.messageIn('en')}${why} (${e.code})\n`);
      return 1;
    }
    throw e;
  } finally {
    await ledger.close();
  }
}

function printTrial(
  r: TrialResult,
  file: string,
  json: boolean,
  out: (t: string) => void,
  err: (t: string) => void,
): void {
  if (json) {
    out(JSON.stringify(r));
    return;
  }
  for (const l of r.lines) out(JSON.stringify(l));
  const more = r.lineCount > r.lines.length ? ` (the first ${r.lines.length} shown)` : '';
  err(`${file}: mapping ${r.mapping.name} version ${r.mapping.version}: read ${r.lineCount} lines${more}`);
  for (const f of r.refused) err(`${file}:${f.line}: ${f.reason} (${f.code})`);
  if (r.refusedTruncated) err(`${file}: stopped after ${r.refused.length} refused rows`);
  if (r.fileRefusal)
    err(
      `${file}:${r.fileRefusal.line}: ${r.fileRefusal.reason} (${r.fileRefusal.code}) — the file would be refused`,
    );
  if (r.totals) err(`${file}: ${describeVerdict(r.totals)}`);
  else if (!r.fileRefusal) err(`${file}: totals not checked: rows were refused`);
  err(r.wouldImport ? `${file}: would import` : `${file}: would be refused`);
}

function table(out: (t: string) => void, head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  out(line(head));
  for (const r of rows) out(line(r));
}
