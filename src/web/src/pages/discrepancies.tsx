// The discrepancy worklist: filters (dates, channel, type, state, amount, assignee, reference), cursor pages,
// bulk acceptance of one-sided items as timing differences; in approval mode, what waits for a supervisor.
import {
  Alert,
  App,
  Button,
  Card,
  DatePicker,
  Form,
  Input,
  InputNumber,
  Modal,
  Select,
  Space,
  Table,
  Tag,
} from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useCallback, useEffect, useState } from 'react';
import { failureText, get, post, qs } from '../api.ts';
import {
  ACTION_LABELS,
  CHANNEL_LABELS,
  label,
  labelOptions,
  STATUS_LABELS,
  TYPE_LABELS,
  useLang,
  useT,
} from '../i18n.ts';
import { may, useUser } from '../session.ts';
import { instantColumn } from '../widgets.tsx';
import type { WorklistFilter } from '../../../projections/reconciliation/worklist.ts';

export interface WorkRow {
  discrepancy_id: string;
  type: string;
  channel: string;
  business_date: string;
  subject: string;
  amount: string;
  reason: string;
  status: string;
  assignee: string | null;
  action: string | null;
  resolution_reason: string | null;
  proposed_by: string | null;
  approved_by: string | null;
  raised_at: string;
  resolved_at: string | null;
}

/** The worklist's query, as the server reads it (the hospital comes from the session). */
type Filter = Omit<WorklistFilter, 'hospitalId'>;

const TIMING_TYPES = new Set(['CHANNEL_ONLY', 'PLATFORM_ONLY']);
const STATUS_COLORS: Record<string, string> = {
  open: 'red',
  assigned: 'orange',
  proposed: 'purple',
  resolved: 'green',
  'auto-resolved': 'cyan',
  unresolved: 'default',
};

export function DiscrepanciesPage({
  query,
  approvals = false,
}: {
  query: URLSearchParams;
  approvals?: boolean;
}) {
  const t = useT();
  const lang = useLang();
  const user = useUser();
  const { message } = App.useApp();
  const initial: Filter = Object.fromEntries([...query.entries()].filter(([, v]) => v !== '')) as Filter;
  const [filter, setFilter] = useState<Filter>(initial);
  const [rows, setRows] = useState<WorkRow[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<string[]>([]);
  const [bulkOpen, setBulkOpen] = useState(false);
  const [bulkReason, setBulkReason] = useState('');
  const queryKey = query.toString();

  useEffect(() => {
    setFilter(
      Object.fromEntries([...new URLSearchParams(queryKey).entries()].filter(([, v]) => v !== '')) as Filter,
    );
  }, [queryKey]);

  const load = useCallback(
    async (cursor?: string) => {
      setError(null);
      try {
        const r = await get<{ discrepancies: WorkRow[]; next: string | null }>(
          `/v1/discrepancies${qs({ ...filter, limit: 50, cursor, sort: 'business_date', order: 'desc' })}`,
        );
        setRows((prev) => (cursor ? [...(prev ?? []), ...r.discrepancies] : r.discrepancies));
        setNext(r.next);
      } catch (e) {
        setRows([]);
        setError(failureText(e, lang));
      }
    },
    [filter, lang],
  );
  useEffect(() => {
    setRows(null);
    setSelected([]);
    void load();
  }, [load]);

  const acceptTiming = async () => {
    try {
      await post('/v1/discrepancies/accept-timing', { ids: selected, reason: bulkReason });
      message.success(
        t(`已接受 ${selected.length} 笔跨日差错`, `${selected.length} items accepted as timing`),
      );
      setBulkOpen(false);
      setBulkReason('');
      setSelected([]);
      void load();
    } catch (e) {
      message.error(failureText(e, lang));
    }
  };

  const worker = may.work(user);
  return (
    <Card
      title={
        approvals
          ? t('审批队列：待主管审批的处理方案', 'Approval queue: resolutions awaiting a supervisor')
          : t('差错工作台', 'Discrepancy workbench')
      }
      extra={
        worker &&
        !approvals && (
          <Button
            disabled={selected.length === 0}
            onClick={() => setBulkOpen(true)}
            data-testid="bulk-accept"
          >
            {t(`批量接受跨日（${selected.length}）`, `Accept as timing (${selected.length})`)}
          </Button>
        )
      }
    >
      {!approvals && (
        <Form
          layout="inline"
          style={{ marginBottom: 16, rowGap: 8 }}
          onFinish={(v: Record<string, unknown>) => {
            const range = v.dates as [Dayjs, Dayjs] | undefined;
            const f: Filter = {};
            if (range?.[0]) f.from = range[0].format('YYYY-MM-DD');
            if (range?.[1]) f.to = range[1].format('YYYY-MM-DD');
            for (const k of ['channel', 'type', 'status', 'assignee', 'ref'] as const)
              if (v[k]) f[k] = String(v[k]);
            if (v.minAmount !== undefined && v.minAmount !== null)
              f.minAmount = Number(v.minAmount).toFixed(2);
            if (v.maxAmount !== undefined && v.maxAmount !== null)
              f.maxAmount = Number(v.maxAmount).toFixed(2);
            window.location.hash = `/discrepancies${qs({ ...f })}`;
          }}
          initialValues={{
            ...initial,
            dates: initial.from ? [dayjs(initial.from), dayjs(initial.to ?? initial.from)] : undefined,
          }}
          key={queryKey}
        >
          <Form.Item name="dates" label={t('业务日期', 'Dates')}>
            <DatePicker.RangePicker />
          </Form.Item>
          <Form.Item name="channel" label={t('渠道', 'Channel')}>
            <Select allowClear style={{ width: 120 }} options={labelOptions(CHANNEL_LABELS, lang)} />
          </Form.Item>
          <Form.Item name="type" label={t('类型', 'Type')}>
            <Select allowClear style={{ width: 160 }} options={labelOptions(TYPE_LABELS, lang)} />
          </Form.Item>
          <Form.Item name="status" label={t('状态', 'State')}>
            <Select allowClear style={{ width: 120 }} options={labelOptions(STATUS_LABELS, lang)} />
          </Form.Item>
          <Form.Item name="minAmount" label={t('金额', 'Amount')}>
            <InputNumber min={0} step={0.01} placeholder={t('最小', 'min')} style={{ width: 100 }} />
          </Form.Item>
          <Form.Item name="maxAmount">
            <InputNumber min={0} step={0.01} placeholder={t('最大', 'max')} style={{ width: 100 }} />
          </Form.Item>
          <Form.Item name="assignee" label={t('经办人', 'Assignee')}>
            <Input style={{ width: 110 }} />
          </Form.Item>
          <Form.Item name="ref" label={t('单号', 'Reference')}>
            <Input style={{ width: 170 }} placeholder={t('订单/退款/交易号', 'order / refund / txn id')} />
          </Form.Item>
          <Form.Item>
            <Space>
              <Button type="primary" htmlType="submit">
                {t('查询', 'Search')}
              </Button>
              <Button onClick={() => (window.location.hash = '/discrepancies')}>{t('重置', 'Reset')}</Button>
            </Space>
          </Form.Item>
        </Form>
      )}
      {error && <Alert type="error" title={error} style={{ marginBottom: 16 }} />}
      <Table<WorkRow>
        size="small"
        loading={rows === null}
        tableLayout="fixed"
        rowKey="discrepancy_id"
        dataSource={rows ?? []}
        pagination={false}
        rowSelection={
          worker && !approvals
            ? {
                selectedRowKeys: selected,
                onChange: (keys) => setSelected(keys as string[]),
                getCheckboxProps: (r) => ({
                  disabled: !TIMING_TYPES.has(r.type) || !['open', 'assigned'].includes(r.status),
                }),
              }
            : undefined
        }
        columns={[
          { title: t('业务日期', 'Date'), dataIndex: 'business_date', width: 110 },
          {
            title: t('渠道', 'Channel'),
            dataIndex: 'channel',
            width: 90,
            render: (c: string) => label(CHANNEL_LABELS, c, lang),
          },
          {
            title: t('类型', 'Type'),
            dataIndex: 'type',
            width: 140,
            render: (c: string) => label(TYPE_LABELS, c, lang),
          },
          {
            title: t('单号', 'Subject'),
            dataIndex: 'subject',
            width: 240,
            ellipsis: true,
            render: (s: string, r) => (
              <a href={`#/discrepancies/${r.discrepancy_id}`} title={s}>
                {s}
              </a>
            ),
          },
          { title: t('金额', 'Amount'), dataIndex: 'amount', align: 'right', width: 100 },
          {
            title: t('状态', 'State'),
            dataIndex: 'status',
            width: 100,
            render: (s: string) => <Tag color={STATUS_COLORS[s]}>{label(STATUS_LABELS, s, lang)}</Tag>,
          },
          { title: t('经办人', 'Assignee'), dataIndex: 'assignee', width: 100 },
          ...(approvals
            ? [
                {
                  title: t('处理方式', 'Action'),
                  dataIndex: 'action',
                  render: (a: string | null) => label(ACTION_LABELS, a, lang),
                },
                { title: t('提出人', 'Proposed by'), dataIndex: 'proposed_by' },
                { title: t('理由', 'Reason'), dataIndex: 'resolution_reason', ellipsis: true },
              ]
            : [{ title: t('说明', 'Reason'), dataIndex: 'reason', ellipsis: true }]),
          instantColumn(t('发现时间', 'Raised'), 'raised_at', 170),
        ]}
      />
      {next && (
        <Button style={{ marginTop: 12 }} onClick={() => void load(next)}>
          {t('加载更多', 'Load more')}
        </Button>
      )}
      <Modal
        open={bulkOpen}
        title={t('批量接受为跨日差错', 'Accept as timing differences')}
        onCancel={() => setBulkOpen(false)}
        onOk={() => void acceptTiming()}
        okButtonProps={{ disabled: bulkReason.trim() === '' }}
      >
        <p>
          {t(
            `将 ${selected.length} 笔单边差错作为跨日差错一并接受（全部成功或全部不做）。`,
            `${selected.length} one-sided items are accepted together, all or none.`,
          )}
        </p>
        <Input.TextArea
          rows={3}
          value={bulkReason}
          onChange={(e) => setBulkReason(e.target.value)}
          placeholder={t('理由（必填）', 'Reason (required)')}
        />
      </Modal>
    </Card>
  );
}
