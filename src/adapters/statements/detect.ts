// Format detection for `--format auto`: from the first bytes and the file name only.
import { gunzipSync, inflateRawSync, constants as zc } from 'node:zlib';
import iconv from 'iconv-lite';
import type { StatementFormat } from '../../domain/reconciliation/statement-line.ts';
import { ALIPAY_ACCOUNT_TITLE } from './alipay-account.ts';
import { ALIPAY_TITLE } from './alipay.ts';
import { type ColumnMapping, headerMatches } from './mapping.ts';
import { BUILTIN_MAPPINGS } from './mappings.ts';
import { type Encoding, decodeZipName, isGzip, isZip, splitCsv } from './source.ts';

export interface Detection {
  /** Undefined when only the container is known (an xlsx: the header row picks among `mappings`). */
  format: StatementFormat | undefined;
  compression: 'none' | 'gzip' | 'zip';
  container: 'text' | 'xlsx' | 'json';
  encoding: Encoding;
  /** Candidate mappings for a mapping-based format. */
  mappings: ColumnMapping[];
}

function firstZipEntry(b: Uint8Array): { name: string; data: Uint8Array | undefined } | undefined {
  if (!isZip(b) || b.length < 30) return undefined;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const method = dv.getUint16(8, true);
  const nameLen = dv.getUint16(26, true);
  const extraLen = dv.getUint16(28, true);
  const start = 30 + nameLen + extraLen;
  const name = decodeZipName(Buffer.from(b.subarray(30, 30 + nameLen)).toString('latin1'));
  let data: Uint8Array | undefined;
  try {
    const body = b.subarray(start);
    data =
      method === 0 ? body : method === 8 ? inflateRawSync(body, { finishFlush: zc.Z_SYNC_FLUSH }) : undefined;
  } catch {
    data = undefined;
  }
  return { name, data };
}

function textOf(b: Uint8Array, enc: Encoding): string {
  return enc === 'gbk' ? iconv.decode(Buffer.from(b), 'gbk') : new TextDecoder('utf-8').decode(b);
}

/**
 * Tells the format of a statement from its first bytes (a few KB) and its file name.
 * Returns undefined when nothing matches.
 */
export function detectFormat(
  firstBytes: Uint8Array,
  fileName: string,
  mappings: readonly ColumnMapping[] = BUILTIN_MAPPINGS,
): Detection | undefined {
  const lower = fileName.toLowerCase();
  if (isGzip(firstBytes)) {
    let inner: Uint8Array;
    try {
      inner = gunzipSync(firstBytes, { finishFlush: zc.Z_SYNC_FLUSH });
    } catch {
      return undefined;
    }
    const d = detectText(inner, mappings);
    return d && { ...d, compression: 'gzip' };
  }
  if (isZip(firstBytes)) {
    const entry = firstZipEntry(firstBytes);
    const xlsx =
      lower.endsWith('.xlsx') ||
      !!entry?.name.startsWith('[Content_Types]') ||
      !!entry?.name.startsWith('xl/');
    if (xlsx) {
      const candidates = mappings.filter((m) => m.container === 'xlsx');
      return candidates.length
        ? {
            format: candidates.length === 1 ? candidates[0]!.format : undefined,
            compression: 'none',
            container: 'xlsx',
            encoding: 'utf8',
            mappings: candidates,
          }
        : undefined;
    }
    if (entry?.name.includes('账务明细'))
      return {
        format: 'alipay-account',
        compression: 'zip',
        container: 'text',
        encoding: 'gbk',
        mappings: [],
      };
    if (entry?.name.includes('业务明细') || lower.endsWith('.csv.zip'))
      return { format: 'alipay', compression: 'zip', container: 'text', encoding: 'gbk', mappings: [] };
    if (entry?.data) {
      const d = detectText(entry.data, mappings);
      return d && { ...d, compression: 'zip' };
    }
    return undefined;
  }
  return detectText(firstBytes, mappings);
}

function detectText(b: Uint8Array, mappings: readonly ColumnMapping[]): Detection | undefined {
  const utf8 = textOf(b, 'utf8').replace(/^\ufeff/, '');
  const head = utf8.trimStart();
  const text = (format: StatementFormat, encoding: Encoding): Detection => ({
    format,
    compression: 'none',
    container: 'text',
    encoding,
    mappings: [],
  });
  if (head.startsWith('交易时间,') || head.startsWith('<xml')) return text('wechat', 'utf8');
  if (head.startsWith('记账时间,')) return text('wechat-fundflow', 'utf8');
  if (head.startsWith(ALIPAY_TITLE)) return text('alipay', 'utf8');
  if (head.startsWith(ALIPAY_ACCOUNT_TITLE)) return text('alipay-account', 'utf8');
  const gbk = textOf(b, 'gbk').trimStart();
  if (gbk.startsWith(ALIPAY_TITLE)) return text('alipay', 'gbk');
  if (gbk.startsWith(ALIPAY_ACCOUNT_TITLE)) return text('alipay-account', 'gbk');
  if (head.startsWith('{') || head.startsWith('[')) {
    const json = mappings.filter((m) => m.container === 'json');
    return json.length
      ? { format: json[0]!.format, compression: 'none', container: 'json', encoding: 'utf8', mappings: json }
      : undefined;
  }
  for (const m of mappings) {
    if (m.container !== 'csv') continue;
    const enc = m.encoding ?? 'utf8';
    const lines = (enc === 'gbk' ? gbk : head).split('\n').slice(0, m.headerSearchRows ?? 20);
    for (const l of lines) {
      const cells = splitCsv(l.replace(/\r$/, ''), m.delimiter ?? ',');
      if (cells && headerMatches(m, cells))
        return { format: m.format, compression: 'none', container: 'text', encoding: enc, mappings: [m] };
    }
  }
  return undefined;
}
