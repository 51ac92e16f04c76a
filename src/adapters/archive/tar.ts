// A POSIX ustar archive of files on disk, streamed: what `tar xf` (GNU, BSD, busybox) and every zip tool's tar
// reader extract. Files are read as they are sent, so an archive of any size holds one chunk in memory at a time.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';

const BLOCK = 512;
/** ustar's size field: 11 octal digits. */
export const MAX_TAR_ENTRY_BYTES = 8 ** 11 - 1;
const MAX_NAME_BYTES = 100;

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

/** One ustar header block: a regular file ('0') or a directory ('5'). */
export function tarHeader(name: string, size: number, mtime: Date, type: '0' | '5'): Buffer {
  const nameBytes = Buffer.from(name, 'utf8');
  if (nameBytes.length > MAX_NAME_BYTES)
    throw new RangeError(`tar entry name longer than 100 bytes: ${name}`);
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_TAR_ENTRY_BYTES)
    throw new RangeError(`tar entry too large: ${name} (${size} bytes)`);
  const h = Buffer.alloc(BLOCK, 0);
  nameBytes.copy(h, 0);
  h.write(octal(type === '5' ? 0o755 : 0o644, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(Math.floor(mtime.getTime() / 1000), 12), 136, 'ascii');
  h.write(' '.repeat(8), 148, 'ascii'); // the checksum is computed with its own field as spaces
  h.write(type, 156, 'ascii');
  h.write('ustar\u000000', 257, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

/**
 * The files of `dir`, under the folder `root`, as a tar stream. `cleanup` runs once the stream has ended or
 * was abandoned (a client that hangs up).
 */
export function tarOfFiles(
  dir: string,
  root: string,
  files: readonly string[],
  cleanup?: () => Promise<void>,
): Readable {
  async function* blocks(): AsyncGenerator<Buffer> {
    try {
      const now = new Date();
      yield tarHeader(`${root}/`, 0, now, '5');
      for (const f of files) {
        const path = join(dir, f);
        const { size, mtime } = await stat(path);
        yield tarHeader(`${root}/${f}`, size, mtime, '0');
        let sent = 0;
        for await (const chunk of createReadStream(path)) {
          sent += (chunk as Buffer).length;
          yield chunk as Buffer;
        }
        if (sent !== size) throw new Error(`${f} changed while it was archived`);
        if (size % BLOCK !== 0) yield Buffer.alloc(BLOCK - (size % BLOCK), 0);
      }
      yield Buffer.alloc(2 * BLOCK, 0); // two zero blocks end the archive
    } finally {
      await cleanup?.();
    }
  }
  return Readable.from(blocks(), { objectMode: false });
}
