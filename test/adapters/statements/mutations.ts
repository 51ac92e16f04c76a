// File mutations, a run that tells a refusal from a crash, and the parse/refusal helpers the statement
// tests share.
import fc from 'fast-check';
import { expect } from 'vitest';
import {
  type ParseOptions,
  StatementError,
  bufferSource,
  parseStatement,
  validateStatement,
} from '../../../src/adapters/statements/index.ts';
import type { StatementLine, StatementSummary } from '../../../src/domain/reconciliation/statement-line.ts';

export type Outcome =
  | { ok: true; lines: StatementLine[]; summary: StatementSummary }
  | { ok: false; lines: StatementLine[]; error: StatementError };

/**
 * Runs a file to its end or to its refusal (in chunks of `chunk` bytes), keeping the lines yielded on the
 * way; anything thrown but a StatementError is a crash and fails the test, and a refused stream is over.
 */
export async function run(
  data: Uint8Array,
  name: string,
  opts: ParseOptions = {},
  chunk = 53,
): Promise<Outcome> {
  const lines: StatementLine[] = [];
  const it = parseStatement(bufferSource(name, data, chunk), opts);
  try {
    for (;;) {
      const r = await it.next();
      if (r.done) return { ok: true, lines, summary: r.value };
      lines.push(...r.value);
    }
  } catch (e) {
    if (!(e instanceof StatementError)) throw e; // anything else is a crash
    expect((await it.next()).done).toBe(true);
    return { ok: false, lines, error: e };
  }
}

/** The lines and summary of a file that must verify. */
export async function verified(
  data: string | Uint8Array,
  opts: ParseOptions = {},
  name = 'bill.csv',
): Promise<{ lines: StatementLine[]; summary: StatementSummary }> {
  const r = await run(typeof data === 'string' ? Buffer.from(data) : data, name, opts, 71);
  if (!r.ok) throw r.error;
  return r;
}

/** The refusal of a file that must be refused (validated in one pass). */
export async function refusal(
  data: string | Uint8Array,
  opts: ParseOptions = {},
  name = 'bill.csv',
): Promise<StatementError> {
  try {
    await validateStatement(bufferSource(name, data), opts);
  } catch (e) {
    expect(e).toBeInstanceOf(StatementError);
    return e as StatementError;
  }
  throw new Error('file was accepted');
}

/** A mutation of a file: flip bytes, cut it, or move/duplicate/drop whole lines. */
export const mutation = fc.oneof(
  fc.record({
    t: fc.constant('bytes' as const),
    at: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
  }),
  fc.record({ t: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ t: fc.constant('swap' as const), a: fc.nat(), b: fc.nat() }),
  fc.record({ t: fc.constant('dup' as const), a: fc.nat() }),
  fc.record({ t: fc.constant('drop' as const), a: fc.nat() }),
);
export type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

export function mutate(b: Buffer, m: Mutation): Buffer {
  if (m.t === 'bytes') {
    const c = Buffer.from(b);
    for (const [at, v] of m.at) c[at % c.length] = v;
    return c;
  }
  if (m.t === 'cut') return b.subarray(0, m.at % b.length);
  const lines: Buffer[] = [];
  let s = 0;
  for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) {
    lines.push(b.subarray(s, i + 1));
    s = i + 1;
  }
  if (s < b.length) lines.push(b.subarray(s));
  const n = lines.length;
  if (m.t === 'swap') {
    const [x, y] = [m.a % n, m.b % n];
    [lines[x], lines[y]] = [lines[y]!, lines[x]!];
  } else if (m.t === 'dup') lines.splice(m.a % n, 0, lines[m.a % n]!);
  else lines.splice(m.a % n, 1);
  return Buffer.concat(lines);
}
