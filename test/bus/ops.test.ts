// Health, readiness, metrics and load shedding on the real bus (PostgreSQL, projections, reactions).
// Overload is made deterministic, not timed: the replay guard of the first requests is held shut, so they
// stay in flight while the next one arrives.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryNonceStore } from '../../src/adapters/nonce/memory.ts';
import type { NonceStore } from '../../src/bus/auth/index.ts';
import type { OpsOptions } from '../../src/bus/ops.ts';
import { orderStreamId } from '../../src/domain/order/index.ts';
import { type Harness, HOSPITAL, ids, key, registration, startHarness } from './harness.ts';

/** A replay guard that can be held shut: claims wait until it opens. */
class GatedNonceStore implements NonceStore {
  readonly #inner = new MemoryNonceStore();
  #open: Promise<void> = Promise.resolve();
  #release: () => void = () => {};
  #waiters = 0;
  #onWaiters: { n: number; resolve: () => void }[] = [];

  close(): void {
    this.#open = new Promise((resolve) => {
      this.#release = resolve;
    });
  }
  open(): void {
    this.#release();
  }
  /** Resolves once `n` claims are held at the gate. */
  held(n: number): Promise<void> {
    if (this.#waiters >= n) return Promise.resolve();
    return new Promise((resolve) => this.#onWaiters.push({ n, resolve }));
  }
  async claim(clientId: string, nonce: string, ttlMs: number): Promise<boolean> {
    this.#waiters++;
    for (const w of this.#onWaiters.filter((x) => x.n <= this.#waiters)) w.resolve();
    await this.#open;
    this.#waiters--;
    return this.#inner.claim(clientId, nonce, ttlMs);
  }
}

const ops: OpsOptions = {};
const nonces = new GatedNonceStore();
let h: Harness;

beforeAll(async () => {
  h = await startHarness('ops', { server: { ops, nonceStore: nonces } });
}, 120_000);
afterAll(async () => {
  nonces.open();
  await h?.close();
});

const metricsText = async (headers: Record<string, string> = {}) =>
  (await h.app.inject({ method: 'GET', url: '/metrics', headers })).body;

describe('health and readiness', () => {
  it('/health answers while the process lives; /ready lists each check and is 200 when all pass', async () => {
    expect((await h.app.inject({ method: 'GET', url: '/health' })).json()).toEqual({ status: 'ok' });
    await h.settle();
    const ready = await h.app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(200);
    const body = ready.json();
    expect(body.status).toBe('ready');
    expect(Object.keys(body.checks).sort()).toEqual(['database', 'migrations', 'projections']);
    expect(body.checks.migrations).toEqual({ ok: true, pending: [] });
    expect(body.checks.projections.behind).toEqual([]);
  });

  it('a configured Redis that does not answer makes /ready 503 NOT_READY with the failing check named', async () => {
    ops.redis = {
      ping: () => Promise.reject(Object.assign(new Error('connect refused'), { code: 'ECONNREFUSED' })),
    };
    try {
      const res = await h.app.inject({ method: 'GET', url: '/ready' });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('1');
      const body = res.json();
      expect(body.code).toBe('NOT_READY');
      expect(body.message.en).toBeTruthy();
      expect(body.details.checks.redis).toEqual({ ok: false, reason: 'ECONNREFUSED' });
      expect(body.details.checks.database.ok).toBe(true);
    } finally {
      delete ops.redis;
    }
  });
});

describe('metrics', () => {
  it('counts commands by route and outcome, appends, refusals and projection lag', async () => {
    const o = ids();
    const idem = key();
    expect((await h.kiosk('POST', '/v1/orders', registration(o.orderId, o.patient), { idem })).status).toBe(
      201,
    );
    expect((await h.kiosk('POST', '/v1/orders', registration(o.orderId, o.patient), { idem })).status).toBe(
      201,
    );
    const bad = await h.kiosk(
      'POST',
      '/v1/orders',
      { ...registration(ids().orderId, o.patient), amount: 'x' },
      { idem: key() },
    );
    expect(bad.status).toBe(400);
    const text = await metricsText();
    expect(text).toMatch(/ledger_commands_total\{command="POST \/v1\/orders",outcome="accepted"\} [1-9]/);
    expect(text).toMatch(/ledger_commands_total\{command="POST \/v1\/orders",outcome="replayed"\} [1-9]/);
    expect(text).toMatch(
      /ledger_commands_total\{command="POST \/v1\/orders",outcome="VALIDATION_FAILED"\} [1-9]/,
    );
    expect(text).toMatch(
      /ledger_http_request_duration_seconds_bucket\{le="\+Inf",route="\/v1\/orders",method="POST"\} [1-9]/,
    );
    expect(text).toMatch(/ledger_projection_lag_events\{projection="[a-z_]+"\} \d+/);
    expect(text).toMatch(/ledger_reaction_work\{reaction="[^"]+",state="parked"\} \d+/);
    expect(text).toMatch(/ledger_db_pool_connections\{state="max"\} 10/);
    expect(text).toMatch(/ledger_process_resident_memory_bytes \d+/);
  });

  it('/metrics answers loopback callers only, or whoever presents the configured token', async () => {
    const far = await h.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '10.1.2.3' });
    expect(far.statusCode).toBe(403);
    expect(far.json().code).toBe('PATH_FORBIDDEN');
    ops.metricsToken = 'metrics-token-0123456789abcdef0123456789';
    try {
      const none = await h.app.inject({ method: 'GET', url: '/metrics' });
      expect(none.statusCode).toBe(401);
      expect(none.json().code).toBe('AUTH_BAD_TOKEN');
      const ok = await h.app.inject({
        method: 'GET',
        url: '/metrics',
        remoteAddress: '10.1.2.3',
        headers: { authorization: `Bearer ${ops.metricsToken}` },
      });
      expect(ok.statusCode).toBe(200);
      expect(ok.headers['content-type']).toMatch(/^text\/plain/);
    } finally {
      delete ops.metricsToken;
    }
  });
});

describe('load shedding', () => {
  it('past the in-flight bound a command is answered 503 OVERLOADED at once, having written nothing', async () => {
    ops.maxInFlight = 2;
    nonces.close();
    const first = [ids(), ids()].map((o) =>
      h.kiosk('POST', '/v1/orders', registration(o.orderId, o.patient), { idem: key() }),
    );
    await nonces.held(2);
    const o = ids();
    const idem = key();
    const shed = await h.kiosk('POST', '/v1/orders', registration(o.orderId, o.patient), { idem });
    expect(shed.status).toBe(503);
    expect(shed.headers['retry-after']).toBe('1');
    expect(shed.body.code).toBe('OVERLOADED');
    expect(shed.body.details).toMatchObject({ reason: 'in-flight', limit: 2 });
    // Health and metrics are never shed: a load balancer still sees the process.
    expect((await h.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    expect(await metricsText()).toMatch(/ledger_shed_total\{reason="in-flight"\} 1/);

    nonces.open();
    for (const a of await Promise.all(first)) expect(a.status).toBe(201);
    expect((await h.store.readStream(orderStreamId(HOSPITAL, o.orderId))).exists).toBe(false);
    // Sent again with the same key, it is a first answer (not a replay): the shed attempt left nothing.
    const again = await h.kiosk('POST', '/v1/orders', registration(o.orderId, o.patient), { idem });
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
    // Finished requests leave the count: under the same bound, one after another, none is shed.
    for (let i = 0; i < 5; i++) {
      const p = ids();
      expect(
        (await h.kiosk('POST', '/v1/orders', registration(p.orderId, p.patient), { idem: key() })).status,
      ).toBe(201);
    }
    delete ops.maxInFlight;
  });
});
