// Length-prefixed framing: each message is preceded by its length (of the body only), as a 2- or 4-byte
// big-endian integer or as ASCII decimal digits ('0123'), whichever the device model speaks.
import { deviceError } from './codecs/errors.ts';

export type Framing = { kind: 'binary'; bytes: 2 | 4 } | { kind: 'ascii'; digits: 4 | 6 | 8 };

/** Largest frame body the gateway reads by default: kiosk messages are well under 2 KB. */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024;

export function headerBytes(framing: Framing): number {
  return framing.kind === 'binary' ? framing.bytes : framing.digits;
}

export function maxFramable(framing: Framing): number {
  return framing.kind === 'binary' ? 2 ** (8 * framing.bytes) - 1 : 10 ** framing.digits - 1;
}

export function frame(body: Buffer, framing: Framing): Buffer {
  if (body.length === 0 || body.length > maxFramable(framing))
    throw new RangeError(`a ${body.length}-byte body does not fit the length header`);
  const header = Buffer.alloc(headerBytes(framing));
  if (framing.kind === 'ascii') header.write(String(body.length).padStart(framing.digits, '0'), 'latin1');
  else if (framing.bytes === 2) header.writeUInt16BE(body.length);
  else header.writeUInt32BE(body.length);
  return Buffer.concat([header, body]);
}

/** The body length a header announces; refuses non-digits and zero (BAD_LENGTH) and oversize (FRAME_TOO_LARGE). */
export function readHeader(header: Buffer, framing: Framing, maxFrameBytes: number): number {
  let length: number;
  if (framing.kind === 'ascii') {
    const text = header.toString('latin1');
    if (!/^[0-9]+$/.test(text))
      throw deviceError('BAD_LENGTH', `length header ${JSON.stringify(text)} is not digits`);
    length = Number(text);
  } else length = framing.bytes === 2 ? header.readUInt16BE(0) : header.readUInt32BE(0);
  if (length === 0) throw deviceError('BAD_LENGTH', 'the length header says 0');
  if (length > maxFrameBytes)
    throw deviceError('FRAME_TOO_LARGE', `the length header says ${length}; at most ${maxFrameBytes}`);
  return length;
}

/**
 * Cuts a byte stream into frames. `push` returns the complete frames so far; a bad header throws (the stream
 * cannot be re-synchronised after it, so the connection answers and closes).
 */
export class FrameReader {
  #buffer: Buffer = Buffer.alloc(0);
  #expected: number | undefined;

  constructor(
    private readonly framing: Framing,
    private readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES,
  ) {}

  push(chunk: Buffer): Buffer[] {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const frames: Buffer[] = [];
    const h = headerBytes(this.framing);
    for (;;) {
      if (this.#expected === undefined) {
        if (this.#buffer.length < h) break;
        this.#expected = readHeader(this.#buffer.subarray(0, h), this.framing, this.maxFrameBytes);
        this.#buffer = this.#buffer.subarray(h);
      }
      if (this.#buffer.length < this.#expected) break;
      frames.push(Buffer.from(this.#buffer.subarray(0, this.#expected)));
      this.#buffer = this.#buffer.subarray(this.#expected);
      this.#expected = undefined;
    }
    return frames;
  }

  /** Bytes of a frame begun and not finished (a header, or a body shorter than its header said). */
  get pending(): number {
    return this.#buffer.length + (this.#expected !== undefined ? headerBytes(this.framing) : 0);
  }
}
