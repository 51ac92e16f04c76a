import { Alert, Button, Card, Form, Input } from 'antd';
import { useState } from 'react';
import { failureText, post } from '../api.ts';
import type { Lang } from '../i18n.ts';
import type { User } from '../session.ts';
import { LangSwitch } from '../widgets.tsx';

export function SignInPage({
  lang,
  setLang,
  onSignedIn,
}: {
  lang: Lang;
  setLang: (l: Lang) => void;
  onSignedIn: (u: User) => void;
}) {
  const t = (zh: string, en: string) => (lang === 'zh' ? zh : en);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (v: { hospitalId: string; username: string; password: string }) => {
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await post<User>('/v1/auth/web-session', v));
    } catch (e) {
      setError(failureText(e, lang));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div
      style={{
        minHeight: '100vh',
        display: 'flex',
        alignItems: 'center',
        justifyContent: 'center',
        background: '#f0f2f5',
      }}
    >
      <Card
        title={t('财务工作台 · 登录', 'Finance workbench · Sign in')}
        style={{ width: 380 }}
        extra={<LangSwitch lang={lang} setLang={setLang} english="EN" />}
      >
        <Form layout="vertical" onFinish={submit} initialValues={{ hospitalId: 'H001' }}>
          <Form.Item name="hospitalId" label={t('医院', 'Hospital')} rules={[{ required: true }]}>
            <Input autoComplete="organization" />
          </Form.Item>
          <Form.Item name="username" label={t('用户名', 'Username')} rules={[{ required: true }]}>
            <Input autoComplete="username" />
          </Form.Item>
          <Form.Item name="password" label={t('密码', 'Password')} rules={[{ required: true }]}>
            <Input.Password autoComplete="current-password" />
          </Form.Item>
          {error && <Alert type="error" title={error} style={{ marginBottom: 16 }} />}
          <Button type="primary" htmlType="submit" block loading={busy}>
            {t('登录', 'Sign in')}
          </Button>
        </Form>
      </Card>
    </div>
  );
}
