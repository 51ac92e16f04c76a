import { parseArgs } from 'node:util';
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
  ensureReadModels,
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

const USAGE = `ledger projections <list|status|run|rebuild|build>
  list                          the read models and what they answer
  status                        code version, position, head and lag of each projection (a→b: rebuild due); each reaction's lag and work
  run [NAME…]                   keep projections up to date until interrupted (one active runner per projection)
  rebuild NAME                  rebuild from position 0 beside the live copy, then swap it in
  build NAME --as-of INSTANT    build into a separate schema as the ledger knew it at INSTANT (ISO-8601)
  build NAME --to-position N    … or up to a global position; --schema asof_NAME_… chooses the schema
                                (only a schema of the projection's own: it is dropped and built anew)`;

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

export async function projectionsCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...strings('as-of', 'to-position', 'schema'),
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [sub, ...names] = positionals;
  if (values.help || sub === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (sub === 'list') {
    for (const p of allProjections())
      io.stdout.write(
        `${p.name.padEnd(16)} v${String(p.version).padEnd(3)} ${liveSchema(p).padEnd(20)} ${p.description}\n`,
      );
    return 0;
  }
  if (!sub || !['status', 'run', 'rebuild', 'build'].includes(sub)) {
    io.stderr.write(`${USAGE}\n`);
    return 64;
  }
  const ledger = await openLedger(configFromEnv(io.env), {
    migrate: true,
    prepare: ensureReadModels,
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
    const name = names[0];
    if (!name) {
      io.stderr.write(`${USAGE}\n`);
      return 64;
    }
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
    // build
    let toPosition: bigint;
    let schema = values.schema;
    if (values['as-of']) {
      const instant = new Date(values['as-of']);
      if (Number.isNaN(instant.getTime())) {
        io.stderr.write(`--as-of: not an ISO-8601 instant: ${values['as-of']}\n`);
        return 64;
      }
      toPosition = await ledger.store.positionAt(instant);
      schema ??= asOfSchema(projection, instant);
    } else if (values['to-position'] && /^\d+$/.test(values['to-position'])) {
      toPosition = BigInt(values['to-position']);
      schema ??= `asof_${projection.name}_p${toPosition}`;
    } else {
      io.stderr.write(`build needs --as-of INSTANT or --to-position N\n${USAGE}\n`);
      return 64;
    }
    try {
      checkBuildTarget(projection, schema);
    } catch (e) {
      if (!(e instanceof UnsafeSchemaError)) throw e;
      io.stderr.write(`--schema: ${e.message}\n`);
      return 64;
    }
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
      `${name}: built into schema ${schema} up to position ${r.position} (${r.events} events)\n`,
    );
    return 0;
  } finally {
    await ledger.close();
  }
}
