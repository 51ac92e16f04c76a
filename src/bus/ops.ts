// What operators and load balancers use: /health (the process answers), /ready (it can do useful work now),
// /metrics (Prometheus), and load shedding: past a bound on requests in flight, or while too many queries
// already wait for a database connection, a request is answered 503 OVERLOADED with Retry-After at once —
// in onRequest, before its body is read or anything is authenticated or written — instead of queueing into
// a timeout. A shed request has done nothing, so the client may simply send it again.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { pendingMigrations } from '../adapters/db/migrate.ts';
import { reactionStatuses } from '../app/reactions/runtime.ts';
import { allProjections, liveSchema } from '../projections/index.ts';
import { ApiError, busError, RETRY_AFTER_SECONDS } from './errors.ts';
import { BusMetrics } from './metrics.ts';
import { hashToken } from './principal.ts';
import { readModelFreshness } from './routes/queries.ts';
import type { App, ServerContext } from './server.ts';

/** Requests served at once before more are shed. */
export const DEFAULT_MAX_IN_FLIGHT = 256;
/** Queries waiting for a database connection before new requests are shed. */
export const DEFAULT_MAX_POOL_WAITING = 64;
/** Events a read model may lag behind the store while the process still reports ready. */
export const DEFAULT_READY_MAX_LAG = 10_000n;
/** Longest one readiness check may take: /ready never hangs on a database or Redis that does not answer. */
export const READY_CHECK_TIMEOUT_MS = 2_000;
/** Routes never shed: a load balancer must still see the process while it sheds. */
const OPS_ROUTES = new Set(['/health', '/ready', '/metrics']);
const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export interface OpsOptions {
  maxInFlight?: number;
  maxPoolWaiting?: number;
  readyMaxLag?: bigint;
  /** Bearer token Prometheus presents at /metrics; without one only loopback callers may scrape. */
  metricsToken?: string;
  /** The process's Redis, when it uses one (replay guard, rate limits): /ready pings it. */
  redis?: { ping(): Promise<unknown> };
  /** The process's metrics (`ledger serve` meters the store's appends through the same instance). */
  metrics?: BusMetrics;
}

/** LEDGER_MAX_IN_FLIGHT, LEDGER_MAX_POOL_WAITING, LEDGER_READY_MAX_LAG, LEDGER_METRICS_TOKEN. */
export function opsOptionsFromEnv(env: NodeJS.ProcessEnv): OpsOptions {
  const int = (name: string, min: number): number | undefined => {
    const raw = env[name]?.trim();
    if (!raw) return undefined;
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < min) throw new RangeError(`${name} must be an integer ≥ ${min}`);
    return n;
  };
  const out: OpsOptions = {};
  const maxInFlight = int('LEDGER_MAX_IN_FLIGHT', 1);
  const maxPoolWaiting = int('LEDGER_MAX_POOL_WAITING', 0);
  const readyMaxLag = int('LEDGER_READY_MAX_LAG', 0);
  if (maxInFlight !== undefined) out.maxInFlight = maxInFlight;
  if (maxPoolWaiting !== undefined) out.maxPoolWaiting = maxPoolWaiting;
  if (readyMaxLag !== undefined) out.readyMaxLag = BigInt(readyMaxLag);
  const token = env.LEDGER_METRICS_TOKEN?.trim();
  if (token) {
    if (token.length < 32) throw new RangeError('LEDGER_METRICS_TOKEN must be at least 32 characters');
    out.metricsToken = token;
  }
  return out;
}

interface Check {
  ok: boolean;
  [detail: string]: unknown;
}

async function bounded(check: () => Promise<Check>): Promise<Check> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      check(),
      new Promise<Check>((resolve) => {
        timer = setTimeout(() => resolve({ ok: false, reason: 'timeout' }), READY_CHECK_TIMEOUT_MS);
      }),
    ]);
  } catch (error) {
    return { ok: false, reason: (error as { code?: string }).code ?? (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

async function projectionLags(ctx: ServerContext) {
  const head = await ctx.deps.store.headPosition();
  return Promise.all(
    allProjections().map(async (p) => ({
      name: p.name,
      lag: BigInt((await readModelFreshness(ctx, liveSchema(p), head)).lag),
    })),
  );
}

/** Every readiness check, each bounded in time; ready when all pass. */
export async function readiness(ctx: ServerContext, ops: OpsOptions): Promise<Record<string, Check>> {
  const maxLag = ops.readyMaxLag ?? DEFAULT_READY_MAX_LAG;
  const checks: Record<string, Promise<Check>> = {
    database: bounded(async () => ({ ok: true, head: (await ctx.deps.store.headPosition()).toString() })),
    migrations: bounded(async () => {
      const pending = await pendingMigrations(ctx.options.database.db);
      return { ok: pending.length === 0, pending };
    }),
    projections: bounded(async () => {
      const lags = await projectionLags(ctx);
      const behind = lags.filter((l) => l.lag > maxLag).map((l) => ({ name: l.name, lag: l.lag.toString() }));
      return { ok: behind.length === 0, maxLag: maxLag.toString(), behind };
    }),
  };
  if (ops.redis) {
    const redis = ops.redis;
    checks.redis = bounded(async () => {
      await redis.ping();
      return { ok: true };
    });
  }
  const names = Object.keys(checks);
  const results = await Promise.all(Object.values(checks));
  return Object.fromEntries(names.map((n, i) => [n, results[i]!]));
}

function metricsAllowed(req: FastifyRequest, token: string | undefined): void {
  if (token === undefined) {
    if (!LOOPBACK.has(req.ip)) throw new ApiError('PATH_FORBIDDEN', { reason: 'metrics: loopback only' });
    return;
  }
  const h = req.headers.authorization;
  const presented = typeof h === 'string' && h.startsWith('Bearer ') ? h.slice(7).trim() : '';
  if (!timingSafeEqual(hashToken(presented), hashToken(token))) throw new ApiError('AUTH_BAD_TOKEN');
}

function refusalCode(req: FastifyRequest): string | undefined {
  return (req as FastifyRequest & { refusalCode?: string }).refusalCode;
}

/** Installs shedding and metering hooks on the root app and the /ready and /metrics routes. */
export function installOps(app: App, ctx: ServerContext, ops: OpsOptions = {}): BusMetrics {
  const pool = () => ctx.options.database.poolStats?.();
  let inFlight = 0;
  const metrics = ops.metrics ?? new BusMetrics();
  metrics.attach({
    projections: () => projectionLags(ctx),
    reactions: () => reactionStatuses(ctx.deps),
    pool,
    inFlight: () => inFlight,
  });

  const shed = (reply: FastifyReply, reason: string, details: Record<string, unknown>) => {
    metrics.shed.inc({ reason });
    return reply
      .code(503)
      .header('retry-after', String(RETRY_AFTER_SECONDS))
      .type('application/json; charset=utf-8')
      .send(busError('OVERLOADED', { reason, ...details }));
  };

  app.addHook('onRequest', async (req, reply) => {
    if (OPS_ROUTES.has(req.routeOptions.url ?? '')) return;
    // Read per request: the bounds are plain settings an operator (or a test) may change at run time.
    const maxInFlight = ops.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    const maxPoolWaiting = ops.maxPoolWaiting ?? DEFAULT_MAX_POOL_WAITING;
    if (inFlight >= maxInFlight) return shed(reply, 'in-flight', { limit: maxInFlight });
    const waiting = pool()?.waiting ?? 0;
    if (waiting > maxPoolWaiting) return shed(reply, 'database-queue', { limit: maxPoolWaiting });
    inFlight++;
    let done = false;
    const release = () => {
      if (!done) inFlight--;
      done = true;
    };
    reply.raw.once('finish', release);
    reply.raw.once('close', release);
  });

  // The refusal code of an error answer, for the metrics (the body is already serialized here).
  app.addHook('onSend', async (req, reply, payload) => {
    if (reply.statusCode >= 400 && typeof payload === 'string' && payload.length < 64 * 1024) {
      try {
        const code = (JSON.parse(payload) as { code?: unknown }).code;
        if (typeof code === 'string') (req as FastifyRequest & { refusalCode?: string }).refusalCode = code;
      } catch {
        // not JSON: counted without a code
      }
    }
    return payload;
  });

  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    const method = req.method;
    const status = reply.statusCode;
    const code = status < 400 ? 'ok' : (refusalCode(req) ?? 'none');
    metrics.requests.inc({ route, method, status: String(status), code });
    metrics.latency.observe({ route, method }, reply.elapsedTime / 1000);
    if (status === 429) metrics.rateLimited.inc({ route });
    if (method !== 'GET' && method !== 'HEAD' && req.routeOptions.url !== undefined) {
      const outcome =
        status < 400 ? (reply.getHeader('idempotent-replayed') === 'true' ? 'replayed' : 'accepted') : code;
      metrics.commands.inc({ command: `${method} ${route}`, outcome });
    }
  });

  app.get(
    '/ready',
    {
      schema: {
        tags: ['ops'],
        summary:
          'Readiness: the database answers, migrations are current, no read model lags more than the bound, Redis (when used) answers. 503 NOT_READY with each check otherwise',
      },
    },
    async (_req, reply) => {
      const checks = await readiness(ctx, ops);
      if (Object.values(checks).every((c) => c.ok)) return { status: 'ready', checks };
      return reply
        .code(503)
        .header('retry-after', String(RETRY_AFTER_SECONDS))
        .send(busError('NOT_READY', { checks }));
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['ops'],
        summary:
          'Prometheus metrics (text format). Bearer LEDGER_METRICS_TOKEN when configured, else loopback callers only',
      },
    },
    async (req, reply) => {
      metricsAllowed(req, ops.metricsToken);
      const text = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(text);
    },
  );
  return metrics;
}
