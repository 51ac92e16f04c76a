// bench/web: a simulated month of one hospital (BENCH_DAYS days of BENCH_ORDERS orders each, imported and
// reconciled), then each workbench page's API calls timed over HTTP (median of BENCH_RUNS) and each page's load
// in Debian's Chromium (from navigation to its content drawn). Target: every page under a second.
//   npm run bench:web            (defaults: 30 days × 300 orders, 5 runs)
//   BENCH_DAYS=7 BENCH_ORDERS=200 npm run bench:web
import { performance } from 'node:perf_hooks';
import { chromiumPresent, openBrowser } from '../test/web/browser.ts';
import { datesFrom, startWebWorld, WEB_HOSPITAL, WEB_PASSWORD } from '../test/web/world.ts';

const DAYS = Number(process.env.BENCH_DAYS ?? 30);
const ORDERS = Number(process.env.BENCH_ORDERS ?? 300);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TARGET_MS = 1_000;

function shanghaiToday(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
}
function minusDays(date: string, n: number): string {
  return new Date(new Date(`${date}T00:00:00Z`).getTime() - n * 86_400_000).toISOString().slice(0, 10);
}
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

const started = performance.now();
const first = minusDays(shanghaiToday(), DAYS);
const world = await startWebWorld({
  dates: datesFrom(first, DAYS),
  orders: ORDERS,
  label: 'bench',
  onStep: (m) => process.stderr.write(`  ${m}\n`),
});
process.stderr.write(
  `seeded ${DAYS} days × ${ORDERS} orders in ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
);

async function signIn(username: string): Promise<string> {
  const res = await fetch(`${world.url}/v1/auth/web-session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ hospitalId: WEB_HOSPITAL, username, password: WEB_PASSWORD }),
  });
  if (res.status !== 201) throw new Error(`sign-in ${username}: ${res.status}`);
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}

const rows: { page: string; call: string; ms: number; bytes: number }[] = [];
try {
  const clerk = await signIn('clerk');
  const admin = await signIn('admin');
  const auditor = await signIn('auditor');
  const call = async (cookie: string, path: string) => {
    const times: number[] = [];
    let bytes = 0;
    let body: unknown;
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const res = await fetch(`${world.url}${path}`, { headers: { cookie } });
      const buf = Buffer.from(await res.arrayBuffer());
      times.push(performance.now() - t0);
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${buf.toString().slice(0, 200)}`);
      bytes = buf.length;
      if ((res.headers.get('content-type') ?? '').includes('json')) body = JSON.parse(buf.toString());
    }
    return { ms: median(times), bytes, body };
  };
  const today = shanghaiToday();
  const pages: { page: string; cookie: string; paths: string[] }[] = [];
  const list = await call(clerk, '/v1/discrepancies?limit=50&sort=business_date&order=desc');
  const id = (list.body as { discrepancies: { discrepancy_id: string; subject: string }[] }).discrepancies[0];
  if (!id) throw new Error('no discrepancies in the simulated month');
  pages.push(
    { page: 'dashboard', cookie: clerk, paths: [`/v1/days?from=${minusDays(today, 29)}&to=${today}`] },
    {
      page: 'discrepancies',
      cookie: clerk,
      paths: ['/v1/discrepancies?limit=50&sort=business_date&order=desc'],
    },
    { page: 'discrepancy detail', cookie: clerk, paths: [`/v1/discrepancies/${id.discrepancy_id}`] },
    {
      page: 'approvals',
      cookie: clerk,
      paths: ['/v1/discrepancies?status=proposed&limit=50&sort=business_date&order=desc'],
    },
    { page: 'statements', cookie: clerk, paths: ['/v1/statements', '/v1/mappings'] },
    {
      page: 'reports',
      cookie: clerk,
      paths: [
        '/v1/reports',
        `/v1/reports/reconciliation?from=${first}&to=${minusDays(today, 1)}&format=xlsx`,
      ],
    },
    {
      page: 'administration',
      cookie: admin,
      paths: ['/v1/admin/users', '/v1/schedules', '/v1/schedules/runs'],
    },
    { page: 'audit', cookie: auditor, paths: ['/v1/audit/verify', `/v1/audit/trace/${id.subject}`] },
  );
  for (const p of pages)
    for (const path of p.paths) {
      const r = await call(p.cookie, path);
      rows.push({ page: p.page, call: `GET ${path.split('?')[0]}`, ms: r.ms, bytes: r.bytes });
    }

  if (chromiumPresent()) {
    const browser = await openBrowser();
    try {
      const page = browser.context.pages()[0] ?? (await browser.context.newPage());
      await page.goto(world.url);
      await page.getByLabel(/用户名|Username/).fill('clerk');
      await page.getByLabel(/密码|Password/).fill(WEB_PASSWORD);
      await page.getByRole('button', { name: /登\s*录|Sign in/ }).click();
      await page.getByTestId('who').waitFor();
      const loads: [string, string, string][] = [
        ['dashboard', '#/dashboard', '.ant-table-row'],
        ['discrepancies', '#/discrepancies', '.ant-table-row'],
        ['discrepancy detail', `#/discrepancies/${id.discrepancy_id}`, '[data-testid=party-platform]'],
        ['statements', '#/statements', '.ant-table-row'],
        ['reports', '#/reports', '[data-testid=report-name]'],
      ];
      for (const [name, hash, ready] of loads) {
        const times: number[] = [];
        for (let i = 0; i < RUNS; i++) {
          await page.goto('about:blank');
          const t0 = performance.now();
          await page.goto(`${world.url}/${hash}`);
          await page.locator(ready).first().waitFor();
          times.push(performance.now() - t0);
        }
        rows.push({ page: name, call: 'browser: load until drawn', ms: median(times), bytes: 0 });
      }
    } finally {
      await browser.close();
    }
  } else process.stderr.write('no /usr/bin/chromium: browser page loads not measured\n');
} finally {
  await world.close();
}

const w = Math.max(...rows.map((r) => r.page.length), 4);
const c = Math.max(...rows.map((r) => r.call.length), 4);
process.stdout.write(
  `\nworkbench pages on ${DAYS} simulated days × ${ORDERS} orders (median of ${RUNS}; target < ${TARGET_MS} ms)\n`,
);
process.stdout.write(
  `${'page'.padEnd(w)}  ${'call'.padEnd(c)}  ${'ms'.padStart(7)}  ${'bytes'.padStart(9)}  ok\n`,
);
for (const r of rows)
  process.stdout.write(
    `${r.page.padEnd(w)}  ${r.call.padEnd(c)}  ${r.ms.toFixed(1).padStart(7)}  ${String(r.bytes || '').padStart(9)}  ${r.ms < TARGET_MS ? 'yes' : 'NO'}\n`,
  );
const slow = rows.filter((r) => r.ms >= TARGET_MS);
process.exitCode = slow.length === 0 ? 0 : 1;
