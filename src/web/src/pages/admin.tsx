// Administration: staff users and roles, channel merchant accounts, schedules and worker jobs (with the queue
// dashboard one click away).
import { Alert, App, Button, Card, Form, Input, Modal, Select, Space, Table, Tabs, Tag } from 'antd';
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiFailure, api, failureText, get, post } from '../api.ts';
import { labelOptions, ROLE_LABELS, useLang, useT } from '../i18n.ts';
import { when } from '../session.ts';

interface UserRow {
  username: string;
  displayName: string;
  role: string;
  disabled: boolean;
  lockedUntil: string | null;
  lastSignInAt: string | null;
}

function useList<T>(
  path: string,
  pick: (r: unknown) => T[],
): { rows: T[] | null; error: string | null; reload: () => void } {
  const lang = useLang();
  const [rows, setRows] = useState<T[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const picker = useRef(pick);
  picker.current = pick;
  const reload = useCallback(() => {
    get<unknown>(path).then(
      (r) => {
        setRows(picker.current(r));
        setError(null);
      },
      (e) => {
        setRows([]);
        setError(
          e instanceof ApiFailure
            ? `${e.body.message[lang]}${e.body.details.reason ? ` — ${String(e.body.details.reason)}` : ''}`
            : String(e),
        );
      },
    );
  }, [path, lang]);
  useEffect(reload, [reload]);
  return { rows, error, reload };
}

function Users() {
  const t = useT();
  const lang = useLang();
  const { message } = App.useApp();
  const { rows, error, reload } = useList<UserRow>(
    '/v1/admin/users',
    (r) => (r as { users: UserRow[] }).users,
  );
  const [creating, setCreating] = useState(false);
  const [form] = Form.useForm();
  const run = async (f: () => Promise<unknown>) => {
    try {
      await f();
      message.success(t('已保存', 'Saved'));
      reload();
    } catch (e) {
      message.error(failureText(e, lang));
    }
  };
  const roles = labelOptions(ROLE_LABELS, lang);
  return (
    <>
      {error && <Alert type="error" title={error} />}
      <Button type="primary" style={{ marginBottom: 12 }} onClick={() => setCreating(true)}>
        {t('新建用户', 'New user')}
      </Button>
      <Table<UserRow>
        size="small"
        rowKey="username"
        loading={rows === null}
        dataSource={rows ?? []}
        pagination={false}
        columns={[
          { title: t('用户名', 'Username'), dataIndex: 'username' },
          { title: t('姓名', 'Name'), dataIndex: 'displayName' },
          {
            title: t('角色', 'Role'),
            dataIndex: 'role',
            render: (role: string, r) => (
              <Select
                size="small"
                style={{ width: 140 }}
                value={role}
                options={roles}
                onChange={(v) =>
                  void run(() => api('PUT', `/v1/admin/users/${r.username}/role`, { role: v }))
                }
              />
            ),
          },
          {
            title: t('状态', 'State'),
            key: 'state',
            render: (_: unknown, r) =>
              r.disabled ? (
                <Tag color="red">{t('已停用', 'Disabled')}</Tag>
              ) : r.lockedUntil ? (
                <Tag color="orange">{t('已锁定', 'Locked')}</Tag>
              ) : (
                <Tag color="green">{t('正常', 'Active')}</Tag>
              ),
          },
          {
            title: t('最近登录', 'Last sign-in'),
            dataIndex: 'lastSignInAt',
            render: (w: string | null) => when(w),
          },
          {
            title: '',
            key: 'act',
            render: (_: unknown, r) => {
              const enable = r.disabled;
              return (
                <Button
                  size="small"
                  danger={!enable}
                  onClick={() =>
                    void run(() =>
                      post(`/v1/admin/users/${r.username}/${enable ? 'enable' : 'disable'}`, {
                        reason: enable
                          ? t('管理员启用', 'enabled by an administrator')
                          : t('管理员停用', 'disabled by an administrator'),
                      }),
                    )
                  }
                >
                  {enable ? t('启用', 'Enable') : t('停用', 'Disable')}
                </Button>
              );
            },
          },
        ]}
      />
      <Modal
        open={creating}
        title={t('新建用户', 'New user')}
        onCancel={() => setCreating(false)}
        onOk={() =>
          form.validateFields().then((v: Record<string, string>) =>
            run(() => post('/v1/admin/users', v)).then(() => {
              setCreating(false);
              form.resetFields();
            }),
          )
        }
      >
        <Form form={form} layout="vertical">
          <Form.Item name="username" label={t('用户名', 'Username')} rules={[{ required: true }]}>
            <Input />
          </Form.Item>
          <Form.Item name="displayName" label={t('姓名', 'Name')} rules={[{ required: true }]}>
            <Input />
          </Form.Item>
          <Form.Item name="role" label={t('角色', 'Role')} rules={[{ required: true }]}>
            <Select options={roles} />
          </Form.Item>
          <Form.Item
            name="password"
            label={t('初始密码', 'Initial password')}
            rules={[{ required: true, min: 12 }]}
          >
            <Input.Password />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}

/** The rows of a list answer: the answer itself, or its `field`. */
function rowsOf(answer: unknown, field?: string): Record<string, unknown>[] {
  const list = field ? (answer as Record<string, unknown>)[field] : answer;
  return Array.isArray(list) ? list : [];
}

/** A read-only table of what `path` lists; `columns` names each column's field and gives its title, in order. */
function Listing({
  path,
  field,
  columns,
}: {
  path: string;
  field?: string;
  columns: Record<string, string>;
}) {
  const { rows, error } = useList<Record<string, unknown>>(path, (r) => rowsOf(r, field));
  return (
    <>
      {error && <Alert type="warning" title={error} style={{ marginBottom: 12 }} />}
      <Table<Record<string, unknown>>
        size="small"
        rowKey={(r) => JSON.stringify(r).slice(0, 200)}
        loading={rows === null}
        dataSource={rows ?? []}
        pagination={{ pageSize: 15 }}
        columns={Object.entries(columns).map(([dataIndex, title]) => ({
          title,
          dataIndex,
          render: (v: unknown) => (typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v ?? '')),
        }))}
      />
    </>
  );
}

export function AdminPage() {
  const t = useT();
  const [channel, setChannel] = useState('');
  const [channelView, setChannelView] = useState<string | null>(null);
  const lookUp = () =>
    get(`/v1/admin/channels/${encodeURIComponent(channel)}`).then(
      (r) => setChannelView(JSON.stringify(r, null, 2)),
      (e) => setChannelView(e instanceof ApiFailure ? e.body.code : String(e)),
    );
  return (
    <Card
      title={t('系统管理', 'Administration')}
      extra={
        <a href="/admin/queues" target="_blank" rel="noreferrer">
          {t('任务队列面板 ↗', 'Queue dashboard ↗')}
        </a>
      }
    >
      <Tabs
        items={[
          { key: 'users', label: t('用户与角色', 'Users and roles'), children: <Users /> },
          {
            key: 'channels',
            label: t('渠道与商户', 'Channels and merchants'),
            children: (
              <Space orientation="vertical" style={{ width: '100%' }}>
                <Space>
                  <Input
                    placeholder={t('渠道编号', 'Channel id')}
                    value={channel}
                    onChange={(e) => setChannel(e.target.value)}
                    style={{ width: 220 }}
                  />
                  <Button onClick={() => void lookUp()}>{t('查看渠道', 'Look up')}</Button>
                </Space>
                {channelView && <pre style={{ whiteSpace: 'pre-wrap' }}>{channelView}</pre>}
                <Listing
                  path="/v1/admin/merchants"
                  field="merchants"
                  columns={{
                    channel: t('渠道', 'Channel'),
                    merchantId: t('商户号', 'Merchant'),
                    status: t('状态', 'State'),
                  }}
                />
              </Space>
            ),
          },
          {
            key: 'schedules',
            label: t('定时任务', 'Schedules'),
            children: (
              <Listing
                path="/v1/schedules"
                columns={{ id: 'ID', kind: t('类型', 'Kind'), cron: 'Cron', paused: t('暂停', 'Paused') }}
              />
            ),
          },
          {
            key: 'runs',
            label: t('运行记录', 'Runs'),
            children: (
              <Listing
                path="/v1/schedules/runs"
                columns={{ scheduleId: 'ID', status: t('状态', 'State'), startedAt: t('开始', 'Started') }}
              />
            ),
          },
          {
            key: 'jobs',
            label: t('失败任务', 'Failed jobs'),
            children: (
              <Listing
                path="/v1/admin/jobs"
                field="jobs"
                columns={{ id: 'ID', name: t('名称', 'Name'), failedReason: t('原因', 'Reason') }}
              />
            ),
          },
        ]}
      />
    </Card>
  );
}
