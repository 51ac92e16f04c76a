// Both HIS adapters against the real simulator over loopback, in every simulator mode.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type HisClient,
  type HisConfirmPaymentRequest,
  HisError,
  HisJsonClient,
  HisSoapClient,
} from '../../../src/adapters/his/index.ts';
import { type HisSimulator, startHisSimulator } from '../../../src/simulation/his/simulator.ts';

let sim: HisSimulator;
beforeAll(async () => {
  sim = await startHisSimulator({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => sim.reset());

let orderSeq = 0;
function payment(over: Partial<HisConfirmPaymentRequest> = {}): HisConfirmPaymentRequest {
  orderSeq++;
  return {
    hospitalId: 'H001',
    orderId: `ORD-${orderSeq}`,
    hisChargeRefs: [`CF${orderSeq}-1`, `CF${orderSeq}-2`],
    visitNo: `MZ2025011500${orderSeq}`,
    channel: 'wechat',
    channelTxnId: `42000023452025011512345${orderSeq}`,
    amount: '128.40',
    paidAt: new Date('2025-01-15T01:58:31Z'),
    ...over,
  };
}

async function hisError(p: Promise<unknown>): Promise<HisError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof HisError) return err;
    throw err;
  }
  throw new Error('expected a HisError');
}

const adapters: Array<[string, (timeoutMs?: number) => HisClient]> = [
  ['HTTP/JSON', (timeoutMs = 2_000) => new HisJsonClient({ baseUrl: sim.url, timeoutMs })],
  ['SOAP/XML', (timeoutMs = 2_000) => new HisSoapClient({ baseUrl: sim.url, timeoutMs })],
];

describe.each(adapters)('HIS writeback over %s against the simulator', (dialect, client) => {
  const wire = dialect === 'HTTP/JSON' ? 'json' : 'soap';

  it('normal: confirms a payment and records it with the exact amount and refs', async () => {
    const req = payment();
    const result = await client().confirmPayment(req);
    expect(result).toEqual({ status: 'confirmed', hisReceiptNo: expect.stringMatching(/^HIS\d{8}$/) });
    expect(sim.records()).toMatchObject([
      {
        dialect: wire,
        operation: 'confirm-payment',
        orderId: req.orderId,
        amount: '128.40',
        outcome: 'confirmed',
      },
    ]);
    expect(sim.charges()).toMatchObject([
      {
        orderId: req.orderId,
        status: 'paid',
        channelTxnId: req.channelTxnId,
        chargeRefs: [...req.hisChargeRefs],
      },
    ]);
  });

  it('a repeated confirmation with the same txn answers already-confirmed with the original receipt', async () => {
    const req = payment();
    const first = await client().confirmPayment(req);
    const again = await client().confirmPayment(req);
    expect(again).toEqual({ status: 'already-confirmed', hisReceiptNo: first.hisReceiptNo });
    expect(sim.charges()).toHaveLength(1);
  });

  it('a confirmation of a paid charge with another txn is a business refusal', async () => {
    const req = payment();
    await client().confirmPayment(req);
    const err = await hisError(client().confirmPayment({ ...req, channelTxnId: 'other-txn' }));
    expect(err).toMatchObject({ code: 'HIS_REJECTED', hisCode: 'E_ALREADY_PAID', retryable: false });
    expect(err.hisMessage).toContain('paid by another transaction');
  });

  it('an amount that differs from the HIS charge is refused', async () => {
    const req = payment();
    sim.addCharge({ hospitalId: req.hospitalId, orderId: req.orderId, amount: '128.41' });
    expect(await hisError(client().confirmPayment(req))).toMatchObject({
      code: 'HIS_REJECTED',
      hisCode: 'E_AMOUNT_MISMATCH',
    });
  });

  it('slow: answers within the client deadline', async () => {
    sim.setMode({ kind: 'slow', ms: 150 });
    expect(await client(2_000).confirmPayment(payment())).toMatchObject({ status: 'confirmed' });
  });

  it('slow past the deadline: HIS_TIMEOUT, outcome unknown, and the late apply shows up on retry', async () => {
    sim.setMode({ kind: 'slow', ms: 400 });
    const req = payment();
    const err = await hisError(client(100).confirmPayment(req));
    expect(err).toMatchObject({ code: 'HIS_TIMEOUT', retryable: true, outcomeUnknown: true });
    // The simulator applies it once its 400 ms pass, whatever the client did.
    for (let i = 0; i < 250 && sim.records().length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    sim.setMode({ kind: 'normal' });
    expect(await client().confirmPayment(req)).toMatchObject({ status: 'already-confirmed' });
  });

  it('timeout: the simulator never answers and the client gives up at its deadline', async () => {
    sim.setMode({ kind: 'timeout' });
    expect(await hisError(client(150).confirmPayment(payment()))).toMatchObject({ code: 'HIS_TIMEOUT' });
    expect(sim.records()).toEqual([]);
  });

  it('fail(code): a business refusal with the HIS code and message', async () => {
    sim.setMode({ kind: 'fail', code: 'E1001', message: '患者已出院 / patient discharged' });
    expect(await hisError(client().confirmPayment(payment()))).toMatchObject({
      code: 'HIS_REJECTED',
      hisCode: 'E1001',
      hisMessage: '患者已出院 / patient discharged',
      retryable: false,
    });
    expect(sim.charges()).toEqual([]);
  });

  it('fail with a 5xx: unavailable, retryable', async () => {
    sim.setMode({ kind: 'fail', code: 'E_DB_DOWN', httpStatus: 503 });
    expect(await hisError(client().confirmPayment(payment()))).toMatchObject({
      code: 'HIS_UNAVAILABLE',
      retryable: true,
    });
  });

  it('twice: the HIS saw the request twice; the caller gets already-confirmed and the charge is paid once', async () => {
    sim.setMode({ kind: 'twice' });
    const req = payment();
    const result = await client().confirmPayment(req);
    expect(result.status).toBe('already-confirmed');
    expect(sim.records().map((r) => r.outcome)).toEqual(['confirmed', 'already-confirmed']);
    expect(new Set(sim.records().map((r) => r.receiptNo))).toEqual(new Set([result.hisReceiptNo]));
    expect(sim.charges()).toMatchObject([{ status: 'paid', receiptNo: result.hisReceiptNo }]);
  });

  it('flaky(n): n unavailable answers, then success; only one confirmation is applied', async () => {
    sim.setMode({ kind: 'flaky', failures: 2 });
    const req = payment();
    const outcomes: string[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        outcomes.push((await client().confirmPayment(req)).status);
      } catch (err) {
        outcomes.push((err as HisError).code);
      }
    }
    expect(outcomes).toEqual(['HIS_UNAVAILABLE', 'HIS_UNAVAILABLE', 'confirmed']);
    expect(sim.records().filter((r) => r.outcome === 'confirmed')).toHaveLength(1);
  });

  it('lost answer: unavailable with outcome unknown; the retry learns it was applied', async () => {
    sim.setMode({ kind: 'lost-answer' });
    const req = payment();
    expect(await hisError(client().confirmPayment(req))).toMatchObject({
      code: 'HIS_UNAVAILABLE',
      outcomeUnknown: true,
    });
    sim.setMode({ kind: 'normal' });
    const retry = await client().confirmPayment(req);
    expect(retry.status).toBe('already-confirmed');
    expect(retry.hisReceiptNo).toBe(sim.charges()[0]!.receiptNo);
  });

  it('refunds: partial, repeated (idempotent), exceeding (refused), and the charge state follows', async () => {
    const req = payment();
    await client().confirmPayment(req);
    const refund = {
      hospitalId: req.hospitalId,
      orderId: req.orderId,
      refundNo: 'RF-1',
      channel: 'wechat',
      amount: '28.40',
      refundedAt: new Date('2025-01-15T03:00:00Z'),
    };
    const first = await client().confirmRefund(refund);
    expect(first.status).toBe('confirmed');
    expect(await client().confirmRefund(refund)).toEqual({
      status: 'already-confirmed',
      hisReceiptNo: first.hisReceiptNo,
    });
    expect(
      await hisError(client().confirmRefund({ ...refund, refundNo: 'RF-2', amount: '100.01' })),
    ).toMatchObject({
      code: 'HIS_REJECTED',
      hisCode: 'E_REFUND_EXCEEDS',
    });
    expect(await client().queryCharge({ hospitalId: req.hospitalId, orderId: req.orderId })).toEqual({
      orderId: req.orderId,
      status: 'partially-refunded',
      amount: '128.40',
      channelTxnId: req.channelTxnId,
      hisReceiptNo: expect.stringMatching(/^HIS/),
    });
    await client().confirmRefund({ ...refund, refundNo: 'RF-2', amount: '100.00' });
    expect((await client().queryCharge(req)).status).toBe('refunded');
  });

  it('query of a charge the HIS does not know answers unknown', async () => {
    expect(await client().queryCharge({ hospitalId: 'H001', orderId: 'nope' })).toEqual({
      orderId: 'nope',
      status: 'unknown',
    });
  });

  it('ids with XML/JSON metacharacters and Chinese travel intact', async () => {
    const req = payment({ orderId: `A<&>"'订单-${orderSeq}`, hisChargeRefs: ['处方]]>1', '&amp;'] });
    await client().confirmPayment(req);
    expect(sim.charges()[0]).toMatchObject({ orderId: req.orderId, chargeRefs: ['处方]]>1', '&amp;'] });
  });

  it('an unreachable HIS is unavailable', async () => {
    const dead = await startHisSimulator();
    const url = dead.url;
    await dead.close();
    const c =
      dialect === 'HTTP/JSON' ? new HisJsonClient({ baseUrl: url }) : new HisSoapClient({ baseUrl: url });
    expect(await hisError(c.confirmPayment(payment()))).toMatchObject({ code: 'HIS_UNAVAILABLE' });
  });

  it('refuses a malformed request before sending anything', async () => {
    await expect(client().confirmPayment(payment({ amount: '12.5' }))).rejects.toThrow(RangeError);
    await expect(client().confirmPayment(payment({ channelTxnId: '' }))).rejects.toThrow(RangeError);
    expect(sim.records()).toEqual([]);
  });
});

describe('HIS simulator admin endpoint', () => {
  it('switches modes at runtime and exposes records and charges', async () => {
    const put = await fetch(`${sim.url}/admin/mode`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'fail', code: 'E42' }),
    });
    expect(await put.json()).toEqual({ kind: 'fail', code: 'E42' });
    expect(sim.mode()).toEqual({ kind: 'fail', code: 'E42' });
    const bad = await fetch(`${sim.url}/admin/mode`, {
      method: 'PUT',
      body: JSON.stringify({ kind: 'explode' }),
    });
    expect(bad.status).toBe(400);

    await fetch(`${sim.url}/admin/mode`, { method: 'PUT', body: JSON.stringify({ kind: 'normal' }) });
    const seeded = await fetch(`${sim.url}/admin/charges`, {
      method: 'POST',
      body: JSON.stringify({ hospitalId: 'H001', orderId: 'SEED-1', amount: '10.00' }),
    });
    expect(seeded.status).toBe(201);
    await new HisJsonClient({ baseUrl: sim.url }).confirmPayment(
      payment({ orderId: 'SEED-1', amount: '10.00' }),
    );
    const records = (await (await fetch(`${sim.url}/admin/records`)).json()) as Array<{ orderId: string }>;
    expect(records.map((r) => r.orderId)).toEqual(['SEED-1']);
    const charges = (await (await fetch(`${sim.url}/admin/charges`)).json()) as Array<{ status: string }>;
    expect(charges).toMatchObject([{ status: 'paid' }]);
  });

  it('strict mode refuses charges it was not seeded with', async () => {
    const strict = await startHisSimulator({ strictCharges: true });
    try {
      expect(
        await hisError(new HisSoapClient({ baseUrl: strict.url }).confirmPayment(payment())),
      ).toMatchObject({
        code: 'HIS_REJECTED',
        hisCode: 'E_CHARGE_NOT_FOUND',
      });
    } finally {
      await strict.close();
    }
  });
});

describe('HIS answers that make no sense', () => {
  let server: Server;
  let url: string;
  let reply: { status: number; type: string; body: string } = { status: 200, type: 'text/plain', body: '' };
  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(reply.status, { 'content-type': reply.type });
      res.end(reply.body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const soapOk = (inner: string) =>
    `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>${inner}</s:Body></s:Envelope>`;

  it.each([
    ['json', 200, 'application/json', '<html>gateway</html>', 'HIS_BAD_RESPONSE'],
    [
      'json',
      200,
      'application/json',
      '{"code":"0","data":{"status":"paid?","receiptNo":"R1"}}',
      'HIS_BAD_RESPONSE',
    ],
    ['json', 200, 'application/json', '{"code":"0","data":{"status":"confirmed"}}', 'HIS_BAD_RESPONSE'],
    ['json', 200, 'application/json', '[1,2]', 'HIS_BAD_RESPONSE'],
    ['json', 502, 'text/html', '<html>bad gateway</html>', 'HIS_UNAVAILABLE'],
    ['json', 404, 'text/html', 'not found', 'HIS_BAD_RESPONSE'],
    ['soap', 200, 'text/xml', 'not xml at all <', 'HIS_BAD_RESPONSE'],
    [
      'soap',
      200,
      'text/xml',
      soapOk('<ConfirmRefundResponse><ResultCode>0</ResultCode></ConfirmRefundResponse>'),
      'HIS_BAD_RESPONSE',
    ],
    [
      'soap',
      200,
      'text/xml',
      `<!DOCTYPE x [<!ENTITY a "b">]>${soapOk('<ConfirmPaymentResponse><ResultCode>0</ResultCode></ConfirmPaymentResponse>')}`,
      'HIS_BAD_RESPONSE',
    ],
    [
      'soap',
      200,
      'text/xml',
      soapOk(
        '<ConfirmPaymentResponse><ResultCode>0</ResultCode><Status>confirmed</Status><ReceiptNo>R1</ReceiptNo></ConfirmPaymentResponse>'.repeat(
          2,
        ),
      ),
      'HIS_BAD_RESPONSE',
    ],
    [
      'soap',
      500,
      'text/xml',
      soapOk('<s:Fault><faultcode>s:Server</faultcode><faultstring>db</faultstring></s:Fault>'),
      'HIS_UNAVAILABLE',
    ],
    [
      'soap',
      500,
      'text/xml',
      soapOk('<s:Fault><faultcode>s:Client</faultcode><faultstring>bad</faultstring></s:Fault>'),
      'HIS_REJECTED',
    ],
    ['soap', 503, 'text/html', 'busy', 'HIS_UNAVAILABLE'],
  ])('%s HTTP %i %s %s → %s', async (dialectName, status, type, body, code) => {
    reply = { status, type, body };
    const c =
      dialectName === 'json' ? new HisJsonClient({ baseUrl: url }) : new HisSoapClient({ baseUrl: url });
    expect(await hisError(c.confirmPayment(payment()))).toMatchObject({ code });
  });

  it('keeps a SOAP receipt number with leading zeros as text', async () => {
    reply = {
      status: 200,
      type: 'text/xml',
      body: soapOk(
        '<h:ConfirmPaymentResponse xmlns:h="urn:hospital-his:payment"><h:ResultCode>0</h:ResultCode><h:Status>confirmed</h:Status><h:ReceiptNo>000123</h:ReceiptNo></h:ConfirmPaymentResponse>',
      ),
    };
    expect(await new HisSoapClient({ baseUrl: url }).confirmPayment(payment())).toEqual({
      status: 'confirmed',
      hisReceiptNo: '000123',
    });
  });

  it('refuses an oversized answer', async () => {
    reply = { status: 200, type: 'application/json', body: `{"code":"0","pad":"${'x'.repeat(300 * 1024)}"}` };
    expect(await hisError(new HisJsonClient({ baseUrl: url }).confirmPayment(payment()))).toMatchObject({
      code: 'HIS_BAD_RESPONSE',
    });
  });
});
