import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import type { AnyDb } from '../projections/projection.ts';
import { configFromEnv } from '../adapters/db/database.ts';
import { strings } from './args.ts';
import { openLedger } from '../adapters/event-store/open.ts';
import { UPCASTERS } from '../domain/events.ts';
import {
  allProjections,
  asOfSchema,
  type BuildProgress,
  buildProjection,
  checkBuildTarget,
  readModelPreparation,
  liveSchema,
  ProjectionRunner,
  projectionNamed,
  rebuildProjection,
  UnsafeSchemaError,
} from '../projections/index.ts';
import { readModelFreshness } from '../projections/queries.ts';
import type { CliIo } from './main.ts';
import { createLogger } from '../adapters/log.ts';
import { reactionStatuses } from '../app/reactions/runtime.ts';

const USAGE = `ledger projections <list|status|run|rebuild|build|show>
  list                          the read models and what they answer
  status                        code version, position, head and lag of each projection (a→b: rebuild due); each reaction's lag and work
  run [NAME…]                   keep projections up to date until interrupted (one active runner per projection)
  rebuild NAME                  rebuild from position 0 beside the live copy, then swap it in
  build NAME --as-of INSTANT    build into a separate schema as the ledger knew it at INSTANT (ISO-8601, e.g.
                                2026-03-01T10:30:00+08:00): every event RECORDED at or before INSTANT. --as-of is the
                                recording time (when the ledger learned of a fact), not the business date or the
                                time a payment happened; an instant before the first event is refused
  build NAME --to-position N    … or up to a global position; --schema asof_NAME_… chooses the schema
                                (only a schema of the projection's own: it is dropped and built anew)
  show NAME [--schema S] [--table T] [--limit N] [--json]
                                the rows of a read model: the live one, or a schema made by build (S as printed by
                                build); each table's row count and its first N rows (default 20)`;

function progressPrinter(io: CliIo, label: string) {
  let last = 0;
  return (p: BuildProgress) => {
    const now = Date.now();
    if (now - last < 200 && p.position < p.target) return;
    last = now;
    const pct = p.target > 0n ? Number((p.position * 1000n) / p.target) / 10 : 100;
    io.stderr.write(
      `\r${label}: ${p.events} events, position ${p.position}/${p.target} (${pct.toFixed(1)}%)   `,
    );
  };
}

const SUBCOMMANDS = ['list', 'status', 'run', 'rebuild', 'build', 'show'];

function usageError(io: CliIo, message: string): number {
  io.stderr.write(`ledger projections: ${message}; run \`ledger projections --help\` for the usage\n`);
  return 64;
}

export async function projectionsCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...strings('as-of', 'to-position', 'schema', 'table', 'limit'),
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [sub, ...names] = positionals;
  if (values.help || sub === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!sub) return usageError(io, 'which subcommand? (list, status, run, rebuild, build or show)');
  if (!SUBCOMMANDS.includes(sub)) return usageError(io, `unknown subcommand '${sub}'`);
  if (sub === 'list') {
    for (const p of allProjections())
      io.stdout.write(
        `${p.name.padEnd(16)} v${String(p.version).padEnd(3)} ${liveSchema(p).padEnd(20)} ${p.description}\n`,
      );
    return 0;
  }
  // Every argument is checked here, before the store is opened.
  const known = new Set(allProjections().map((p) => p.name));
  for (const n of names)
    if (!known.has(n)) return usageError(io, `no projection named '${n}' (\`ledger projections list\`)`);
  if (['rebuild', 'build', 'show'].includes(sub) && names.length !== 1)
    return usageError(io, `${sub} takes one projection NAME`);
  let instant: Date | undefined;
  if (values['as-of'] !== undefined) {
    instant = new Date(values['as-of']);
    if (!/^\d{4}-\d{2}-\d{2}/.test(values['as-of']) || Number.isNaN(instant.getTime()))
      return usageError(
        io,
        `--as-of '${values['as-of']}' is not an ISO-8601 instant (2026-03-01T10:30:00+08:00)`,
      );
  }
  if (values['to-position'] !== undefined && !/^\d+$/.test(values['to-position']))
    return usageError(io, `--to-position '${values['to-position']}' is not a whole number`);
  if (sub === 'build' && (instant === undefined) === (values['to-position'] === undefined))
    return usageError(io, 'build needs one of --as-of INSTANT or --to-position N');
  if (values.limit !== undefined && !/^[1-9]\d{0,5}$/.test(values.limit))
    return usageError(io, `--limit '${values.limit}' is not a whole number from 1 to 999999`);
  if (sub === 'build' && values.schema) {
    try {
      checkBuildTarget(projectionNamed(names[0]!), values.schema);
    } catch (e) {
      if (!(e instanceof UnsafeSchemaError)) throw e;
      return usageError(io, `--schema: ${e.message}`);
    }
  }
  if (sub === 'show') {
    const projection = projectionNamed(names[0]!);
    const schema = values.schema ?? liveSchema(projection);
    if (schema !== liveSchema(projection)) {
      try {
        checkBuildTarget(projection, schema);
      } catch (e) {
        if (!(e instanceof UnsafeSchemaError)) throw e;
        return usageError(io, `--schema: ${e.message}`);
      }
    }
    if (values.table !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(values.table))
      return usageError(io, `--table '${values.table}' is not a table name`);
  }
  const ledger = await openLedger(configFromEnv(io.env), {
    migrate: true,
    prepare: readModelPreparation,
    upcasters: UPCASTERS,
  });
  try {
    const { db } = ledger.database;
    if (sub === 'status') {
      const head = await ledger.store.headPosition();
      io.stdout.write(
        `${'projection'.padEnd(16)} ${'version'.padStart(9)} ${'position'.padStart(12)} ${'head'.padStart(12)} ${'lag'.padStart(10)}\n`,
      );
      for (const p of allProjections()) {
        const f = await readModelFreshness(db, liveSchema(p), head);
        // A stored version other than the code's: the next runner rebuilds the read model.
        const version = f.version === p.version ? String(p.version) : `${f.version ?? '-'}→${p.version}`;
        io.stdout.write(
          `${p.name.padEnd(16)} ${version.padStart(9)} ${String(f.position).padStart(12)} ${String(head).padStart(12)} ${String(f.lag).padStart(10)}\n`,
        );
      }
      // Reactions beside the projections: their lag, and the work they still have to carry out.
      const reactions = await reactionStatuses({
        store: ledger.store,
        db,
        now: () => new Date(),
        logger: createLogger({ level: 'silent' }),
      });
      io.stdout.write(
        `\n${'reaction'.padEnd(16)} ${'position'.padStart(12)} ${'lag'.padStart(10)} ${'pending'.padStart(8)} ${'due'.padStart(6)} ${'retrying'.padStart(8)} ${'parked'.padStart(6)}\n`,
      );
      for (const r of reactions)
        io.stdout.write(
          `${r.name.padEnd(16)} ${String(r.position).padStart(12)} ${String(r.lag).padStart(10)} ${String(r.work.pending).padStart(8)} ${String(r.work.due).padStart(6)} ${String(r.work.retrying).padStart(8)} ${String(r.work.parked).padStart(6)}\n`,
        );
      return 0;
    }
    if (sub === 'run') {
      const chosen = names.length ? names.map((n) => projectionNamed(n)) : allProjections();
      const runners = chosen.map((projection) =>
        new ProjectionRunner({
          db,
          store: ledger.store,
          leases: ledger.database,
          projection,
          onError: (e) => io.stderr.write(`${projection.name}: ${(e as Error).message}\n`),
        }).start(),
      );
      io.stderr.write(`running ${chosen.map((p) => p.name).join(', ')}; Ctrl-C stops\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await Promise.all(runners.map((r) => r.stop()));
      return 0;
    }
    const name = names[0]!;
    const projection = projectionNamed(name);
    if (sub === 'rebuild') {
      const r = await rebuildProjection({
        db,
        store: ledger.store,
        projection,
        onProgress: progressPrinter(io, `rebuilding ${name}`),
      });
      io.stderr.write('\n');
      io.stdout.write(
        `${name}: rebuilt from ${r.events} events up to position ${r.position} and swapped in\n`,
      );
      return 0;
    }
    if (sub === 'show')
      return await showSchema(db, io, {
        schema: values.schema ?? liveSchema(projection),
        table: values.table,
        limit: Number(values.limit ?? 20),
        json: values.json === true,
      });
    // build
    let toPosition: bigint;
    let schema = values.schema;
    if (instant) {
      toPosition = await ledger.store.positionAt(instant);
      if (toPosition === 0n) {
        io.stderr.write(
          `ledger projections build: no event was recorded at or before ${instant.toISOString()}, so there is nothing ` +
            'to build. --as-of is the recording time (when the ledger learned of each fact), not the business date: ' +
            'choose a later instant, or build up to a position with --to-position N.\n',
        );
        return 1;
      }
      schema ??= asOfSchema(projection, instant);
    } else {
      toPosition = BigInt(values['to-position']!);
      schema ??= `asof_${projection.name}_p${toPosition}`;
    }
    checkBuildTarget(projection, schema);
    const r = await buildProjection({
      db,
      store: ledger.store,
      projection,
      schema,
      toPosition,
      fresh: true,
      onProgress: progressPrinter(io, `building ${name}`),
    });
    io.stderr.write('\n');
    io.stdout.write(
      `${name}: built into schema ${schema} up to position ${r.position} (${r.events} events); read it with ` +
        `\`ledger projections show ${name} --schema ${schema}\`\n`,
    );
    return 0;
  } finally {
    await ledger.close();
  }
}

/** Prints the tables of a read-model schema: each one's row count and first rows. */
async function showSchema(
  db: AnyDb,
  io: CliIo,
  o: { schema: string; table: string | undefined; limit: number; json: boolean },
): Promise<number> {
  const { rows: tables } = await sql<{ table_name: string }>`
    SELECT table_name FROM information_schema.tables
    WHERE table_schema = ${o.schema} AND table_type = 'BASE TABLE' ORDER BY table_name`.execute(db);
  if (tables.length === 0) {
    io.stderr.write(
      `ledger projections show: there is no schema ${o.schema} (or it has no tables): build it first with ` +
        '`ledger projections build NAME --as-of INSTANT`, or run the projections (`ledger projections run`)\n',
    );
    return 1;
  }
  const chosen = o.table ? tables.filter((t) => t.table_name === o.table) : tables;
  if (chosen.length === 0) {
    io.stderr.write(
      `ledger projections show: ${o.schema} has no table ${o.table}; its tables: ${tables.map((t) => t.table_name).join(', ')}\n`,
    );
    return 1;
  }
  for (const { table_name } of chosen) {
    const target = sql.table(`${o.schema}.${table_name}`);
    const { rows: count } = await sql<{ n: string }>`SELECT count(*)::text AS n FROM ${target}`.execute(db);
    const { rows } = await sql<Record<string, unknown>>`SELECT * FROM ${target} LIMIT ${o.limit}`.execute(db);
    if (o.json) {
      for (const row of rows)
        io.stdout.write(
          `${JSON.stringify({ table: table_name, ...row }, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}\n`,
        );
      continue;
    }
    io.stdout.write(
      `${o.schema}.${table_name}: ${count[0]!.n} row(s)${rows.length < Number(count[0]!.n) ? `, the first ${rows.length}` : ''}\n`,
    );
    for (const row of rows)
      io.stdout.write(`  ${JSON.stringify(row, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}\n`);
  }
  return 0;
}
