// Standalone HIS simulator (`ledger his-simulator` calls runHisSimulator). Options from argv or env:
//   --port / HIS_SIM_PORT (default 7070), --host / HIS_SIM_HOST (default 127.0.0.1),
//   --mode / HIS_SIM_MODE (normal | slow:<ms> | fail:<code>[:<http>] | timeout | twice | flaky:<n> | lost-answer),
//   --strict / HIS_SIM_STRICT=1 (refuse charges not seeded through POST /admin/charges).
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { type HisSimulator, parseModeSpec, startHisSimulator } from './simulator.ts';

export const HIS_SIM_DEFAULT_PORT = 7070;

export interface RunHisSimulatorOptions {
  argv?: string[];
  env?: NodeJS.ProcessEnv;
  out?: (line: string) => void;
  /** Close and exit on SIGINT/SIGTERM (the CLI); off when embedded (tests, demo). */
  handleSignals?: boolean;
}

export async function runHisSimulator(options: RunHisSimulatorOptions = {}): Promise<HisSimulator> {
  const argv = options.argv ?? process.argv.slice(2);
  const env = options.env ?? process.env;
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      mode: { type: 'string' },
      strict: { type: 'boolean' },
    },
    strict: true,
  });
  const port = Number(values.port ?? env.HIS_SIM_PORT ?? HIS_SIM_DEFAULT_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new RangeError(`invalid port ${values.port}`);
  const modeSpec = values.mode ?? env.HIS_SIM_MODE;
  const sim = await startHisSimulator({
    port,
    host: values.host ?? env.HIS_SIM_HOST ?? '127.0.0.1',
    strictCharges: values.strict ?? env.HIS_SIM_STRICT === '1',
    ...(modeSpec ? { mode: parseModeSpec(modeSpec) } : {}),
  });
  out(
    `HIS simulator listening on ${sim.url} (JSON: ${sim.url}/his/v1/…, SOAP: ${sim.url}/his/soap, admin: ${sim.url}/admin/mode)`,
  );
  out(`mode: ${JSON.stringify(sim.mode())}`);
  if (options.handleSignals === false) return sim;
  const stop = () => {
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return sim;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runHisSimulator().catch((err: unknown) => {
    process.stderr.write(`his-simulator: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
