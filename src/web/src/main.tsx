// The finance workbench: sign-in, then one page per task (dashboard, discrepancies, approvals, statements,
// reports, administration, audit). Routes live after `#` so the server serves one HTML file.
import { App as AntApp, Button, ConfigProvider, Layout, Menu, Space, Spin, Tag, Typography } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import { StrictMode, useCallback, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { api, get, setCsrf, whenSignedOut } from './api.ts';
import { type Lang, LangContext, label, ROLE_LABELS } from './i18n.ts';
import { AdminPage } from './pages/admin.tsx';
import { AuditPage } from './pages/audit.tsx';
import { DashboardPage } from './pages/dashboard.tsx';
import { DiscrepanciesPage } from './pages/discrepancies.tsx';
import { DiscrepancyPage } from './pages/discrepancy.tsx';
import { ReportsPage } from './pages/reports.tsx';
import { SignInPage } from './pages/sign-in.tsx';
import { StatementsPage } from './pages/statements.tsx';
import { may, type User, UserContext } from './session.ts';
import { LangSwitch } from './widgets.tsx';

function useHash(): string {
  const [hash, setHash] = useState(() => window.location.hash.slice(1) || '/dashboard');
  useEffect(() => {
    const f = () => setHash(window.location.hash.slice(1) || '/dashboard');
    window.addEventListener('hashchange', f);
    return () => window.removeEventListener('hashchange', f);
  }, []);
  return hash;
}

function Workbench({
  user,
  lang,
  setLang,
  signOut,
}: {
  user: User;
  lang: Lang;
  setLang: (l: Lang) => void;
  signOut: () => void;
}) {
  const hash = useHash();
  const [path, query = ''] = hash.split('?');
  const parts = (path ?? '').split('/').filter(Boolean);
  const page = parts[0] ?? 'dashboard';
  const t = (zh: string, en: string) => (lang === 'zh' ? zh : en);
  const items = [
    { key: 'dashboard', label: t('对账总览', 'Dashboard') },
    { key: 'discrepancies', label: t('差错工作台', 'Discrepancies') },
    { key: 'approvals', label: t('审批队列', 'Approvals') },
    { key: 'statements', label: t('对账单', 'Statements') },
    { key: 'reports', label: t('报表', 'Reports') },
    ...(may.admin(user) ? [{ key: 'admin', label: t('系统管理', 'Administration') }] : []),
    ...(may.audit(user) ? [{ key: 'audit', label: t('审计', 'Audit') }] : []),
  ];
  let content: React.ReactNode;
  if (page === 'discrepancies' && parts[1]) content = <DiscrepancyPage id={parts[1]} />;
  else if (page === 'discrepancies') content = <DiscrepanciesPage query={new URLSearchParams(query)} />;
  else if (page === 'approvals')
    content = <DiscrepanciesPage query={new URLSearchParams('status=proposed')} approvals />;
  else if (page === 'statements') content = <StatementsPage />;
  else if (page === 'reports') content = <ReportsPage />;
  else if (page === 'admin') content = <AdminPage />;
  else if (page === 'audit') content = <AuditPage query={new URLSearchParams(query)} />;
  else if (page === 'dashboard') content = <DashboardPage />;
  else
    content = (
      <Typography.Text type="secondary" data-testid="empty-page">
        {t('没有这个页面', 'No such page')}
      </Typography.Text>
    );
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Sider width={184} theme="dark">
        <div style={{ color: '#fff', padding: '18px 16px', fontWeight: 600, fontSize: 16 }}>
          {t('财务工作台', 'Finance workbench')}
        </div>
        <Menu
          theme="dark"
          mode="inline"
          selectedKeys={[page]}
          items={items}
          onClick={(e) => {
            window.location.hash = `/${e.key}`;
          }}
        />
      </Layout.Sider>
      <Layout>
        <Layout.Header
          style={{
            background: '#fff',
            display: 'flex',
            justifyContent: 'flex-end',
            alignItems: 'center',
            paddingInline: 24,
          }}
        >
          <Space size="middle">
            <Typography.Text data-testid="who">
              {user.displayName ?? user.username} ({user.username})
            </Typography.Text>
            <Tag color="blue">{label(ROLE_LABELS, user.role, lang)}</Tag>
            <Typography.Text type="secondary">{user.hospitalId}</Typography.Text>
            <LangSwitch lang={lang} setLang={setLang} english="English" />
            <Button size="small" onClick={signOut}>
              {t('退出', 'Sign out')}
            </Button>
          </Space>
        </Layout.Header>
        <Layout.Content style={{ padding: 24 }}>{content}</Layout.Content>
      </Layout>
    </Layout>
  );
}

function Root() {
  const [lang, setLangState] = useState<Lang>(() =>
    localStorage.getItem('ledger.lang') === 'en' ? 'en' : 'zh',
  );
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const setLang = (l: Lang) => {
    localStorage.setItem('ledger.lang', l);
    setLangState(l);
  };
  const signedIn = useCallback((u: User | null) => {
    if (u) setCsrf(u.csrfToken);
    setUser(u);
  }, []);
  useEffect(() => {
    whenSignedOut(() => setUser(null));
    get<User>('/v1/auth/web-session').then(signedIn, () => signedIn(null));
  }, [signedIn]);
  const signOut = () => {
    api('DELETE', '/v1/auth/web-session').finally(() => setUser(null));
  };
  return (
    <ConfigProvider locale={lang === 'zh' ? zhCN : enUS} theme={{ token: { colorPrimary: '#1668dc' } }}>
      <LangContext.Provider value={lang}>
        <AntApp>
          {user === undefined ? (
            <Spin style={{ marginTop: 120, width: '100%' }} />
          ) : user === null ? (
            <SignInPage lang={lang} setLang={setLang} onSignedIn={signedIn} />
          ) : (
            <UserContext.Provider value={user}>
              <Workbench user={user} lang={lang} setLang={setLang} signOut={signOut} />
            </UserContext.Provider>
          )}
        </AntApp>
      </LangContext.Provider>
    </ConfigProvider>
  );
}

const root = document.getElementById('root');
if (root)
  createRoot(root).render(
    <StrictMode>
      <Root />
    </StrictMode>,
  );
