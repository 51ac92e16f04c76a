// A minimal zip writer (deflate) whose entry names are GBK bytes without the UTF-8 flag, as Alipay
// ships its .csv.zip (docs/statement-formats.md); fflate's zipSync would write UTF-8 names with the flag.
import { crc32, deflateRawSync } from 'node:zlib';
import iconv from 'iconv-lite';

export interface ZipEntry {
  name: string;
  data: Uint8Array;
}

interface EntryHead {
  flags: number;
  crc: number;
  packed: number;
  size: number;
  name: number;
}

/** The run a local and a central header share: flags, deflate, DOS time 0 / date 1980-01-01, CRC, sizes, name length. */
function writeEntryHead(b: Buffer, at: number, h: EntryHead): void {
  b.writeUInt16LE(h.flags, at);
  b.writeUInt16LE(8, at + 2);
  b.writeUInt16LE(0, at + 4);
  b.writeUInt16LE(0x21, at + 6);
  b.writeUInt32LE(h.crc, at + 8);
  b.writeUInt32LE(h.packed, at + 12);
  b.writeUInt32LE(h.size, at + 16);
  b.writeUInt16LE(h.name, at + 20);
}

export function zipGbk(entries: readonly ZipEntry[], nameEncoding: 'gbk' | 'utf8' = 'gbk'): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = nameEncoding === 'gbk' ? iconv.encode(e.name, 'gbk') : Buffer.from(e.name, 'utf8');
    const flags = nameEncoding === 'utf8' ? 0x0800 : 0;
    const body = deflateRawSync(e.data);
    const head = {
      flags,
      crc: crc32(e.data) >>> 0,
      packed: body.length,
      size: e.data.length,
      name: name.length,
    };
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    writeEntryHead(local, 6, head);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    writeEntryHead(central, 8, head);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}
