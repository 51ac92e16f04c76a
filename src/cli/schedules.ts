// `ledger schedules …`: a hospital's auto-reconciliation schedules, the same use cases as /v1/schedules.
import { readFile } from 'node:fs/promises';
import { commandArgs, strings } from './args.ts';
import { configFromEnv } from '../adapters/db/database.ts';
import { openLedger } from '../adapters/event-store/open.ts';
import { createLogger } from '../adapters/log.ts';
import { BullScheduleQueue, openQueue, queueConfigFromEnv } from '../adapters/queue/bullmq.ts';
import * as scheduling from '../app/schedules.ts';
import type { Actor } from '../domain/decider.ts';
import { Refusal } from '../domain/rejection.ts';
import type { CliIo } from './main.ts';

const USAGE = `ledger schedules <list|set|pause|resume|remove|run-now|runs> --hospital H [options]
  list                              the hospital's schedules (status, cron and zone, source)
  set ID --channel C --source FILE.json [--cron "0 10 * * *"] [--tz Asia/Shanghai] [--day-offset 1]
         [--retry-minutes 30] [--deadline-minutes 480] [--format auto]
                                    create or change a schedule; FILE.json is the source, e.g.
                                    {"kind":"sftp","host":"sftp.bank.example","port":22,"username":"hosp",
                                     "path":"/out/{yyyymmdd}","pattern":"ICBC_*_{yyyymmdd}.csv","credential":"bank-sftp"}
                                    {"kind":"folder","path":"/srv/drop/wechat","pattern":"wechat_{yyyymmdd}*.csv"}
                                    {"kind":"https","url":"https://files.example/{date}/bill.csv","credential":"token"}
                                    {"kind":"channel","channel":"wechat","bill":"trade"}
  pause ID --reason R               stop firing (the schedule stays configured)
  resume ID                         fire again
  remove ID --reason R              remove the schedule
  run-now ID [--date YYYY-MM-DD]    queue a run now, for the usual day or a given past day (safe to repeat; needs a worker)
  runs [--schedule ID] [--alerts]   scheduled days, newest first; --alerts: statement missing or failed

Options: --hospital H (required), --by NAME (who makes the change, recorded on the event), --json
Exit codes: 0 done, 1 refused (the reason is printed), 64 usage`;

function table(rows: Record<string, unknown>[], columns: string[]): string {
  const cells = rows.map((r) => columns.map((c) => String(r[c] ?? '')));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(columns), ...cells.map(line)].join('\n');
}

export async function schedulesCommand(argv: string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (e) {
    io.stderr.write(`ledger schedules: ${(e as Error).message}\n${USAGE}\n`);
    return 64;
  }
  const { values, positionals } = parsed;
  const [sub, id] = positionals;
  if (values.help || !sub) {
    io.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 64;
  }
  const hospitalId = values.hospital;
  if (!hospitalId) {
    io.stderr.write('ledger schedules: --hospital is required\n');
    return 64;
  }
  const needsId = ['set', 'pause', 'resume', 'remove', 'run-now'];
  if (needsId.includes(sub) && !id) {
    io.stderr.write(`ledger schedules ${sub}: the schedule id is required\n`);
    return 64;
  }
  if (!['list', 'runs', ...needsId].includes(sub)) {
    io.stderr.write(`ledger schedules: unknown subcommand "${sub}"\n${USAGE}\n`);
    return 64;
  }
  const actor: Actor = { kind: 'staff', id: values.by ?? io.env.USER ?? 'cli' };
  const ledger = await openLedger(configFromEnv(io.env), { migrate: true });
  const logger = createLogger({ name: 'schedules', level: 'warn' });
  const queue =
    io.env.REDIS_URL || sub === 'run-now' ? openQueue(queueConfigFromEnv(io.env), logger) : undefined;
  const ports: scheduling.ScheduleConfigPorts = {
    store: ledger.store,
    db: ledger.database.db,
    ...(queue ? { queue: new BullScheduleQueue(queue) } : {}),
  };
  const out = (v: unknown, text: () => string) =>
    io.stdout.write(`${values.json ? JSON.stringify(v, null, 2) : text()}\n`);
  try {
    switch (sub) {
      case 'list': {
        const rows = await scheduling.schedules(ports, hospitalId);
        out(rows, () =>
          rows.length === 0
            ? 'no schedules'
            : table(
                rows.map((r) => ({
                  id: r.scheduleId,
                  channel: r.channel,
                  status: r.status,
                  cron: `${r.spec.cron} ${r.spec.timeZone}`,
                  day: `T-${r.spec.dayOffset}`,
                  source: r.spec.source.kind,
                  deadline: `${r.spec.deadlineMinutes} min`,
                })),
                ['id', 'channel', 'status', 'cron', 'day', 'source', 'deadline'],
              ),
        );
        return 0;
      }
      case 'runs': {
        const rows = await scheduling.scheduleRuns(ports, {
          hospitalId,
          ...(values.schedule ? { scheduleId: values.schedule } : {}),
          ...(values.alerts ? { alerts: true } : {}),
        });
        out(rows, () =>
          rows.length === 0
            ? 'no scheduled days'
            : table(
                rows.map((r) => ({ ...r, date: r.businessDate, schedule: r.scheduleId })),
                ['date', 'schedule', 'channel', 'state', 'attempts', 'matched', 'open', 'detail'],
              ),
        );
        return 0;
      }
      case 'set': {
        if (!values.source || !values.channel) {
          io.stderr.write('ledger schedules set: --channel and --source FILE.json are required\n');
          return 64;
        }
        let source: unknown;
        try {
          source = JSON.parse(await readFile(values.source, 'utf8'));
        } catch (e) {
          io.stderr.write(`${values.source}: not a JSON source description (${(e as Error).message})\n`);
          return 1;
        }
        const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
        const input: Record<string, unknown> = {
          scheduleId: id,
          channel: values.channel,
          source,
          cron: values.cron,
          timeZone: values.tz,
          dayOffset: num(values['day-offset']),
          retryMinutes: num(values['retry-minutes']),
          deadlineMinutes: num(values['deadline-minutes']),
          format: values.format,
        };
        for (const k of Object.keys(input)) if (input[k] === undefined) delete input[k];
        const s = await scheduling.setSchedule(ports, hospitalId, actor, input);
        out(
          s,
          () =>
            `schedule ${id}: ${s.status}, ${s.spec?.cron} ${s.spec?.timeZone}, T-${s.spec?.dayOffset}, from ${s.spec?.source.kind}`,
        );
        return 0;
      }
      case 'pause':
      case 'remove': {
        if (!values.reason) {
          io.stderr.write(`ledger schedules ${sub}: --reason is required\n`);
          return 64;
        }
        const s =
          sub === 'pause'
            ? await scheduling.pauseSchedule(ports, hospitalId, actor, id!, values.reason)
            : await scheduling.removeSchedule(ports, hospitalId, actor, id!, values.reason);
        out(s, () => `schedule ${id}: ${s.status}`);
        return 0;
      }
      case 'resume': {
        const s = await scheduling.resumeSchedule(ports, hospitalId, actor, id!);
        out(s, () => `schedule ${id}: ${s.status}`);
        return 0;
      }
      default: {
        const jobId = await scheduling.runScheduleNow(
          { ...ports, queue: new BullScheduleQueue(queue!) },
          hospitalId,
          id!,
          values.date,
        );
        out({ jobId }, () => `queued as job ${jobId}; a worker runs it (ledger worker)`);
        return 0;
      }
    }
  } catch (e) {
    if (e instanceof Refusal) {
      io.stderr.write(`${e.code}: ${e.messageIn('en')} ${JSON.stringify(e.details)}\n`);
      return 1;
    }
    throw e;
  } finally {
    await queue?.close();
    await ledger.close();
  }
}

function parse(argv: string[]) {
  return commandArgs(argv, {
    ...strings(
      'hospital',
      'by',
      'channel',
      'source',
      'cron',
      'tz',
      'day-offset',
      'retry-minutes',
      'deadline-minutes',
      'format',
      'reason',
      'date',
      'schedule',
    ),
    alerts: { type: 'boolean' },
    json: { type: 'boolean' },
  });
}
