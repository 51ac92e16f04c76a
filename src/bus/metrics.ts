// Prometheus metrics of one bus process (prom-client, a registry per process so tests can run several):
// requests and commands by route and outcome, their latency, appends, read-model and reaction lag, reaction
// work, the database pool, rate-limited and shed requests, and Node's own process metrics.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { AppendOptions, AppendResult, EventStore, NewEvent, StreamId } from '../domain/event-store.ts';

/** Latency buckets (seconds): a command normally answers in milliseconds; 30 s is the request timeout. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** What the gauges read when Prometheus scrapes (each may reach the database, so only at scrape time). */
export interface MetricSources {
  projections?(): Promise<readonly { name: string; lag: bigint }[]>;
  reactions?(): Promise<
    readonly {
      name: string;
      lag: bigint;
      work: { pending: number; due: number; retrying: number; parked: number };
    }[]
  >;
  pool?(): { total: number; idle: number; waiting: number; max: number } | undefined;
  inFlight?(): number;
}

export class BusMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'ledger_http_requests_total',
    help: 'HTTP requests answered, by route, method, status and code (refusal code, or "ok")',
    labelNames: ['route', 'method', 'status', 'code'] as const,
    registers: [this.registry],
  });
  readonly commands = new Counter({
    name: 'ledger_commands_total',
    help: 'Commands (every non-GET route) by command and outcome: accepted, replayed (same Idempotency-Key) or the refusal code',
    labelNames: ['command', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'ledger_http_request_duration_seconds',
    help: 'Time from the request arriving to the answer sent, by route and method',
    labelNames: ['route', 'method'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly appends = new Counter({
    name: 'ledger_appends_total',
    help: 'Appends to the event store by outcome (ok, or the error code)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly appendedEvents = new Counter({
    name: 'ledger_appended_events_total',
    help: 'Events written by successful appends (an idempotent replay writes none)',
    registers: [this.registry],
  });
  readonly appendLatency = new Histogram({
    name: 'ledger_append_duration_seconds',
    help: 'Time one append to the event store takes',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly rateLimited = new Counter({
    name: 'ledger_rate_limited_total',
    help: 'Requests refused with 429 by a channel rate limit, by route',
    labelNames: ['route'] as const,
    registers: [this.registry],
  });
  readonly shed = new Counter({
    name: 'ledger_shed_total',
    help: 'Requests refused with 503 OVERLOADED before any work (load shedding), by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  #sources: MetricSources = {};

  /** Where the scrape-time gauges read from (the bus attaches itself once it is built). */
  attach(sources: MetricSources): void {
    this.#sources = sources;
  }

  constructor() {
    const sources = {
      projections: () => this.#sources.projections?.(),
      reactions: () => this.#sources.reactions?.(),
      pool: () => this.#sources.pool?.(),
      inFlight: () => this.#sources.inFlight?.(),
    };
    collectDefaultMetrics({ register: this.registry, prefix: 'ledger_' });
    const registers = [this.registry];
    new Gauge({
      name: 'ledger_projection_lag_events',
      help: 'Events in the store a read model has not applied yet, per projection',
      labelNames: ['projection'] as const,
      registers,
      async collect() {
        this.reset();
        for (const p of (await sources.projections?.()) ?? [])
          this.set({ projection: p.name }, Number(p.lag));
      },
    });
    const reactions = async () => (await sources.reactions?.()) ?? [];
    new Gauge({
      name: 'ledger_reaction_lag_events',
      help: 'Events a reaction has not recorded as work yet, per reaction',
      labelNames: ['reaction'] as const,
      registers,
      async collect() {
        this.reset();
        for (const r of await reactions()) this.set({ reaction: r.name }, Number(r.lag));
      },
    });
    new Gauge({
      name: 'ledger_reaction_work',
      help: 'Reaction work items per reaction and state: pending (queue depth), due now, retrying (attempted at least once), parked (dead: gave up, needs a person)',
      labelNames: ['reaction', 'state'] as const,
      registers,
      async collect() {
        this.reset();
        for (const r of await reactions())
          for (const state of ['pending', 'due', 'retrying', 'parked'] as const)
            this.set({ reaction: r.name, state }, r.work[state]);
      },
    });
    new Gauge({
      name: 'ledger_db_pool_connections',
      help: 'Database pool connections by state (total, idle, waiting = queries queued for a connection, max)',
      labelNames: ['state'] as const,
      registers,
      collect() {
        this.reset();
        const p = sources.pool?.();
        if (!p) return;
        for (const state of ['total', 'idle', 'waiting', 'max'] as const) this.set({ state }, p[state]);
      },
    });
    new Gauge({
      name: 'ledger_http_in_flight',
      help: 'Requests being served now (the load-shedding bound applies to these)',
      registers,
      collect() {
        this.set(sources.inFlight?.() ?? 0);
      },
    });
  }

  /** The store with every append counted and timed; everything else passes through untouched. */
  meterAppends(store: EventStore): EventStore {
    const append = async (
      stream: StreamId,
      events: readonly NewEvent[],
      options: AppendOptions,
    ): Promise<AppendResult> => {
      const end = this.appendLatency.startTimer();
      try {
        const result = await store.appendToStream(stream, events, options);
        this.appends.inc({ outcome: 'ok' });
        if (!result.duplicate) this.appendedEvents.inc(events.length);
        return result;
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        this.appends.inc({ outcome: typeof code === 'string' ? code : 'error' });
        throw error;
      } finally {
        end();
      }
    };
    return new Proxy(store, {
      get(target, property) {
        if (property === 'appendToStream') return append;
        const value = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }
}
