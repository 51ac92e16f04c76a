// Finance staff at the command line: `ledger statements import|list`, `ledger reconcile`, `ledger days …`,
// `ledger discrepancies …`. The same use cases as the HTTP routes, acting as a named user (actor.ts) in their
// hospital, with the same role checks. Tables for people, --json for scripts.
//
// Exit codes: 0 done; 1 refused by the ledger (a rule, a bad file: CODE and message, or FILE:LINE: reason);
// 64 usage (unknown option, missing argument, no acting user); 77 the acting user's role may not do this.
import { intradayDay } from '../app/intraday-checks.ts';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { strings } from './args.ts';
import { configFromEnv } from '../adapters/db/database.ts';
import { openLedger } from '../adapters/event-store/open.ts';
import { fileSource } from '../adapters/statements/source.ts';
import {
  acceptTimingItems,
  approveResolution,
  assertStaffMay,
  assignDiscrepancy,
  closeDay,
  commentOnDiscrepancy,
  discrepancyDetail,
  type FinancePermission,
  importStatementFile,
  listDays,
  listStatements,
  listWorklist,
  type MappingCatalog,
  type ReconciliationPorts,
  reconcileDates,
  rejectResolution,
  reopenDay,
  resolveDiscrepancy,
  showDay,
} from '../app/reconciliation/index.ts';
import type { DiscrepancyState } from '../domain/reconciliation/discrepancy.ts';
import { RESOLUTION_ACTIONS, type ResolutionAction } from '../domain/reconciliation/events.ts';
import { Refusal } from '../domain/rejection.ts';
import { UPCASTERS } from '../domain/events.ts';
import { DISCREPANCY_SORTS, type DiscrepancySort } from '../projections/reconciliation/worklist.ts';
import { ACTOR_OPTIONS, type CliActor, CliAuthError, resolveCliActor } from './actor.ts';
import type { CliIo } from './main.ts';
import { table } from './table.ts';

export const EXIT = { ok: 0, refused: 1, usage: 64, forbidden: 77 } as const;

const EXIT_CODES_TEXT = `Exit codes: 0 done · 1 refused by the ledger (CODE: message, or FILE:LINE: reason for a statement) ·
64 usage (unknown option, missing argument, no acting user) · 77 the acting user's role may not do this.`;

const ACTOR_TEXT = `Acting user: the session of \`ledger login\` (or LEDGER_SESSION), or --user NAME --hospital ID with the
password from a prompt or --password-stdin (signed in and out for this one command). The account's role decides
what it may do.`;

export class Usage extends Error {}

/** Options the CLI's finance use cases get beyond the database (the mapping catalog, for now none). */
export interface FinanceCliDeps {
  mappings?: MappingCatalog;
}

export type Values = Record<string, string | boolean | string[] | undefined>;
export type Run = (ctx: {
  ports: ReconciliationPorts & { mappings?: MappingCatalog };
  actor: CliActor;
  values: Values;
  args: string[];
  io: CliIo;
}) => Promise<number>;

export interface Sub {
  usage: string;
  needs: FinancePermission;
  options?: ParseArgsConfig['options'];
  run: Run;
}

export const str = (v: Values, k: string): string | undefined =>
  typeof v[k] === 'string' ? (v[k] as string) : undefined;
const need = (v: Values, k: string, what: string): string => {
  const s = str(v, k);
  if (s === undefined) throw new Usage(`--${k} ${what} is required`);
  return s;
};
const opt = <K extends string>(key: K, v: string | undefined): { [P in K]?: string } =>
  (v === undefined ? {} : { [key]: v }) as { [P in K]?: string };

export function out(io: CliIo, values: Values, json: unknown, text: () => string): number {
  io.stdout.write(
    values.json
      ? `${JSON.stringify(json, (_k, x) => (typeof x === 'bigint' ? x.toString() : x), 2)}\n`
      : text(),
  );
  return EXIT.ok;
}

function stateLine(s: DiscrepancyState): string {
  const p = s.proposal ? ` · ${s.proposal.action} by ${s.proposal.by}` : '';
  return `${s.discrepancyId} ${s.type} ${s.channel} ${s.businessDate} ${s.subject} ${s.amount}: ${s.status}${p}${s.approvedBy ? ` · approved by ${s.approvedBy}` : ''}\n`;
}

/** Runs one finance subcommand: parses, resolves the acting user, checks the role, opens the ledger. */
export async function runSub(
  name: string,
  sub: Sub,
  argv: string[],
  io: CliIo,
  deps: FinanceCliDeps,
): Promise<number> {
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { ...ACTOR_OPTIONS, ...(sub.options ?? {}) },
    }) as typeof parsed;
  } catch (e) {
    io.stderr.write(`ledger ${name}: ${(e as Error).message}\nusage: ${sub.usage}\n`);
    return EXIT.usage;
  }
  if (parsed.values.help) {
    io.stdout.write(
      `usage: ${sub.usage}\n\n${ACTOR_TEXT}\n--json prints the answer as JSON.\n${EXIT_CODES_TEXT}\n`,
    );
    return EXIT.ok;
  }
  const ledger = await openLedger(configFromEnv(io.env), { migrate: true, upcasters: UPCASTERS });
  let actor: CliActor;
  try {
    actor = await resolveCliActor(
      ledger,
      {
        ...opt('user', str(parsed.values, 'user')),
        ...opt('hospital', str(parsed.values, 'hospital')),
        ...(parsed.values['password-stdin'] === true ? { 'password-stdin': true } : {}),
      },
      io,
    );
    assertStaffMay(actor.role, sub.needs);
  } catch (e) {
    await ledger.close();
    if (e instanceof CliAuthError) {
      io.stderr.write(`ledger ${name}: ${e.message}\n`);
      return EXIT.forbidden;
    }
    if (e instanceof Refusal) {
      io.stderr.write(
        `ledger ${name}: ${e.code}: ${e.messageIn('en')} (${String(e.details.role)} needs ${sub.needs})\n`,
      );
      return EXIT.forbidden;
    }
    throw e;
  }
  try {
    const ports = {
      store: ledger.store,
      db: ledger.database.db,
      ...(deps.mappings ? { mappings: deps.mappings } : {}),
    };
    return await sub.run({ ports, actor, values: parsed.values, args: parsed.positionals, io });
  } catch (e) {
    if (e instanceof Usage) {
      io.stderr.write(`ledger ${name}: ${e.message}\nusage: ${sub.usage}\n`);
      return EXIT.usage;
    }
    if (e instanceof RangeError) {
      io.stderr.write(`ledger ${name}: ${e.message}\n`);
      return EXIT.usage;
    }
    if (e instanceof Refusal) {
      const d = e.details as { file?: string; line?: number; reason?: string };
      if (d.file !== undefined && d.reason !== undefined)
        io.stderr.write(`${d.file}:${d.line ?? 0}: ${d.reason} (${e.code})\n`);
      else io.stderr.write(`ledger ${name}: ${e.code}: ${e.messageIn('en')} ${JSON.stringify(e.details)}\n`);
      return e.kind === 'forbidden' ? EXIT.forbidden : EXIT.refused;
    }
    throw e;
  } finally {
    await ledger.close();
  }
}

/** Dispatches `ledger <group> <sub> …` among `subs`; `--help` at any level. */
export async function group(
  name: string,
  summary: string,
  subs: Record<string, Sub>,
  argv: string[],
  io: CliIo,
  deps: FinanceCliDeps,
): Promise<number> {
  const [first, ...rest] = argv;
  const help = `ledger ${name} — ${summary}\n\n${Object.values(subs)
    .map((s) => `  ${s.usage}`)
    .join(
      '\n',
    )}\n\n${ACTOR_TEXT}\n--json prints the answer as JSON; --help on each subcommand.\n${EXIT_CODES_TEXT}\n`;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    io[first === undefined ? 'stderr' : 'stdout'].write(help);
    return first === undefined ? EXIT.usage : EXIT.ok;
  }
  const sub = subs[first];
  if (!sub) {
    io.stderr.write(`ledger ${name}: unknown subcommand "${first}"\n\n${help}`);
    return EXIT.usage;
  }
  return runSub(`${name} ${first}`, sub, rest, io, deps);
}

/** The options every list takes: --from, --to, --channel and --limit. */
const LIST_OPTIONS = strings('from', 'to', 'channel', 'limit');

/** What every list filters by: the acting user's hospital and the list options given. */
function listFilter(actor: CliActor, v: Values) {
  const limit = str(v, 'limit');
  return {
    hospitalId: actor.hospitalId,
    ...opt('from', str(v, 'from')),
    ...opt('to', str(v, 'to')),
    ...opt('channel', str(v, 'channel')),
    ...(limit !== undefined ? { limit: Number(limit) } : {}),
  };
}

const FILTER_OPTIONS = {
  ...LIST_OPTIONS,
  ...strings('type', 'status', 'min-amount', 'max-amount', 'assignee', 'ref', 'sort', 'cursor'),
  desc: { type: 'boolean' },
} as const;

function oneId(args: string[]): string {
  if (args.length !== 1 || !/^[0-9a-f]{32}$/.test(args[0]!))
    throw new Usage('one discrepancy id (32 hex digits)');
  return args[0]!;
}

function dayArgs(args: string[]): { channel: string; businessDate: string } {
  if (args.length !== 2 || !/^\d{4}-\d{2}-\d{2}$/.test(args[1]!))
    throw new Usage('CHANNEL DATE (YYYY-MM-DD)');
  return { channel: args[0]!, businessDate: args[1]! };
}

/** A subcommand that does one thing and prints its answer: `line` for people, the answer itself with --json. */
export const action = <T>(
  usage: string,
  needs: FinancePermission,
  options: Sub['options'],
  act: (c: Parameters<Run>[0]) => Promise<T>,
  line: (answer: T) => string,
): Sub => ({
  usage,
  needs,
  ...(options ? { options } : {}),
  run: async (c) => {
    const answer = await act(c);
    return out(c.io, c.values, answer, () => line(answer));
  },
});

const discrepancyAction = (
  usage: string,
  needs: FinancePermission,
  options: Sub['options'],
  act: (c: Parameters<Run>[0], id: string) => Promise<DiscrepancyState>,
): Sub => action(usage, needs, options, (c) => act(c, oneId(c.args)), stateLine);

const ref = (c: Parameters<Run>[0], id: string) => ({
  hospitalId: c.actor.hospitalId,
  discrepancyId: id,
  by: c.actor.userId,
});

export const DISCREPANCY_COMMANDS: Record<string, Sub> = {
  list: {
    usage:
      'ledger discrepancies list [--from D] [--to D] [--channel C] [--type T] [--status S|unresolved] [--min-amount X] [--max-amount X] [--assignee U] [--ref ORDER|TXN] [--sort business_date|amount|raised_at|type] [--desc] [--limit N] [--cursor NEXT]',
    needs: 'read',
    options: FILTER_OPTIONS,
    run: async ({ ports, actor, values: v, io }) => {
      const sort = str(v, 'sort');
      if (sort !== undefined && !(DISCREPANCY_SORTS as readonly string[]).includes(sort))
        throw new Usage(`--sort ${sort}`);
      const page = await listWorklist(ports, {
        ...listFilter(actor, v),
        ...opt('type', str(v, 'type')),
        ...opt('status', str(v, 'status')),
        ...opt('minAmount', str(v, 'min-amount')),
        ...opt('maxAmount', str(v, 'max-amount')),
        ...opt('assignee', str(v, 'assignee')),
        ...opt('ref', str(v, 'ref')),
        ...opt('cursor', str(v, 'cursor')),
        ...(sort ? { sort: sort as DiscrepancySort } : {}),
        ...(v.desc ? { descending: true } : {}),
      });
      return out(
        io,
        v,
        page,
        () =>
          table(
            ['id', 'date', 'channel', 'type', 'subject', 'amount', 'status', 'assignee', 'action'],
            page.rows.map((r) => [
              r.discrepancy_id,
              r.business_date,
              r.channel,
              r.type,
              r.subject,
              r.amount,
              r.status,
              r.assignee,
              r.action,
            ]),
          ) + (page.next ? `more: --cursor ${page.next}\n` : ''),
      );
    },
  },
  show: {
    usage: 'ledger discrepancies show ID',
    needs: 'read',
    run: async ({ ports, actor, values, args, io }) => {
      const d = await discrepancyDetail(ports, actor.hospitalId, oneId(args));
      return out(io, values, d, () => {
        const s = d.discrepancy;
        const lines = [
          stateLine(s).trimEnd(),
          `reason: ${s.finding?.reason ?? ''}`,
          `amounts: ${JSON.stringify(s.finding?.amounts ?? {})}`,
          '',
          'platform:',
          ...d.parties.platform.movements.map(
            (m) => `  ${m.kind} ${m.merchant_order_no} ${m.amount} ${m.occurred_at}`,
          ),
          'channel:',
          ...d.parties.channel.map(
            (l) => `  ${l.statement?.file ?? l.ref}:${l.lineNo}: ${l.raw ?? '(line not found)'}`,
          ),
          'his:',
          ...d.parties.his.lines.map(
            (l) => `  ${l.statement?.file ?? l.ref}:${l.lineNo}: ${l.raw ?? '(line not found)'}`,
          ),
          ...(d.parties.his.writeback ? [`  writeback: ${d.parties.his.writeback.status}`] : []),
          '',
          'history:',
          ...d.history.map((e) => `  ${e.occurredAt} ${e.type} ${e.actor ?? ''}`),
          ...(d.order
            ? ['', `order ${d.order.orderId}:`, ...d.order.events.map((e) => `  ${e.occurredAt} ${e.type}`)]
            : []),
        ];
        return `${lines.join('\n')}\n`;
      });
    },
  },
  assign: discrepancyAction(
    'ledger discrepancies assign ID --to USER',
    'work',
    { to: { type: 'string' } },
    (c, id) => assignDiscrepancy(c.ports, { ...ref(c, id), assignee: need(c.values, 'to', 'USER') }),
  ),
  comment: discrepancyAction(
    'ledger discrepancies comment ID --text TEXT',
    'work',
    { text: { type: 'string' } },
    (c, id) => commentOnDiscrepancy(c.ports, { ...ref(c, id), text: str(c.values, 'text') ?? '' }),
  ),
  resolve: discrepancyAction(
    `ledger discrepancies resolve ID --action ${RESOLUTION_ACTIONS.join('|')} --reason TEXT`,
    'work',
    { action: { type: 'string' }, reason: { type: 'string' } },
    (c, id) => {
      const action = need(c.values, 'action', RESOLUTION_ACTIONS.join('|'));
      if (!(RESOLUTION_ACTIONS as readonly string[]).includes(action)) throw new Usage(`--action ${action}`);
      return resolveDiscrepancy(c.ports, {
        ...ref(c, id),
        action: action as ResolutionAction,
        reason: str(c.values, 'reason') ?? '',
      });
    },
  ),
  approve: discrepancyAction('ledger discrepancies approve ID', 'check', undefined, (c, id) =>
    approveResolution(c.ports, { ...ref(c, id), role: c.actor.role }),
  ),
  reject: discrepancyAction(
    'ledger discrepancies reject ID --reason TEXT',
    'check',
    { reason: { type: 'string' } },
    (c, id) =>
      rejectResolution(c.ports, { ...ref(c, id), role: c.actor.role, reason: str(c.values, 'reason') ?? '' }),
  ),
  'accept-timing': {
    usage: 'ledger discrepancies accept-timing ID… --reason TEXT',
    needs: 'work',
    options: { reason: { type: 'string' } },
    run: async ({ ports, actor, values, args, io }) => {
      if (args.length === 0) throw new Usage('at least one discrepancy id');
      const states = await acceptTimingItems(ports, {
        hospitalId: actor.hospitalId,
        discrepancyIds: args,
        reason: str(values, 'reason') ?? '',
        by: actor.userId,
      });
      return out(io, values, states, () => states.map(stateLine).join(''));
    },
  },
};

export const DAY_COMMANDS: Record<string, Sub> = {
  list: {
    usage: 'ledger days list --from D [--to D] [--channel C] [--state balanced|open|closed]',
    needs: 'read',
    options: strings('from', 'to', 'channel', 'state'),
    run: async ({ ports, actor, values: v, io }) => {
      const days = await listDays(ports, {
        hospitalId: actor.hospitalId,
        from: need(v, 'from', 'YYYY-MM-DD'),
        ...opt('to', str(v, 'to')),
        ...opt('channel', str(v, 'channel')),
        ...opt('state', str(v, 'state')),
      });
      return out(io, v, days, () =>
        table(
          [
            'date',
            'channel',
            'state',
            'runs',
            'matched',
            'matched amount',
            'timing',
            'open',
            'resolved',
            'closed by',
          ],
          days.map((d) => [
            d.business_date,
            d.channel,
            d.state,
            d.runs,
            d.matched_count,
            d.matched_amount,
            d.timing_count,
            d.discrepancies_open,
            d.discrepancies_resolved,
            d.closed_by,
          ]),
        ),
      );
    },
  },
  show: {
    usage: 'ledger days show CHANNEL DATE',
    needs: 'read',
    run: async ({ ports, actor, values, args, io }) => {
      const ref = { hospitalId: actor.hospitalId, ...dayArgs(args) };
      const v = { ...(await showDay(ports, ref)), intraday: await intradayDay(ports, ref) };
      const i = v.intraday;
      const intraday = `settled intraday by query ${i.settledByQuery.count} (${i.settledByQuery.amount}): paid ${i.paidByQuery.count} (${i.paidByQuery.amount}), unpaid ${i.unpaidByQuery}; still open ${i.open}\n`;
      return out(io, values, v, () => {
        const r = v.row;
        if (!r) return `${args.join(' ')}: not reconciled\n${intraday}`;
        const types = Object.entries(r.by_type ?? {})
          .filter(([, x]) => x.count > 0)
          .map(([t, x]) => [t, x.count, x.amount]);
        return (
          `${r.channel} ${r.business_date}: ${r.state} (runs ${r.runs}, reopened ${r.reopened})\n` +
          `matched ${r.matched_count} (${r.matched_amount}), timing ${r.timing_count} (${r.timing_amount}), open ${r.discrepancies_open}, resolved ${r.discrepancies_resolved}\n` +
          `${intraday}\n` +
          table(['type', 'count', 'amount'], types)
        );
      });
    },
  },
  close: {
    usage: 'ledger days close CHANNEL DATE',
    needs: 'work',
    run: async ({ ports, actor, values, args, io }) => {
      const d = dayArgs(args);
      const s = await closeDay(ports, { hospitalId: actor.hospitalId, ...d, by: actor.userId });
      return out(io, values, s, () => `${d.channel} ${d.businessDate}: ${s.status}\n`);
    },
  },
  reopen: {
    usage: 'ledger days reopen CHANNEL DATE --reason TEXT',
    needs: 'work',
    options: { reason: { type: 'string' } },
    run: async ({ ports, actor, values, args, io }) => {
      const d = dayArgs(args);
      const s = await reopenDay(ports, {
        hospitalId: actor.hospitalId,
        ...d,
        by: actor.userId,
        reason: str(values, 'reason') ?? '',
      });
      return out(
        io,
        values,
        s,
        () => `${d.channel} ${d.businessDate}: ${s.status} (reopened ${s.reopened}×)\n`,
      );
    },
  },
};

export const STATEMENT_COMMANDS: Record<string, Sub> = {
  import: {
    usage:
      'ledger statements import FILE [--format auto|wechat|alipay|bank:NAME|his|…] [--mapping NAME] [--merchant ID] [--date YYYY-MM-DD] [--channel C]',
    needs: 'work',
    options: strings('format', 'mapping', 'merchant', 'date', 'channel'),
    run: async ({ ports, actor, values: v, args, io }) => {
      if (args.length !== 1) throw new Usage('one FILE');
      let last = 0;
      const r = await importStatementFile(ports, fileSource(args[0]!), {
        hospitalId: actor.hospitalId,
        by: actor.userId,
        ...opt('format', str(v, 'format')),
        ...opt('mapping', str(v, 'mapping')),
        ...opt('merchantId', str(v, 'merchant')),
        ...opt('businessDate', str(v, 'date')),
        ...opt('channel', str(v, 'channel')),
        onProgress: (p) => {
          // Progress on stderr every 10,000 lines (stdout stays the answer).
          if (p.lines - last < 10_000 && p.phase !== 'done') return;
          last = p.lines;
          io.stderr.write(`${args[0]}: ${p.phase} ${p.lines}${p.total ? `/${p.total}` : ''} lines\n`);
        },
      });
      const s = r.summary;
      return out(
        io,
        v,
        r,
        () =>
          `${s.file}: ${r.duplicate ? 'already imported (nothing new)' : 'imported'} as ${r.statementId}: ${s.format}, ${s.lines} lines, ` +
          `${s.totalsStated > 0 ? `${s.checks.length} of ${s.totalsStated} totals agree` : 'the file states no totals'}, channel ${r.channel ?? '(his)'}\n`,
      );
    },
  },
  list: {
    usage: 'ledger statements list [--from D] [--to D] [--channel C] [--limit N]',
    needs: 'read',
    options: LIST_OPTIONS,
    run: async ({ ports, actor, values: v, io }) => {
      const rows = await listStatements(ports, listFilter(actor, v));
      return out(io, v, rows, () =>
        table(
          ['statement', 'file', 'format', 'date', 'channel', 'lines', 'checks', 'imported by', 'imported at'],
          rows.map((r) => [
            r.statement_id.slice(0, 12),
            r.file,
            r.format,
            r.business_date,
            r.channel,
            r.lines,
            r.checks
              ? r.checks.kind === 'totals'
                ? `${r.checks.verified.length}/${r.checks.totalsStated} totals`
                : 'no totals stated'
              : 'incomplete',
            r.importedBy,
            r.imported_at,
          ]),
        ),
      );
    },
  },
};

export const RECONCILE_COMMAND: Sub = {
  usage: 'ledger reconcile --date D [--to D] [--channel C] [--fee-rate CHANNEL=RATE …]',
  needs: 'work',
  options: {
    ...strings('date', 'to', 'channel'),
    'fee-rate': { type: 'string', multiple: true },
  },
  run: async ({ ports, actor, values: v, io }) => {
    const feeRates: Record<string, string> = {};
    for (const f of (v['fee-rate'] as string[] | undefined) ?? []) {
      const m = /^([a-z][a-z0-9-]{0,31})=(0(\.\d{1,6})?)$/.exec(f);
      if (!m) throw new Usage(`--fee-rate ${f}: CHANNEL=RATE (wechat=0.006)`);
      feeRates[m[1]!] = m[2]!;
    }
    const r = await reconcileDates(ports, {
      hospitalId: actor.hospitalId,
      from: need(v, 'date', 'YYYY-MM-DD'),
      actor: { kind: 'staff', id: actor.userId },
      ...opt('to', str(v, 'to')),
      ...opt('channel', str(v, 'channel')),
      ...(Object.keys(feeRates).length > 0 ? { config: { feeRates } } : {}),
    });
    const json = r.reports.map(({ findings, ...x }) => ({ ...x, findings: findings.length }));
    return out(io, v, json, () =>
      table(
        [
          'date',
          'channel',
          'state',
          'matched',
          'amount',
          'timing',
          'findings',
          'raised',
          'auto-resolved',
          'open',
        ],
        r.reports.map((x) => [
          x.businessDate,
          x.channel,
          x.state,
          x.matched.count,
          x.matched.amount,
          x.timing.count,
          x.findings.length,
          x.discrepancies.raised,
          x.discrepancies.autoResolved,
          x.discrepancies.open.length,
        ]),
      ),
    );
  },
};

/** The finance subcommand machinery (acting user, role check, exit codes), for groups defined elsewhere. */
export { group as financeGroup, Usage as FinanceUsage, out as financeOut };
export type { Sub as FinanceSub };

export function discrepanciesCommand(argv: string[], io: CliIo, deps: FinanceCliDeps = {}): Promise<number> {
  return group(
    'discrepancies',
    'the discrepancy worklist and the work on it',
    DISCREPANCY_COMMANDS,
    argv,
    io,
    deps,
  );
}

export function daysCommand(argv: string[], io: CliIo, deps: FinanceCliDeps = {}): Promise<number> {
  return group('days', 'reconciliation days: state, summary, close, reopen', DAY_COMMANDS, argv, io, deps);
}

export function financeStatementsCommand(
  argv: string[],
  io: CliIo,
  deps: FinanceCliDeps = {},
): Promise<number> {
  return group('statements', 'import and list statement files', STATEMENT_COMMANDS, argv, io, deps);
}

export function reconcileCommand(argv: string[], io: CliIo, deps: FinanceCliDeps = {}): Promise<number> {
  return runSub('reconcile', RECONCILE_COMMAND, argv, io, deps);
}
