import { mkdirSync } from 'node:fs';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { seedFromTemplate } from './pglite-template.ts';

/**
 * One database handle for both engines: PostgreSQL through a pg pool (production, integration tests)
 * and embedded PGlite (the zero-setup default). Everything above this module runs the same SQL on both;
 * the only differences live here: how LISTEN/NOTIFY is wired and how many connections there are.
 */
export interface Database {
  readonly kind: 'postgres' | 'pglite';
  // biome-ignore lint/suspicious/noExplicitAny: the schema grows with every read model; typed queries declare their own row types
  readonly db: Kysely<any>;
  /** Runs `onNotify` for every NOTIFY on `channel`; returns the function that stops listening. */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  notify(channel: string, payload?: string): Promise<void>;
  /** Connections that may run at once (1 for PGlite, whose queries are serialised). */
  readonly concurrency: number;
  /**
   * Takes an exclusive lease named `key` across every process on this database, or answers null when another
   * holder has it. PostgreSQL: a session advisory lock on a connection of its own, so the lease ends when
   * the holder's process dies. PGlite (one process): a lock in this process.
   */
  tryLock(key: string): Promise<Lease | null>;
  /** PGlite only: the whole data directory as a tarball, to start copies from. */
  dumpDataDir?(): Promise<Blob>;
  /** PostgreSQL only: the pool's connections now (for metrics and load shedding). */
  poolStats?(): PoolStats;
  close(): Promise<void>;
}

export interface PoolStats {
  /** Connections open (idle or in use), at most `max`. */
  total: number;
  idle: number;
  /** Queries waiting for a connection. */
  waiting: number;
  max: number;
}

export interface Lease {
  /** Resolves if the lease is lost (its connection died): the holder must stop acting as leader. */
  readonly lost: Promise<void>;
  release(): Promise<void>;
}

const pgliteLocks = new WeakMap<object, Set<string>>();

export interface DatabaseConfig {
  /** postgres://… ; when absent the embedded PGlite is used. */
  url?: string;
  /** PGlite data directory; `memory://` keeps it in memory. */
  dataDir?: string;
  /** A PGlite data-dir dump to start from (tests build one migrated instance and load copies). */
  loadDataDir?: Blob;
  poolSize?: number;
  applicationName?: string;
  /** Where the events live; read models always stay in this database. Defaults to this database (`sql`). */
  eventStore?: EventStoreChoice;
}

/** `sql`: events in the ledger database (PostgreSQL or PGlite). `kurrentdb`: events in KurrentDB at `url`. */
export type EventStoreChoice = { kind: 'sql' } | { kind: 'kurrentdb'; url: string };

export const EVENT_STORE_KINDS = ['sql', 'kurrentdb'] as const;

export const DEFAULT_POOL_SIZE = 10;
/** First and longest wait before a dropped LISTEN connection is opened again. */
export const LISTEN_RETRY_MIN_MS = 100;
export const LISTEN_RETRY_MAX_MS = 5_000;
export const DEFAULT_PGLITE_DIR = '.data/pglite';

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): DatabaseConfig {
  const eventStore = eventStoreFromEnv(env);
  const url = env.DATABASE_URL?.trim();
  if (url) return { url, eventStore };
  return { dataDir: env.LEDGER_DATA_DIR?.trim() || DEFAULT_PGLITE_DIR, eventStore };
}

/** EVENT_STORE (`sql` when unset) and, for `kurrentdb`, KURRENTDB_URL; anything else is refused by name. */
export function eventStoreFromEnv(env: NodeJS.ProcessEnv = process.env): EventStoreChoice {
  const raw = env.EVENT_STORE?.trim() ?? '';
  const kind = raw.toLowerCase() || 'sql';
  if (kind === 'sql') return { kind: 'sql' };
  if (kind === 'kurrentdb') {
    const url = env.KURRENTDB_URL?.trim();
    if (!url)
      throw new Error(
        'EVENT_STORE=kurrentdb needs KURRENTDB_URL, e.g. kurrentdb://127.0.0.1:2113?tls=false or kurrentdb+discover://admin:changeit@node1:2113?tls=true',
      );
    return { kind: 'kurrentdb', url };
  }
  throw new Error(
    `EVENT_STORE must be one of ${EVENT_STORE_KINDS.map((k) => `"${k}"`).join(', ')} ("sql", the default, keeps events in the ledger database); got ${JSON.stringify(raw)}`,
  );
}

export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  return config.url ? openPostgres(config) : openPglite(config);
}

async function openPostgres(config: DatabaseConfig): Promise<Database> {
  const url = config.url!;
  const pool = new pg.Pool({
    connectionString: url,
    max: config.poolSize ?? DEFAULT_POOL_SIZE,
    application_name: config.applicationName ?? 'ledger',
  });
  // A pooled connection that the server ends (restart, failover, pg_terminate_backend) must not crash the
  // process, idle or checked out: a pg client without an 'error' listener throws from its socket handler.
  // The query in flight fails (see isDatabaseUnavailable); the pool drops the client and opens another.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
  return {
    kind: 'postgres',
    // biome-ignore lint/suspicious/noExplicitAny: see Database.db
    db: db as Kysely<any>,
    concurrency: config.poolSize ?? DEFAULT_POOL_SIZE,
    poolStats: () => ({
      total: pool.totalCount,
      idle: pool.idleCount,
      waiting: pool.waitingCount,
      max: config.poolSize ?? DEFAULT_POOL_SIZE,
    }),
    listen: (channel, onNotify) => listenReconnecting(url, channel, onNotify),
    async notify(channel, payload = '') {
      // A NOTIFY takes a transaction id, so its commit would wait for a WAL flush of its own beside the appends'
      // flushes; a notification is never durable anyway, so this transaction commits without waiting.
      await pool.query(`SELECT set_config('synchronous_commit', 'off', true), pg_notify($1, $2)`, [
        channel,
        payload,
      ]);
    },
    async tryLock(key) {
      const client = new pg.Client({
        connectionString: url,
        application_name: `ledger-lease:${key}`.slice(0, 63),
      });
      let onLost: () => void = () => {};
      const lost = new Promise<void>((resolve) => {
        onLost = resolve;
      });
      client.on('error', () => onLost());
      client.on('end', () => onLost());
      let rows: { ok: boolean }[];
      try {
        await client.connect();
        ({ rows } = await client.query<{ ok: boolean }>(
          'SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok',
          [key],
        ));
      } catch (error) {
        await client.end().catch(() => {});
        throw error;
      }
      if (!rows[0]?.ok) {
        await client.end().catch(() => {});
        return null;
      }
      return {
        lost,
        async release() {
          await client.end().catch(() => {}); // ending the session releases the lock
        },
      };
    },
    async close() {
      await db.destroy();
    },
  };
}

/**
 * LISTEN on a connection of its own that is opened again whenever it drops (the server restarted or ended
 * it), with a growing pause between attempts. Notifications sent while it was down are lost, so a reconnect
 * calls `onNotify('')` once: listeners treat a notification as a wake-up and look for themselves.
 */
async function listenReconnecting(
  url: string,
  channel: string,
  onNotify: (payload: string) => void,
): Promise<() => Promise<void>> {
  let stopped = false;
  let current: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  let delay = LISTEN_RETRY_MIN_MS;
  const open = async (): Promise<void> => {
    const client = new pg.Client({ connectionString: url, application_name: 'ledger-listen' });
    client.on('error', () => {}); // 'end' follows and reconnects
    client.on('notification', (n) => {
      if (n.channel === channel) onNotify(n.payload ?? '');
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    if (stopped) return void (await client.end().catch(() => {}));
    current = client;
    client.once('end', () => {
      if (current === client) current = undefined;
      if (!stopped) reopen();
    });
  };
  const reopen = () => {
    retry = setTimeout(() => {
      open().then(
        () => {
          delay = LISTEN_RETRY_MIN_MS;
          onNotify('');
        },
        () => {
          delay = Math.min(delay * 2, LISTEN_RETRY_MAX_MS);
          if (!stopped) reopen();
        },
      );
    }, delay);
    retry.unref();
  };
  await open();
  return async () => {
    stopped = true;
    clearTimeout(retry);
    await current?.end().catch(() => {});
  };
}

async function openPglite(config: DatabaseConfig): Promise<Database> {
  const { PGlite, types } = await import('@electric-sql/pglite');
  const { PGliteDialect } = await import('kysely-pglite-dialect');
  const dataDir = config.dataDir ?? DEFAULT_PGLITE_DIR;
  // A new folder starts as a copy of a prepared one instead of running initdb (pglite-template.ts).
  if (!config.loadDataDir) await seedFromTemplate(dataDir, (dir) => PGlite.create({ dataDir: dir }));
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  const pglite = await PGlite.create({
    dataDir,
    ...(config.loadDataDir ? { loadDataDir: config.loadDataDir } : {}),
    // int8 and numeric stay strings, as pg gives them: positions become bigint and money Decimal in
    // code, never a JS number.
    parsers: { [types.INT8]: (v: string) => v, [types.NUMERIC]: (v: string) => v },
  });
  const db = new Kysely<unknown>({ dialect: new PGliteDialect(pglite) });
  return {
    kind: 'pglite',
    // biome-ignore lint/suspicious/noExplicitAny: see Database.db
    db: db as Kysely<any>,
    concurrency: 1,
    async listen(channel, onNotify) {
      const unsubscribe = await pglite.listen(channel, onNotify);
      return unsubscribe;
    },
    async notify(channel, payload = '') {
      await pglite.query('SELECT pg_notify($1, $2)', [channel, payload]);
    },
    async dumpDataDir() {
      return pglite.dumpDataDir('gzip');
    },
    async tryLock(key) {
      let held = pgliteLocks.get(pglite);
      if (!held) pgliteLocks.set(pglite, (held = new Set()));
      if (held.has(key)) return null;
      held.add(key);
      return {
        lost: new Promise<void>(() => {}),
        async release() {
          held.delete(key);
        },
      };
    },
    async close() {
      await db.destroy();
      if (!pglite.closed) await pglite.close();
    },
  };
}
