// Bus-client request signing: HMAC-SHA256 over a canonical string, one secret per client.
//
// Canonical string (UTF-8, lines joined by "\n", no trailing newline):
//   METHOD            upper-case, e.g. POST
//   PATH              the request-target exactly as sent, with its query string (`/v1/orders?x=1`);
//                     no normalisation or re-encoding on either side
//   TIMESTAMP         the X-Timestamp header: unix time in milliseconds, decimal digits
//   NONCE             the X-Nonce header: 16–128 chars of [A-Za-z0-9_-], unique per client per request
//   BODY-HASH         lower-case hex SHA-256 of the raw body bytes (of the empty string when no body)
// Headers:
//   X-Client-Id       the client's id
//   X-Timestamp       as above; refused when further than maxSkewMs (default 5 min) from server time
//   X-Nonce           as above; refused when the same client used it within the replay window
//   X-Signature       lower-case hex HMAC-SHA256(secret as UTF-8, canonical string)
// Checks run cheapest first and the nonce is claimed only after the signature verified, so forged
// requests cannot burn a client's nonces.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { NonceStore } from './nonce-store.ts';
import { busClientSecretContext } from '../../domain/clients/client.ts';
import type { SecretSealer } from '../../domain/secrets.ts';

export const AUTH_HEADERS = {
  clientId: 'X-Client-Id',
  timestamp: 'X-Timestamp',
  nonce: 'X-Nonce',
  signature: 'X-Signature',
} as const;

/** Default allowed distance between the client's timestamp and the server clock. */
export const DEFAULT_MAX_SKEW_MS = 5 * 60 * 1000;
/** Upper bound on a configured skew, so the nonce window (and the nonce store) stays bounded. */
export const MAX_SKEW_LIMIT_MS = 15 * 60 * 1000;
const CLIENT_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
const NONCE_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;
const TIMESTAMP_PATTERN = /^[0-9]{1,16}$/;
const SIGNATURE_PATTERN = /^[0-9a-f]{64}$/;
const METHOD_PATTERN = /^[A-Z]{1,16}$/;

export type AuthRefusalCode =
  | 'AUTH_MISSING'
  | 'AUTH_UNKNOWN_CLIENT'
  | 'AUTH_BAD_SIGNATURE'
  | 'AUTH_STALE_TIMESTAMP'
  | 'AUTH_NONCE_REUSED'
  | 'AUTH_CLIENT_DISABLED'
  /** The nonce store or secret storage could not answer: refuse (503), never skip the check. */
  | 'AUTH_UNAVAILABLE';

export interface AuthRefusal {
  ok: false;
  code: AuthRefusalCode;
  message: string;
}

export type VerifyResult<C> = { ok: true; client: C } | AuthRefusal;

/** What the verifier needs to know about a client; routes may carry more (channel, roles…). */
export interface BusClientCredential {
  clientId: string;
  /** The secret sealed under `busClientSecretContext(clientId)`. */
  sealedSecret: string;
  disabled?: boolean;
}

export type RequestBody = string | Uint8Array | undefined;

export interface SignRequestInput {
  clientId: string;
  secret: string;
  method: string;
  /** Request-target with query string, exactly as it will be sent. */
  path: string;
  body?: RequestBody;
  /** Unix ms; defaults to Date.now(). */
  timestamp?: number;
  /** Defaults to 32 random hex chars. */
  nonce?: string;
}

export interface SignedHeaders {
  'X-Client-Id': string;
  'X-Timestamp': string;
  'X-Nonce': string;
  'X-Signature': string;
}

export { busClientSecretContext } from '../../domain/clients/client.ts';

export function bodySha256Hex(body: RequestBody): string {
  const h = createHash('sha256');
  if (body !== undefined) h.update(body);
  return h.digest('hex');
}

export function canonicalString(parts: {
  method: string;
  path: string;
  timestamp: string;
  nonce: string;
  body: RequestBody;
}): string {
  return [
    parts.method.toUpperCase(),
    parts.path,
    parts.timestamp,
    parts.nonce,
    bodySha256Hex(parts.body),
  ].join('\n');
}

function hmacHex(secret: string, canonical: string): string {
  return createHmac('sha256', secret).update(canonical, 'utf8').digest('hex');
}

export function signRequest(input: SignRequestInput): SignedHeaders {
  const timestamp = String(input.timestamp ?? Date.now());
  const nonce = input.nonce ?? randomBytes(16).toString('hex');
  if (!CLIENT_ID_PATTERN.test(input.clientId)) throw new Error('signRequest: invalid clientId');
  if (!NONCE_PATTERN.test(nonce)) throw new Error('signRequest: nonce must be 16-128 chars of [A-Za-z0-9_-]');
  if (!TIMESTAMP_PATTERN.test(timestamp)) throw new Error('signRequest: timestamp must be unix milliseconds');
  const canonical = canonicalString({
    method: input.method,
    path: input.path,
    timestamp,
    nonce,
    body: input.body,
  });
  return {
    'X-Client-Id': input.clientId,
    'X-Timestamp': timestamp,
    'X-Nonce': nonce,
    'X-Signature': hmacHex(input.secret, canonical),
  };
}

export type HeaderBag = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface RequestParts {
  method: string;
  /** Request-target with query, as received (fastify: `request.url`). */
  path: string;
  /** Header names in any case (node lower-cases them). */
  headers: HeaderBag;
  /** The raw body bytes or text exactly as received, before JSON parsing. */
  body: RequestBody;
}

export interface VerifyOptions<C extends BusClientCredential> {
  lookupClient: (clientId: string) => Promise<C | undefined>;
  /** Opens the client's sealed secret. */
  secrets: SecretSealer;
  nonceStore: NonceStore;
  /** Server clock in unix ms. */
  now: () => number;
  maxSkewMs?: number;
}

function refuse(code: AuthRefusalCode, message: string): AuthRefusal {
  return { ok: false, code, message };
}

function header(headers: HeaderBag, name: string): string | undefined {
  const lower = name.toLowerCase();
  let found: string | readonly string[] | undefined;
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() !== lower || v === undefined) continue;
    if (found !== undefined) return undefined; // the same header twice under different cases
    found = v;
  }
  // A repeated auth header is ambiguous: treat it as absent rather than pick one.
  return typeof found === 'string' ? found : undefined;
}

/** How long a nonce must be remembered: any timestamp accepted later can be up to 2×skew apart. */
export function nonceTtlMs(maxSkewMs: number): number {
  return 2 * maxSkewMs + 1000;
}

export async function verifyRequest<C extends BusClientCredential>(
  req: RequestParts,
  options: VerifyOptions<C>,
): Promise<VerifyResult<C>> {
  const maxSkewMs = options.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  if (!(maxSkewMs > 0 && maxSkewMs <= MAX_SKEW_LIMIT_MS))
    throw new Error('verifyRequest: maxSkewMs out of range');

  const clientId = header(req.headers, AUTH_HEADERS.clientId);
  const timestamp = header(req.headers, AUTH_HEADERS.timestamp);
  const nonce = header(req.headers, AUTH_HEADERS.nonce);
  const signature = header(req.headers, AUTH_HEADERS.signature);
  const missing = [
    clientId === undefined || !CLIENT_ID_PATTERN.test(clientId) ? AUTH_HEADERS.clientId : undefined,
    timestamp === undefined || !TIMESTAMP_PATTERN.test(timestamp) ? AUTH_HEADERS.timestamp : undefined,
    nonce === undefined || !NONCE_PATTERN.test(nonce) ? AUTH_HEADERS.nonce : undefined,
    signature === undefined || !SIGNATURE_PATTERN.test(signature) ? AUTH_HEADERS.signature : undefined,
  ].filter((h) => h !== undefined);
  if (missing.length > 0 || !METHOD_PATTERN.test(req.method.toUpperCase()))
    return refuse(
      'AUTH_MISSING',
      `missing or malformed authentication headers: ${missing.join(', ') || 'method'}`,
    );
  // Narrowed by the checks above.
  const id = clientId!;
  const ts = timestamp!;
  const n = nonce!;
  const sig = signature!;

  let client: C | undefined;
  try {
    client = await options.lookupClient(id);
  } catch {
    return refuse('AUTH_UNAVAILABLE', 'client registry unavailable');
  }
  if (!client || client.clientId !== id) return refuse('AUTH_UNKNOWN_CLIENT', `unknown client ${id}`);

  const skew = Math.abs(options.now() - Number(ts));
  if (!(skew <= maxSkewMs))
    return refuse('AUTH_STALE_TIMESTAMP', `timestamp outside the allowed window of ${maxSkewMs} ms`);

  let secret: string;
  try {
    secret = options.secrets.open(client.sealedSecret, busClientSecretContext(id));
  } catch {
    // A secret sealed under a retired key or corrupted: the operator must re-issue; never echo it.
    return refuse('AUTH_UNAVAILABLE', `credential of client ${id} cannot be opened`);
  }
  const expected = Buffer.from(
    hmacHex(
      secret,
      canonicalString({ method: req.method, path: req.path, timestamp: ts, nonce: n, body: req.body }),
    ),
    'hex',
  );
  if (!timingSafeEqual(expected, Buffer.from(sig, 'hex')))
    return refuse('AUTH_BAD_SIGNATURE', 'signature does not match');

  // After the signature: a disabled client learns it is disabled, an attacker learns nothing.
  if (client.disabled) return refuse('AUTH_CLIENT_DISABLED', `client ${id} is disabled`);

  let fresh: boolean;
  try {
    fresh = await options.nonceStore.claim(id, n, nonceTtlMs(maxSkewMs));
  } catch {
    return refuse('AUTH_UNAVAILABLE', 'replay guard unavailable');
  }
  if (!fresh) return refuse('AUTH_NONCE_REUSED', 'nonce already used');
  return { ok: true, client };
}
