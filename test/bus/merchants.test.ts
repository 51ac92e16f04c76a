// Channel management's merchant accounts over HTTP: secrets go in once, are stored sealed and never come back;
// the callback routes serve every configured hospital and merchant (the sandbox delivers real signed callbacks).
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrder } from '../../src/app/load.ts';
import { configureMerchant } from '../../src/app/merchants.ts';
import { handle } from '../../src/domain/command-handler.ts';
import { orderDecider } from '../../src/domain/order/index.ts';
import { ChannelSandbox } from '../../src/simulation/channels/sandbox.ts';
import { cmd } from '../generators/builders.ts';
import { HOSPITAL, type Harness, startHarness, TOKENS } from './harness.ts';

let h: Harness;
let sandbox: ChannelSandbox;
let base: string;

beforeAll(async () => {
  h = await startHarness('bus_merchants');
  base = await h.app.listen({ host: '127.0.0.1', port: 0 });
  sandbox = new ChannelSandbox();
  await sandbox.start();
});
afterAll(async () => {
  await sandbox?.close();
  await h?.close();
});

describe('channel merchants', () => {
  it('configures a WeChat Pay merchant: answered without secrets, stored sealed', async () => {
    const { wechat } = sandbox.credentials();
    const admin = h.staff(TOKENS.admin);
    const r = await admin('PUT', '/v1/admin/merchants', { channel: 'wechat', wechat });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      channel: 'wechat',
      merchantId: wechat.mchId,
      primary: true,
      enabled: true,
    });
    expect(r.text).not.toContain(wechat.apiV3Key);
    expect(r.text).not.toContain('PRIVATE KEY');
    const rows = await sql<{ sealed_secrets: string }>`SELECT sealed_secrets FROM channels.merchants`.execute(
      h.db.database.db,
    );
    expect(rows.rows).toHaveLength(1);
    expect(rows.rows[0]!.sealed_secrets).not.toContain(wechat.apiV3Key);
    const list = await admin('GET', '/v1/admin/merchants');
    expect(list.body.merchants).toHaveLength(1);
    expect(list.text).not.toContain(wechat.apiV3Key);
  });

  it('refuses bad credentials and non-administrators', async () => {
    const { wechat } = sandbox.credentials();
    const admin = h.staff(TOKENS.admin);
    const short = await admin('PUT', '/v1/admin/merchants', {
      channel: 'wechat',
      wechat: { ...wechat, apiV3Key: 'x' },
    });
    expect(short.status).toBe(400);
    const notPem = await admin('PUT', '/v1/admin/merchants', {
      channel: 'wechat',
      wechat: { ...wechat, merchantPrivateKey: 'not a key' },
    });
    expect(notPem.status).toBe(422);
    expect(notPem.body.code).toBe('CHANNEL_MERCHANT_INVALID');
    const clerk = h.staff(TOKENS.clerk);
    expect((await clerk('PUT', '/v1/admin/merchants', { channel: 'wechat', wechat })).status).toBe(403);
    expect((await admin('POST', '/v1/admin/merchants/wechat/999/disable')).status).toBe(404);
  });

  it('serves the callbacks of every configured hospital and merchant', async () => {
    const { wechat } = sandbox.credentials();
    // A second hospital paid through the same service-provider merchant, configured through the use case.
    await configureMerchant(h.merchants.ports, {
      hospitalId: 'H002',
      credentials: { channel: 'wechat', wechat },
      primary: true,
      by: 'test',
    });
    const at = new Date();
    for (const hospitalId of [HOSPITAL, 'H002']) {
      await handle(
        h.store,
        orderDecider,
        cmd.createRegistration({ orderId: `CB-${hospitalId}`, hospitalId, at }),
      );
      sandbox.wechat.notifyUrl = `${base}/v1/callbacks/wechat/${hospitalId}/${wechat.mchId}`;
      await sandbox.pay('wechat', `CB-${hospitalId}`, '25.00', at);
    }
    await sandbox.settled();
    expect(sandbox.deliveries.map((d) => d.status)).toEqual([204, 204]);
    for (const hospitalId of [HOSPITAL, 'H002'])
      expect((await loadOrder(h.store, hospitalId, `CB-${hospitalId}`)).state.status).toBe('paid');

    // A hospital without that merchant has no callback route for it.
    sandbox.wechat.notifyUrl = `${base}/v1/callbacks/wechat/H999/${wechat.mchId}`;
    await sandbox.pay('wechat', 'CB-H999', '25.00', at);
    await sandbox.settled();
    expect(sandbox.deliveries.at(-1)!.status).toBe(404);
  });
});
