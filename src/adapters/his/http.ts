// The one place HIS adapters touch the network: a POST with a deadline and a bounded answer,
// network failures translated to HisError.
import { HIS_MAX_RESPONSE_BYTES, HisError } from '../../domain/his/port.ts';

export interface HisHttpAnswer {
  status: number;
  contentType: string;
  text: string;
}

async function readLimited(res: Response, limit: number): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > limit) throw new HisError('HIS_BAD_RESPONSE', `HIS answer larger than ${limit} bytes`);
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new HisError('HIS_BAD_RESPONSE', `HIS answer larger than ${limit} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function translate(err: unknown, url: string, timeoutMs: number): HisError {
  if (err instanceof HisError) return err;
  const name = err instanceof Error ? err.name : '';
  if (name === 'TimeoutError' || name === 'AbortError')
    return new HisError('HIS_TIMEOUT', `HIS did not answer within ${timeoutMs} ms`);
  const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return new HisError('HIS_UNAVAILABLE', `HIS at ${new URL(url).host} unreachable${cause}`);
}

export async function hisPost(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<HisHttpAnswer> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
    const text = await readLimited(res, HIS_MAX_RESPONSE_BYTES);
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', text };
  } catch (err) {
    throw translate(err, url, timeoutMs);
  }
}

/** 5xx, 429 and gateway errors mean "not now"; the HIS made no business decision. */
export function isUnavailableStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}
