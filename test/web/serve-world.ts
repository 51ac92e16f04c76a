// Starts a workbench world and keeps it running (for trying the workbench by hand): `npx tsx test/web/serve-world.ts [orders] [days]`.
import { datesFrom, startWebWorld, WEB_PASSWORD, WEB_USERS } from './world.ts';

const orders = Number(process.argv[2] ?? 200);
const days = Number(process.argv[3] ?? 1);
const world = await startWebWorld({
  dates: datesFrom('2026-11-02', days),
  orders,
  label: 'manual',
  onStep: (m) => process.stderr.write(`${m}\n`),
});
process.stdout.write(
  `${world.url}  users: ${WEB_USERS.map((u) => u.username).join(', ')}  password: ${WEB_PASSWORD}\n`,
);
const stop = async () => {
  await world.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
