// `ledger serve`: the command bus on HOST:PORT, on PostgreSQL (DATABASE_URL) or the embedded PGlite, with
// the projection runners in the same process (read models for the list queries), until SIGINT/SIGTERM.
//
// Environment:
//   HOST (127.0.0.1), PORT (8080), DATABASE_URL | LEDGER_DATA_DIR, LEDGER_MASTER_KEY (seals client secrets; on PGlite
//   outside production, made in the data folder's parent on first start: master-key.ts),
//   staff sign in with accounts (`ledger users add`, POST /v1/auth/sessions); LEDGER_SESSION_IDLE_MINUTES (30),
//   LEDGER_SESSION_MAX_HOURS (12), LEDGER_SIGNIN_MAX_FAILURES (5), LEDGER_SIGNIN_LOCKOUT_MINUTES (15);
//   LEDGER_STAFF_TOKENS (<hospitalId>:<role>:<name>:<token>,…) is deprecated, for tests only: refused when
//   NODE_ENV=production, warned about otherwise. REDIS_URL (shared replay guard and channel rate limits; else in memory),
//   HIS_URL + HIS_DIALECT (json | soap) for the HIS writeback, HIS_TIMEOUT_MS,
//   WECHAT_HOSPITAL_ID, WECHAT_MCH_ID, WECHAT_API_V3_KEY, WECHAT_PLATFORM_CERT (PEM file) [, WECHAT_PLATFORM_SERIAL],
//   ALIPAY_HOSPITAL_ID, ALIPAY_APP_ID, ALIPAY_PUBLIC_KEY (PEM file) — one hospital's callbacks, as before;
//   every hospital's merchants live in channel management (PUT /v1/admin/merchants), see channel-wiring.ts for
//   CHANNEL_QUERY_DELAY_MS, CHANNEL_PAYMENT_DEADLINE_MS, CHANNEL_TIMEOUT_MS;
//   LEDGER_MAX_IN_FLIGHT, LEDGER_MAX_POOL_WAITING, LEDGER_READY_MAX_LAG, LEDGER_METRICS_TOKEN (docs/operations.md);
//   LEDGER_BACKGROUND=off: HTTP only (projections and reactions run in `ledger worker` processes).
//   Jobs requests start (large uploads, rebuilds, large reports): with REDIS_URL they go to the worker queue
//   (`ledger worker` runs them); without it this process runs them, taking up at start what an earlier one left
//   (LEDGER_JOB_LOCK_MS: a runner's lease, 60000; LEDGER_JOB_RESUME_MS: how often it looks, 15000).
import { readFileSync } from 'node:fs';
import { wechatPlatformKeys } from '../adapters/channels/wechat/index.ts';
import { configFromEnv } from '../adapters/db/database.ts';
import { sealKeyConfigFromEnv } from '../adapters/event-store/anchors.ts';
import { openLedger } from '../adapters/event-store/open.ts';
import { HisJsonClient, HisSoapClient } from '../adapters/his/index.ts';
import type { HisClient } from '../domain/his/port.ts';
import type { Database } from '../adapters/db/database.ts';
import type { EventStore } from '../domain/event-store.ts';
import type { Logger } from 'pino';
import { createLogger } from '../adapters/log.ts';
import { SqlJobStore } from '../adapters/jobs/sql-job-store.ts';
import { runnerId } from '../adapters/queue/request-jobs.ts';
import { LocalJobRunner } from '../app/jobs/local.ts';
import { MemoryNonceStore } from '../adapters/nonce/memory.ts';
import { FallbackNonceStore, FallbackRateLimiter } from '../adapters/redis-fallback.ts';
import { UPCASTERS } from '../domain/events.ts';
import { allProjections, readModelPreparation, ProjectionRunner } from '../projections/index.ts';
import { type ReactionsHandle, startReactions } from '../app/reactions/runtime.ts';
import { cliMasterKeyring } from './master-key.ts';
import { ClientRegistry } from '../app/clients.ts';
import { SqlClientStore } from '../adapters/clients/sql-client-store.ts';
import { keyringSealer } from '../adapters/secrets/sealer.ts';
import { parseStaffTokens, STAFF_TOKENS_ENV } from '../bus/principal.ts';
import { signInPolicyFromEnv } from '../app/staff/ports.ts';
import type { CallbackSettings } from '../bus/server.ts';
import { channelWiring, refundPolicyOption } from './channel-wiring.ts';
import { BusMetrics } from '../bus/metrics.ts';
import { opsOptionsFromEnv } from '../bus/ops.ts';
import type { CliIo } from './main.ts';

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = '127.0.0.1';
/** After the listener closed: time for handlers of requests whose clients went away to finish. */
export const SHUTDOWN_SETTLE_MS = 500;
/** Longest a graceful shutdown waits for in-flight requests and writebacks before exiting anyway. */
export const SHUTDOWN_GRACE_MS = 15_000;

export function hisFromEnv(env: NodeJS.ProcessEnv): HisClient | undefined {
  const baseUrl = env.HIS_URL?.trim();
  if (!baseUrl) return undefined;
  const timeoutMs = env.HIS_TIMEOUT_MS ? Number(env.HIS_TIMEOUT_MS) : undefined;
  const options = { baseUrl, ...(timeoutMs ? { timeoutMs } : {}) };
  return env.HIS_DIALECT === 'soap' ? new HisSoapClient(options) : new HisJsonClient(options);
}

function callbacksFromEnv(env: NodeJS.ProcessEnv): CallbackSettings {
  const out: CallbackSettings = {};
  if (env.WECHAT_MCH_ID && env.WECHAT_API_V3_KEY && env.WECHAT_PLATFORM_CERT)
    out.wechat = {
      hospitalId: env.WECHAT_HOSPITAL_ID ?? 'H001',
      config: {
        mchId: env.WECHAT_MCH_ID,
        apiV3Key: env.WECHAT_API_V3_KEY,
        platformKeys: wechatPlatformKeys([
          {
            pem: readFileSync(env.WECHAT_PLATFORM_CERT, 'utf8'),
            ...(env.WECHAT_PLATFORM_SERIAL ? { serial: env.WECHAT_PLATFORM_SERIAL } : {}),
          },
        ]),
      },
    };
  if (env.ALIPAY_APP_ID && env.ALIPAY_PUBLIC_KEY)
    out.alipay = {
      hospitalId: env.ALIPAY_HOSPITAL_ID ?? 'H001',
      config: { appId: env.ALIPAY_APP_ID, alipayPublicKey: readFileSync(env.ALIPAY_PUBLIC_KEY, 'utf8') },
    };
  return out;
}

/**
 * The projection runners and the reactions (deposit credit, HIS writeback) of a process: `ledger serve`
 * runs them beside the bus unless LEDGER_BACKGROUND=off; `ledger worker` runs only them. Each projection and
 * reaction has one leader across processes (advisory-lock leases), so any number may run.
 */
export function startBackgroundWork(
  ledger: { database: Database; store: EventStore },
  logger: Logger,
  his: HisClient | undefined,
  channels?: Pick<ReturnType<typeof channelWiring>, 'merchants' | 'reactions'>,
): { runners: ProjectionRunner[]; reactions: ReactionsHandle } {
  const runners = allProjections().map((projection) =>
    new ProjectionRunner({
      db: ledger.database.db,
      store: ledger.store,
      leases: ledger.database,
      projection,
      schemaPrepared: true, // serve and worker open the ledger with readModelPreparation
      onError: (error) => logger.error({ err: error, projection: projection.name }, 'projection failed'),
    }).start(),
  );
  // What follows an event (deposit credit, HIS writeback) runs here as durable reactions, never in a request.
  const reactions = startReactions(
    {
      store: ledger.store,
      db: ledger.database.db,
      now: () => new Date(),
      logger,
      ...(his ? { his } : {}),
      ...(channels ? { gateways: channels.merchants.gateways } : {}),
    },
    ledger.database,
    channels ? { reactions: channels.reactions } : {},
  );
  return { runners, reactions };
}

export async function serve(
  _argv: string[],
  io: CliIo,
  options: { signal?: AbortSignal } = {},
): Promise<number> {
  const env = io.env;
  const keyring = cliMasterKeyring(env, { create: true, note: (m) => io.stderr.write(`${m}\n`) });
  const staffTokens = parseStaffTokens(env[STAFF_TOKENS_ENV]);
  // Static tokens never expire and cannot be revoked one person at a time: not for production.
  if (staffTokens.length > 0 && env.NODE_ENV === 'production')
    throw new Error(`${STAFF_TOKENS_ENV} is for tests only; staff sign in with accounts (ledger users add)`);
  const policy = signInPolicyFromEnv(env);
  const port = Number(env.PORT ?? DEFAULT_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`invalid PORT ${env.PORT}`);
  const host = env.HOST ?? DEFAULT_HOST;
  const logger = createLogger({ name: 'bus', destination: io.stderr });
  if (staffTokens.length > 0)
    logger.warn(
      { tokens: staffTokens.length },
      `${STAFF_TOKENS_ENV} is deprecated (tests only): static staff tokens never expire and cannot be revoked`,
    );
  const ops = opsOptionsFromEnv(env);
  const metrics = new BusMetrics();

  // The bus (fastify, its plugins and every route) loads while the store opens; Redis and BullMQ only when
  // REDIS_URL asks for them.
  const server = import('../bus/server.ts');
  server.catch(() => {}); // awaited below; a failure to open the store comes first
  const redisModules = env.REDIS_URL
    ? await Promise.all([import('../adapters/redis.ts'), import('../adapters/queue/bullmq.ts')])
    : undefined;
  const opened = await openLedger(configFromEnv(env), {
    migrate: true,
    prepare: readModelPreparation,
    upcasters: UPCASTERS,
  });
  // Every append of this process (requests and reactions) is counted and timed for /metrics.
  const ledger = {
    database: opened.database,
    store: metrics.meterAppends(opened.store),
    close: () => opened.close(),
  };
  const [redisAdapter, bullmq] = redisModules ?? [];
  const redis = redisAdapter && env.REDIS_URL ? redisAdapter.openRedis(env.REDIS_URL, logger) : undefined;
  // Shared across instances through Redis; this process's memory while Redis is away (redis-fallback.ts).
  const nonceStore = redis ? new FallbackNonceStore(redis, logger) : new MemoryNonceStore();
  const rateLimiter = redis ? new FallbackRateLimiter(redis, logger) : undefined;
  // The worker queue (schedules' run-now, failed jobs, the dashboard); its calls are bounded, so Redis away
  // never holds a request: commands are taken regardless.
  const jobQueue = bullmq ? bullmq.openQueue(bullmq.queueConfigFromEnv(env), logger) : undefined;
  const his = hisFromEnv(env);
  const channels = channelWiring(env, ledger.database.db, keyring);
  const { runners, reactions } =
    env.LEDGER_BACKGROUND === 'off'
      ? { runners: [], reactions: undefined }
      : startBackgroundWork(ledger, logger, his, channels);
  // Without a worker queue this process runs the jobs requests start, and takes up those a dead one left.
  const localJobs = jobQueue
    ? undefined
    : new LocalJobRunner(
        {
          jobs: new SqlJobStore(ledger.database.db),
          store: ledger.store,
          db: ledger.database.db,
          now: () => new Date(),
        },
        {
          runner: runnerId('bus'),
          logger,
          ...(env.LEDGER_JOB_LOCK_MS ? { leaseMs: Number(env.LEDGER_JOB_LOCK_MS) } : {}),
          ...(env.LEDGER_JOB_RESUME_MS ? { resumeEveryMs: Number(env.LEDGER_JOB_RESUME_MS) } : {}),
        },
      );
  const { buildServer } = await server;
  const app = await buildServer({
    store: ledger.store,
    database: ledger.database,
    ...(his ? { his } : {}),
    clients: new ClientRegistry(new SqlClientStore(ledger.database.db), keyringSealer(keyring)),
    keyring,
    nonceStore,
    ...(rateLimiter ? { rateLimiter } : {}),
    logger,
    staffTokens,
    staff: { policy },
    callbacks: callbacksFromEnv(env),
    merchants: channels.merchants,
    ...refundPolicyOption(env),
    projections: runners,
    ...(reactions ? { reactions } : {}),
    ops: { ...ops, metrics, ...(redis ? { redis } : {}) },
    ...(jobQueue && bullmq ? { jobQueue, scheduleQueue: new bullmq.BullScheduleQueue(jobQueue) } : {}),
    anchorDir: sealKeyConfigFromEnv(env).anchorDir,
    ...(localJobs ? { jobDispatch: localJobs } : {}),
  });
  const address = await app.listen({ host, port });
  localJobs?.start();
  io.stdout.write(
    `ledger bus listening on ${address} (${ledger.database.kind}; replay guard: ${redis ? 'redis' : 'memory'}; HIS: ${his ? env.HIS_URL : 'not configured'}; docs: ${address}/docs)\n`,
  );

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    options.signal?.addEventListener('abort', stop, { once: true });
  });
  io.stdout.write('ledger bus shutting down\n');
  const forced = setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS);
  forced.unref();
  await app.close(); // stops accepting, waits for in-flight requests
  await localJobs?.stop();
  await new Promise((r) => setTimeout(r, SHUTDOWN_SETTLE_MS));
  await reactions?.stop();
  await Promise.all(runners.map((r) => r.stop()));
  await ledger.close();
  if (redis) await redisAdapter?.closeRedis(redis);
  if (jobQueue) await bullmq?.closeQueue(jobQueue);
  clearTimeout(forced);
  return 0;
}
