// The real bus against a fresh PostgreSQL database and a real HIS simulator: signed requests, staff tokens,
// a controllable clock, projection runners for the list queries.
import { generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { wechatPlatformKeys } from '../../src/adapters/channels/wechat/index.ts';
import { SqlEventStore } from '../../src/adapters/event-store/sql-event-store.ts';
import { type HisClient, HisJsonClient } from '../../src/adapters/his/index.ts';
import { type HisSimulator, startHisSimulator } from '../../src/simulation/his/simulator.ts';
import { createLogger } from '../../src/adapters/log.ts';
import { MemoryNonceStore } from '../../src/adapters/nonce/memory.ts';
import { signRequest } from '../../src/bus/auth/index.ts';
import { generateMasterKey, parseMasterKeys } from '../../src/adapters/secrets/keyring.ts';
import { ClientRegistry } from '../../src/app/clients.ts';
import { SqlClientStore } from '../../src/adapters/clients/sql-client-store.ts';
import { keyringSealer } from '../../src/adapters/secrets/sealer.ts';
import { parseStaffTokens } from '../../src/bus/principal.ts';
import { type App, buildServer, type ServerOptions } from '../../src/bus/server.ts';
import { type LazySchemas, lazySchemaCompilers } from '../../src/bus/lazy-schemas.ts';
import { type ReactionsHandle, startReactions } from '../../src/app/reactions/runtime.ts';
import { UPCASTERS } from '../../src/domain/events.ts';
import { allProjections, ProjectionRunner } from '../../src/projections/index.ts';
import { channelWiring } from '../../src/cli/channel-wiring.ts';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.ts';

export const HOSPITAL = 'H001';
export const TOKENS = {
  admin: 'admin-token-0123456789abcdef0123456789',
  clerk: 'clerk-token-0123456789abcdef0123456789',
  supervisor: 'super-token-0123456789abcdef0123456789',
  auditor: 'audit-token-0123456789abcdef0123456789',
};
export const WECHAT = {
  mchId: '1900000109',
  apiV3Key: '0123456789abcdef0123456789abcdef',
  serial: '5157F09EFDC096DE15EBE81A47057A72',
};
export const ALIPAY_APP_ID = '2021004123456789';

export interface Harness {
  app: App;
  /** The route schemas, compiled when first used; compileAll compiles the rest. */
  schemas: LazySchemas;
  db: TestDatabase;
  store: SqlEventStore;
  his: HisSimulator;
  clients: ClientRegistry;
  clock: { ms: number };
  logs: string[];
  wechatKey: KeyObject;
  alipayKey: KeyObject;
  client(clientId: string, secret: string): Caller;
  staff(token: string): Caller;
  kiosk: Caller;
  /** Registers a channel (admin) and a client bound to it; returns its caller. */
  addChannelClient(
    channelId: string,
    settings?: Record<string, unknown>,
    kind?: string,
    grants?: Record<string, string>,
  ): Promise<Caller>;
  reactions: ReactionsHandle;
  /** Channel management's merchant accounts behind the admin routes and the per-hospital callbacks. */
  merchants: ReturnType<typeof channelWiring>['merchants'];
  /** Waits until the reactions have recorded every event and carried out what is due now. */
  reacted(): Promise<void>;
  /** Waits until the reactions and the read models have applied every event. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export interface CallOptions {
  idem?: string;
  headers?: Record<string, string>;
  timestamp?: number;
  nonce?: string;
  rawBody?: string;
}

export type Caller = (method: string, url: string, body?: unknown, options?: CallOptions) => Promise<Answer>;

export interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read JSON answers field by field
  body: any;
  headers: Record<string, unknown>;
  text: string;
}

/** The harness's clients read their whole hospital unless a test asks for less (grants.ts). */
export const HOSPITAL_READER = { read: 'hospital', patientIds: 'full' };

export const DEFAULT_CHANNEL = {
  name: '自助机',
  businessTypes: ['registration', 'outpatient', 'deposit', 'refund'],
  rateLimit: { perSecond: 1000, burst: 1000 },
};

export async function startHarness(
  label: string,
  options: { his?: HisClient; server?: Partial<ServerOptions> } = {},
): Promise<Harness> {
  const db = await createPostgresDatabase(label);
  const store = new SqlEventStore(db.database, { upcasters: UPCASTERS, pollIntervalMs: 50 });
  const keyring = parseMasterKeys(generateMasterKey());
  const his = await startHisSimulator({ port: 0 });
  const clients = new ClientRegistry(new SqlClientStore(db.database.db), keyringSealer(keyring));
  const clock = { ms: Date.now() };
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const wechat = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const alipay = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const runners = allProjections().map((projection) =>
    new ProjectionRunner({
      db: db.database.db,
      store,
      leases: db.database,
      projection,
      standbyPollMs: 100,
    }).start(),
  );
  // Generous: a loaded machine must not turn a slow answer into a timeout (the timeout test waits it out).
  const hisClient = options.his ?? new HisJsonClient({ baseUrl: his.url, timeoutMs: 5_000 });
  const reactions = startReactions(
    {
      store,
      db: db.database.db,
      now: () => new Date(clock.ms),
      logger: createLogger({ name: 'reactions-test', level: 'silent' }),
      his: hisClient,
    },
    db.database,
    { pollMs: 20, standbyPollMs: 100 },
  );
  const merchants = channelWiring({}, db.database.db, keyring).merchants;
  const schemas = lazySchemaCompilers();
  const app = await buildServer({
    schemas,
    store,
    database: db.database,
    his: hisClient,
    clients,
    keyring,
    nonceStore: new MemoryNonceStore(),
    now: () => clock.ms,
    logger: createLogger({ name: 'bus-test', level: 'info', destination }),
    staffTokens: parseStaffTokens(
      [
        `${HOSPITAL}:administrator:ops:${TOKENS.admin}`,
        `${HOSPITAL}:finance-clerk:li:${TOKENS.clerk}`,
        `${HOSPITAL}:finance-supervisor:wang:${TOKENS.supervisor}`,
        `${HOSPITAL}:auditor:zhao:${TOKENS.auditor}`,
      ].join(','),
    ),
    callbacks: {
      wechat: {
        hospitalId: HOSPITAL,
        config: {
          mchId: WECHAT.mchId,
          apiV3Key: WECHAT.apiV3Key,
          platformKeys: wechatPlatformKeys([
            {
              serial: WECHAT.serial,
              pem: wechat.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
            },
          ]),
        },
      },
      alipay: {
        hospitalId: HOSPITAL,
        config: {
          appId: ALIPAY_APP_ID,
          alipayPublicKey: alipay.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        },
      },
    },
    projections: runners,
    reactions,
    merchants,
    ...options.server,
  });

  const send = async (
    method: string,
    url: string,
    body: unknown,
    headers: Record<string, string>,
    raw?: string,
  ) => {
    const payload = raw ?? (body === undefined ? undefined : JSON.stringify(body));
    const res = await app.inject({
      method: method as 'GET',
      url,
      headers: { ...(payload !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(payload !== undefined ? { payload } : {}),
    });
    let parsed: unknown;
    try {
      parsed = res.body ? JSON.parse(res.body) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.statusCode, body: parsed, headers: res.headers, text: res.body };
  };

  const client =
    (clientId: string, secret: string): Caller =>
    (method, url, body, o = {}) => {
      const payload = o.rawBody ?? (body === undefined ? undefined : JSON.stringify(body));
      const signed = signRequest({
        clientId,
        secret,
        method,
        path: url,
        ...(payload !== undefined ? { body: payload } : {}),
        timestamp: o.timestamp ?? clock.ms,
        ...(o.nonce ? { nonce: o.nonce } : {}),
      });
      return send(
        method,
        url,
        body,
        { ...signed, ...(o.idem ? { 'idempotency-key': o.idem } : {}), ...o.headers },
        o.rawBody,
      );
    };
  const staff =
    (token: string): Caller =>
    (method, url, body, o = {}) =>
      send(
        method,
        url,
        body,
        { authorization: `Bearer ${token}`, ...(o.idem ? { 'idempotency-key': o.idem } : {}), ...o.headers },
        o.rawBody,
      );

  const admin = staff(TOKENS.admin);
  const addChannelClient = async (
    channelId: string,
    settings: Record<string, unknown> = {},
    kind = 'kiosk-fleet',
    grants: Record<string, string> = HOSPITAL_READER,
  ) => {
    const ch = await admin('POST', '/v1/admin/channels', { channelId, ...DEFAULT_CHANNEL, ...settings });
    if (ch.status !== 201) throw new Error(`channel: ${ch.status} ${ch.text}`);
    const cl = await admin('POST', '/v1/admin/clients', {
      clientId: `${channelId}-client`,
      kind,
      channelId,
      grants,
    });
    if (cl.status !== 201) throw new Error(`client: ${cl.status} ${cl.text}`);
    return client(`${channelId}-client`, cl.body.secret);
  };
  const kiosk = await addChannelClient('kiosk');

  return {
    app,
    schemas,
    db,
    store,
    his,
    clients,
    clock,
    logs,
    wechatKey: wechat.privateKey,
    alipayKey: alipay.privateKey,
    client,
    staff,
    kiosk,
    addChannelClient,
    reactions,
    merchants,
    async reacted() {
      await reactions.settled(60_000);
    },
    async settle() {
      const deadline = Date.now() + 60_000;
      await reactions.settled(60_000);
      for (;;) {
        const statuses = await Promise.all(runners.map((r) => r.status()));
        if (statuses.every((s) => s.lag === 0n)) return;
        if (Date.now() > deadline) throw new Error('read models did not catch up');
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      await app.close();
      await reactions.stop();
      await Promise.all(runners.map((r) => r.stop()));
      await store.close();
      await his.close();
      await db.dispose();
    },
  };
}

export const key = () => `k-${randomUUID()}`;

let seq = 0;
export function ids(prefix = 'O') {
  seq++;
  const n = `${Date.now().toString(36)}${seq}${Math.random().toString(36).slice(2, 6)}`;
  return { orderId: `${prefix}${n}`, txn: `T${n}`, refund: `R${n}`, admission: `A${n}`, patient: `P${n}` };
}

export function registration(orderId: string, patientId: string, amount = '25.00') {
  return {
    orderId,
    patientId,
    amount,
    business: {
      kind: 'registration',
      mode: 'same-day',
      departmentId: 'D01',
      doctorId: 'DR7',
      slotId: `S-${orderId}`,
      visitDate: '2025-01-15',
    },
  };
}

export function outpatient(orderId: string, patientId: string) {
  return {
    orderId,
    patientId,
    amount: '80.50',
    business: {
      kind: 'outpatient',
      visitId: 'V998',
      chargeItems: [
        { hisItemId: `${orderId}-1`, name: '血常规', amount: '30.50' },
        { hisItemId: `${orderId}-2`, name: '胸片', amount: '50.00' },
      ],
    },
  };
}

export function payment(txn: string, amount: string, channel = 'cash') {
  return { channel, channelTxnId: txn, amount, payerRef: '6222****1234' };
}
