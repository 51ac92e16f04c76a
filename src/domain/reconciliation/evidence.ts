// Evidence files: what type a file is, told by its first bytes (never by its name or the sender's word), and
// the limits. Only kinds that are documents, not programs: PDF, PNG, JPEG and CSV text. Pure.
import { createHash } from 'node:crypto';
import { refuse } from './refusals.ts';

/** Largest evidence file kept (a scanned receipt or a channel's ticket export). */
export const MAX_EVIDENCE_BYTES = 5 * 1024 * 1024;
/** Longest file name kept (the rest is cut). */
export const MAX_EVIDENCE_NAME_LENGTH = 120;
/** Most evidence files on one discrepancy or match. */
export const MAX_EVIDENCE_PER_ITEM = 20;

export const EVIDENCE_TYPES = ['application/pdf', 'image/png', 'image/jpeg', 'text/csv'] as const;
export type EvidenceType = (typeof EVIDENCE_TYPES)[number];

const startsWith = (b: Uint8Array, magic: readonly number[]) =>
  b.length >= magic.length && magic.every((x, i) => b[i] === x);

const PDF = [0x25, 0x50, 0x44, 0x46, 0x2d]; // %PDF-
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG = [0xff, 0xd8, 0xff];

/** CSV: UTF-8 text (a BOM allowed) with no control bytes but tab, CR and LF, that is not markup. */
function isCsvText(b: Uint8Array): boolean {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(b);
  } catch {
    return false;
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the control bytes are what is refused
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text)) return false;
  const head = text.replace(/^\uFEFF/, '').trimStart();
  if (head.startsWith('<')) return false;
  return /[,\t]/.test(text.split(/\r?\n/, 1)[0] ?? '');
}

/** The evidence type of the bytes; EVIDENCE_TYPE_REFUSED when they are none of the kinds kept. */
export function sniffEvidenceType(bytes: Uint8Array): EvidenceType {
  if (startsWith(bytes, PDF)) return 'application/pdf';
  if (startsWith(bytes, PNG)) return 'image/png';
  if (startsWith(bytes, JPEG)) return 'image/jpeg';
  if (isCsvText(bytes)) return 'text/csv';
  throw refuse('EVIDENCE_TYPE_REFUSED', { accepted: EVIDENCE_TYPES.join(', ') });
}

/** A file name safe to store and to send back in Content-Disposition: no path, no quotes, bounded. */
export function safeEvidenceName(name: string, type: EvidenceType): string {
  const base = (name.split(/[\\/]/).pop() ?? '')
    .normalize('NFC')
    .replace(/[^\p{L}\p{N}._ -]/gu, '_')
    .replace(/^\.+/, '')
    .slice(0, MAX_EVIDENCE_NAME_LENGTH)
    .trim();
  const ext = { 'application/pdf': '.pdf', 'image/png': '.png', 'image/jpeg': '.jpg', 'text/csv': '.csv' }[
    type
  ];
  const stem = base.length > 0 ? base : 'evidence';
  return /\.(pdf|png|jpe?g|csv)$/i.test(stem) ? stem : `${stem}${ext}`;
}

/** Checks an evidence file and names it by its SHA-256. */
export function checkEvidence(
  name: string,
  bytes: Uint8Array,
): { sha256: string; contentType: EvidenceType; bytes: number; file: string } {
  if (bytes.length === 0) throw refuse('EVIDENCE_TYPE_REFUSED', { reason: 'empty file' });
  if (bytes.length > MAX_EVIDENCE_BYTES)
    throw refuse('EVIDENCE_TOO_LARGE', { bytes: bytes.length, max: MAX_EVIDENCE_BYTES });
  const contentType = sniffEvidenceType(bytes);
  return {
    sha256: createHash('sha256').update(bytes).digest('hex'),
    contentType,
    bytes: bytes.length,
    file: safeEvidenceName(name, contentType),
  };
}
