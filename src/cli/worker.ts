// `ledger worker`: the projection runners and the reactions without the HTTP bus, until SIGINT/SIGTERM. Run
// as many as you like beside stateless buses (`ledger serve` with LEDGER_BACKGROUND=off): each projection and
// reaction has one leader at a time (advisory-lock leases); a worker that dies hands its leases on.
// Environment: DATABASE_URL | LEDGER_DATA_DIR, HIS_URL + HIS_DIALECT, HIS_TIMEOUT_MS (as `ledger serve`).
import { configFromEnv } from '../adapters/db/database.ts';
import { openLedger } from '../adapters/event-store/open.ts';
import { createLogger } from '../adapters/log.ts';
import { UPCASTERS } from '../domain/events.ts';
import { ensureReadModels } from '../projections/index.ts';
import type { CliIo } from './main.ts';
import { hisFromEnv, startBackgroundWork } from './serve.ts';

export async function worker(_argv: string[], io: CliIo): Promise<number> {
  const logger = createLogger({ name: 'worker', destination: io.stderr });
  const ledger = await openLedger(configFromEnv(io.env), {
    migrate: true,
    prepare: ensureReadModels,
    upcasters: UPCASTERS,
  });
  const his = hisFromEnv(io.env);
  const { runners, reactions } = startBackgroundWork(ledger, logger, his);
  io.stdout.write(
    `ledger worker running (${runners.length} projections, reactions; ${ledger.database.kind}; HIS: ${his ? io.env.HIS_URL : 'not configured'})\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  io.stdout.write('ledger worker stopping\n');
  await reactions.stop();
  await Promise.all(runners.map((r) => r.stop()));
  await ledger.close();
  return 0;
}
