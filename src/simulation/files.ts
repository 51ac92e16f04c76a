// Writes a simulated day's statement files exactly as each party issues them, with the real writers:
// the WeChat Pay trade bill (ALL), the Alipay business-detail .csv.zip (GBK), the UnionPay MIS-POS back-office
// CSV (GBK) and the HIS daily charge extract (CSV) — plus the next day's channel bills holding the payments
// made just before midnight that the channels booked after their cut-off, the answer key, and a manifest.
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import type { AnswerKeyCase, AnswerKeyEntry } from '../domain/reconciliation/types.ts';
import {
  type ChannelRecord,
  FEE_RATES,
  type HisRecord,
  MERCHANT_IDS,
  type SimulatedDay,
  STATEMENT_CHANNELS,
  type StatementChannel,
} from './types.ts';
import { HIS_CSV, UNIONPAY_POS_CSV } from '../adapters/statements/mappings.ts';
import { alipayFileNames, writeAlipayBillZip } from '../adapters/statements/writers/alipay.ts';
import type { BillEntry } from '../adapters/statements/writers/entry.ts';
import { mappingCsvLines } from '../adapters/statements/writers/mapping.ts';
import { wechatBillLines } from '../adapters/statements/writers/wechat.ts';

export const ANSWER_KEY_FILE = 'answer-key.json';
export const MANIFEST_FILE = 'scenario.json';
/** The WeChat appid the simulated hospital's official account pays with. */
export const SIM_WECHAT_APPID = 'wx8f2c0e5b7a1d3c9e';

export interface ScenarioFile {
  /** File name inside the scenario directory. */
  file: string;
  party: 'channel' | 'bank' | 'his';
  /** Platform channel the statement reports; null for the HIS extract (all channels). */
  channel: StatementChannel | null;
  /** Parser format to pass (`auto` detection also works). */
  format: 'wechat' | 'alipay' | 'bank:unionpay-pos' | 'his';
  businessDate: string;
  merchantId: string | null;
  lines: number;
  /** `day` = the simulated date's statement; `next-day` = the following day's bill (cross-midnight lines). */
  role: 'day' | 'next-day';
}

export interface AnswerKeyFile {
  hospitalId: string;
  businessDate: string;
  seed: string;
  orders: number;
  entries: AnswerKeyEntry[];
  /** The edge cases and what each must end as, with and without the next day's statements imported. */
  cases: AnswerKeyCase[];
}

export interface ScenarioManifest {
  hospitalId: string;
  businessDate: string;
  timeZone: string;
  seed: string;
  orders: number;
  anomalies: number;
  runTag: string;
  /** Contract fee rates, as the matcher's feeRates take them. */
  feeRates: Record<StatementChannel, string>;
  files: ScenarioFile[];
  answerKey: string;
  bankCredits: SimulatedDay['bankCredits'];
  stats: SimulatedDay['stats'];
}

/** A record's line as the writers take it: its kind, amount and time, then each of `fields` it holds. */
function billEntry<R extends BillEntry>(r: R, fields: readonly (keyof BillEntry & keyof R)[]): BillEntry {
  const e: BillEntry = { kind: r.kind, amount: r.amount, occurredAt: r.occurredAt };
  for (const k of fields) {
    const v = r[k];
    if (v !== undefined) e[k] = v as never;
  }
  return e;
}

const channelEntry = (r: ChannelRecord): BillEntry =>
  billEntry(r, [
    'businessDate',
    'merchantId',
    'channelTxnId',
    'merchantOrderNo',
    'fee',
    'feeRate',
    'productName',
    'channelRefundId',
    'refundNo',
    'tradeType',
    'attach',
    'terminalId',
    'batchNo',
    'voucherNo',
    'referenceNo',
    'status',
  ]);

const hisEntry = (r: HisRecord): BillEntry =>
  billEntry(r, [
    'businessDate',
    'hisNo',
    'merchantOrderNo',
    'payChannel',
    'tradeType',
    'patientId',
    'operatorId',
    'refundNo',
    'channelTxnId',
  ]);

async function writeLines(path: string, lines: Iterable<string>, encoding: 'utf8' | 'gbk'): Promise<void> {
  const out = createWriteStream(path);
  const done = new Promise<void>((resolve, reject) => {
    out.on('finish', resolve);
    out.on('error', reject);
  });
  for (const l of lines) {
    const chunk = encoding === 'gbk' ? iconv.encode(l, 'gbk') : Buffer.from(l, 'utf8');
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  out.end();
  await done;
}

const compact = (date: string) => date.replaceAll('-', '');

/** Writes one channel's statement for one business date; returns what it wrote. */
async function writeChannelStatement(
  dir: string,
  channel: StatementChannel,
  date: string,
  records: ChannelRecord[],
  role: ScenarioFile['role'],
  timeZone: string,
): Promise<ScenarioFile> {
  const entries = records.map(channelEntry);
  const merchantId = MERCHANT_IDS[channel];
  let file: string;
  let format: ScenarioFile['format'];
  switch (channel) {
    case 'wechat':
      file = `wechat_${merchantId}_${compact(date)}_ALL.csv`;
      format = 'wechat';
      await writeLines(
        join(dir, file),
        wechatBillLines(entries, {
          billType: 'ALL',
          merchantId,
          appId: SIM_WECHAT_APPID,
          eol: '\r\n',
          timeZone,
        }),
        'utf8',
      );
      break;
    case 'alipay':
      file = alipayFileNames({ account: merchantId, date }).zip;
      format = 'alipay';
      await writeFile(join(dir, file), writeAlipayBillZip(entries, { account: merchantId, date, timeZone }));
      break;
    case 'unionpay':
      file = `unionpay_${merchantId}_${compact(date)}.csv`;
      format = 'bank:unionpay-pos';
      await writeLines(join(dir, file), mappingCsvLines(UNIONPAY_POS_CSV, entries, { timeZone }), 'gbk');
      break;
  }
  return {
    file,
    party: channel === 'unionpay' ? 'bank' : 'channel',
    channel,
    format,
    businessDate: date,
    merchantId,
    lines: entries.length,
    role,
  };
}

/** Writes every statement of the day, the next day's cross-midnight bills, the answer key and the manifest. */
export async function writeDayFiles(day: SimulatedDay, dir: string): Promise<ScenarioManifest> {
  await mkdir(dir, { recursive: true });
  const date = day.config.date;
  const files: ScenarioFile[] = [];
  for (const channel of STATEMENT_CHANNELS) {
    const byDate = new Map<string, ChannelRecord[]>();
    for (const r of day.channelRecords) {
      if (r.channel !== channel || r.businessDate < date) continue; // earlier days' bills are not this day's files
      const list = byDate.get(r.businessDate) ?? [];
      list.push(r);
      byDate.set(r.businessDate, list);
    }
    if (!byDate.has(date)) byDate.set(date, []);
    for (const [d, records] of [...byDate].sort(([a], [b]) => (a < b ? -1 : 1)))
      files.push(
        await writeChannelStatement(
          dir,
          channel,
          d,
          records,
          d === date ? 'day' : 'next-day',
          day.config.timeZone,
        ),
      );
  }
  const his = day.hisRecords.filter((r) => r.businessDate === date).map(hisEntry);
  const hisFile = `his_charges_${compact(date)}.csv`;
  await writeLines(
    join(dir, hisFile),
    mappingCsvLines(HIS_CSV, his, { timeZone: day.config.timeZone }),
    'utf8',
  );
  files.push({
    file: hisFile,
    party: 'his',
    channel: null,
    format: 'his',
    businessDate: date,
    merchantId: null,
    lines: his.length,
    role: 'day',
  });

  const key: AnswerKeyFile = {
    hospitalId: day.config.hospitalId,
    businessDate: date,
    seed: day.config.seed,
    orders: day.config.orders,
    entries: day.answerKey,
    cases: day.cases,
  };
  await writeFile(join(dir, ANSWER_KEY_FILE), `${JSON.stringify(key, null, 2)}\n`);
  const manifest: ScenarioManifest = {
    hospitalId: day.config.hospitalId,
    businessDate: date,
    timeZone: day.config.timeZone,
    seed: day.config.seed,
    orders: day.config.orders,
    anomalies: day.config.anomalies,
    runTag: day.runTag,
    feeRates: Object.fromEntries(STATEMENT_CHANNELS.map((c) => [c, FEE_RATES[c].rate])) as Record<
      StatementChannel,
      string
    >,
    files,
    answerKey: ANSWER_KEY_FILE,
    bankCredits: day.bankCredits,
    stats: day.stats,
  };
  await writeFile(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
