// The command bus: a fastify 5 app with one TypeBox type provider, JSON Schemas on every route, OpenAPI at
// /docs/json and a docs page at /docs. Hooks authenticate every route (HMAC-signed bus clients, bearer-token
// staff), enforce the role a route needs and the Idempotency-Key of money-moving routes; routes translate
// HTTP into commands for the generic path (dispatch.ts) and map outcomes back.
import { type DeviceFleet, DeviceStatusBook } from '../adapters/devices/status.ts';
import type { ScheduleQueue } from '../domain/ports/schedules.ts';
import { scheduleRoutes } from './routes/schedules.ts';
import { queueRoutes } from './routes/queues.ts';
import { jobRoutes } from './routes/jobs.ts';
import type { Queue } from 'bullmq';
import { createHash } from 'node:crypto';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import type { Logger } from 'pino';
import type { AlipayNotifyConfig } from '../adapters/channels/alipay/index.ts';
import type { WechatPayNotifyConfig } from '../adapters/channels/wechat/index.ts';
import type { Database } from '../adapters/db/database.ts';
import type { HisClient } from '../domain/his/port.ts';
import { createLogger } from '../adapters/log.ts';
import { type LazySchemas, lazySchemaCompilers } from './lazy-schemas.ts';
import type { Actor } from '../domain/decider.ts';
import type { EventStore } from '../domain/event-store.ts';
import { HospitalId } from '../domain/ids.ts';
import type { ProjectionRunner } from '../projections/runner.ts';
import type { ReactionsHandle } from '../app/reactions/runtime.ts';
import { AUTH_HEADERS, DEFAULT_MAX_SKEW_MS, type NonceStore, verifyRequest } from './auth/index.ts';
import type { MasterKeyring } from '../adapters/secrets/keyring.ts';
import { keyringSealer } from '../adapters/secrets/sealer.ts';
import { ChannelDirectory } from '../app/channels.ts';
import { refundPolicyReader } from '../app/refunds.ts';
import type { BusClient, ClientRegistry } from '../app/clients.ts';
import type { BusDeps, ExecuteOptions } from './dispatch.ts';
import { ApiError, busError, RETRY_AFTER_SECONDS, toErrorResponse } from './errors.ts';
import { type Access, findStaff, mayAccess, type Principal, type StaffToken } from './principal.ts';
import { canonicalJson } from '../adapters/event-store/hashing.ts';
import { MemoryRateLimiter } from '../adapters/rate-limit/memory.ts';
import type { RateLimiter } from '../domain/ports/rate-limit.ts';
import { adminRoutes } from './routes/admin.ts';
import { deviceRoutes } from './routes/devices.ts';
import { auditRoutes } from './routes/audit.ts';
import { auditExportRoutes } from './routes/audit-exports.ts';
import { grantRoutes } from './routes/grants.ts';
import { callbackRoutes } from './routes/callbacks.ts';
import { merchantRoutes } from './routes/merchants.ts';
import type { MerchantGateways, MerchantPorts } from '../app/merchants.ts';
import { depositRoutes } from './routes/deposits.ts';
import { refundRoutes } from './routes/refunds.ts';
import type { RefundPolicy } from '../domain/refund/types.ts';
import { mappingRoutes } from './routes/mappings.ts';
import { orderRoutes } from './routes/orders.ts';
import { paymentRoutes } from './routes/payments.ts';
import { queryRoutes } from './routes/queries.ts';
import { reportRoutes } from './routes/reports.ts';
import { settlementRoutes } from './routes/settlements.ts';
import { staffRoutes } from './routes/staff.ts';
import { staffActionRoutes } from './routes/staff-actions.ts';
import { staffPrincipal } from './staff-auth.ts';
import { cookiePrincipal, webSessionRoutes } from './web-session.ts';
import { type WebOptions, webRoutes } from './web-static.ts';
import { type StaffPorts, type StaffSettings, staffPortsOf } from '../app/staff/ports.ts';
import { reconciliationRoutes } from './routes/reconciliation.ts';
import { manualMatchingRoutes } from './routes/manual-matching.ts';
import { statementRoutes } from './routes/statements.ts';
import type { JobDispatch, JobStore } from '../domain/ports/jobs.ts';
import type { MappingCatalog } from '../app/mappings.ts';
import type { BusinessDateOptions } from '../domain/business-date.ts';
import { checkJsonBody } from './body-checks.ts';
import { installOps, type OpsOptions } from './ops.ts';
import { ErrorSchema, MAX_ID_LENGTH } from './schemas.ts';

/** Largest request body the bus reads (an outpatient order of ORDER_LIMITS.chargeItems items fits easily). */
export const BODY_LIMIT_BYTES = 256 * 1024;
/** Longest Idempotency-Key accepted (the event store's limit). */
const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_.:-]{8,180}$/; // within the store's key limit
/** Slowest request fastify waits for before closing the connection. */
export const REQUEST_TIMEOUT_MS = 30_000;

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: Buffer;
    principal?: Principal;
    idempotency?: { key: string; requestHash: string };
  }
  interface FastifyContextConfig {
    /** Who may call the route; absent = public (docs, health, channel callbacks which verify their own way). */
    access?: Access;
    /** Money-moving: requires Idempotency-Key. */
    idempotent?: boolean;
  }
}

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface CallbackSettings {
  wechat?: { hospitalId: string; config: WechatPayNotifyConfig };
  alipay?: { hospitalId: string; config: AlipayNotifyConfig };
}

export interface ServerOptions {
  /** Route schemas compile when first used (lazy-schemas.ts); tests pass their own to compile them all. */
  schemas?: LazySchemas;
  /** The default refund routes (order, refund windows, fallbacks) of a hospital that set none; absent: DEFAULT_REFUND_POLICY. */
  refundPolicy?: RefundPolicy;
  store: EventStore;
  database: Database;
  his?: HisClient;
  clients: ClientRegistry;
  keyring: MasterKeyring;
  nonceStore: NonceStore;
  /** Per-channel rate limit; default in memory (one process). `ledger serve` shares one in Redis when it can. */
  rateLimiter?: RateLimiter;
  /** Server clock (unix ms). */
  now?: () => number;
  logger?: Logger;
  /** Static staff tokens: tests only (no expiry, no revocation); `ledger serve` signs staff in with sessions. */
  staffTokens?: readonly StaffToken[];
  /** Staff accounts and sessions: the directory, the password hasher and the sign-in policy (defaults: the database's tables, argon2id, DEFAULT_SIGN_IN_POLICY). */
  staff?: StaffSettings;
  callbacks?: CallbackSettings;
  /** Channel management's merchant accounts (admin routes, per-hospital callbacks); absent: not configured. */
  merchants?: { ports: MerchantPorts; gateways: MerchantGateways };
  /** Runners whose lag the API reports (GET /v1/projections). */
  projections?: readonly ProjectionRunner[];
  /** Reactions running in this process, reported beside the projections (GET /v1/projections). */
  reactions?: ReactionsHandle;
  maxSkewMs?: number;
  /** Statement mappings the hospitals configured (`mapping=NAME` on an upload); default: none. */
  mappings?: MappingCatalog;
  /** Where upload jobs are recorded; default the `jobs.jobs` table of `database`. */
  jobs?: JobStore;
  /** Who runs jobs (uploads, rebuilds, large reports); default the worker queue (`jobQueue`), else this process. */
  jobDispatch?: JobDispatch;
  /** Uploads larger than this many bytes run as a job (202); default 4 MiB. */
  asyncUploadBytes?: number;
  /** The hospitals' business-date zone and cut-off for reconciliation (default Asia/Shanghai, 00:00). */
  dateOptions?: BusinessDateOptions;
  /** Readiness, metrics and load shedding (ops.ts). */
  ops?: OpsOptions;
  /** The worker queue's side of schedules (run-now, job schedulers kept in step); absent without Redis. */
  scheduleQueue?: ScheduleQueue;
  /** The device fleet's status (default: devices.status in `database`, connections unknown to this process). */
  devices?: DeviceFleet;
  /** The worker queue itself: failed jobs and the dashboard for administrators. */
  jobQueue?: Queue;
  /** The seal anchor directory an audit export takes its anchors from (default .data/anchors). */
  anchorDir?: string;
  /** The workbench's built files (default dist/web of the package; absent: `/` says how to build them). */
  web?: WebOptions;
}

export interface ServerContext {
  deps: BusDeps;
  options: ServerOptions;
  now: () => number;
  /** The staff use cases' ports (accounts, sessions). */
  staff: StaffPorts;
}

export interface RequestContext {
  principal: Principal;
  hospitalId: HospitalId;
  actor: Actor;
  /** Execute options for a command carrying this request's idempotency, admission and correlation. */
  exec(admission?: ExecuteOptions['admission']): ExecuteOptions;
}

export function requestContext(req: FastifyRequest): RequestContext {
  const principal = req.principal;
  if (!principal) throw new ApiError('AUTH_MISSING');
  const actor: Actor =
    principal.kind === 'client'
      ? { kind: principal.client.kind === 'his' ? 'his' : 'bus-client', id: principal.id }
      : { kind: 'staff', id: principal.id };
  return {
    principal,
    hospitalId: HospitalId(principal.hospitalId),
    actor,
    exec(admission) {
      // Who acted is the principal (the event's actor); from where is the client's address.
      const o: ExecuteOptions = { correlationId: String(req.id), metadata: { address: req.ip } };
      if (admission) o.admission = admission;
      if (req.idempotency) {
        o.idempotencyKey = req.idempotency.key;
        o.requestHash = req.idempotency.requestHash;
      }
      return o;
    },
  };
}

/**
 * The key the store keeps for a caller's Idempotency-Key: the caller's identity (hashed to a fixed width, so
 * the longest key still fits the store's limit) before the key it sent.
 */
export function scopedIdempotencyKey(principal: Principal, key: string): string {
  const who = createHash('sha256')
    .update(`${principal.kind}:${principal.id}`, 'utf8')
    .digest('hex')
    .slice(0, 16);
  return `${who}:${key}`;
}

/** The same body written with keys in another order hashes the same (sorted-key JSON, as events are hashed). */
export function requestHash(method: string, path: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method}\n${path}\n${canonicalJson(body ?? null)}`, 'utf8')
    .digest('hex');
}

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string' || !h.startsWith('Bearer ')) return undefined;
  return h.slice(7).trim();
}

export async function authenticate(ctx: ServerContext, req: FastifyRequest): Promise<Principal> {
  const token = bearer(req);
  const viaCookie = token === undefined ? await cookiePrincipal(ctx.staff, req) : undefined;
  if (viaCookie) return viaCookie;
  if (token !== undefined) {
    const session = await staffPrincipal(ctx.staff, token);
    if (session) return session;
    const staff = findStaff(ctx.options.staffTokens ?? [], token);
    if (!staff) throw new ApiError('AUTH_BAD_TOKEN');
    return {
      kind: 'staff',
      role: staff.role,
      id: `${staff.role}:${staff.name}`,
      hospitalId: staff.hospitalId,
    };
  }
  const result = await verifyRequest<BusClient>(
    { method: req.method, path: req.url, headers: req.headers, body: req.rawBody },
    {
      lookupClient: (id) => ctx.options.clients.lookup(id),
      secrets: keyringSealer(ctx.options.keyring),
      nonceStore: ctx.options.nonceStore,
      now: ctx.now,
      maxSkewMs: ctx.options.maxSkewMs ?? DEFAULT_MAX_SKEW_MS,
    },
  );
  if (!result.ok) {
    // Never the signature or the body: the client id is not a secret.
    req.log.warn(
      {
        code: result.code,
        clientId: String(req.headers[AUTH_HEADERS.clientId.toLowerCase()] ?? '').slice(0, 64),
      },
      'bus request refused',
    );
    throw new ApiError(result.code, { reason: result.message });
  }
  const c = result.client;
  return { kind: 'client', role: 'bus-client', id: c.clientId, hospitalId: c.hospitalId, client: c };
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0)
    throw Object.assign(new Error('empty JSON body'), { code: 'FST_ERR_CTP_EMPTY_JSON_BODY' });
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw Object.assign(new Error('invalid JSON'), {
      code: 'FST_ERR_CTP_INVALID_JSON_BODY',
      statusCode: 400,
    });
  }
  checkJsonBody(value);
  return value;
}

/** Answers what the router refuses before any route runs (a path parameter too long, a malformed URL). */
function frameworkError(error: Error, req: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = toErrorResponse(error);
  req.log.info({ code: body.code, status }, 'request refused');
  void reply.code(status).type('application/json; charset=utf-8').send(body);
}

export async function buildServer(options: ServerOptions): Promise<App> {
  const now = options.now ?? Date.now;
  const logger = options.logger ?? createLogger({ name: 'bus' });
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    requestTimeout: REQUEST_TIMEOUT_MS,
    // Per-request access lines are off: refusals and failures are logged by the error handler, with codes only.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    // Every id in a path fits; a longer parameter is refused by the router (frameworkError), in our shape.
    routerOptions: { maxParamLength: MAX_ID_LENGTH },
    frameworkErrors: frameworkError,
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false },
    },
    schemaController: { compilersFactory: (options.schemas ?? lazySchemaCompilers()).compilersFactory },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const deps: BusDeps = {
    store: options.store,
    db: options.database.db,
    channels: new ChannelDirectory(options.store, now),
    rateLimiter: options.rateLimiter ?? new MemoryRateLimiter(now),
    devices: options.devices ?? new DeviceStatusBook(options.database.db, () => new Date(now())),
    ...(options.his ? { his: options.his } : {}),
    ...(options.merchants ? { gateways: options.merchants.gateways } : {}),
    logger,
    now: () => new Date(now()),
    refundPolicy: refundPolicyReader(options.store, options.refundPolicy),
  };
  const ctx: ServerContext = {
    deps,
    options,
    now,
    staff: staffPortsOf(deps, options.database, options.staff),
  };

  // JSON bodies are kept raw: the HMAC covers the exact bytes sent. JSON is the only body the API reads:
  // any other content type (text/plain, forms, octet streams) is refused with 415 before authentication,
  // so no body reaches a signed route without the signature covering it. Channel callbacks, which verify
  // their own signatures over raw bytes, install their own parsers in their scope.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit: BODY_LIMIT_BYTES },
    (req, body, done) => {
      req.rawBody = body as Buffer;
      try {
        done(null, parseJson(body as Buffer));
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );

  app.addSchema(ErrorSchema);

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Hospital payment ledger — command bus',
        version: '1',
        description:
          'Bus clients sign every request (X-Client-Id, X-Timestamp, X-Nonce, X-Signature = HMAC-SHA256 over method, path, timestamp, nonce and the body hash). Staff use Authorization: Bearer. Money is a decimal string. Every refusal is { code, message: { zh, en }, details }. Lists (patient orders, deposit statements) come from read models and are eventually consistent: see GET /v1/projections for their lag; single orders and deposits are read from their event stream and always current.',
      },
      components: {
        securitySchemes: {
          busClient: { type: 'apiKey', in: 'header', name: 'X-Signature' },
          staff: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ busClient: [] }, { staff: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.addHook('preValidation', async (req) => {
    const access = req.routeOptions.config.access;
    if (!access) return; // public: docs, health, channel callbacks
    const principal = await authenticate(ctx, req);
    if (!mayAccess(principal, access))
      throw new ApiError('FORBIDDEN_ROLE', { role: principal.role, needs: access });
    req.principal = principal;
    if (req.routeOptions.config.idempotent) {
      const key = req.headers['idempotency-key'];
      if (key === undefined) throw new ApiError('IDEMPOTENCY_KEY_MISSING');
      if (typeof key !== 'string' || !IDEMPOTENCY_KEY_PATTERN.test(key))
        throw new ApiError('IDEMPOTENCY_KEY_INVALID', { pattern: IDEMPOTENCY_KEY_PATTERN.source });
      // A key is the caller's own: scoped per client (or staff user), so one kiosk never gets another's answer.
      req.idempotency = {
        key: scopedIdempotencyKey(principal, key),
        requestHash: requestHash(req.method, req.url, req.body),
      };
    }
  });

  app.setErrorHandler((error, req, reply) => {
    const { status, body } = toErrorResponse(error);
    if (status >= 500) req.log.error({ err: error, code: body.code }, 'request failed');
    else req.log.info({ code: body.code, status, route: req.routeOptions.url }, 'request refused');
    if (status === 429 || status === 503) reply.header('retry-after', String(RETRY_AFTER_SECONDS));
    return reply.code(status).type('application/json; charset=utf-8').send(body);
  });

  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send(busError('ROUTE_NOT_FOUND', { method: req.method, path: req.url.split('?')[0] })),
  );

  app.get(
    '/health',
    {
      schema: {
        tags: ['ops'],
        summary: 'Liveness',
        response: { 200: { type: 'object', properties: { status: { type: 'string' } } } },
      },
    },
    async () => ({ status: 'ok' }),
  );
  installOps(app, ctx, options.ops);

  await app.register(async (scope) => orderRoutes(scope as App, ctx));
  await app.register(async (scope) => paymentRoutes(scope as App, ctx));
  await app.register(async (scope) => depositRoutes(scope as App, ctx));
  await app.register(async (scope) => refundRoutes(scope as App, ctx));
  await app.register(async (scope) => queryRoutes(scope as App, ctx));
  await app.register(async (scope) => adminRoutes(scope as App, ctx));
  await app.register(async (scope) => settlementRoutes(scope as App, ctx));
  await app.register(async (scope) => deviceRoutes(scope as App, ctx));
  await app.register(async (scope) => callbackRoutes(scope as App, ctx));
  await app.register(async (scope) => merchantRoutes(scope as App, ctx));
  await app.register(async (scope) => auditRoutes(scope as App, ctx));
  await app.register(async (scope) => auditExportRoutes(scope as App, ctx));
  await app.register(async (scope) => staffRoutes(scope as App, ctx));
  await app.register(async (scope) => staffActionRoutes(scope as App, ctx));
  await app.register(async (scope) => statementRoutes(scope as App, ctx));
  await app.register(async (scope) => reconciliationRoutes(scope as App, ctx));
  await app.register(async (scope) => manualMatchingRoutes(scope as App, ctx));
  await app.register(async (scope) => mappingRoutes(scope as App, ctx));
  await app.register(async (scope) => reportRoutes(scope as App, ctx));
  await app.register(async (scope) => grantRoutes(scope as App, ctx));
  await app.register(async (scope) => scheduleRoutes(scope as App, ctx));
  await app.register(async (scope) => queueRoutes(scope as App, ctx));
  await app.register(async (scope) => jobRoutes(scope as App, ctx));
  await app.register(async (scope) => webSessionRoutes(scope as App, ctx));
  await app.register(async (scope) => webRoutes(scope as App, options.web));
  return app;
}

/** Marks a replayed idempotent answer (the body is the first answer, byte for byte the same shape). */
export function markReplay(reply: FastifyReply, duplicate: boolean): void {
  if (duplicate) reply.header('idempotent-replayed', 'true');
}
