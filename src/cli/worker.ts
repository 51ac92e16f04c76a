// `ledger worker`: the background of the platform, without the HTTP bus, until SIGINT/SIGTERM. Run as many as
// you like on as many machines as you like, beside stateless buses (`ledger serve` with LEDGER_BACKGROUND=off):
//   - the projection runners and the reactions (deposit credit, HIS writeback, channel calls): each has one
//     leader at a time (advisory-lock leases); a worker that dies hands its leases on;
//   - the background jobs on BullMQ (REDIS_URL): scheduled auto-reconciliation, periodic seals, and the jobs
//     requests started (large statement uploads, projection rebuilds, large reports). BullMQ gives each job to
//     one worker; a job whose worker died is taken up by another once its lock expires. At start and then every
//     minute a worker brings the job schedulers in step with the schedules configured; every few seconds it
//     hands the queue the request jobs recorded while Redis was away.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Logger } from 'pino';
import { configFromEnv } from '../adapters/db/database.ts';
import { AnchorDir, openSealSigner, sealKeyConfigFromEnv } from '../adapters/event-store/anchors.ts';
import { type Ledger, openLedger } from '../adapters/event-store/open.ts';
import { runIntradayCheck } from '../app/intraday-checks.ts';
import { createLogger } from '../adapters/log.ts';
import {
  autoReconcileHandler,
  BullScheduleQueue,
  type JobHandler,
  openQueue,
  queueConfigFromEnv,
  startWorker,
} from '../adapters/queue/bullmq.ts';
import { SqlJobStore } from '../adapters/jobs/sql-job-store.ts';
import { relayQueuedJobs, requestJobHandler, runnerId } from '../adapters/queue/request-jobs.ts';
import { credentialDir, FileCredentialStore } from '../adapters/sources/credentials.ts';
import { type ChannelBillFetcher, statementFetcher } from '../adapters/sources/fetch.ts';
import { fetchChannelBill } from '../app/channel-calls.ts';
import { runJob } from '../app/jobs/run.ts';
import type { ChannelGateways } from '../domain/channel/gateway.ts';
import {
  reconcileOverduePending,
  runScheduledDay,
  type SchedulePorts,
  syncSchedules,
} from '../app/schedules.ts';
import { cliMasterKeyring } from './master-key.ts';
import { UPCASTERS } from '../domain/events.ts';
import { readModelPreparation } from '../projections/index.ts';
import { channelWiring } from './channel-wiring.ts';
import type { CliIo } from './main.ts';
import { hisFromEnv, startBackgroundWork } from './serve.ts';

const USAGE = `ledger worker [--concurrency N] [--jobs-only | --background-only]
  Runs the projections and reactions (as \`ledger serve\` does beside the bus) and the background jobs from the
  queue in Redis: scheduled auto-reconciliation of each hospital's days (ledger schedules), pending items past
  their deadline raised, and periodic seals of the event log. Run several for capacity and failover; Ctrl-C (SIGINT/SIGTERM) finishes the jobs in hand.
  --jobs-only          only the queue's jobs        --background-only   only projections and reactions
  --concurrency N      jobs run at once by this worker (default 2)

Environment (besides the database's, HIS_URL … and LEDGER_MASTER_KEY as for \`ledger serve\`):
  REDIS_URL                   the queue's Redis (default redis://127.0.0.1:6379)
  LEDGER_QUEUE_PREFIX         key prefix of the queue in Redis (default bull)
  LEDGER_INTRADAY_CHECK_CRON  when open payment attempts are checked intraday (default 0 10,13,16,19,22 * * *)
  LEDGER_INTRADAY_CHECK_TZ    the zone of that cron (default Asia/Shanghai)
  LEDGER_CREDENTIALS_DIR      statement sources' credentials: <dir>/<hospitalId>/<name>.json, mode 0600
                              (default .data/credentials)
  LEDGER_FOLDER_SETTLE_MS     a drop-folder file younger than this is still being written (default 10000)
  LEDGER_SEAL_EVERY_MINUTES   seal the event log this often when LEDGER_SEAL_KEY_FILE is set (default 60)
  LEDGER_PENDING_CHECK_MINUTES  look again at days holding pending items this often (default 60)
  LEDGER_JOB_LOCK_MS          a job's lock; a dead worker's job is taken up after about this (default 60000)
  LEDGER_JOB_RELAY_MS         how often jobs recorded while Redis was away are handed to the queue (default 5000)`;

const SYNC_EVERY_MS = 60_000;
const RELAY_EVERY_MS = 5_000;

/** Channel bills for the scheduler, through the merchants' gateways (none without them). */
function channelBills(gateways: ChannelGateways | undefined): ChannelBillFetcher | undefined {
  if (!gateways) return undefined;
  return async (q) => {
    const bill = await fetchChannelBill(
      { gateways },
      { hospitalId: q.hospitalId, channel: q.channel, date: q.businessDate, kind: q.bill },
    );
    if (!bill) return [];
    const name = bill.fileName.replace(/[/\\\0]/g, '_') || `${q.channel}-${q.businessDate}`;
    await writeFile(join(q.into, name), bill.bytes, { mode: 0o600 });
    return [name];
  };
}

/** The worker's job handlers, each a use case (shared with the tests, which run workers in process). */
export function jobHandlers(
  ledger: Pick<Ledger, 'store' | 'database' | 'seal'>,
  env: NodeJS.ProcessEnv,
  logger: Logger,
  gateways?: ChannelGateways,
): Record<string, JobHandler> {
  const bills = channelBills(gateways);
  const ports: SchedulePorts = {
    store: ledger.store,
    db: ledger.database.db,
    fetcher: statementFetcher({
      credentials: new FileCredentialStore(credentialDir(env)),
      settleMs: Number(env.LEDGER_FOLDER_SETTLE_MS ?? 10_000),
      ...(bills ? { channelBills: bills } : {}),
    }),
  };
  const leaseMs = Number(env.LEDGER_JOB_LOCK_MS ?? 60_000);
  const jobPorts = {
    jobs: new SqlJobStore(ledger.database.db),
    store: ledger.store,
    db: ledger.database.db,
    now: () => new Date(),
  };
  return {
    'request-job': requestJobHandler((jobId, o) => runJob(jobPorts, jobId, o), {
      runner: runnerId('worker'),
      leaseMs,
      logger,
    }),
    'auto-reconcile': autoReconcileHandler(async (run) => {
      const outcome = await runScheduledDay(ports, run);
      logger.info(
        {
          hospitalId: run.hospitalId,
          schedule: run.scheduleId,
          attempt: run.attempt,
          outcome: outcome.kind,
          ...('businessDate' in outcome ? { businessDate: outcome.businessDate } : {}),
          ...('reason' in outcome ? { reason: outcome.reason } : {}),
        },
        'auto-reconcile',
      );
      return outcome;
    }),
    async 'pending-deadline'() {
      const r = await reconcileOverduePending(ports);
      logger.info(r, 'pending items past their deadline looked at again');
      return r;
    },
    async 'intraday-check'() {
      const r = await runIntradayCheck({
        store: ledger.store,
        db: ledger.database.db,
        now: () => new Date(),
        logger,
        ...(gateways ? { gateways } : {}),
      });
      logger.info(r, 'intraday check: open payment attempts asked of their channels');
      return r;
    },
    async seal() {
      const keys = sealKeyConfigFromEnv(env);
      const signer = openSealSigner(keys, (message) => logger.warn(message));
      const r = await ledger.seal({ signer, anchors: new AnchorDir(keys.anchorDir) });
      logger.info({ seals: r.sealsWritten, position: String(r.lastSealedPosition) }, 'sealed');
      return { seals: r.sealsWritten, position: String(r.lastSealedPosition) };
    },
  };
}

export async function worker(argv: string[], io: CliIo): Promise<number> {
  let values: {
    concurrency?: string | undefined;
    help?: boolean | undefined;
    'jobs-only'?: boolean | undefined;
    'background-only'?: boolean | undefined;
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        concurrency: { type: 'string' },
        'jobs-only': { type: 'boolean' },
        'background-only': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    io.stderr.write(`ledger worker: ${(e as Error).message}\n${USAGE}\n`);
    return 64;
  }
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const concurrency = Number(values.concurrency ?? 2);
  if (
    !Number.isInteger(concurrency) ||
    concurrency < 1 ||
    concurrency > 64 ||
    (values['jobs-only'] && values['background-only'])
  ) {
    io.stderr.write(
      `ledger worker: --concurrency takes 1 to 64; --jobs-only and --background-only exclude each other\n`,
    );
    return 64;
  }
  const logger = createLogger({ name: 'worker', destination: io.stderr });
  const ledger = await openLedger(configFromEnv(io.env), {
    migrate: true,
    prepare: readModelPreparation,
    upcasters: UPCASTERS,
  });
  // Channel calls and bill downloads need the merchants' sealed credentials: the master key opens them.
  const channels = io.env.LEDGER_MASTER_KEY
    ? channelWiring(io.env, ledger.database.db, cliMasterKeyring(io.env))
    : undefined;
  const background = values['jobs-only']
    ? undefined
    : startBackgroundWork(ledger, logger, hisFromEnv(io.env), channels);

  let stopJobs = async () => {};
  if (!values['background-only']) {
    const config = queueConfigFromEnv(io.env);
    const queue = openQueue(config, logger);
    const scheduleQueue = new BullScheduleQueue(queue);
    const sync = async () => {
      try {
        const r = await syncSchedules({ store: ledger.store, db: ledger.database.db, queue: scheduleQueue });
        await queue.upsertJobScheduler(
          'pending-deadline',
          { every: Number(io.env.LEDGER_PENDING_CHECK_MINUTES ?? 60) * 60_000 },
          { name: 'pending-deadline' },
        );
        // 多时点对账: open attempts are asked of their channels at these local times (default 10:00 … 22:00).
        await queue.upsertJobScheduler(
          'intraday-check',
          {
            pattern: io.env.LEDGER_INTRADAY_CHECK_CRON ?? '0 10,13,16,19,22 * * *',
            tz: io.env.LEDGER_INTRADAY_CHECK_TZ ?? 'Asia/Shanghai',
          },
          { name: 'intraday-check' },
        );
        if (io.env.LEDGER_SEAL_KEY_FILE)
          await queue.upsertJobScheduler(
            'seal',
            { every: Number(io.env.LEDGER_SEAL_EVERY_MINUTES ?? 60) * 60_000 },
            { name: 'seal' },
          );
        logger.debug(r, 'schedules in step');
      } catch (e) {
        logger.warn(
          { err: (e as Error).message },
          'schedules not synced (Redis or the database away); next try in a minute',
        );
      }
    };
    void sync();
    const timer = setInterval(sync, SYNC_EVERY_MS);
    const requestJobs = new SqlJobStore(ledger.database.db);
    let relaying = false;
    const relay = setInterval(
      async () => {
        if (relaying) return;
        relaying = true;
        try {
          const n = await relayQueuedJobs(queue, requestJobs);
          if (n > 0) logger.info({ jobs: n }, 'jobs recorded while Redis was away handed to the queue');
        } catch (e) {
          logger.debug({ err: (e as Error).message }, 'jobs not relayed (Redis or the database away)');
        } finally {
          relaying = false;
        }
      },
      Number(io.env.LEDGER_JOB_RELAY_MS ?? RELAY_EVERY_MS),
    );
    const jobs = startWorker(
      config,
      jobHandlers(ledger, io.env, logger, channels?.merchants.gateways),
      logger,
      {
        concurrency,
        lockDurationMs: Number(io.env.LEDGER_JOB_LOCK_MS ?? 60_000),
      },
    );
    stopJobs = async () => {
      clearInterval(timer);
      clearInterval(relay);
      await jobs.close();
      await queue.close();
    };
  }
  io.stdout.write(
    `ledger worker running (${background ? `${background.runners.length} projections, reactions` : 'no projections'}; ${values['background-only'] ? 'no jobs' : `jobs ×${concurrency}`}; ${ledger.database.kind})\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  io.stdout.write('ledger worker stopping: finishing the jobs in hand\n');
  await stopJobs();
  await background?.reactions.stop();
  await Promise.all((background?.runners ?? []).map((r) => r.stop()));
  await ledger.close();
  return 0;
}
