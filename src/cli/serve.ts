// `ledger serve`: the command bus on HOST:PORT, on PostgreSQL (DATABASE_URL) or the embedded PGlite, with
// the projection runners in the same process (read models for the list queries), until SIGINT/SIGTERM.
//
// Environment:
//   HOST (127.0.0.1), PORT (8080), DATABASE_URL | LEDGER_DATA_DIR, LEDGER_MASTER_KEY (required: seals client secrets),
//   LEDGER_STAFF_TOKENS (<hospitalId>:<role>:<name>:<token>,…), REDIS_URL (shared replay guard and channel rate limits; else in memory),
//   HIS_URL + HIS_DIALECT (json | soap) for the HIS writeback, HIS_TIMEOUT_MS,
//   WECHAT_HOSPITAL_ID, WECHAT_MCH_ID, WECHAT_API_V3_KEY, WECHAT_PLATFORM_CERT (PEM file) [, WECHAT_PLATFORM_SERIAL],
//   ALIPAY_HOSPITAL_ID, ALIPAY_APP_ID, ALIPAY_PUBLIC_KEY (PEM file).
import { readFileSync } from 'node:fs';
import { wechatPlatformKeys } from '../adapters/channels/wechat/index.ts';
import { configFromEnv } from '../adapters/db/database.ts';
import { openLedger } from '../adapters/event-store/open.ts';
import { HisJsonClient, HisSoapClient } from '../adapters/his/index.ts';
import type { HisClient } from '../domain/his/port.ts';
import { createLogger } from '../adapters/log.ts';
import { MemoryNonceStore } from '../adapters/nonce/memory.ts';
import { RedisNonceStore } from '../adapters/nonce/redis.ts';
import { closeRedis, openRedis } from '../adapters/redis.ts';
import { BullScheduleQueue, openQueue, queueConfigFromEnv } from '../adapters/queue/bullmq.ts';
import { RedisRateLimiter } from '../adapters/rate-limit/redis.ts';
import { UPCASTERS } from '../domain/events.ts';
import { allProjections, ensureReadModels, ProjectionRunner } from '../projections/index.ts';
import { startReactions } from '../app/reactions/runtime.ts';
import { masterKeyringFromEnv } from '../bus/auth/index.ts';
import { ClientRegistry } from '../bus/clients.ts';
import { parseStaffTokens, STAFF_TOKENS_ENV } from '../bus/principal.ts';
import { buildServer, type CallbackSettings } from '../bus/server.ts';
import type { CliIo } from './main.ts';

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = '127.0.0.1';
/** After the listener closed: time for handlers of requests whose clients went away to finish. */
export const SHUTDOWN_SETTLE_MS = 500;
/** Longest a graceful shutdown waits for in-flight requests and writebacks before exiting anyway. */
export const SHUTDOWN_GRACE_MS = 15_000;

function hisFromEnv(env: NodeJS.ProcessEnv): HisClient | undefined {
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

export async function serve(
  _argv: string[],
  io: CliIo,
  options: { signal?: AbortSignal } = {},
): Promise<number> {
  const env = io.env;
  const keyring = masterKeyringFromEnv(env);
  const staffTokens = parseStaffTokens(env[STAFF_TOKENS_ENV]);
  const port = Number(env.PORT ?? DEFAULT_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`invalid PORT ${env.PORT}`);
  const host = env.HOST ?? DEFAULT_HOST;
  const logger = createLogger({ name: 'bus', destination: io.stderr });

  const ledger = await openLedger(configFromEnv(env), {
    migrate: true,
    prepare: ensureReadModels,
    upcasters: UPCASTERS,
  });
  const redis = env.REDIS_URL ? openRedis(env.REDIS_URL, logger) : undefined;
  const nonceStore = redis ? new RedisNonceStore(redis) : new MemoryNonceStore();
  const rateLimiter = redis ? new RedisRateLimiter(redis) : undefined;
  // The worker queue (schedules' run-now, failed jobs, the dashboard); its calls are bounded, so Redis away
  // never holds a request: commands are taken regardless.
  const jobQueue = env.REDIS_URL ? openQueue(queueConfigFromEnv(env), logger) : undefined;
  const runners = allProjections().map((projection) =>
    new ProjectionRunner({
      db: ledger.database.db,
      store: ledger.store,
      leases: ledger.database,
      projection,
      onError: (error) => logger.error({ err: error, projection: projection.name }, 'projection failed'),
    }).start(),
  );
  const his = hisFromEnv(env);
  // What follows an event (deposit credit, HIS writeback) runs here as durable reactions, never in a request.
  const reactions = startReactions(
    {
      store: ledger.store,
      db: ledger.database.db,
      now: () => new Date(),
      logger,
      ...(his ? { his } : {}),
    },
    ledger.database,
  );
  const app = await buildServer({
    store: ledger.store,
    database: ledger.database,
    ...(his ? { his } : {}),
    clients: new ClientRegistry(ledger.database.db, keyring),
    keyring,
    nonceStore,
    ...(rateLimiter ? { rateLimiter } : {}),
    logger,
    staffTokens,
    callbacks: callbacksFromEnv(env),
    projections: runners,
    reactions,
    ...(jobQueue ? { jobQueue, scheduleQueue: new BullScheduleQueue(jobQueue) } : {}),
  });
  const address = await app.listen({ host, port });
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
  await new Promise((r) => setTimeout(r, SHUTDOWN_SETTLE_MS));
  await reactions.stop();
  await Promise.all(runners.map((r) => r.stop()));
  await ledger.close();
  if (redis) await closeRedis(redis);
  await jobQueue?.close().catch(() => undefined);
  clearTimeout(forced);
  return 0;
}
