// DESIGN §8: stateless bus instances behind a load balancer. The same day of commands sent to three bus
// instances at once (each its own process-level state: store, pool, caches) over one PostgreSQL database and one
// Redis produces the same ledger as one instance: the same balance on every account, the same facts.
// Duplicated requests land on different instances; concurrent partial refunds race across instances.
import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/adapters/db/database.ts';
import { SqlEventStore } from '../../src/adapters/event-store/sql-event-store.ts';
import { createLogger } from '../../src/adapters/log.ts';
import { RedisNonceStore } from '../../src/adapters/nonce/redis.ts';
import { RedisRateLimiter } from '../../src/adapters/rate-limit/redis.ts';
import { signRequest } from '../../src/bus/auth/index.ts';
import { generateMasterKey, parseMasterKeys } from '../../src/adapters/secrets/keyring.ts';
import { ClientRegistry } from '../../src/app/clients.ts';
import { SqlClientStore } from '../../src/adapters/clients/sql-client-store.ts';
import { keyringSealer } from '../../src/adapters/secrets/sealer.ts';
import { parseStaffTokens } from '../../src/bus/principal.ts';
import { type App, buildServer } from '../../src/bus/server.ts';
import { type ReactionsHandle, startReactions } from '../../src/app/reactions/runtime.ts';
import type { RecordedEvent } from '../../src/domain/event-store.ts';
import { UPCASTERS } from '../../src/domain/events.ts';
import { postingsFor } from '../../src/domain/ledger/index.ts';
import type { PostingEvent } from '../../src/domain/ledger/postings.ts';
import { POSTING_EVENT_TYPES } from '../../src/projections/read-models/ledger.ts';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.ts';
import { DEFAULT_CHANNEL, HOSPITAL, outpatient, payment, registration } from './harness.ts';

const ADMIN = 'admin-token-0123456789abcdef0123456789';
const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 1 });
const prefix = `test:instances:${randomUUID()}:`;

interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read JSON answers field by field
  body: any;
}

interface Cluster {
  /** Sends a signed kiosk request to instance `i` (modulo the number of instances). */
  kiosk(i: number, method: string, url: string, body: unknown, idem: string): Promise<Answer>;
  drain(): Promise<void>;
  events(): Promise<RecordedEvent[]>;
  close(): Promise<void>;
}

async function startCluster(label: string, n: number): Promise<Cluster> {
  const db: TestDatabase = await createPostgresDatabase(label);
  const keyring = parseMasterKeys(generateMasterKey());
  const keyPrefix = `${prefix}${label}:`;
  const instances: {
    app: App;
    store: SqlEventStore;
    reactions: ReactionsHandle;
    close(): Promise<void>;
  }[] = [];
  for (let i = 0; i < n; i++) {
    const database = await openDatabase({ url: db.url, poolSize: 4, applicationName: `bus-${i}` });
    const store = new SqlEventStore(database, { upcasters: UPCASTERS });
    const app = await buildServer({
      store,
      database,
      clients: new ClientRegistry(new SqlClientStore(database.db), keyringSealer(keyring)),
      keyring,
      nonceStore: new RedisNonceStore(redis, { keyPrefix }),
      rateLimiter: new RedisRateLimiter(redis, { keyPrefix }),
      logger: createLogger({ name: `bus-${i}`, level: 'silent' }),
      staffTokens: parseStaffTokens(`${HOSPITAL}:administrator:ops:${ADMIN}`),
    });
    // Every instance runs the reactions: one records each reaction's work (leader), all carry it out.
    const reactions = startReactions(
      { store, db: database.db, now: () => new Date(), logger: createLogger({ level: 'silent' }) },
      database,
      { pollMs: 20, standbyPollMs: 100 },
    );
    instances.push({
      app,
      store,
      reactions,
      async close() {
        await app.close();
        await reactions.stop();
        await store.close();
        await database.close();
      },
    });
  }
  const inject = async (
    i: number,
    method: string,
    url: string,
    payload: string | undefined,
    headers: object,
  ) => {
    const res = await instances[i % n]!.app.inject({
      method: method as 'POST',
      url,
      headers: { ...(payload !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(payload !== undefined ? { payload } : {}),
    });
    return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined };
  };
  const admin = { authorization: `Bearer ${ADMIN}` };
  const ch = await inject(
    0,
    'POST',
    '/v1/admin/channels',
    JSON.stringify({ channelId: 'kiosk', ...DEFAULT_CHANNEL }),
    admin,
  );
  if (ch.status !== 201) throw new Error(`channel: ${ch.status}`);
  const cl = await inject(
    0,
    'POST',
    '/v1/admin/clients',
    JSON.stringify({ clientId: 'kiosk-client', kind: 'kiosk-fleet', channelId: 'kiosk' }),
    admin,
  );
  if (cl.status !== 201) throw new Error(`client: ${cl.status}`);
  const secret: string = cl.body.secret;
  return {
    kiosk(i, method, url, body, idem) {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const signed = signRequest({
        clientId: 'kiosk-client',
        secret,
        method,
        path: url,
        ...(payload !== undefined ? { body: payload } : {}),
        timestamp: Date.now(),
      });
      return inject(i, method, url, payload, { ...signed, 'idempotency-key': idem });
    },
    async drain() {
      for (const x of instances) await x.reactions.settled(60_000);
    },
    async events() {
      const all: RecordedEvent[] = [];
      for (let after = 0n; ; ) {
        const page = await instances[0]!.store.readAll({ after, maxCount: 1_000 });
        all.push(...page);
        if (page.length < 1_000) return all;
        after = page.at(-1)!.position;
      }
    },
    async close() {
      for (const x of instances) await x.close();
      await db.dispose();
    },
  };
}

/** The day: registrations (some cancelled), outpatient charges with racing partial refunds, deposit top-ups. */
async function runDay(c: Cluster): Promise<void> {
  const regs = Array.from({ length: 12 }, (_, k) => ({ order: `R${k}`, txn: `TR${k}`, patient: `P${k}` }));
  const charges = Array.from({ length: 5 }, (_, k) => ({ order: `C${k}`, txn: `TC${k}`, patient: `Q${k}` }));
  const deposits = Array.from({ length: 4 }, (_, k) => ({
    order: `D${k}`,
    txn: `TD${k}`,
    admission: `A${k % 2}`,
  }));
  const ok = (a: Answer, what: string) => {
    if (a.status >= 300) throw new Error(`${what}: ${a.status} ${JSON.stringify(a.body)}`);
    return a;
  };

  await Promise.all([
    ...regs.map((r, k) =>
      c
        .kiosk(k, 'POST', '/v1/orders', registration(r.order, r.patient), `create-${r.order}`)
        .then((a) => ok(a, 'reg')),
    ),
    ...charges.map((r, k) =>
      c
        .kiosk(k, 'POST', '/v1/orders', outpatient(r.order, r.patient), `create-${r.order}`)
        .then((a) => ok(a, 'charge')),
    ),
    ...deposits.map((d, k) =>
      c
        .kiosk(
          k,
          'POST',
          `/v1/deposits/${d.admission}/top-ups`,
          { orderId: d.order, patientId: 'PD', amount: `${300 + k * 100}.00` },
          `create-${d.order}`,
        )
        .then((a) => ok(a, 'top-up')),
    ),
  ]);

  // Every payment result is sent twice with the same key, to two different instances at once.
  const pay = (i: number, order: string, txn: string, amount: string, channel: string) =>
    Promise.all(
      [0, 1].map((j) =>
        c
          .kiosk(
            i + j,
            'POST',
            `/v1/orders/${order}/payments`,
            payment(txn, amount, channel),
            `payment-${order}`,
          )
          .then((a) => ok(a, `pay ${order}`)),
      ),
    );
  await Promise.all([
    ...regs.map((r, k) => pay(k, r.order, r.txn, '25.00', 'wechat')),
    ...charges.map((r, k) => pay(k, r.order, r.txn, '80.50', 'alipay')),
    ...deposits.map((d, k) => pay(k, d.order, d.txn, `${300 + k * 100}.00`, 'unionpay')),
  ]);

  // Four registrations are cancelled (a refund of the fee each), each cancellation sent to two instances.
  await Promise.all(
    regs
      .slice(0, 4)
      .map((r, k) =>
        Promise.all(
          [0, 1].map((j) =>
            c
              .kiosk(
                k + j,
                'POST',
                `/v1/orders/${r.order}/cancel`,
                { reason: '患者改约', refundId: `F${r.order}` },
                `cancel-${r.order}`,
              )
              .then((a) => ok(a, `cancel ${r.order}`)),
          ),
        ),
      ),
  );
  // Six partial refunds of 20.00 race on each 80.50 charge, spread over the instances: four fit, whichever.
  const refunds = await Promise.all(
    charges.flatMap((r) =>
      Array.from({ length: 6 }, (_, i) =>
        c
          .kiosk(
            i,
            'POST',
            `/v1/orders/${r.order}/refunds`,
            { refundId: `F${r.order}-${i}`, amount: '20.00', reason: '部分退费' },
            `refund-${r.order}-${i}`,
          )
          .then((a) => ({ order: r.order, refundId: `F${r.order}-${i}`, status: a.status })),
      ),
    ),
  );
  const accepted = refunds.filter((x) => x.status === 201);
  const settle = [...regs.slice(0, 4).map((r) => ({ order: r.order, refundId: `F${r.order}` })), ...accepted];
  await Promise.all(
    settle.map((x, k) =>
      c
        .kiosk(
          k,
          'POST',
          `/v1/orders/${x.order}/refunds/${x.refundId}/result`,
          {
            outcome: 'succeeded',
            channelRefundId: `CR-${x.refundId}`,
            identity: { method: 'id-card', verifiedBy: 'window-3' },
          },
          `result-${x.refundId}`,
        )
        .then((a) => ok(a, 'refund result')),
    ),
  );
  await c.drain();
}

function ledgerOf(events: RecordedEvent[]): {
  balances: Record<string, string>;
  facts: Record<string, number>;
} {
  const sums = new Map<string, Decimal>();
  const facts: Record<string, number> = {};
  const posting = new Set<string>(POSTING_EVENT_TYPES);
  for (const e of events) {
    facts[e.type] = (facts[e.type] ?? 0) + 1;
    if (!posting.has(e.type)) continue;
    const entry = postingsFor({ type: e.type, data: e.data } as unknown as PostingEvent);
    for (const l of entry?.toJSON().lines ?? []) {
      const signed = new Decimal(l.amount).times(l.side === 'debit' ? 1 : -1);
      sums.set(l.account, (sums.get(l.account) ?? new Decimal(0)).plus(signed));
    }
  }
  const balances: Record<string, string> = {};
  for (const [account, v] of [...sums.entries()].sort(([a], [b]) => (a < b ? -1 : 1)))
    balances[account] = v.toFixed(2);
  return { balances, facts };
}

let one: Cluster;
let three: Cluster;
beforeAll(async () => {
  [one, three] = await Promise.all([startCluster('bus_one', 1), startCluster('bus_three', 3)]);
});
afterAll(async () => {
  await one?.close();
  await three?.close();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

describe('several bus instances over one database', () => {
  it('produce the same ledger as one instance', async () => {
    await runDay(one);
    await runDay(three);
    const a = ledgerOf(await one.events());
    const b = ledgerOf(await three.events());
    expect(b.balances).toEqual(a.balances);
    expect(b.facts).toEqual(a.facts);
    // The day itself, so that equality is not of two empty ledgers: 12×25.00 + 5×80.50 + 4 top-ups paid,
    // 4 fees and 5×4×20.00 refunded.
    expect(a.facts.RefundSucceeded).toBe(4 + 5 * 4);
    expect(a.balances['channel:wechat:clearing']).toBe('200.00');
    expect(a.balances['channel:alipay:clearing']).toBe('2.50');
    expect(a.balances['channel:unionpay:clearing']).toBe('1800.00');
    expect(
      Object.values(a.balances)
        .reduce((s, v) => s.plus(v), new Decimal(0))
        .toFixed(2),
    ).toBe('0.00');
  });
});
