// Mappings as managed configuration, end to end on PostgreSQL: a hospital adds a mapping for a HIS extract
// layout no built-in knows, imports with it, revises it, tries files against it; files without a totals row are
// checked against the platform.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlEventStore } from '../../src/adapters/event-store/sql-event-store.ts';
import { bufferSource } from '../../src/adapters/statements/index.ts';
import {
  addMapping,
  listMappings,
  retireMapping,
  reviseMapping,
  showMapping,
  storeMappingCatalog,
  tryMapping,
} from '../../src/app/mappings.ts';
import { importStatement } from '../../src/app/reconciliation/import-statement.ts';
import { streamId } from '../../src/domain/event-store.ts';
import { UPCASTERS } from '../../src/domain/events.ts';
import { MappingRefusal } from '../../src/domain/mappings/index.ts';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.ts';
import { runCli } from '../support/cli.ts';
import { H, local, platformPayment, platformRefund } from '../reconciliation/support.ts';

let tdb: TestDatabase;
let store: SqlEventStore;
const ports = () => ({ store, db: tdb.database.db });
const staff = { hospitalId: H, actor: { kind: 'staff' as const, id: 'finance-supervisor:wang' } };
const at = (iso = '2024-05-02T02:00:00Z') => ({ ...staff, at: new Date(iso) });

beforeAll(async () => {
  tdb = await createPostgresDatabase('app_mappings');
  store = new SqlEventStore(tdb.database, { upcasters: UPCASTERS });
});
afterAll(async () => {
  await tdb?.dispose();
});

async function refusal(p: Promise<unknown>): Promise<{ code: string; details: Record<string, unknown> }> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  if (e instanceof MappingRefusal) return { code: e.code, details: e.details as Record<string, unknown> };
  if (e && typeof e === 'object' && 'code' in e)
    return { code: String((e as { code: string }).code), details: { ...(e as object) } };
  throw new Error(`expected a refusal, got ${String(e)}`);
}

/** The east wing's HIS exports semicolon-separated rows with its own headers and a 合计 line. */
const EAST_WING = {
  name: 'his-east-wing',
  description: 'East wing HIS daily charge extract (semicolon separated)',
  party: 'his',
  container: 'csv',
  encoding: 'utf8',
  delimiter: ';',
  fields: {
    hisNo: '收费流水',
    merchantOrderNo: '订单号',
    refundNo: '退费单号',
    amount: '金额(元)',
    occurredAt: '收费时间',
    payChannel: '支付方式',
  },
  dateFormats: ['yyyy/MM/dd HH:mm:ss'],
  kind: { column: '类型', values: { 收: 'payment', 退: 'refund' } },
  amountSign: 'refund-negative',
  totals: { marker: '收费流水', equals: '合计', count: '订单号', amount: '金额(元)' },
};

const HEADER = '收费流水;订单号;退费单号;类型;金额(元);收费时间;支付方式';
const eastWingFile = (rows: string[], total?: string) =>
  Buffer.from([HEADER, ...rows, ...(total === undefined ? [] : [total])].join('\n'));

const EAST_ROWS = [
  'S1;O1;;收;25.00;2024/05/01 09:00:00;wechat',
  'S2;O2;;收;31.00;2024/05/01 09:10:00;alipay',
  'S3;O1;R1;退;-5.00;2024/05/01 11:00:00;wechat',
];

describe('a HIS extract in a new layout', () => {
  it('is refused without a mapping, and imports with the mapping a supervisor adds', async () => {
    const file = eastWingFile(EAST_ROWS, '合计;3;;;51.00;;');
    const before = await refusal(importStatement(ports(), bufferSource('east.csv', file), { hospitalId: H }));
    expect(before.code).toBe('UNSUPPORTED_FORMAT');

    const added = await addMapping(ports(), at(), EAST_WING, 'first version');
    expect(added).toMatchObject({ name: 'his-east-wing', version: 1 });

    const r = await importStatement(ports(), bufferSource('east.csv', file), {
      hospitalId: H,
      mapping: 'his-east-wing',
    });
    expect(r.summary).toMatchObject({ party: 'his', lines: 3, format: 'his:his-east-wing' });
    expect(r.mapping).toEqual({ name: 'his-east-wing', version: 1, builtin: false });
    expect(r.totalsCheck).toMatchObject({ method: 'file', outcome: 'agrees' });
    // The import records the mapping and version that read it.
    const started = await store.readStream(streamId(H, 'statement', r.statementId), { maxCount: 1 });
    expect(started.events[0]?.data).toMatchObject({
      mapping: { name: 'his-east-wing', version: 1 },
      totalsCheck: { method: 'file' },
    });
  });

  it('is revised: both versions show, and an import records the version it used', async () => {
    // The HIS vendor renamed 金额(元) to 金额 in an update: version 2 accepts both.
    const v2 = {
      ...EAST_WING,
      fields: { ...EAST_WING.fields, amount: ['金额(元)', '金额'] },
      totals: { ...EAST_WING.totals, amount: ['金额(元)', '金额'] },
    };
    const revised = await reviseMapping(
      ports(),
      at('2024-05-03T02:00:00Z'),
      'his-east-wing',
      v2,
      'header 金额',
    );
    expect(revised.version).toBe(2);
    expect((await refusal(reviseMapping(ports(), at(), 'his-east-wing', v2))).code).toBe('MAPPING_UNCHANGED');

    const shown = await showMapping(ports(), H, 'his-east-wing');
    expect(shown.shown.version).toBe(2);
    expect(shown.versions.map((v) => [v.version, v.status, v.note])).toEqual([
      [2, 'current', 'header 金额'],
      [1, 'superseded', 'first version'],
    ]);
    const first = await showMapping(ports(), H, 'his-east-wing', 1);
    expect(first.shown.definition.fields.amount).toBe('金额(元)');
    expect((await refusal(showMapping(ports(), H, 'his-east-wing', 7))).code).toBe(
      'MAPPING_VERSION_NOT_FOUND',
    );

    const renamed = Buffer.from(
      [
        HEADER.replace('金额(元)', '金额'),
        'S9;O9;;收;40.00;2024/05/02 10:00:00;wechat',
        '合计;1;;;40.00;;',
      ].join('\n'),
    );
    const r = await importStatement(ports(), bufferSource('east-2.csv', renamed), {
      hospitalId: H,
      mapping: 'his-east-wing',
    });
    expect(r.mapping).toEqual({ name: 'his-east-wing', version: 2, builtin: false });

    const listed = await listMappings(ports(), H);
    expect(listed.find((m) => m.name === 'his-east-wing')).toMatchObject({ version: 2, status: 'current' });
    // The built-in mappings remain available by their names.
    expect(listed.filter((m) => m.status === 'builtin').map((m) => m.name)).toContain('his-csv');
    expect((await storeMappingCatalog(store).get(H, 'his-csv'))?.builtin).toBe(true);
  });

  it('try lists every refused row with its line and reason, and writes nothing', async () => {
    const bad = eastWingFile(
      [
        'S1;O1;;收;25.00;2024/05/01 09:00:00;wechat',
        'S2;O2;;收;31.0x;2024/05/01 09:10:00;wechat',
        'S3;O3;;收;12.00;2024-05-01 09:20;wechat',
        'S4;O4;;挂;12.00;2024/05/01 09:30:00;wechat',
        'S5;O5;;收;8.00;2024/05/01 09:40:00;wechat',
      ],
      '合计;5;;;88.00;;',
    );
    const head = await store.headPosition();
    const r = await tryMapping(
      ports(),
      storeMappingCatalog(store),
      H,
      'his-east-wing',
      bufferSource('bad.csv', bad),
    );
    expect(r.lineCount).toBe(2);
    expect(r.lines.map((l) => l.hisNo)).toEqual(['S1', 'S5']);
    expect(r.refused.map((f) => f.line)).toEqual([3, 4, 5]);
    expect(r.refused[0]?.reason).toMatch(/amount is not an amount: '31.0x'/);
    expect(r.refused[1]?.reason).toMatch(/2024-05-01 09:20' matches none of yyyy\/MM\/dd HH:mm:ss/);
    expect(r.refused[2]?.reason).toMatch(/unknown 类型 '挂'/);
    // The totals row counts rows the mapping refused: the file as a whole is refused too.
    expect(r.fileRefusal).toMatchObject({ code: 'TOTALS_MISMATCH', line: 7 });
    expect(r.wouldImport).toBe(false);
    expect(await store.headPosition()).toBe(head);

    const good = await tryMapping(
      ports(),
      storeMappingCatalog(store),
      H,
      'his-east-wing',
      bufferSource('good.csv', eastWingFile(EAST_ROWS, '合计;3;;;51.00;;')),
    );
    expect(good).toMatchObject({ lineCount: 3, refused: [], fileRefusal: null, wouldImport: true });
    expect(good.totals).toMatchObject({ method: 'file', outcome: 'agrees' });
  });

  it('refuses a file whose totals row exists but cannot be read, with its line and reason', async () => {
    const unreadable = eastWingFile(EAST_ROWS, '合计;;;;51.00;;');
    const e = await refusal(
      importStatement(ports(), bufferSource('east-bad-total.csv', unreadable), {
        hospitalId: H,
        mapping: 'his-east-wing',
      }),
    );
    expect(e.code).toBe('MALFORMED_LINE');
    expect(e.details).toMatchObject({
      line: 5,
      reason: expect.stringMatching(/totals row: the count .* is empty/),
    });
    const notMoney = eastWingFile(EAST_ROWS, '合计;3;;;51.0O;;');
    expect(
      await refusal(
        importStatement(ports(), bufferSource('east-bad-total2.csv', notMoney), {
          hospitalId: H,
          mapping: 'his-east-wing',
        }),
      ),
    ).toMatchObject({ code: 'MALFORMED_LINE', details: { line: 5 } });
  });

  it('refuses an unknown or retired mapping name', async () => {
    const file = bufferSource('east.csv', eastWingFile(EAST_ROWS, '合计;3;;;51.00;;'));
    expect((await refusal(importStatement(ports(), file, { hospitalId: H, mapping: 'no-such' }))).code).toBe(
      'UNKNOWN_MAPPING',
    );
    // Another hospital does not see this hospital's mapping.
    expect(
      (await refusal(importStatement(ports(), file, { hospitalId: 'H2', mapping: 'his-east-wing' }))).code,
    ).toBe('UNKNOWN_MAPPING');
    expect((await refusal(tryMapping(ports(), storeMappingCatalog(store), H, 'NO SUCH', file))).code).toBe(
      'UNKNOWN_MAPPING',
    );
    await addMapping(ports(), at(), { ...EAST_WING, name: 'his-old' });
    await retireMapping(ports(), at(), 'his-old', 'replaced by his-east-wing');
    expect((await refusal(importStatement(ports(), file, { hospitalId: H, mapping: 'his-old' }))).code).toBe(
      'MAPPING_RETIRED',
    );
    const shown = await showMapping(ports(), H, 'his-old');
    expect(shown.shown).toMatchObject({ status: 'retired', retiredReason: 'replaced by his-east-wing' });
  });

  it('refuses malformed mapping JSON with the path and the reason, writing nothing', async () => {
    const cases: [unknown, string, RegExp][] = [
      [{ ...EAST_WING, fields: { occurredAt: '收费时间' } }, '$.fields.amount', /required/],
      [
        { ...EAST_WING, dateFormats: ['yyyy/MM/dd HH:nn'] },
        '$.dateFormats[0]',
        /'n' is not a pattern letter/,
      ],
      [{ ...EAST_WING, kind: { column: '类型', values: { 收: 'charge' } } }, '$.kind.values.收', /one of/],
      [{ ...EAST_WING, totals: undefined }, '$.totals', /is required/],
      [{ ...EAST_WING, encoding: 'latin1' }, '$.encoding', /utf8, gbk/],
      [{ ...EAST_WING, name: 'His East' }, '$.name', /lower-case/],
      [{ ...EAST_WING, colour: 'red' }, '$.colour', /unknown key/],
      [{ ...EAST_WING, header: false }, '$.fields.hisNo', /position/],
      [[], '$', /object/],
    ];
    const head = await store.headPosition();
    for (const [definition, path, reason] of cases) {
      const e = await refusal(addMapping(ports(), at(), definition));
      expect(e.code).toBe('MAPPING_INVALID');
      expect(e.details.path).toBe(path);
      expect(String(e.details.reason)).toMatch(reason);
    }
    expect((await refusal(addMapping(ports(), at(), { ...EAST_WING, name: 'his-csv' }))).code).toBe(
      'MAPPING_NAME_RESERVED',
    );
    expect((await refusal(addMapping(ports(), at(), EAST_WING))).code).toBe('MAPPING_ALREADY_EXISTS');
    expect(await store.headPosition()).toBe(head);
  });
});

describe('a file without a totals row', () => {
  // A bank's headerless export: columns by position, no totals line. It is checked against the platform.
  const BANK = {
    name: 'bank-ccb-pos',
    party: 'bank',
    source: 'unionpay',
    container: 'csv',
    header: false,
    fields: { occurredAt: 1, channelTxnId: 2, merchantOrderNo: 3, amount: 4 },
    dateFormats: ['yyyyMMddHHmmss'],
    kind: { bySign: true },
    amountSign: 'refund-negative',
    totals: false,
  };
  const D = '2024-06-01';
  const rows = ['20240601090000,U1,P1,100.00', '20240601091500,U2,P2,60.00', '20240601100000,U1,P1,-20.00'];

  beforeAll(async () => {
    await platformPayment(store, {
      orderId: 'P1',
      txn: 'U1',
      amount: '100.00',
      at: local(D, '09:00:00'),
      channel: 'unionpay',
    });
    await platformPayment(store, {
      orderId: 'P2',
      txn: 'U2',
      amount: '60.00',
      at: local(D, '09:15:00'),
      channel: 'unionpay',
    });
    await platformRefund(store, {
      orderId: 'P1',
      refundId: 'RF1',
      txn: 'U1',
      amount: '20.00',
      at: local(D, '10:00:00'),
      channel: 'unionpay',
    });
    // Another channel's payment the same day is not the bank's to explain.
    await platformPayment(store, { orderId: 'P3', txn: 'W3', amount: '9.00', at: local(D, '11:00:00') });
    await addMapping(ports(), at(), BANK);
  });

  it('agrees when its count and net match the platform movements of that day and channel', async () => {
    const r = await importStatement(ports(), bufferSource('ccb-0601.csv', Buffer.from(rows.join('\r\n'))), {
      hospitalId: H,
      mapping: 'bank-ccb-pos',
    });
    expect(r.summary.totalsStated).toBe(0);
    expect(r.totalsCheck).toEqual({
      method: 'platform',
      outcome: 'agrees',
      businessDate: D,
      channel: 'unionpay',
      file: { count: 3, net: '140.00' },
      platform: { count: 3, net: '140.00' },
    });
  });

  it('disagrees when a line is missing: recorded with the import (the mapping may ask to refuse instead)', async () => {
    const short = Buffer.from(rows.slice(0, 2).join('\n'));
    const r = await importStatement(ports(), bufferSource('ccb-0601-short.csv', short), {
      hospitalId: H,
      mapping: 'bank-ccb-pos',
    });
    expect(r.totalsCheck).toMatchObject({
      method: 'platform',
      outcome: 'disagrees',
      file: { count: 2, net: '160.00' },
      platform: { count: 3, net: '140.00' },
    });
    const started = await store.readStream(streamId(H, 'statement', r.statementId), { maxCount: 1 });
    expect(started.events[0]?.data).toMatchObject({ totalsCheck: { outcome: 'disagrees' } });

    await reviseMapping(ports(), at(), 'bank-ccb-pos', { ...BANK, platformCheck: 'refuse' });
    const head = await store.headPosition();
    const other = Buffer.from(`${rows[0]}\n`);
    const e = await refusal(
      importStatement(ports(), bufferSource('ccb-0601-one.csv', other), {
        hospitalId: H,
        mapping: 'bank-ccb-pos',
      }),
    );
    expect(e.code).toBe('TOTALS_MISMATCH');
    expect(String(e.details.reason)).toMatch(
      /disagrees — 1 lines netting 100.00; platform 3 movements netting 140.00/,
    );
    expect(await store.headPosition()).toBe(head);

    // A trial says the same without writing.
    const t = await tryMapping(
      ports(),
      storeMappingCatalog(store),
      H,
      'bank-ccb-pos',
      bufferSource('x.csv', other),
    );
    expect(t).toMatchObject({ wouldImport: false, totals: { method: 'platform', outcome: 'disagrees' } });
  });
});

describe('ledger mappings', () => {
  it('adds, lists, shows and tries from the command line', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'mappings-cli-'));
    const env = { DATABASE_URL: tdb.url!, LEDGER_HOSPITAL: 'H7' };
    const mappingFile = join(dir, 'east.json');
    await writeFile(mappingFile, JSON.stringify(EAST_WING));
    expect(await runCli(['mappings', 'add', mappingFile, '--user', 'li'], env)).toMatchObject({
      code: 0,
      out: 'added mapping his-east-wing, version 1\n',
    });
    const broken = join(dir, 'broken.json');
    await writeFile(broken, JSON.stringify({ ...EAST_WING, amountSign: 'up' }));
    const refused = await runCli(['mappings', 'add', broken], env);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain(`${broken}: $.amountSign: The mapping is malformed — must be one of`);

    const list = await runCli(['mappings', 'list'], env);
    expect(list.out).toMatch(/his-east-wing +1 +current +his +his:his-east-wing/);
    const show = await runCli(['mappings', 'show', 'his-east-wing', '--json'], env);
    expect(JSON.parse(show.out)).toMatchObject({ name: 'his-east-wing', shown: { version: 1 } });

    const sample = join(dir, 'sample.csv');
    await writeFile(
      sample,
      eastWingFile([EAST_ROWS[0]!, 'S2;O2;;收;abc;2024/05/01 09:10:00;x'], '合计;2;;;25.00;;'),
    );
    const tried = await runCli(['mappings', 'try', 'his-east-wing', sample], env);
    expect(tried.code).toBe(1);
    expect(tried.out.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(tried.out)).toMatchObject({ hisNo: 'S1', amount: '25.00', kind: 'payment' });
    expect(tried.err).toContain(`${sample}:3: amount is not an amount: 'abc' (MALFORMED_LINE)`);
    expect(tried.err).toContain('would be refused');
    expect((await runCli(['mappings', 'try', 'nope', sample], env)).code).toBe(1);
    expect((await runCli(['mappings', 'frob'], env)).code).toBe(64);
  });
});
