// Every refusal the bus answers has one shape: `{ code, message: { zh, en }, details }` with a 4xx status
// (5xx only for our own failures). Domain refusals (order/deposit rejections, channel and reconciliation
// refusals) carry their code, messages and status; everything the bus itself refuses maps through BUS_ERRORS.
import { isDatabaseUnavailable } from '../adapters/db/faults.ts';
import { EventStoreError } from '../domain/event-store.ts';
import { Refusal, type RefusalKind } from '../domain/rejection.ts';

export interface ErrorBody {
  code: string;
  message: { zh: string; en: string };
  details: Record<string, unknown>;
}

/** A bus refusal: its HTTP status and its message in Chinese and in English. */
function http<const Status extends number>(status: Status, zh: string, en: string) {
  return { status, zh, en };
}

// biome-ignore format: one line per code keeps the table readable as a table
export const BUS_ERRORS = {
  AUTH_MISSING: http(401, '缺少或错误的认证信息', 'Authentication headers are missing or malformed'),
  AUTH_UNKNOWN_CLIENT: http(401, '未知的客户端', 'Unknown client'),
  AUTH_BAD_SIGNATURE: http(401, '签名校验失败', 'The request signature does not verify'),
  AUTH_STALE_TIMESTAMP: http(401, '请求时间戳超出允许范围', 'The request timestamp is outside the allowed window'),
  AUTH_NONCE_REUSED: http(401, '请求随机数已被使用（疑似重放）', 'The nonce was already used (replay)'),
  AUTH_CLIENT_DISABLED: http(403, '客户端已停用', 'The client is disabled'),
  AUTH_UNAVAILABLE: http(503, '认证服务暂不可用', 'Authentication cannot be checked right now'),
  AUTH_BAD_TOKEN: http(401, '访问令牌无效', 'The bearer token is not valid'),
  AUTH_SESSION_ENDED: http(401, '会话已过期或已注销，请重新登录', 'The session has expired or was revoked; sign in again'),
  AUTH_SIGN_IN_FAILED: http(401, '用户名或密码错误，或账号已锁定或停用', 'Wrong username or password, or the account is locked or disabled'),
  AUTH_CSRF: http(403, '缺少或错误的 CSRF 令牌，请刷新页面后重试', 'The CSRF token is missing or wrong; reload the page and try again'),
  AUTH_NOT_A_SESSION: http(400, '该令牌不是登录会话，无法注销', 'This token is not a sign-in session, so it cannot be signed out'),
  FORBIDDEN_ROLE: http(403, '当前角色无权执行此操作', 'Your role may not do this'),
  FORBIDDEN_GRANT: http(403, '该客户端的读取授权不包含此数据', "This client's read grants do not cover this"),
  IDEMPOTENCY_KEY_MISSING: http(400, '资金类请求必须带 Idempotency-Key 头', 'Money-moving requests need an Idempotency-Key header'),
  IDEMPOTENCY_KEY_INVALID: http(400, 'Idempotency-Key 格式不正确', 'The Idempotency-Key header is malformed'),
  IDEMPOTENCY_KEY_REUSED: http(422, '该幂等键已用于另一个请求', 'The idempotency key was already used for another request'),
  VALIDATION_FAILED: http(400, '请求参数不正确', 'The request does not match its schema'),
  MALFORMED_JSON: http(400, '请求体不是合法的 JSON', 'The request body is not valid JSON'),
  PAYLOAD_TOO_LARGE: http(413, '请求体过大', 'The request body is too large'),
  UNSUPPORTED_MEDIA_TYPE: http(415, '不支持的内容类型', 'The content type is not supported'),
  ROUTE_NOT_FOUND: http(404, '接口不存在', 'No such route'),
  AUDIT_EXPORT_EMPTY: http(404, '该期间没有可导出的事件', 'No event was recorded in that period'),
  PATH_FORBIDDEN: http(403, '不允许访问该路径', 'This path may not be accessed'),
  REQUEST_REFUSED: http(400, '请求被拒绝', 'The request was refused'),
  CONCURRENCY_CONFLICT: http(409, '并发修改冲突，请重试', 'The record changed concurrently; retry'),
  CALLBACK_REFUSED: http(400, '渠道回调被拒绝', 'The channel callback was refused'),
  DATABASE_UNAVAILABLE: http(503, '数据库暂时不可用，请稍后重试', 'The database is unavailable for a moment; retry'),
  OVERLOADED: http(503, '服务繁忙，请稍后重试（本请求未被处理）', 'The server is overloaded; this request was not processed, retry later'),
  NOT_READY: http(503, '服务尚未就绪', 'The server is not ready to serve requests'),
  INTERNAL_ERROR: http(500, '服务器内部错误', 'Internal server error'),
} as const satisfies Record<string, { status: number; zh: string; en: string }>;

export type BusErrorCode = keyof typeof BUS_ERRORS;

/** Seconds a client is asked to wait before retrying a 429 or a 503 (Retry-After). */
export const RETRY_AFTER_SECONDS = 1;

/** A refusal raised by the bus itself (auth, idempotency, transport). */
export class ApiError extends Error {
  constructor(
    readonly code: BusErrorCode,
    readonly details: Record<string, unknown> = {},
  ) {
    super(`${code}: ${BUS_ERRORS[code].en}`);
    this.name = 'ApiError';
  }

  get httpStatus(): number {
    return BUS_ERRORS[this.code].status;
  }
}

export function busError(code: BusErrorCode, details: Record<string, unknown> = {}): ErrorBody {
  const e = BUS_ERRORS[code];
  return { code, message: { zh: e.zh, en: e.en }, details };
}

interface FastifyishError {
  code?: string;
  statusCode?: number;
  validation?: Array<{
    instancePath?: string;
    message?: string;
    params?: Record<string, unknown>;
    keyword?: string;
  }>;
  validationContext?: string;
}

function fieldOf(v: { instancePath?: string; params?: Record<string, unknown> }, context: string): string {
  const path = (v.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
  const missing = v.params?.missingProperty;
  const extra = v.params?.additionalProperty;
  const leaf = typeof missing === 'string' ? missing : typeof extra === 'string' ? extra : '';
  const field = [path, leaf].filter((p) => p !== '').join('.');
  return field === '' ? context : `${context}.${field}`;
}

/** The HTTP status the bus answers a domain refusal of each kind with (the domain knows no HTTP). */
export const HTTP_STATUS_OF_REFUSAL: Readonly<Record<RefusalKind, number>> = {
  invalid: 422,
  conflict: 409,
  not_found: 404,
  forbidden: 403,
  rate_limited: 429,
};

/** A bus refusal's status (from BUS_ERRORS) and body. */
function answer(
  code: BusErrorCode,
  details: Record<string, unknown> = {},
): { status: number; body: ErrorBody } {
  return { status: BUS_ERRORS[code].status, body: busError(code, details) };
}

type Answer = readonly [BusErrorCode, Record<string, unknown>?];

/** The event store's refusals a request can cause, by their code: the bus refusal each is answered with. */
const EVENT_STORE_ANSWERS = new Map<string, Answer>([
  ['IDEMPOTENCY_KEY_REUSED', ['IDEMPOTENCY_KEY_REUSED']],
  ['CONCURRENCY_CONFLICT', ['CONCURRENCY_CONFLICT']],
  ['PAYLOAD_TOO_LARGE', ['PAYLOAD_TOO_LARGE']],
  ['INVALID_STREAM', ['VALIDATION_FAILED', { reason: 'identifier not allowed' }]],
]);

/** Fastify's own refusals of a request, by their code: the bus refusal each is answered with. */
const FASTIFY_ANSWERS = new Map<string, Answer>([
  ['FST_ERR_CTP_INVALID_MEDIA_TYPE', ['UNSUPPORTED_MEDIA_TYPE']],
  ['FST_ERR_CTP_INVALID_CONTENT_LENGTH', ['VALIDATION_FAILED']],
  ['FST_ERR_CTP_BODY_TOO_LARGE', ['PAYLOAD_TOO_LARGE']],
  ['FST_ERR_CTP_EMPTY_JSON_BODY', ['MALFORMED_JSON', { reason: 'empty body' }]],
  ['FST_ERR_CTP_INVALID_JSON_BODY', ['MALFORMED_JSON']],
  [
    'FST_ERR_MAX_PARAM_LENGTH',
    ['VALIDATION_FAILED', { field: 'params', reason: 'a path parameter is too long' }],
  ],
  ['FST_ERR_BAD_URL', ['VALIDATION_FAILED', { field: 'params', reason: 'malformed URL' }]],
]);

/** Maps anything thrown while serving a request to its status and body. */
export function toErrorResponse(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof Refusal)
    return {
      status: HTTP_STATUS_OF_REFUSAL[error.kind],
      body: {
        code: error.code,
        message: { zh: error.messageIn('zh'), en: error.messageIn('en') },
        details: { ...error.details },
      },
    };
  if (error instanceof ApiError)
    return { status: error.httpStatus, body: busError(error.code, error.details) };
  const storeAnswer = error instanceof EventStoreError ? EVENT_STORE_ANSWERS.get(error.code) : undefined;
  if (storeAnswer) return answer(...storeAnswer);
  const f = error as FastifyishError;
  if (f && Array.isArray(f.validation)) {
    const context = f.validationContext ?? 'body';
    const fields = f.validation.map((v) => ({ field: fieldOf(v, context), problem: v.message ?? 'invalid' }));
    return answer('VALIDATION_FAILED', { field: fields[0]?.field ?? context, errors: fields });
  }
  const fastifyAnswer = typeof f?.code === 'string' ? FASTIFY_ANSWERS.get(f.code) : undefined;
  if (fastifyAnswer) return answer(...fastifyAnswer);
  if (error instanceof SyntaxError && (f?.statusCode === 400 || /JSON/.test(error.message)))
    return answer('MALFORMED_JSON');
  if (f?.statusCode === 415) return answer('UNSUPPORTED_MEDIA_TYPE');
  if (f?.statusCode === 413) return answer('PAYLOAD_TOO_LARGE');
  if (isDatabaseUnavailable(error)) return answer('DATABASE_UNAVAILABLE');
  // Refusals raised by plugins (the docs' static files answer 403 to dot segments): their status, our shape.
  if (typeof f?.statusCode === 'number' && f.statusCode >= 400 && f.statusCode < 500) {
    const code =
      f.statusCode === 404 ? 'ROUTE_NOT_FOUND' : f.statusCode === 403 ? 'PATH_FORBIDDEN' : 'REQUEST_REFUSED';
    return { status: f.statusCode, body: busError(code, f.code ? { reason: f.code } : {}) };
  }
  return answer('INTERNAL_ERROR');
}
