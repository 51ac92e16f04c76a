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

export const BUS_ERRORS = {
  AUTH_MISSING: {
    status: 401,
    zh: '缺少或错误的认证信息',
    en: 'Authentication headers are missing or malformed',
  },
  AUTH_UNKNOWN_CLIENT: { status: 401, zh: '未知的客户端', en: 'Unknown client' },
  AUTH_BAD_SIGNATURE: { status: 401, zh: '签名校验失败', en: 'The request signature does not verify' },
  AUTH_STALE_TIMESTAMP: {
    status: 401,
    zh: '请求时间戳超出允许范围',
    en: 'The request timestamp is outside the allowed window',
  },
  AUTH_NONCE_REUSED: {
    status: 401,
    zh: '请求随机数已被使用（疑似重放）',
    en: 'The nonce was already used (replay)',
  },
  AUTH_CLIENT_DISABLED: { status: 403, zh: '客户端已停用', en: 'The client is disabled' },
  AUTH_UNAVAILABLE: {
    status: 503,
    zh: '认证服务暂不可用',
    en: 'Authentication cannot be checked right now',
  },
  AUTH_BAD_TOKEN: { status: 401, zh: '访问令牌无效', en: 'The bearer token is not valid' },
  AUTH_SESSION_ENDED: {
    status: 401,
    zh: '会话已过期或已注销，请重新登录',
    en: 'The session has expired or was revoked; sign in again',
  },
  AUTH_SIGN_IN_FAILED: {
    status: 401,
    zh: '用户名或密码错误，或账号已锁定或停用',
    en: 'Wrong username or password, or the account is locked or disabled',
  },
  AUTH_CSRF: {
    status: 403,
    zh: '缺少或错误的 CSRF 令牌，请刷新页面后重试',
    en: 'The CSRF token is missing or wrong; reload the page and try again',
  },
  AUTH_NOT_A_SESSION: {
    status: 400,
    zh: '该令牌不是登录会话，无法注销',
    en: 'This token is not a sign-in session, so it cannot be signed out',
  },
  FORBIDDEN_ROLE: { status: 403, zh: '当前角色无权执行此操作', en: 'Your role may not do this' },
  FORBIDDEN_GRANT: {
    status: 403,
    zh: '该客户端的读取授权不包含此数据',
    en: "This client's read grants do not cover this",
  },
  IDEMPOTENCY_KEY_MISSING: {
    status: 400,
    zh: '资金类请求必须带 Idempotency-Key 头',
    en: 'Money-moving requests need an Idempotency-Key header',
  },
  IDEMPOTENCY_KEY_INVALID: {
    status: 400,
    zh: 'Idempotency-Key 格式不正确',
    en: 'The Idempotency-Key header is malformed',
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    zh: '该幂等键已用于另一个请求',
    en: 'The idempotency key was already used for another request',
  },
  VALIDATION_FAILED: { status: 400, zh: '请求参数不正确', en: 'The request does not match its schema' },
  MALFORMED_JSON: { status: 400, zh: '请求体不是合法的 JSON', en: 'The request body is not valid JSON' },
  PAYLOAD_TOO_LARGE: { status: 413, zh: '请求体过大', en: 'The request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    zh: '不支持的内容类型',
    en: 'The content type is not supported',
  },
  ROUTE_NOT_FOUND: { status: 404, zh: '接口不存在', en: 'No such route' },
  AUDIT_EXPORT_EMPTY: {
    status: 404,
    zh: '该期间没有可导出的事件',
    en: 'No event was recorded in that period',
  },
  PATH_FORBIDDEN: { status: 403, zh: '不允许访问该路径', en: 'This path may not be accessed' },
  REQUEST_REFUSED: { status: 400, zh: '请求被拒绝', en: 'The request was refused' },
  CONCURRENCY_CONFLICT: {
    status: 409,
    zh: '并发修改冲突，请重试',
    en: 'The record changed concurrently; retry',
  },
  CALLBACK_REFUSED: { status: 400, zh: '渠道回调被拒绝', en: 'The channel callback was refused' },
  DATABASE_UNAVAILABLE: {
    status: 503,
    zh: '数据库暂时不可用，请稍后重试',
    en: 'The database is unavailable for a moment; retry',
  },
  OVERLOADED: {
    status: 503,
    zh: '服务繁忙，请稍后重试（本请求未被处理）',
    en: 'The server is overloaded; this request was not processed, retry later',
  },
  NOT_READY: { status: 503, zh: '服务尚未就绪', en: 'The server is not ready to serve requests' },
  INTERNAL_ERROR: { status: 500, zh: '服务器内部错误', en: 'Internal server error' },
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
  if (error instanceof EventStoreError) {
    if (error.code === 'IDEMPOTENCY_KEY_REUSED')
      return { status: 422, body: busError('IDEMPOTENCY_KEY_REUSED') };
    if (error.code === 'CONCURRENCY_CONFLICT') return { status: 409, body: busError('CONCURRENCY_CONFLICT') };
    if (error.code === 'PAYLOAD_TOO_LARGE') return { status: 413, body: busError('PAYLOAD_TOO_LARGE') };
    if (error.code === 'INVALID_STREAM')
      return { status: 400, body: busError('VALIDATION_FAILED', { reason: 'identifier not allowed' }) };
  }
  const f = error as FastifyishError;
  if (f && Array.isArray(f.validation)) {
    const context = f.validationContext ?? 'body';
    const fields = f.validation.map((v) => ({ field: fieldOf(v, context), problem: v.message ?? 'invalid' }));
    return {
      status: 400,
      body: busError('VALIDATION_FAILED', { field: fields[0]?.field ?? context, errors: fields }),
    };
  }
  switch (f?.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return {
        status: f.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 415 : 400,
        body: busError(
          f.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'UNSUPPORTED_MEDIA_TYPE' : 'VALIDATION_FAILED',
        ),
      };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, body: busError('PAYLOAD_TOO_LARGE') };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, body: busError('MALFORMED_JSON', { reason: 'empty body' }) };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, body: busError('MALFORMED_JSON') };
    case 'FST_ERR_MAX_PARAM_LENGTH':
    case 'FST_ERR_BAD_URL':
      return {
        status: 400,
        body: busError('VALIDATION_FAILED', {
          field: 'params',
          reason: f.code === 'FST_ERR_BAD_URL' ? 'malformed URL' : 'a path parameter is too long',
        }),
      };
    default:
      break;
  }
  if (error instanceof SyntaxError && (f?.statusCode === 400 || /JSON/.test(error.message)))
    return { status: 400, body: busError('MALFORMED_JSON') };
  if (typeof f?.statusCode === 'number' && f.statusCode === 415)
    return { status: 415, body: busError('UNSUPPORTED_MEDIA_TYPE') };
  if (typeof f?.statusCode === 'number' && f.statusCode === 413)
    return { status: 413, body: busError('PAYLOAD_TOO_LARGE') };
  if (isDatabaseUnavailable(error)) return { status: 503, body: busError('DATABASE_UNAVAILABLE') };
  // Refusals raised by plugins (the docs' static files answer 403 to dot segments): their status, our shape.
  if (typeof f?.statusCode === 'number' && f.statusCode >= 400 && f.statusCode < 500) {
    const code =
      f.statusCode === 404 ? 'ROUTE_NOT_FOUND' : f.statusCode === 403 ? 'PATH_FORBIDDEN' : 'REQUEST_REFUSED';
    return { status: f.statusCode, body: busError(code, f.code ? { reason: f.code } : {}) };
  }
  return { status: 500, body: busError('INTERNAL_ERROR') };
}
