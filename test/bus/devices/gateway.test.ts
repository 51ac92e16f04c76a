import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signMessage } from '../../../src/adapters/devices/mac.ts';
import { DEVICE_MODELS } from '../../../src/adapters/devices/models.ts';
import { build, DeviceConnection, requestOnce } from '../../support/device-client.ts';
import { type DevicesHarness, startDevicesHarness } from './harness.ts';

let h: DevicesHarness;
beforeAll(async () => {
  h = await startDevicesHarness('devices_gateway');
});
afterAll(async () => {
  await h?.close();
});

const MODELS = Object.keys(DEVICE_MODELS);
let seq = 0;
const unique = (p: string) => `${p}${Date.now().toString(36)}${++seq}`;

describe.each(MODELS)('a %s device over TCP', (model) => {
  it('creates an order, pays it, is answered the same on a resend, and the ledger holds each fact once', async () => {
    const { deviceId, key } = h.devices[model]!;
    const address = h.address(model);
    const orderId = unique('O');
    const txn = unique('T');
    const created = await requestOnce(
      model,
      address,
      build.createOutpatient(deviceId, unique('s'), { orderId, patientId: 'P001', cents: 8050 }),
      key,
    );
    expect(created.fields).toMatchObject({
      resultCode: 'OK',
      orderStatus: 'awaiting-payment',
      amount: '000000008050',
    });

    const paySerial = unique('s');
    const payment = build.payment(deviceId, paySerial, { orderId, cents: 8050, txn });
    const paid = await requestOnce(model, address, payment, key);
    expect(paid.fields).toMatchObject({
      resultCode: 'OK',
      orderStatus: 'paid',
      serial: paySerial,
      requestCode: '0200',
    });

    // the kiosk timed out and sends the same request again: the same answer, nothing appended
    const again = await requestOnce(model, address, payment, key);
    expect(again).toEqual(paid);

    // the same serial with another amount is refused, not applied
    const reused = await requestOnce(
      model,
      address,
      build.payment(deviceId, paySerial, { orderId, cents: 100, txn }),
      key,
    );
    expect(reused.fields.resultCode).toBe('SERIAL_REUSED');

    const queried = await requestOnce(model, address, build.query(deviceId, unique('s'), orderId), key);
    expect(queried.fields).toMatchObject({ resultCode: 'OK', orderStatus: 'paid', amount: '000000008050' });

    const events = await h.orderEvents(orderId);
    expect(events.map((e) => e.type)).toEqual(['OrderCreated', 'PaymentSucceeded']);
    const succeeded = events[1]!;
    expect(succeeded.data).toMatchObject({
      channel: 'unionpay',
      channelTxnId: txn,
      amount: '80.50',
      payerRef: '622202******1234',
    });
    expect(succeeded.metadata).toMatchObject({
      device: deviceId,
      idempotencyKey: `device:${deviceId}:${paySerial}`,
      posReferenceNo: '123456789012',
      posTerminalId: '12345678',
      posBatchNo: '000001',
      posVoucherNo: '000123',
    });
  });
});

describe('the same request twice at once', () => {
  it('on two connections is applied once and both copies get the same answer', async () => {
    const model = 'mispos-8583';
    const { deviceId, key } = h.devices[model]!;
    const address = h.address(model);
    const orderId = unique('O');
    await requestOnce(
      model,
      address,
      build.createOutpatient(deviceId, unique('s'), { orderId, patientId: 'P3', cents: 990 }),
      key,
    );
    const payment = build.payment(deviceId, unique('s'), { orderId, cents: 990, txn: unique('T') });
    const [a, b] = await Promise.all([
      requestOnce(model, address, payment, key),
      requestOnce(model, address, payment, key),
    ]);
    expect(a.fields.resultCode).toBe('OK');
    expect(b.fields).toEqual({ ...a.fields, time: b.fields.time, mac: b.fields.mac });
    expect((await h.orderEvents(orderId)).map((e) => e.type)).toEqual(['OrderCreated', 'PaymentSucceeded']);
  });
});

describe('requests on one long connection', () => {
  it('are answered in order, pipelined beyond the queue bound, and refusals carry the domain code', async () => {
    const model = 'kiosk-fixed';
    const { deviceId, key } = h.devices[model]!;
    const c = await DeviceConnection.open(model, h.address(model));
    const orderId = unique('O');
    const serials = Array.from({ length: 12 }, () => unique('s'));
    const messages = [
      build.createDeposit(deviceId, serials[0]!, {
        orderId,
        patientId: 'P9',
        admissionId: unique('A'),
        cents: 50000,
      }),
      build.unknown(deviceId, serials[1]!, { orderId, cents: 50000, attemptId: 'AT1' }),
      // the lost attempt's payment with another amount is refused by the order's own rule
      build.payment(deviceId, serials[2]!, { orderId, cents: 40000, txn: unique('T') }),
      ...serials.slice(3).map((s) => build.query(deviceId, s, orderId)),
    ];
    for (const m of messages) c.sendBody(c.codec.encode(signMessage(c.codec, m, key)));
    const answers = [];
    for (let i = 0; i < messages.length; i++) answers.push(c.codec.decode((await c.next())!));
    c.close();
    expect(answers.map((a) => a.fields.serial)).toEqual(serials);
    expect(answers[0]!.fields.resultCode).toBe('OK');
    expect(answers[1]!.fields).toMatchObject({ resultCode: 'OK', orderStatus: 'payment-unknown' });
    expect(answers[2]!.fields.resultCode).toBe('AMOUNT_MISMATCH');
    for (const a of answers.slice(3))
      expect(a.fields).toMatchObject({ resultCode: 'OK', orderStatus: 'payment-unknown' });
    expect((await h.orderEvents(orderId)).map((e) => e.type)).toEqual([
      'OrderCreated',
      'PaymentStatusUnknown',
    ]);
  });

  it('a short-connection model closes after its answer', async () => {
    const model = 'kiosk-pipe';
    const { deviceId, key } = h.devices[model]!;
    const c = await DeviceConnection.open(model, h.address(model));
    const answer = await c.request(build.heartbeat(deviceId, unique('s')), key);
    expect(answer.fields.resultCode).toBe('OK');
    expect(await c.next()).toBeUndefined();
    expect(c.closed).toBe(true);
  });
});

describe('refunds and device status', () => {
  it('a void with the ID card checked at the kiosk is requested and verified in one decision', async () => {
    const model = 'mispos-8583';
    const { deviceId, key } = h.devices[model]!;
    const address = h.address(model);
    const orderId = unique('O');
    await requestOnce(
      model,
      address,
      build.createOutpatient(deviceId, unique('s'), { orderId, patientId: 'P2', cents: 3000 }),
      key,
    );
    await requestOnce(
      model,
      address,
      build.payment(deviceId, unique('s'), { orderId, cents: 3000, txn: unique('T') }),
      key,
    );
    const refund = await requestOnce(
      model,
      address,
      build.refund(deviceId, unique('s'), { orderId, refundId: unique('R'), cents: 3000 }),
      key,
    );
    expect(refund.fields.resultCode).toBe('OK');
    const types = (await h.orderEvents(orderId)).map((e) => e.type);
    expect(types).toEqual(['OrderCreated', 'PaymentSucceeded', 'RefundRequested', 'RefundIdentityVerified']);
  });

  it('a heartbeat makes its device online; devices never heard from are offline', async () => {
    const model = 'kiosk-xml';
    const { deviceId, key } = h.devices[model]!;
    const answer = await requestOnce(model, h.address(model), build.heartbeat(deviceId, unique('s')), key);
    expect(answer.fields.resultCode).toBe('OK');
    const status = await h.running.status.list('H001');
    const mine = status.find((s) => s.deviceId === deviceId)!;
    expect(mine).toMatchObject({
      online: true,
      deviceState: 'OK',
      softwareVersion: '2.3.1',
      lastTransport: 'tcp',
    });
    expect(mine.lastHeartbeatAt).not.toBeNull();
    expect(status.length).toBe(MODELS.length);
  });
});
