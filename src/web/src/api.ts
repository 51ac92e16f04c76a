// The workbench's calls to the ledger's /v1 API: same origin, the session in an HttpOnly cookie, and the
// session's CSRF token repeated in X-CSRF-Token on every unsafe method.
export interface ApiErrorBody {
  code: string;
  message: { zh: string; en: string };
  details: Record<string, unknown>;
}

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    super(`${body.code}: ${body.message.en}`);
  }
}

/** What a failed call says in a language: the API's message, else the error as text. */
export function failureText(e: unknown, lang: keyof ApiErrorBody['message']): string {
  return e instanceof ApiFailure ? e.body.message[lang] : String(e);
}

let csrf = '';

export function setCsrf(token: string): void {
  csrf = token;
}

function csrfFromCookie(): string {
  const m = document.cookie.match(/(?:^|;\s*)ledger_csrf=([^;]+)/);
  return m?.[1] ?? '';
}

/** Called when the server says the session ended: the app goes back to the sign-in page. */
let onSignedOut: () => void = () => {};
export function whenSignedOut(f: () => void): void {
  onSignedOut = f;
}

function headersFor(method: string, extra: Record<string, string> = {}): Record<string, string> {
  const h: Record<string, string> = { accept: 'application/json', ...extra };
  if (method !== 'GET' && method !== 'HEAD') h['x-csrf-token'] = csrf || csrfFromCookie();
  return h;
}

async function failure(res: Response): Promise<ApiFailure> {
  let body: ApiErrorBody;
  try {
    body = (await res.json()) as ApiErrorBody;
  } catch {
    body = {
      code: `HTTP_${res.status}`,
      message: { zh: `请求失败（${res.status}）`, en: `Request failed (${res.status})` },
      details: {},
    };
  }
  if (res.status === 401) onSignedOut();
  return new ApiFailure(res.status, body);
}

export async function api<T = Record<string, unknown>>(
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  try {
    return await once<T>(method, path, body);
  } catch (e) {
    // The server restarted (a new CSRF key): fetch the session's current token and try once more.
    if (!(e instanceof ApiFailure) || e.body.code !== 'AUTH_CSRF') throw e;
    const me = await once<{ csrfToken: string }>('GET', '/v1/auth/web-session');
    setCsrf(me.csrfToken);
    return once<T>(method, path, body);
  }
}

async function once<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: headersFor(method, body === undefined ? {} : { 'content-type': 'application/json' }),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw await failure(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export const get = <T = Record<string, unknown>>(path: string) => api<T>('GET', path);
export const post = <T = Record<string, unknown>>(path: string, body: unknown = {}) =>
  api<T>('POST', path, body);

/** Query string of the defined, non-empty values. */
export function qs(values: Record<string, string | number | undefined | null>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(values))
    if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** Sends a file's bytes as the body, reporting upload progress (0..1). */
export function upload<T>(
  path: string,
  file: Blob,
  onProgress: (fraction: number) => void,
  contentType = 'application/octet-stream',
): Promise<{ status: number; body: T }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.withCredentials = true;
    for (const [k, v] of Object.entries(headersFor('POST', { 'content-type': contentType })))
      xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = {};
      }
      if (xhr.status >= 400) {
        if (xhr.status === 401) onSignedOut();
        reject(new ApiFailure(xhr.status, body as ApiErrorBody));
      } else {
        onProgress(1);
        resolve({ status: xhr.status, body: body as T });
      }
    };
    xhr.onerror = () => reject(new Error('network error'));
    xhr.send(file);
  });
}
