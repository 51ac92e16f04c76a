// Statements imported before the columnar encoding (schema version 1) stay readable and resumable.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlEventStore } from '../../src/adapters/event-store/sql-event-store.ts';
import { encodeWechatBatch, WECHAT_RAW_CODEC } from '../../src/adapters/statements/codec.ts';
import { statementIdOf } from '../../src/adapters/statements/import.ts';
import {
  type BillEntry,
  bufferSource,
  parseStatement,
  writeWechatBill,
} from '../../src/adapters/statements/index.ts';
import { importStatement, reconcileDay } from '../../src/app/reconciliation/index.ts';
import { type JsonObject, streamId } from '../../src/domain/event-store.ts';
import { UPCASTERS } from '../../src/domain/events.ts';
import type { StatementImportStarted } from '../../src/domain/reconciliation/events.ts';
import type { StatementLine, StatementSummary } from '../../src/domain/reconciliation/statement-line.ts';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.ts';
import { H, local, platformPayment } from './support.ts';

const D = '2024-05-01';
const MCH = '1900000109';

let tdb: TestDatabase;
let store: SqlEventStore;

const entries: BillEntry[] = Array.from({ length: 5 }, (_, i) => ({
  kind: 'payment',
  amount: `${10 + i}.00`,
  occurredAt: local(D, `10:0${i}:00`),
  channelTxnId: `T${i}`,
  merchantOrderNo: `O${i}`,
  fee: '0.00000',
  merchantId: MCH,
}));

beforeAll(async () => {
  tdb = await createPostgresDatabase('recon_legacy');
  store = new SqlEventStore(tdb.database, { upcasters: UPCASTERS });
  for (const e of entries)
    await platformPayment(store, {
      orderId: e.merchantOrderNo!,
      txn: e.channelTxnId!,
      amount: e.amount,
      at: e.occurredAt,
      his: 'synced',
    });
});

afterAll(async () => {
  await store?.close();
  await tdb?.dispose();
});

describe('a statement imported as raw WeChat rows (wechat-raw/1, schema version 1)', () => {
  it('an import cut off while writing it is finished in it, and its day reconciles', async () => {
    const text = writeWechatBill(entries, { merchantId: MCH });
    const lines: StatementLine[] = [];
    const it = parseStatement(bufferSource('wechat.csv', text));
    let summary: StatementSummary;
    for (;;) {
      const r = await it.next();
      if (r.done) {
        summary = r.value;
        break;
      }
      lines.push(...r.value);
    }
    // What the importer before columns/1 had written when it was cut off: the head and its one batch.
    const statementId = statementIdOf(summary.sha256);
    const stream = streamId(H, 'statement', statementId);
    const head: StatementImportStarted['data'] = {
      statementId,
      sha256: summary.sha256,
      file: 'wechat.csv',
      bytes: summary.bytes,
      format: 'wechat',
      party: 'channel',
      source: 'wechat',
      channel: 'wechat',
      merchantId: MCH,
      businessDate: D,
      origin: 'api',
      lines: lines.length,
    };
    const header = text.split(/\r?\n/).find((l) => l.startsWith('交易时间'))!;
    const rows = lines.map((l) => ({ lineNo: l.lineNo, text: l.raw }));
    await store.appendToStream(
      stream,
      [
        {
          type: 'StatementImportStarted',
          data: head as JsonObject,
          occurredAt: new Date(),
          schemaVersion: 1,
        },
        {
          type: 'StatementLinesImported',
          data: encodeWechatBatch(statementId, 1, header, 'Asia/Shanghai', rows) as unknown as JsonObject,
          occurredAt: new Date(),
          schemaVersion: 1,
        },
      ],
      { expectedVersion: 'no_stream' },
    );

    const r = await importStatement({ store }, bufferSource('wechat.csv', text), { hospitalId: H });
    expect(r).toMatchObject({ duplicate: false, statementId });
    const events = (await store.readStream(stream)).events;
    expect(events.map((e) => e.type)).toEqual([
      'StatementImportStarted',
      'StatementLinesImported',
      'StatementImported',
    ]);
    // Read as version 2 (upcast unchanged): the batch still names its legacy encoding.
    expect(events[1]).toMatchObject({ schemaVersion: 2, data: { codec: WECHAT_RAW_CODEC } });

    const report = await reconcileDay(
      { store, db: tdb.database.db },
      { hospitalId: H, channel: 'wechat', businessDate: D },
    );
    expect(report.matched).toEqual({ count: 5, amount: '60.00' });
    expect(report.findings).toEqual([]);
  });

  it('a new import is written as columns (schema version 2)', async () => {
    const text = writeWechatBill(entries.slice(0, 2), { merchantId: MCH });
    const r = await importStatement({ store }, bufferSource('wechat-2.csv', text), { hospitalId: 'H2' });
    const events = (await store.readStream(streamId('H2', 'statement', r.statementId))).events;
    expect(events[1]).toMatchObject({
      schemaVersion: 2,
      data: { codec: 'columns/1', count: 2, text: { merchantOrderNo: ['O0', 'O1'] } },
    });
  });
});
