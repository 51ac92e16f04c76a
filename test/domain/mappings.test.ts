// The mapping-driven parser and the mapping validator, fuzzed with a fixed seed (test/support/property.ts):
// any layout a valid mapping describes reads back the lines written in it; mutated files are refused only with
// a StatementError; untrusted JSON is a mapping or a MAPPING_INVALID refusal with a path, never a crash.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bufferSource, StatementError, validateStatement } from '../../src/adapters/statements/index.ts';
import { parseStatement } from '../../src/adapters/statements/index.ts';
import { MappingRefusal, validateMapping } from '../../src/domain/mappings/index.ts';
import { FC_SEED } from '../support/property.ts';

const DATE_FORMATS = {
  'yyyy-MM-dd HH:mm:ss': (d: string, t: string) => `${d} ${t}`,
  'yyyy/MM/dd HH:mm:ss': (d: string, t: string) => `${d.replaceAll('-', '/')} ${t}`,
  yyyyMMddHHmmss: (d: string, t: string) => `${d.replaceAll('-', '')}${t.replaceAll(':', '')}`,
} as const;
type DateFormat = keyof typeof DATE_FORMATS;

const COLUMNS = ['hisNo', 'merchantOrderNo', 'kind', 'amount', 'occurredAt'] as const;

const layout = fc.record({
  delimiter: fc.constantFrom(',', ';', '\t', '|'),
  header: fc.boolean(),
  order: fc.shuffledSubarray([...COLUMNS], { minLength: COLUMNS.length, maxLength: COLUMNS.length }),
  dateFormat: fc.constantFrom(...(Object.keys(DATE_FORMATS) as DateFormat[])),
  totals: fc.boolean(),
  eol: fc.constantFrom('\n', '\r\n'),
});

const row = fc.record({
  hisNo: fc.stringMatching(/^[A-Z][0-9]{1,8}$/),
  order: fc.stringMatching(/^O[0-9]{1,10}$/),
  refund: fc.boolean(),
  fen: fc.integer({ min: 1, max: 99_999_999 }),
  hour: fc.integer({ min: 0, max: 23 }),
  minute: fc.integer({ min: 0, max: 59 }),
});

type Layout = typeof layout extends fc.Arbitrary<infer T> ? T : never;
type Row = typeof row extends fc.Arbitrary<infer T> ? T : never;

const HEADER_NAMES: Record<(typeof COLUMNS)[number], string> = {
  hisNo: '流水号',
  merchantOrderNo: '订单号',
  kind: '收退',
  amount: '金额',
  occurredAt: '时间',
};

function mappingFor(l: Layout): unknown {
  const ref = (c: (typeof COLUMNS)[number]) => (l.header ? HEADER_NAMES[c] : l.order.indexOf(c) + 1);
  return {
    name: 'his-fuzz',
    party: 'his',
    container: 'csv',
    delimiter: l.delimiter,
    header: l.header,
    fields: {
      hisNo: ref('hisNo'),
      merchantOrderNo: ref('merchantOrderNo'),
      amount: ref('amount'),
      occurredAt: ref('occurredAt'),
    },
    dateFormats: [l.dateFormat],
    kind: { column: ref('kind'), values: { 收: 'payment', 退: 'refund' } },
    amountSign: 'refund-negative',
    totals: l.totals
      ? { marker: ref('hisNo'), equals: '合计', count: ref('merchantOrderNo'), amount: ref('amount') }
      : false,
  };
}

const yuan = (fen: number) => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
const two = (n: number) => String(n).padStart(2, '0');

function fileFor(l: Layout, rows: Row[]): Buffer {
  const lines: string[] = [];
  if (l.header) lines.push(l.order.map((c) => HEADER_NAMES[c]).join(l.delimiter));
  let net = 0;
  for (const r of rows) {
    net += r.refund ? -r.fen : r.fen;
    const cells: Record<(typeof COLUMNS)[number], string> = {
      hisNo: r.hisNo,
      merchantOrderNo: r.order,
      kind: r.refund ? '退' : '收',
      amount: `${r.refund ? '-' : ''}${yuan(r.fen)}`,
      occurredAt: DATE_FORMATS[l.dateFormat]('2024-05-01', `${two(r.hour)}:${two(r.minute)}:00`),
    };
    lines.push(l.order.map((c) => cells[c]).join(l.delimiter));
  }
  if (l.totals) {
    const cells: Record<(typeof COLUMNS)[number], string> = {
      hisNo: '合计',
      merchantOrderNo: String(rows.length),
      kind: '',
      amount: `${net < 0 ? '-' : ''}${yuan(Math.abs(net))}`,
      occurredAt: '',
    };
    lines.push(l.order.map((c) => cells[c]).join(l.delimiter));
  }
  return Buffer.from(lines.join(l.eol) + l.eol);
}

async function linesOf(file: Buffer, mapping: ReturnType<typeof validateMapping>) {
  const out = [];
  const it = parseStatement(bufferSource('f.csv', file), { mapping });
  for (;;) {
    const r = await it.next();
    if (r.done) return { lines: out, summary: r.value };
    out.push(...r.value);
  }
}

describe('the mapping-driven parser', () => {
  it('reads back every line written in any layout a mapping describes', async () => {
    await fc.assert(
      fc.asyncProperty(layout, fc.array(row, { minLength: 1, maxLength: 12 }), async (l, rows) => {
        const mapping = validateMapping(mappingFor(l));
        const { lines, summary } = await linesOf(fileFor(l, rows), mapping);
        expect(lines.map((x) => [x.hisNo, x.merchantOrderNo, x.kind, x.amount])).toEqual(
          rows.map((r) => [r.hisNo, r.order, r.refund ? 'refund' : 'payment', yuan(r.fen)]),
        );
        expect(lines.map((x) => x.localTime)).toEqual(
          rows.map((r) => `2024-05-01 ${two(r.hour)}:${two(r.minute)}:00`),
        );
        expect(summary.totalsStated).toBe(l.totals ? 2 : 0);
        expect(summary.mapping).toBe('his-fuzz');
      }),
      { seed: FC_SEED, numRuns: 80 },
    );
  });

  it('refuses a mutated file only with a StatementError (line and reason), never anything else', async () => {
    await fc.assert(
      fc.asyncProperty(
        layout,
        fc.array(row, { minLength: 1, maxLength: 6 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        async (l, rows, edits) => {
          const mapping = validateMapping(mappingFor(l));
          const file = fileFor(l, rows);
          for (const [at, byte] of edits) file[at % file.length] = byte;
          try {
            await validateStatement(bufferSource('m.csv', file), { mapping });
          } catch (e) {
            expect(e).toBeInstanceOf(StatementError);
            const s = e as StatementError;
            expect(s.line).toBeGreaterThanOrEqual(0);
            expect(s.reason.length).toBeGreaterThan(0);
          }
        },
      ),
      { seed: FC_SEED, numRuns: 150 },
    );
  });

  it('refuses a file with a totals row that drops a line (count or sum no longer agree)', async () => {
    await fc.assert(
      fc.asyncProperty(
        layout.filter((l) => l.totals),
        fc.array(row, { minLength: 2, maxLength: 8 }),
        fc.nat(),
        async (l, rows, drop) => {
          const mapping = validateMapping(mappingFor(l));
          const file = fileFor(l, rows).toString('utf8').split(l.eol);
          file.splice((l.header ? 1 : 0) + (drop % rows.length), 1);
          await expect(
            validateStatement(bufferSource('d.csv', Buffer.from(file.join(l.eol))), { mapping }),
          ).rejects.toMatchObject({ code: 'TOTALS_MISMATCH' });
        },
      ),
      { seed: FC_SEED, numRuns: 60 },
    );
  });
});

describe('the mapping validator', () => {
  it('answers any JSON with a mapping or a MAPPING_INVALID refusal naming a path', () => {
    const base = mappingFor({
      delimiter: ',',
      header: true,
      order: [...COLUMNS],
      dateFormat: 'yyyy-MM-dd HH:mm:ss',
      totals: true,
      eol: '\n',
    }) as Record<string, unknown>;
    const keys = [...Object.keys(base), 'encoding', 'amountForm', 'feeSign', 'platformCheck', 'jsonMeta'];
    const input = fc.oneof(
      fc.jsonValue(),
      fc.record({ key: fc.constantFrom(...keys), value: fc.jsonValue() }).map(({ key, value }) => ({
        ...base,
        [key]: value,
      })),
    );
    fc.assert(
      fc.property(input, (json) => {
        try {
          const m = validateMapping(json);
          // What validates, validates again to the same mapping (it is stored normalized).
          expect(validateMapping(JSON.parse(JSON.stringify(m)))).toEqual(m);
        } catch (e) {
          expect(e instanceof MappingRefusal).toBe(true);
          if (!(e instanceof MappingRefusal)) return;
          expect(e.code).toBe('MAPPING_INVALID');
          expect(String(e.details.path)).toMatch(/^\$/);
        }
      }),
      { seed: FC_SEED, numRuns: 400 },
    );
  });
});

describe('the worked example in docs/', () => {
  it('validates, and reads its sample file with its totals row checked', async () => {
    const { readFile } = await import('node:fs/promises');
    const mapping = validateMapping(
      JSON.parse(await readFile('docs/examples/his-east-wing.mapping.json', 'utf8')),
    );
    const { lines, summary } = await linesOf(await readFile('docs/examples/his-east-wing.csv'), mapping);
    expect(lines.map((l) => [l.hisNo, l.kind, l.amount])).toEqual([
      ['S1', 'payment', '25.00'],
      ['S2', 'payment', '31.00'],
      ['S3', 'refund', '5.00'],
    ]);
    expect(summary.checks.map((c) => c.name)).toEqual(['count', 'amount']);
    expect(
      validateMapping(JSON.parse(await readFile('docs/examples/bank-headerless.mapping.json', 'utf8')))
        .header,
    ).toBe(false);
  });
});
