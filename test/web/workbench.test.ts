// The finance workbench in a real browser (Debian's Chromium through playwright-core) against the real server
// on simulated hospital days: sign-in, a simulated day, a discrepancy resolved end to end with a supervisor's
// approval, a statement upload, a report downloaded and read back, what a clerk and an auditor may not do, and
// a stored `<script>` shown as text. Each main page is kept as a screenshot in docs/screenshots/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserHandle, chromiumPresent, openBrowser } from './browser.ts';
import { datesFrom, startWebWorld, WEB_HOSPITAL, WEB_PASSWORD, type WebWorld } from './world.ts';

const SHOTS = join(import.meta.dirname, '..', '..', 'docs', 'screenshots');
/** The page's globals, typed here without the DOM library (the suite compiles for Node). */
type PageGlobals = { document: { cookie: string }; __pwned?: number };
const XSS = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">';

/** Today in Asia/Shanghai, so the seeded days fall within the dashboard's last 30 days. */
function shanghaiToday(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
}
function minusDays(date: string, n: number): string {
  return new Date(new Date(`${date}T00:00:00Z`).getTime() - n * 86_400_000).toISOString().slice(0, 10);
}

describe.skipIf(!chromiumPresent())('finance workbench in a browser', () => {
  let world: WebWorld;
  let browser: BrowserHandle;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    world = await startWebWorld({
      dates: datesFrom(minusDays(shanghaiToday(), 4), 4),
      orders: 120,
      anomalies: 12,
      label: 'browser',
      holdLast: true,
    });
    browser = await openBrowser();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  const shot = async (name: string) => {
    // Let charts and tables finish drawing, and toasts go away.
    await page.waitForLoadState('networkidle');
    await expect.poll(() => page.locator('.ant-message-notice').count(), { timeout: 20_000 }).toBe(0);
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  };

  async function signIn(username: string) {
    await browser.context.clearCookies();
    await page.goto(world.url);
    await page.getByLabel(/用户名|Username/).fill(username);
    await page.getByLabel(/密码|Password/).fill(WEB_PASSWORD);
    await page.getByRole('button', { name: /登\s*录|Sign in/ }).click();
    await page.getByTestId('who').waitFor();
  }

  /** A request from the page's own session (cookie), with or without the CSRF header. */
  async function fromPage(method: string, path: string, body: unknown, csrf = true) {
    return page.evaluate(
      async ({ method, path, body, csrf }) => {
        const token =
          (globalThis as unknown as PageGlobals).document.cookie.match(
            /(?:^|;\s*)ledger_csrf=([^;]+)/,
          )?.[1] ?? '';
        const res = await fetch(path, {
          method,
          headers: { 'content-type': 'application/json', ...(csrf ? { 'x-csrf-token': token } : {}) },
          body: JSON.stringify(body),
        });
        return {
          status: res.status,
          body: (await res.json()) as { code?: string } & Record<string, unknown>,
        };
      },
      { method, path, body, csrf },
    );
  }

  async function findOpen(type: string): Promise<string> {
    const r = await page.evaluate(async (type) => {
      const res = await fetch(`/v1/discrepancies?status=open&type=${type}&limit=5`);
      return (await res.json()) as { discrepancies: { discrepancy_id: string }[] };
    }, type);
    const id = r.discrepancies[0]?.discrepancy_id;
    if (!id) throw new Error(`no open ${type} discrepancy in the simulated days`);
    return id;
  }

  it('signs in with a staff account: HttpOnly SameSite=Strict session cookie, CSRF enforced', async () => {
    await browser.context.clearCookies();
    await page.goto(world.url);
    await page.getByLabel(/用户名|Username/).waitFor();
    await shot('sign-in');
    // A wrong password is refused without saying why.
    await page.getByLabel(/用户名|Username/).fill('clerk');
    await page.getByLabel(/密码|Password/).fill('not the password');
    await page.getByRole('button', { name: /登\s*录|Sign in/ }).click();
    await page.getByText('用户名或密码错误').waitFor();

    await signIn('clerk');
    const cookies = await browser.context.cookies();
    const session = cookies.find((c) => c.name === 'ledger_session');
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).toBe('Strict');
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).document.cookie)).not.toContain(
      'ledger_session',
    );

    const id = await findOpen('AMOUNT_MISMATCH');
    const forged = await fromPage('POST', `/v1/discrepancies/${id}/comments`, { text: 'forged' }, false);
    expect(forged.status).toBe(403);
    expect(forged.body.code).toBe('AUTH_CSRF');
  });

  it('opens a simulated day from the dashboard', async () => {
    await signIn('clerk');
    await page.goto(`${world.url}/#/dashboard`);
    await page.getByTestId('dashboard-chart').locator('canvas').first().waitFor();
    await page.locator('.ant-table-row').first().waitFor();
    await shot('dashboard');
    // The day's discrepancies, from its row.
    await page.getByRole('link', { name: '查看差错' }).first().click();
    await page.waitForURL(/#\/discrepancies\?channel=/);
    await page.locator('.ant-table-row').first().waitFor();
    expect(await page.locator('.ant-table-row').count()).toBeGreaterThan(0);
    await page.goto(`${world.url}/#/discrepancies`);
    await page.locator('.ant-table-row').first().waitFor();
    await shot('discrepancies');
  });

  let resolvedId = '';

  it('resolves a discrepancy end to end: a clerk proposes, the clerk cannot approve, a supervisor approves', async () => {
    await signIn('clerk');
    const id = await findOpen('AMOUNT_MISMATCH');
    resolvedId = id;
    await page.goto(`${world.url}/#/discrepancies/${id}`);
    await page.getByTestId('party-platform').waitFor();
    // A stored script is text: commented, then shown in the history as written.
    await page.getByTestId('comment').fill(XSS);
    await page.getByTestId('add-comment').click();
    await page.getByTestId('history').getByText(XSS, { exact: false }).waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).__pwned)).toBeUndefined();

    await page.getByRole('button', { name: '分 派' }).click();
    await page.getByTestId('history').getByText('分派给 clerk').waitFor();

    await page.getByTestId('action').click();
    await page.getByTitle(/核销/).click();
    await page.getByTestId('reason').fill('经与渠道核实为渠道差错，核销');
    await page.getByTestId('propose').click();
    await expect
      .poll(async () => page.getByTestId('status').textContent(), { timeout: 20_000 })
      .toBe('待审批');
    await shot('discrepancy-detail');

    // The clerk has no approve button, and the API refuses the clerk (maker-checker: approval is a supervisor's).
    expect(await page.getByTestId('approve').count()).toBe(0);
    const own = await fromPage('POST', `/v1/discrepancies/${id}/approve`, {});
    expect(own.status).toBe(403);

    await signIn('super');
    await page.goto(`${world.url}/#/approvals`);
    await page.locator('.ant-table-row').first().waitFor();
    await shot('approvals');
    await page.goto(`${world.url}/#/discrepancies/${id}`);
    await page.getByTestId('approve').click();
    await expect
      .poll(async () => page.getByTestId('status').textContent(), { timeout: 20_000 })
      .toBe('已解决');
    const history = page.getByTestId('history');
    await history.getByText('主管审批通过').waitFor();
    expect(await history.textContent()).toContain('super');
    expect(await history.textContent()).toContain('clerk');
  });

  it('a supervisor cannot approve their own proposal', async () => {
    await signIn('super');
    const id = await findOpen('CHANNEL_ONLY');
    const proposed = await fromPage('POST', `/v1/discrepancies/${id}/resolution`, {
      action: 'refund-patient',
      reason: '退回患者',
    });
    expect(proposed.status).toBe(200);
    const own = await fromPage('POST', `/v1/discrepancies/${id}/approve`, {});
    expect(own.status).toBeGreaterThanOrEqual(400);
    expect(own.status).toBeLessThan(500);
  });

  it('accepts one-sided items as timing in bulk', async () => {
    await signIn('clerk');
    await page.goto(`${world.url}/#/discrepancies?type=PLATFORM_ONLY&status=open`);
    await page.locator('.ant-table-row').first().waitFor();
    await page.locator('.ant-table-row .ant-checkbox-input').first().check();
    await page.getByTestId('bulk-accept').click();
    await page.getByPlaceholder('理由（必填）').fill('次日账单到达后核对为跨日');
    await page.getByRole('button', { name: /确\s*定|OK/ }).click();
    await page.getByText(/已接受 1 笔跨日差错/).waitFor();
  });

  it('uploads a statement with a progress bar and shows its checks', async () => {
    await signIn('clerk');
    await page.goto(`${world.url}/#/statements`);
    const held = world.held[0];
    if (!held) throw new Error('no held statement file');
    await page.getByTestId('statement-file').setInputFiles(held.path);
    await page.getByTestId('upload').click();
    await page.getByTestId('upload-result').waitFor();
    expect(await page.getByTestId('upload-progress').getAttribute('class')).toContain(
      'ant-progress-status-success',
    );
    expect(await page.getByTestId('upload-result').textContent()).toContain(held.name);
    await page.locator('.ant-table-row').first().waitFor();
    await shot('statements');
  });

  it('downloads a report and reads it back', async () => {
    await signIn('super');
    await page.goto(`${world.url}/#/reports`);
    await page.getByTestId('report-name').click();
    await page.getByTitle('对账报告').click();
    await shot('reports');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('download-xlsx').click(),
    ]);
    const file = join(browser.downloads, download.suggestedFilename());
    await download.saveAs(file);
    expect(download.suggestedFilename()).toMatch(/^reconciliation_H001_.*\.xlsx$/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    const names = wb.worksheets.map((w) => w.name);
    expect(names.length).toBeGreaterThan(1);
    const rows = wb.worksheets.reduce((n, w) => n + w.rowCount, 0);
    expect(rows).toBeGreaterThan(3);
  });

  it('an auditor can look but cannot change anything', async () => {
    await signIn('auditor');
    await page.goto(`${world.url}/#/discrepancies/${resolvedId}`);
    await page.getByTestId('party-platform').waitFor();
    expect(await page.getByTestId('propose').count()).toBe(0);
    expect(await page.getByTestId('add-comment').count()).toBe(0);
    for (const [path, body] of [
      [`/v1/discrepancies/${resolvedId}/comments`, { text: 'x' }],
      [`/v1/discrepancies/${resolvedId}/assign`, { assignee: 'auditor' }],
      ['/v1/discrepancies/accept-timing', { ids: [resolvedId], reason: 'x' }],
    ] as const) {
      const r = await fromPage('POST', path, body);
      expect(r.status, path).toBe(403);
    }
    await page.goto(`${world.url}/#/statements`);
    await page.getByText('当前角色不能导入对账单').waitFor();
    expect(await page.getByTestId('upload').count()).toBe(0);

    await page.goto(`${world.url}/#/audit`);
    await page.getByTestId('verify').click();
    await page.getByText('哈希链完整').waitFor();
    const subject = await page.evaluate(async (id) => {
      const res = await fetch(`/v1/discrepancies/${id}`);
      return ((await res.json()) as { discrepancy: { subject: string } }).discrepancy.subject;
    }, resolvedId);
    await page.getByTestId('trace-query').fill(subject);
    await page.getByTestId('trace').click();
    await page.locator('.ant-table-row').first().waitFor();
    await shot('audit');
  });

  it('an administrator manages users and sees schedules and jobs', async () => {
    await signIn('admin');
    await page.goto(`${world.url}/#/admin`);
    await page.getByRole('cell', { name: 'clerk2' }).waitFor();
    await shot('admin');
    // English on the switch.
    await page.getByText('English').click();
    await page.getByText('Users and roles').waitFor();
    await page.goto(`${world.url}/#/dashboard`);
    await page.getByTestId('dashboard-chart').locator('canvas').first().waitFor();
    await page.locator('.ant-table-row').first().waitFor();
    await shot('dashboard-en');
    await page.getByText('中文').click();
    expect(WEB_HOSPITAL).toBe('H001');
  });
});
