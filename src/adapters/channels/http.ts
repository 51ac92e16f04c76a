// One HTTP exchange with a channel: a deadline, a bounded answer, transport failures mapped to the port's
// codes, and retries only when the caller says the call is idempotent (queries, bill downloads).
import {
  CHANNEL_IDEMPOTENT_ATTEMPTS,
  CHANNEL_MAX_RESPONSE_BYTES,
  ChannelCallError,
} from '../../domain/channel/gateway.ts';

export interface ChannelHttpRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  maxBytes?: number;
}

export interface ChannelHttpResponse {
  status: number;
  headers: Headers;
  body: Buffer;
}

/** Pause between attempts of an idempotent call. */
const RETRY_PAUSE_MS = 200;

async function readBounded(res: Response, maxBytes: number): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > maxBytes)
    throw new ChannelCallError('CHANNEL_BAD_RESPONSE', `answer over ${maxBytes} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  if (!res.body) return Buffer.alloc(0);
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > maxBytes) throw new ChannelCallError('CHANNEL_BAD_RESPONSE', `answer over ${maxBytes} bytes`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

async function once(req: ChannelHttpRequest): Promise<ChannelHttpResponse> {
  const signal = AbortSignal.timeout(req.timeoutMs);
  try {
    const res = await fetch(req.url, {
      method: req.method,
      headers: req.headers,
      ...(req.body !== undefined ? { body: req.body } : {}),
      signal,
      redirect: 'error',
    });
    const body = await readBounded(res, req.maxBytes ?? CHANNEL_MAX_RESPONSE_BYTES);
    return { status: res.status, headers: res.headers, body };
  } catch (error) {
    if (error instanceof ChannelCallError) throw error;
    if (signal.aborted) throw new ChannelCallError('CHANNEL_TIMEOUT', `no answer within ${req.timeoutMs} ms`);
    throw new ChannelCallError('CHANNEL_UNAVAILABLE', `request failed: ${(error as Error).message}`);
  }
}

/**
 * Sends the request; `interpret` turns an answer into the result or throws a ChannelCallError. An idempotent
 * call is tried again (up to CHANNEL_IDEMPOTENT_ATTEMPTS) while the error is retryable; `prepare` re-signs
 * each attempt (fresh nonce and timestamp).
 */
export async function exchange<T>(
  prepare: () => ChannelHttpRequest,
  interpret: (res: ChannelHttpResponse) => Promise<T> | T,
  idempotent: boolean,
): Promise<T> {
  const attempts = idempotent ? CHANNEL_IDEMPOTENT_ATTEMPTS : 1;
  for (let attempt = 1; ; attempt++) {
    try {
      return await interpret(await once(prepare()));
    } catch (error) {
      const retry =
        error instanceof ChannelCallError &&
        error.retryable &&
        error.code !== 'CHANNEL_BILL_NOT_READY' &&
        attempt < attempts;
      if (!retry) throw error;
      await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS * attempt));
    }
  }
}
