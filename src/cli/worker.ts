// `ledger worker`: a BullMQ worker process. Start as many as you like on as many machines as you like (the same
// REDIS_URL and DATABASE_URL): they share the queue, BullMQ gives each job to one of them, and a job whose
// worker died is taken up by another once its lock expires. At start and then every minute a worker brings
// the job schedulers in step with the schedules configured (so a change made while Redis was away applies).
import { parseArgs } from 'node:util';
import type { Logger } from 'pino';
import { configFromEnv } from '../adapters/db/database.ts';
import { AnchorDir, openSealSigner, sealKeyConfigFromEnv } from '../adapters/event-store/anchors.ts';
import { type Ledger, openLedger } from '../adapters/event-store/open.ts';
import { createLogger } from '../adapters/log.ts';
import {
  autoReconcileHandler,
  BullScheduleQueue,
  type JobHandler,
  openQueue,
  queueConfigFromEnv,
  startWorker,
} from '../adapters/queue/bullmq.ts';
import { credentialDir, FileCredentialStore } from '../adapters/sources/credentials.ts';
import { statementFetcher } from '../adapters/sources/fetch.ts';
import { runScheduledDay, type SchedulePorts, syncSchedules } from '../app/schedules.ts';
import type { CliIo } from './main.ts';

const USAGE = `ledger worker [--concurrency N]
  Runs background jobs from the queue in Redis (REDIS_URL, default redis://127.0.0.1:6379) against the
  database (DATABASE_URL, or the embedded PGlite): scheduled auto-reconciliation of each hospital's days and
  periodic seals of the event log. Run several for capacity and failover; stop with Ctrl-C (SIGINT/SIGTERM):
  the jobs in hand finish first.

Environment:
  REDIS_URL                   the queue's Redis
  LEDGER_QUEUE_PREFIX         key prefix of the queue in Redis (default bull)
  LEDGER_CREDENTIALS_DIR      where source credentials live: <dir>/<hospitalId>/<name>.json, mode 0600
                              (default .data/credentials)
  LEDGER_FOLDER_SETTLE_MS     a drop-folder file younger than this is still being written (default 10000)
  LEDGER_SEAL_EVERY_MINUTES   seal the event log this often when LEDGER_SEAL_KEY_FILE is set (default 60)
  LEDGER_JOB_LOCK_MS          a job's lock; a dead worker's job is taken up after about this (default 60000)`;

const SYNC_EVERY_MS = 60_000;

/** The worker's job handlers, each a use case (shared with the tests, which run workers in process). */
export function jobHandlers(
  ledger: Pick<Ledger, 'store' | 'database' | 'seal'>,
  env: NodeJS.ProcessEnv,
  logger: Logger,
): Record<string, JobHandler> {
  const ports: SchedulePorts = {
    store: ledger.store,
    db: ledger.database.db,
    fetcher: statementFetcher({
      credentials: new FileCredentialStore(credentialDir(env)),
      settleMs: Number(env.LEDGER_FOLDER_SETTLE_MS ?? 10_000),
    }),
  };
  return {
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
    async seal() {
      const keys = sealKeyConfigFromEnv(env);
      const signer = openSealSigner(keys, (message) => logger.warn(message));
      const r = await ledger.seal({ signer, anchors: new AnchorDir(keys.anchorDir) });
      logger.info({ seals: r.sealsWritten, position: String(r.lastSealedPosition) }, 'sealed');
      return { seals: r.sealsWritten, position: String(r.lastSealedPosition) };
    },
  };
}

export async function workerCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { concurrency: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const concurrency = Number(values.concurrency ?? 2);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    io.stderr.write('ledger worker: --concurrency takes an integer from 1 to 64\n');
    return 64;
  }
  const logger = createLogger({ name: 'worker' });
  const ledger = await openLedger(configFromEnv(io.env), { migrate: true });
  const config = queueConfigFromEnv(io.env);
  const queue = openQueue(config, logger);
  const scheduleQueue = new BullScheduleQueue(queue);
  const sync = async () => {
    try {
      const r = await syncSchedules({ store: ledger.store, db: ledger.database.db, queue: scheduleQueue });
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
  await sync();
  const timer = setInterval(sync, SYNC_EVERY_MS);
  const worker = startWorker(config, jobHandlers(ledger, io.env, logger), logger, {
    concurrency,
    lockDurationMs: Number(io.env.LEDGER_JOB_LOCK_MS ?? 60_000),
  });
  logger.info({ concurrency, redis: config.redisUrl.replace(/\/\/[^@]*@/, '//***@') }, 'worker started');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  clearInterval(timer);
  logger.info('worker stopping: finishing the jobs in hand');
  await worker.close();
  await queue.close();
  await ledger.close();
  return 0;
}
