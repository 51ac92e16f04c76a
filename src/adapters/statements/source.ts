// Byte sources and the streaming byte → text-line pipeline shared by every parser.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { createGunzip } from 'node:zlib';
import { Unzip, UnzipInflate } from 'fflate';
import iconv from 'iconv-lite';
import { fault } from './errors.ts';

/** Longest physical line accepted (a real bill line is < 2 KB); guards memory against a file without newlines. */
export const MAX_LINE_CHARS = 256 * 1024;
/** Bytes read before choosing a format in auto mode. */
export const DETECT_BYTES = 8 * 1024;

/** A statement file that can be opened (more than once: validate, then read again to import). */
export interface StatementSource {
  /** Name used in errors and for detection (the file name). */
  name: string;
  open(): AsyncIterable<Uint8Array>;
}

export function fileSource(path: string, name: string = basename(path)): StatementSource {
  return { name, open: () => createReadStream(path, { highWaterMark: 64 * 1024 }) };
}

export function bufferSource(
  name: string,
  data: Uint8Array | string,
  chunkSize = 64 * 1024,
): StatementSource {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return {
    name,
    async *open() {
      for (let i = 0; i < bytes.length; i += chunkSize) yield bytes.subarray(i, i + chunkSize);
    },
  };
}

/** A source produced on demand, e.g. by a writer generator (never held whole in memory). */
export function generatedSource(
  name: string,
  produce: () => Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>,
): StatementSource {
  return {
    name,
    async *open() {
      for await (const c of produce()) yield typeof c === 'string' ? Buffer.from(c, 'utf8') : c;
    },
  };
}

export type Encoding = 'utf8' | 'gbk';

export interface RawLine {
  lineNo: number;
  text: string;
}

/** Counts and hashes the bytes flowing through. */
export class ByteTap {
  private readonly hash: Hash = createHash('sha256');
  bytes = 0;
  private digest: string | undefined;
  update(c: Uint8Array): void {
    this.hash.update(c);
    this.bytes += c.length;
  }
  sha256(): string {
    this.digest ??= this.hash.digest('hex');
    return this.digest;
  }
}

export async function* tapped(src: AsyncIterable<Uint8Array>, tap: ByteTap): AsyncGenerator<Uint8Array> {
  for await (const c of src) {
    const u = c instanceof Uint8Array ? c : Buffer.from(c as string);
    tap.update(u);
    yield u;
  }
}

/** Reads at least `min` bytes (or all) and returns them with a stream that replays them first. */
export async function peek(
  src: AsyncIterable<Uint8Array>,
  min: number,
): Promise<{ head: Uint8Array; rest: AsyncIterable<Uint8Array> }> {
  const it = src[Symbol.asyncIterator]();
  const parts: Uint8Array[] = [];
  let n = 0;
  let done = false;
  while (n < min) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    parts.push(r.value);
    n += r.value.length;
  }
  const head = Buffer.concat(parts);
  async function* rest(): AsyncGenerator<Uint8Array> {
    if (head.length) yield head;
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  return { head, rest: rest() };
}

export function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

export function isZip(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;
}

export async function* gunzip(src: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const gz = createGunzip();
  let feedError: unknown;
  const feeding = (async () => {
    try {
      for await (const c of src) {
        if (!gz.write(c)) await new Promise<void>((r) => gz.once('drain', r).once('close', r));
        if (gz.destroyed) return;
      }
      gz.end();
    } catch (e) {
      feedError = e;
      gz.destroy();
    }
  })();
  try {
    for await (const c of gz) yield c as Uint8Array;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/unexpected end/i.test(msg)) throw fault('TRUNCATED', 0, 'gzip stream ends early');
    throw fault('MALFORMED_FILE', 0, `corrupt gzip data: ${msg}`);
  } finally {
    gz.destroy();
  }
  await feeding;
  if (feedError) throw feedError;
}

/** Zip entry names without the UTF-8 flag come from fflate as latin1 code units: decode them as GBK. */
export function decodeZipName(name: string): string {
  let wide = false;
  let high = false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c > 0xff) wide = true;
    else if (c > 0x7f) high = true;
  }
  if (wide || !high) return name;
  const bytes = Buffer.from(name, 'latin1');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return iconv.decode(bytes, 'gbk');
  }
}

/** Streams the data of the first zip entry whose (decoded) name passes `pick`. */
export async function* unzipEntry(
  src: AsyncIterable<Uint8Array>,
  pick: (name: string) => boolean,
): AsyncGenerator<Uint8Array> {
  const queue: Uint8Array[] = [];
  const names: string[] = [];
  let picked = false;
  let finished = false;
  let error: unknown;
  const uz = new Unzip((f) => {
    const name = decodeZipName(f.name);
    names.push(name);
    if (picked || !pick(name)) return;
    picked = true;
    f.ondata = (err, data, final) => {
      if (err) error = err;
      else if (data.length) queue.push(data);
      if (final) finished = true;
    };
    f.start();
  });
  uz.register(UnzipInflate);
  const push = (c: Uint8Array, final: boolean) => {
    try {
      uz.push(c, final);
    } catch (e) {
      error = e;
    }
  };
  for await (const c of src) {
    push(c, false);
    if (error) break;
    while (queue.length) yield queue.shift()!;
    if (finished) break;
    if (names.length > 1000) throw fault('MALFORMED_FILE', 0, 'zip has too many entries');
  }
  if (!error && !finished) push(new Uint8Array(0), true);
  if (error)
    throw fault(
      'MALFORMED_FILE',
      0,
      `corrupt zip: ${error instanceof Error ? error.message : String(error)}`,
    );
  while (queue.length) yield queue.shift()!;
  if (!picked)
    throw fault('MISSING_HEADER', 0, `zip holds no statement entry (entries: ${names.join(', ') || 'none'})`);
  if (!finished) throw fault('TRUNCATED', 0, 'zip entry ends early');
}

/**
 * Decodes bytes and splits physical lines (LF or CRLF; a final line without newline counts). Yields the lines
 * of each chunk read as one array: a million lines are a few hundred async steps, not a million.
 */
export async function* textLines(
  src: AsyncIterable<Uint8Array>,
  encoding: Encoding,
): AsyncGenerator<RawLine[]> {
  const utf8 = encoding === 'utf8' ? new TextDecoder('utf-8', { fatal: true }) : undefined;
  const gbk = encoding === 'gbk' ? iconv.getDecoder('gbk') : undefined;
  let rest = '';
  let lineNo = 0;
  let first = true;
  const decode = (c: Uint8Array | undefined): string => {
    if (utf8) {
      try {
        return c ? utf8.decode(c, { stream: true }) : utf8.decode();
      } catch {
        // The line of the bad byte itself: lines already split, those decoded and waiting, and the newlines of
        // this chunk before the byte (a chunk may hold the whole file).
        const before = c ? newlinesBefore(c, firstInvalidUtf8(c)) : 0;
        throw fault('MALFORMED_LINE', lineNo + 1 + countNl(rest) + before, 'invalid UTF-8 byte sequence');
      }
    }
    return c ? gbk!.write(Buffer.from(c.buffer, c.byteOffset, c.byteLength)) : (gbk!.end() ?? '');
  };
  // A fault found while splitting a chunk is raised after the lines before it were yielded, so a reader still
  // meets the first bad line of the file first, as when lines came one at a time.
  let pending: unknown;
  const emit = (text: string, final: boolean): RawLine[] => {
    const out: RawLine[] = [];
    try {
      split(text, final, out);
    } catch (error) {
      pending = error;
    }
    return out;
  };
  const split = (text: string, final: boolean, out: RawLine[]): void => {
    rest += text;
    let start = 0;
    for (;;) {
      const nl = rest.indexOf('\n', start);
      if (nl < 0) break;
      let line = rest.slice(start, nl);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      start = nl + 1;
      out.push(check(line));
    }
    rest = rest.slice(start);
    if (rest.length > MAX_LINE_CHARS)
      throw fault('LIMIT_EXCEEDED', lineNo + 1, `line longer than ${MAX_LINE_CHARS} characters`);
    if (final && rest.length) {
      const line = rest.endsWith('\r') ? rest.slice(0, -1) : rest;
      rest = '';
      out.push(check(line));
    }
  };
  const check = (line: string): RawLine => {
    lineNo++;
    if (first) {
      first = false;
      if (line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    }
    // iconv-lite replaces bytes that are not GBK with U+FFFD: a statement with them is corrupt.
    if (gbk && line.includes('\ufffd')) throw fault('MALFORMED_LINE', lineNo, 'invalid GBK byte sequence');
    return { lineNo, text: line };
  };
  for await (const c of src) {
    const lines = emit(decode(c), false);
    if (lines.length > 0) yield lines;
    if (pending !== undefined) throw pending;
  }
  const last = emit(decode(undefined), true);
  if (last.length > 0) yield last;
  if (pending !== undefined) throw pending;
}

function newlinesBefore(bytes: Uint8Array, end: number): number {
  let n = 0;
  for (let i = 0; i < end; i++) if (bytes[i] === 0x0a) n++;
  return n;
}

/**
 * Index of the first byte that cannot start or continue a UTF-8 sequence (bytes.length when none is found).
 * Continuation bytes at the very start belong to a sequence the previous chunk began and are skipped.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < 3 && i < bytes.length && (bytes[i]! & 0xc0) === 0x80) i++;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const len =
      b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (len === 0) return i;
    for (let k = 1; k < len; k++) {
      if (i + k >= bytes.length) return bytes.length; // continues in the next chunk
      if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    }
    i += len;
  }
  return bytes.length;
}

function countNl(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

/** Splits one CSV record honouring double quotes (`""` escapes). Returns undefined if a quote is left open. */
export function splitCsv(line: string, delimiter = ','): string[] | undefined {
  if (!line.includes('"')) return line.split(delimiter);
  const out: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  let atStart = true;
  while (i < line.length) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"') {
        if (line[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += c;
      i++;
      continue;
    }
    if (c === '"' && atStart) {
      quoted = true;
      atStart = false;
      i++;
      continue;
    }
    if (line.startsWith(delimiter, i)) {
      out.push(field);
      field = '';
      atStart = true;
      i += delimiter.length;
      continue;
    }
    // Excel's TAB guard and spaces before an opening quote keep a field "at start".
    if (!(atStart && (c === ' ' || c === '\t'))) atStart = false;
    field += c;
    i++;
  }
  if (quoted) return undefined;
  out.push(field);
  return out;
}

/** Quotes a CSV field when it needs it. */
export function csvField(s: string, delimiter = ','): string {
  return s.includes('"') || s.includes(delimiter) || s.includes('\n') || s.includes('\r')
    ? `"${s.replaceAll('"', '""')}"`
    : s;
}
