// One discrepancy: the three parties side by side (platform movements, the channel's statement line, the HIS
// line and writeback), its own history (who did what, when), the order's event history, and the work on it.
import {
  Alert,
  App,
  Button,
  Card,
  Descriptions,
  Empty,
  Form,
  Input,
  Row,
  Select,
  Space,
  Table,
  Tag,
  Timeline,
  Typography,
} from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { failureText, get, post } from '../api.ts';
import { ACTION_LABELS, CHANNEL_LABELS, label, STATUS_LABELS, TYPE_LABELS, useLang, useT } from '../i18n.ts';
import { may, useUser, when } from '../session.ts';
import type { DiscrepancyDetail, HistoryEntry, LineView } from '../../../app/reconciliation/worklist.ts';
import { eventColumns, instantColumn, Panel } from '../widgets.tsx';
import { ProposalsCard } from './proposals.tsx';

const MONEY_MOVING = new Set(['refund-patient', 'adjusting-entry', 'write-off']);

/** Key–value rows of a record, every value as text (never markup). */
function Fields({ record, keys }: { record: Record<string, unknown>; keys?: string[] }) {
  const entries = Object.entries(record).filter(
    ([k, v]) => (keys ? keys.includes(k) : true) && v !== null && v !== undefined && typeof v !== 'object',
  );
  return (
    <Descriptions size="small" column={1} bordered>
      {entries.map(([k, v]) => (
        <Descriptions.Item key={k} label={k}>
          {String(v)}
        </Descriptions.Item>
      ))}
    </Descriptions>
  );
}

/** A statement line: its file and line number, the normalized fields named by `keys`, the raw text if asked. */
function StatementLine({ line, keys, withRaw }: { line: LineView; keys: string[]; withRaw?: boolean }) {
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Typography.Text type="secondary">
        {line.statement?.file} #{line.lineNo}
      </Typography.Text>
      {line.normalized && <Fields record={line.normalized} keys={keys} />}
      {withRaw && line.raw && (
        <Typography.Paragraph code copyable ellipsis={{ rows: 2, expandable: true }}>
          {line.raw}
        </Typography.Paragraph>
      )}
    </Space>
  );
}

function describeEvent(e: HistoryEntry, t: (zh: string, en: string) => string, lang: 'zh' | 'en'): string {
  const d = e.data;
  switch (e.type) {
    case 'DiscrepancyRaised':
      return t('对账发现差错', 'Raised by reconciliation');
    case 'DiscrepancyAssigned':
      return `${t('分派给', 'Assigned to')} ${String(d.assignee ?? '')}`;
    case 'DiscrepancyCommented':
      return `${t('评论', 'Comment')}: ${String(d.text ?? '')}`;
    case 'DiscrepancyResolutionProposed':
      return `${t('提出处理方案', 'Proposed')}: ${label(ACTION_LABELS, String(d.action ?? ''), lang)} — ${String(d.reason ?? '')}`;
    case 'DiscrepancyResolutionApproved':
      return t('主管审批通过', 'Approved by a supervisor');
    case 'DiscrepancyResolutionRejected':
      return `${t('主管退回', 'Sent back')}: ${String(d.reason ?? '')}`;
    case 'DiscrepancyResolved':
      return `${t('已解决', 'Resolved')}: ${label(ACTION_LABELS, String(d.action ?? ''), lang)}${d.reason ? ` — ${String(d.reason)}` : ''}`;
    default:
      return e.type;
  }
}

export function DiscrepancyPage({ id }: { id: string }) {
  const t = useT();
  const lang = useLang();
  const user = useUser();
  const { message } = App.useApp();
  const [detail, setDetail] = useState<DiscrepancyDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [resolveForm] = Form.useForm();
  const [commentForm] = Form.useForm();
  const [assignForm] = Form.useForm();
  const [rejectForm] = Form.useForm();

  const load = useCallback(async () => {
    try {
      setDetail(await get<DiscrepancyDetail>(`/v1/discrepancies/${encodeURIComponent(id)}`));
      setError(null);
    } catch (e) {
      setError(failureText(e, lang));
    }
  }, [id, lang]);
  useEffect(() => {
    void load();
  }, [load]);

  const act = async (path: string, body: Record<string, unknown>, done: string) => {
    setBusy(true);
    try {
      await post(`/v1/discrepancies/${encodeURIComponent(id)}/${path}`, body);
      message.success(done);
      await load();
      return true;
    } catch (e) {
      const text = failureText(e, lang);
      message.error(text);
      setError(text);
      return false;
    } finally {
      setBusy(false);
    }
  };

  if (!detail) return error ? <Alert type="error" title={error} /> : <Card loading />;
  const d = detail.discrepancy;
  const worker = may.work(user);
  const checker = may.check(user);
  const active = !['resolved', 'auto-resolved', 'matched', 'withdrawn'].includes(d.status);
  const waiting = d.status === 'proposed' && d.proposal !== null;
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Card
        title={
          <Space>
            <a href="#/discrepancies">{t('差错工作台', 'Discrepancies')}</a>
            <span>/</span>
            <span data-testid="subject">{d.subject}</span>
            <Tag>{label(TYPE_LABELS, d.type, lang)}</Tag>
            <Tag
              color={d.status === 'resolved' ? 'green' : d.status === 'proposed' ? 'purple' : 'red'}
              data-testid="status"
            >
              {label(STATUS_LABELS, d.status, lang)}
            </Tag>
          </Space>
        }
      >
        {error && (
          <Alert
            type="error"
            title={error}
            style={{ marginBottom: 12 }}
            closable={{ onClose: () => setError(null) }}
          />
        )}
        <Descriptions size="small" column={3}>
          <Descriptions.Item label={t('渠道', 'Channel')}>
            {label(CHANNEL_LABELS, d.channel, lang)}
          </Descriptions.Item>
          <Descriptions.Item label={t('业务日期', 'Business date')}>{d.businessDate}</Descriptions.Item>
          <Descriptions.Item label={t('金额', 'Amount')}>{d.amount}</Descriptions.Item>
          <Descriptions.Item label={t('说明', 'Reason')} span={3}>
            {d.finding?.reason ?? ''}
          </Descriptions.Item>
          <Descriptions.Item label={t('经办人', 'Assignee')}>{d.assignee ?? '—'}</Descriptions.Item>
          <Descriptions.Item label={t('方案', 'Proposal')}>
            {d.proposal ? `${label(ACTION_LABELS, d.proposal.action, lang)} (${d.proposal.by})` : '—'}
          </Descriptions.Item>
          <Descriptions.Item label={t('审批 / 解决', 'Approved / resolved')}>
            {[d.approvedBy, d.resolvedBy].filter(Boolean).join(' / ') || '—'}
          </Descriptions.Item>
        </Descriptions>
      </Card>

      <Row gutter={16}>
        <Panel
          span={8}
          title={t('平台（账本流水）', 'Platform (ledger movements)')}
          data-testid="party-platform"
        >
          {detail.parties.platform.movements.length === 0 ? (
            <Empty description={t('平台无记录', 'Nothing on the platform')} />
          ) : (
            detail.parties.platform.movements.map((m) => (
              <Fields
                key={String(m.movement_id)}
                record={m}
                keys={[
                  'movement_id',
                  'kind',
                  'merchant_order_no',
                  'channel_txn_id',
                  'refund_no',
                  'amount',
                  'occurred_at',
                  'business_date',
                  'business_type',
                ]}
              />
            ))
          )}
        </Panel>
        <Panel span={8} title={t('渠道（对账单行）', 'Channel (statement line)')} data-testid="party-channel">
          {detail.parties.channel.length === 0 ? (
            <Empty description={t('渠道无记录', 'Nothing at the channel')} />
          ) : (
            detail.parties.channel.map((l) => (
              <StatementLine
                key={l.ref}
                line={l}
                keys={[
                  'kind',
                  'merchantOrderNo',
                  'channelTxnId',
                  'amount',
                  'fee',
                  'localTime',
                  'businessDate',
                  'tradeType',
                ]}
                withRaw
              />
            ))
          )}
        </Panel>
        <Panel span={8} title={t('HIS（医院信息系统）', 'HIS')} data-testid="party-his">
          {detail.parties.his.lines.map((l) => (
            <StatementLine
              key={l.ref}
              line={l}
              keys={['kind', 'merchantOrderNo', 'amount', 'localTime', 'businessDate']}
            />
          ))}
          {detail.parties.his.writeback ? (
            <>
              <Typography.Text strong>{t('HIS 回写', 'HIS writeback')}</Typography.Text>
              <Fields
                record={detail.parties.his.writeback}
                keys={[
                  'order_id',
                  'status',
                  'amount',
                  'refunded',
                  'attempts',
                  'his_receipt_id',
                  'last_error',
                  'updated_at',
                ]}
              />
            </>
          ) : (
            detail.parties.his.lines.length === 0 && (
              <Empty description={t('HIS 无记录', 'Nothing in the HIS')} />
            )
          )}
        </Panel>
      </Row>

      {active && (
        <ProposalsCard discrepancyId={d.discrepancyId} canWork={worker} onDecided={() => void load()} />
      )}

      <Row gutter={16}>
        <Panel span={12} title={t('处理', 'Work')}>
          {!worker && !checker && (
            <Alert type="info" title={t('当前角色只能查看', 'Your role may only look')} />
          )}
          {worker && active && !waiting && (
            <Space orientation="vertical" style={{ width: '100%' }}>
              <Form
                form={assignForm}
                layout="inline"
                onFinish={(v: { assignee: string }) =>
                  void act('assign', v, t('已分派', 'Assigned')).then((ok) => ok && assignForm.resetFields())
                }
              >
                <Form.Item name="assignee" rules={[{ required: true }]} initialValue={user.username}>
                  <Input style={{ width: 160 }} placeholder={t('经办人用户名', 'Assignee username')} />
                </Form.Item>
                <Button htmlType="submit" loading={busy}>
                  {t('分派', 'Assign')}
                </Button>
              </Form>
              <Form
                form={resolveForm}
                layout="vertical"
                onFinish={(v: { action: string; reason: string }) =>
                  void act('resolution', v, t('方案已提交', 'Resolution recorded')).then(
                    (ok) => ok && resolveForm.resetFields(),
                  )
                }
              >
                <Form.Item name="action" label={t('处理方式', 'Action')} rules={[{ required: true }]}>
                  <Select
                    data-testid="action"
                    options={Object.keys(ACTION_LABELS).map((a) => ({
                      value: a,
                      label: `${label(ACTION_LABELS, a, lang)}${MONEY_MOVING.has(a) ? t('（需主管审批）', ' (needs a supervisor)') : ''}`,
                    }))}
                  />
                </Form.Item>
                <Form.Item name="reason" label={t('理由', 'Reason')} rules={[{ required: true }]}>
                  <Input.TextArea rows={2} data-testid="reason" />
                </Form.Item>
                <Button type="primary" htmlType="submit" loading={busy} data-testid="propose">
                  {t('提交处理', 'Resolve')}
                </Button>
              </Form>
            </Space>
          )}
          {waiting && d.proposal && (
            <Space orientation="vertical" style={{ width: '100%' }}>
              <Alert
                type="warning"
                title={t(
                  `${d.proposal.by} 提出「${label(ACTION_LABELS, d.proposal.action, lang)}」，等待另一位主管审批`,
                  `${d.proposal.by} proposed "${label(ACTION_LABELS, d.proposal.action, lang)}"; it waits for another supervisor`,
                )}
                description={d.proposal.reason}
              />
              {checker && (
                <Space align="start">
                  <Button
                    type="primary"
                    loading={busy}
                    data-testid="approve"
                    onClick={() => void act('approve', {}, t('已审批', 'Approved'))}
                  >
                    {t('审批通过', 'Approve')}
                  </Button>
                  <Form
                    form={rejectForm}
                    layout="inline"
                    onFinish={(v: { reason: string }) => void act('reject', v, t('已退回', 'Sent back'))}
                  >
                    <Form.Item name="reason" rules={[{ required: true }]}>
                      <Input placeholder={t('退回理由', 'Why')} />
                    </Form.Item>
                    <Button danger htmlType="submit" loading={busy}>
                      {t('退回', 'Send back')}
                    </Button>
                  </Form>
                </Space>
              )}
            </Space>
          )}
          {worker && (
            <Form
              form={commentForm}
              layout="inline"
              style={{ marginTop: 12 }}
              onFinish={(v: { text: string }) =>
                void act('comments', v, t('已评论', 'Comment added')).then(
                  (ok) => ok && commentForm.resetFields(),
                )
              }
            >
              <Form.Item name="text" rules={[{ required: true }]} style={{ flex: 1 }}>
                <Input placeholder={t('评论', 'Comment')} data-testid="comment" />
              </Form.Item>
              <Button htmlType="submit" loading={busy} data-testid="add-comment">
                {t('评论', 'Comment')}
              </Button>
            </Form>
          )}
        </Panel>
        <Panel
          span={12}
          title={t('处理记录（谁、何时、做了什么）', 'History (who, when, what)')}
          data-testid="history"
        >
          <Timeline
            items={detail.history.map((e) => ({
              key: e.position,
              content: (
                <>
                  <Typography.Text type="secondary">
                    {when(e.recordedAt)} · {e.actor}
                  </Typography.Text>
                  <div>{describeEvent(e, t, lang)}</div>
                </>
              ),
            }))}
          />
        </Panel>
      </Row>

      <Card
        size="small"
        title={
          detail.order
            ? `${t('订单事件历史', 'Order event history')}: ${detail.order.orderId}`
            : t('订单事件历史', 'Order event history')
        }
      >
        <Table<HistoryEntry>
          size="small"
          rowKey="position"
          pagination={false}
          dataSource={detail.order?.events ?? []}
          columns={eventColumns(t, {
            time: instantColumn(t('发生时间', 'Occurred'), 'occurredAt', 180),
            data: { title: t('内容', 'Data'), render: (v) => JSON.stringify(v) },
          })}
        />
      </Card>
    </Space>
  );
}
