// The demo's channel bills: the simulator's bill of a day is issued by the channel sandbox and downloaded with
// the platform's own channel clients (fetchChannelBill → downloadBill), which verify what they download.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAlipayBillZip } from '../../src/adapters/statements/writers/alipay.ts';
import { channelBillDelivery } from '../../src/simulation/delivery.ts';
import type { ScenarioFile } from '../../src/simulation/files.ts';
import { type PaymentSandbox, startPaymentSandbox } from '../../src/simulation/platform-payments.ts';
import { MERCHANT_IDS } from '../../src/simulation/types.ts';

const HOSPITAL = 'H-BILLS';
const DATE = '2024-05-01';
let dir: string;
let payments: PaymentSandbox;

const file = (f: Pick<ScenarioFile, 'file' | 'party' | 'channel' | 'format'>): ScenarioFile => ({
  ...f,
  businessDate: DATE,
  merchantId: f.channel ? MERCHANT_IDS[f.channel] : null,
  lines: 1,
  role: 'day',
});
const WECHAT = file({ file: 'wechat_day.csv', party: 'channel', channel: 'wechat', format: 'wechat' });
const ALIPAY = file({ file: 'alipay_day.csv.zip', party: 'channel', channel: 'alipay', format: 'alipay' });
// What the book could not hold: a line the sandbox never saw paid (the generator's anomaly), served as given.
const WECHAT_TEXT = '交易时间,公众账号ID,商户号\r\n`2024-05-01 10:00:00,`wx1,`1900000109\r\n';
const ALIPAY_ZIP = writeAlipayBillZip([], { account: MERCHANT_IDS.alipay, date: DATE });

async function bytesOf(source: { open(): AsyncIterable<Uint8Array> } | undefined): Promise<Buffer> {
  if (!source) throw new Error('nothing downloaded');
  const chunks: Buffer[] = [];
  for await (const c of source.open()) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'channel-bills-'));
  await writeFile(join(dir, WECHAT.file), WECHAT_TEXT);
  await writeFile(join(dir, ALIPAY.file), ALIPAY_ZIP);
  payments = await startPaymentSandbox(HOSPITAL);
  payments.clock.set(new Date('2024-05-02T10:30:00+08:00'));
});
afterAll(async () => {
  await payments?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('channel bills from the sandbox', () => {
  it("downloads each channel's bill through the platform's client, byte for byte as issued", async () => {
    const bills = channelBillDelivery(payments, HOSPITAL, dir);
    expect(bills.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await bytesOf(await bills.fetch(WECHAT))).toString('utf8')).toBe(WECHAT_TEXT);
    expect((await bytesOf(await bills.fetch(ALIPAY))).equals(ALIPAY_ZIP)).toBe(true);
    // The names the clients gave the downloads: WeChat's tradebill, Alipay's bill URL.
    expect([...bills.fetched]).toEqual([
      [WECHAT.file, 'wechat-trade-1900000109-20240501.csv'],
      [ALIPAY.file, '20881234567890120156_20240501.csv.zip'],
    ]);
    // The bank and HIS files are not the channels'.
    const bank = file({ file: 'bank.csv', party: 'bank', channel: 'unionpay', format: 'bank:unionpay-pos' });
    expect(await bills.fetch(bank)).toBeUndefined();
  });

  it("is refused as the platform refuses it: a bill answer not signed by the channel's key", async () => {
    const bills = channelBillDelivery(payments, HOSPITAL, dir);
    // Every attempt (the client retries an idempotent call) is answered forged.
    payments.sandbox.fault({ kind: 'forge', channel: 'wechat', operation: 'bill', times: 10 });
    try {
      await expect(bills.fetch(WECHAT)).rejects.toMatchObject({ code: 'CHANNEL_BAD_SIGNATURE' });
    } finally {
      payments.sandbox.faults.clear();
    }
    expect(bills.fetched.size).toBe(0);
  });
});
