// Every kind of bad input gets a response with a clear code, the gateway keeps serving, nothing is written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codecFor } from '../../../src/adapters/devices/codecs/index.ts';
import { signMessage } from '../../../src/adapters/devices/mac.ts';
import { build, DeviceConnection, requestOnce } from '../../support/device-client.ts';
import { type DevicesHarness, startDevicesHarness } from './harness.ts';

let h: DevicesHarness;
beforeAll(async () => {
  // a short read timeout so a frame cut short is answered quickly (the test waits for the answer, not a clock)
  h = await startDevicesHarness('devices_bad_input', {
    limits: { readTimeoutMs: 1_000, maxFrameBytes: 4096 },
  });
});
afterAll(async () => {
  await h?.close();
});

let seq = 0;
const unique = (p: string) => `${p}${Date.now().toString(36)}${++seq}`;

/** Sends raw bytes on a fresh connection and decodes the one answer. */
async function rawAnswer(model: string, bytes: Buffer, end = false) {
  const c = await DeviceConnection.open(model, h.address(model));
  c.writeRaw(bytes);
  if (end) c.socket.end();
  const reply = await c.next();
  c.socket.destroy();
  expect(reply).toBeDefined();
  return c.codec.decode(reply!);
}

async function framedAnswer(model: string, body: Buffer) {
  const c = await DeviceConnection.open(model, h.address(model));
  c.sendBody(body);
  const reply = await c.next();
  c.close();
  return c.codec.decode(reply!);
}

describe('frames', () => {
  it('a frame cut short (connection ended) is answered FRAME_TRUNCATED', async () => {
    const a = await rawAnswer('kiosk-fixed', Buffer.from([0x00, 0x40, 0x30, 0x31]), true);
    expect(a.fields).toMatchObject({ resultCode: 'FRAME_TRUNCATED', deviceId: '', serial: '' });
  });

  it('a frame that stops arriving is answered FRAME_TRUNCATED when the read timeout passes', async () => {
    const a = await rawAnswer('kiosk-xml', Buffer.from([0x00, 0x00, 0x01, 0x00, 0x3c]));
    expect(a.fields.resultCode).toBe('FRAME_TRUNCATED');
  });

  it('an ASCII length header that is not digits, or zero, is answered BAD_LENGTH', async () => {
    expect((await rawAnswer('kiosk-pipe', Buffer.from('00x5hello'))).fields.resultCode).toBe('BAD_LENGTH');
    expect((await rawAnswer('kiosk-pipe', Buffer.from('0000'))).fields.resultCode).toBe('BAD_LENGTH');
  });

  it('a length over the gateway maximum is answered FRAME_TOO_LARGE', async () => {
    expect((await rawAnswer('kiosk-fixed', Buffer.from([0xff, 0xff]))).fields.resultCode).toBe(
      'FRAME_TOO_LARGE',
    );
  });
});

describe('messages', () => {
  it('a fixed-length message of the wrong length is answered WRONG_LENGTH', async () => {
    const { deviceId } = h.devices['kiosk-fixed']!;
    const good = codecFor('fixed').encode(build.query(deviceId, 's1', 'O1'));
    expect((await framedAnswer('kiosk-fixed', good.subarray(0, good.length - 3))).fields.resultCode).toBe(
      'WRONG_LENGTH',
    );
  });

  it('an 8583 bitmap naming a field the message type lacks is answered BAD_BITMAP', async () => {
    const { deviceId, key } = h.devices['mispos-8583']!;
    const codec = codecFor('iso8583');
    const bytes = Buffer.from(codec.encode(signMessage(codec, build.query(deviceId, 's1', 'O1'), key)));
    bytes[2]! |= 0x20; // bit 3 (processing code): not a field of an order query
    expect((await framedAnswer('mispos-8583', bytes)).fields.resultCode).toBe('BAD_BITMAP');
  });

  it('bytes that are not GBK are answered INVALID_ENCODING', async () => {
    const body = Buffer.concat([Buffer.from('0300|K1|s|20250115093000|'), Buffer.from([0xff, 0xfe])]);
    expect((await framedAnswer('kiosk-pipe', body)).fields.resultCode).toBe('INVALID_ENCODING');
  });

  it('an unknown message type is answered UNKNOWN_MESSAGE_TYPE', async () => {
    expect((await framedAnswer('kiosk-pipe', Buffer.from('9999|K1|s'))).fields.resultCode).toBe(
      'UNKNOWN_MESSAGE_TYPE',
    );
  });

  it('malformed XML is answered MALFORMED_MESSAGE', async () => {
    expect(
      (await framedAnswer('kiosk-xml', Buffer.from('<Message><Code>0300</Message>'))).fields.resultCode,
    ).toBe('MALFORMED_MESSAGE');
  });

  it('a response sent as a request is answered NOT_A_REQUEST', async () => {
    const { deviceId, key } = h.devices['kiosk-pipe']!;
    const response = {
      type: 'response' as const,
      fields: {
        deviceId,
        serial: 's',
        time: '20250115093000',
        requestCode: '',
        resultCode: 'OK',
        resultMessage: 'x',
        orderId: '',
        orderStatus: '',
        amount: '',
        refundedAmount: '',
      },
    };
    expect((await requestOnce('kiosk-pipe', h.address('kiosk-pipe'), response, key)).fields.resultCode).toBe(
      'NOT_A_REQUEST',
    );
  });
});

describe('devices and serials', () => {
  it('a bad MAC is answered BAD_MAC and writes nothing', async () => {
    const { deviceId } = h.devices['kiosk-fixed']!;
    const orderId = unique('O');
    const forged = await requestOnce(
      'kiosk-fixed',
      h.address('kiosk-fixed'),
      build.createDeposit(deviceId, unique('s'), { orderId, patientId: 'P1', admissionId: 'A1', cents: 100 }),
      Buffer.alloc(32, 7),
    );
    expect(forged.fields).toMatchObject({ resultCode: 'BAD_MAC', deviceId });
    expect(await h.orderEvents(orderId)).toEqual([]);
  });

  it('an unknown device is answered DEVICE_UNKNOWN, unsigned', async () => {
    const a = await requestOnce(
      'kiosk-pipe',
      h.address('kiosk-pipe'),
      build.heartbeat('NOBODY', 's1'),
      Buffer.alloc(32),
    );
    expect(a.fields).toMatchObject({ resultCode: 'DEVICE_UNKNOWN', mac: '0'.repeat(64) });
  });

  it('a device on the port of another model is answered DEVICE_MODEL_MISMATCH', async () => {
    const { deviceId, key } = h.devices['kiosk-fixed']!;
    const a = await requestOnce('kiosk-pipe', h.address('kiosk-pipe'), build.heartbeat(deviceId, 's1'), key);
    expect(a.fields.resultCode).toBe('DEVICE_MODEL_MISMATCH');
  });

  it('a disabled device is answered DEVICE_DISABLED', async () => {
    const { deviceId, key } = h.devices['mispos-8583-ascii']!;
    await h.running.registry.setDisabled(deviceId, true);
    const a = await requestOnce(
      'mispos-8583-ascii',
      h.address('mispos-8583-ascii'),
      build.heartbeat(deviceId, 's1'),
      key,
    );
    expect(a.fields.resultCode).toBe('DEVICE_DISABLED');
    await h.running.registry.setDisabled(deviceId, false);
  });

  it('an unmasked card number is refused by the domain (INVALID_ID) and the refusal is the answer for good', async () => {
    const { deviceId, key } = h.devices['kiosk-pipe']!;
    const orderId = unique('O');
    const address = h.address('kiosk-pipe');
    await requestOnce(
      'kiosk-pipe',
      address,
      build.createDeposit(deviceId, unique('s'), {
        orderId,
        patientId: 'P1',
        admissionId: unique('A'),
        cents: 100,
      }),
      key,
    );
    const pay = build.payment(deviceId, unique('s'), { orderId, cents: 100, txn: unique('T') });
    pay.fields.cardMasked = '6222021234567890';
    const first = await requestOnce('kiosk-pipe', address, pay, key);
    expect(first.fields.resultCode).toBe('INVALID_ID');
    expect(await requestOnce('kiosk-pipe', address, pay, key)).toEqual(first);
    expect((await h.orderEvents(orderId)).map((e) => e.type)).toEqual(['OrderCreated']);
  });

  it('the gateway still serves after all of it', async () => {
    const { deviceId, key } = h.devices['kiosk-pipe']!;
    const a = await requestOnce(
      'kiosk-pipe',
      h.address('kiosk-pipe'),
      build.heartbeat(deviceId, unique('s')),
      key,
    );
    expect(a.fields.resultCode).toBe('OK');
  });
});
