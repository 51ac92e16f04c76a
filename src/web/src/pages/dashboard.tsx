// Reconciliation dashboard: each channel's business days with their state, matched and discrepancy figures,
// and the last 30 days' discrepancy counts and amounts per channel.
import { Alert, Card, DatePicker, Space, Statistic, Table, Tag } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useEffect, useMemo, useState } from 'react';
import { failureText, get, qs } from '../api.ts';
import { Chart, type ChartOption } from '../chart.tsx';
import { CHANNEL_LABELS, DAY_STATE_LABELS, label, useLang, useT } from '../i18n.ts';
import { addDays, today } from '../session.ts';

export interface DayRow {
  channel: string;
  business_date: string;
  state: string;
  runs: number;
  matched_count: number;
  matched_amount: string;
  timing_count: number;
  timing_amount: string;
  pending_count: number;
  pending_amount: string;
  by_type: Record<string, { count: number; amount: string }>;
  discrepancies_open: number;
  discrepancies_resolved: number;
  closed_by: string | null;
}

const STATE_COLORS: Record<string, string> = {
  balanced: 'green',
  pending: 'gold',
  open: 'red',
  closed: 'default',
};

/** Cents of a decimal string (exact for the two-decimal amounts the API answers). */
export function cents(amount: string): bigint {
  const neg = amount.startsWith('-');
  const [i = '0', f = ''] = amount.replace('-', '').split('.');
  const c = BigInt(i) * 100n + BigInt((f + '00').slice(0, 2));
  return neg ? -c : c;
}
export function fromCents(c: bigint): string {
  const neg = c < 0n;
  const a = neg ? -c : c;
  return `${neg ? '-' : ''}${(a / 100n).toLocaleString('en-US')}.${String(a % 100n).padStart(2, '0')}`;
}

function discrepancyTotals(d: DayRow): { count: number; cents: bigint } {
  let count = 0;
  let sum = 0n;
  for (const v of Object.values(d.by_type ?? {})) {
    count += v.count;
    sum += cents(v.amount);
  }
  return { count, cents: sum };
}

export function DashboardPage() {
  const t = useT();
  const lang = useLang();
  const [range, setRange] = useState<[string, string]>([addDays(today(), -29), today()]);
  const [days, setDays] = useState<DayRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setDays(null);
    get<{ days: DayRow[] }>(`/v1/days${qs({ from: range[0], to: range[1] })}`).then(
      (r) => setDays(r.days),
      (e) => setError(failureText(e, lang)),
    );
  }, [range, lang]);

  const option = useMemo<ChartOption>(() => {
    const dates: string[] = [];
    for (let d = range[0]; d <= range[1]; d = addDays(d, 1)) dates.push(d);
    const channels = [...new Set((days ?? []).map((d) => d.channel))].sort();
    const by = new Map((days ?? []).map((d) => [`${d.channel}|${d.business_date}`, discrepancyTotals(d)]));
    return {
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 48, right: 64, top: 48, bottom: 32 },
      xAxis: { type: 'category', data: dates.map((d) => d.slice(5)) },
      yAxis: [
        { type: 'value', name: t('笔数', 'Count'), minInterval: 1 },
        { type: 'value', name: t('金额（元）', 'Amount (CNY)') },
      ],
      series: [
        ...channels.map((c) => ({
          name: `${label(CHANNEL_LABELS, c, lang)} ${t('笔数', 'count')}`,
          type: 'bar',
          stack: 'count',
          data: dates.map((d) => by.get(`${c}|${d}`)?.count ?? 0),
        })),
        ...channels.map((c) => ({
          name: `${label(CHANNEL_LABELS, c, lang)} ${t('金额', 'amount')}`,
          type: 'line',
          yAxisIndex: 1,
          // Plotting only: the figures in the table are exact.
          data: dates.map((d) => Number(by.get(`${c}|${d}`)?.cents ?? 0n) / 100),
        })),
      ],
    };
  }, [days, range, t, lang]);

  const totals = useMemo(() => {
    let matched = 0n;
    let disc = 0n;
    let open = 0;
    for (const d of days ?? []) {
      matched += cents(d.matched_amount);
      disc += discrepancyTotals(d).cents;
      open += d.discrepancies_open;
    }
    return { matched, disc, open };
  }, [days]);

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Card
        title={t('对账总览', 'Reconciliation dashboard')}
        extra={
          <DatePicker.RangePicker
            allowClear={false}
            value={[dayjs(range[0]), dayjs(range[1])]}
            onChange={(v) => {
              const [a, b] = (v ?? []) as [Dayjs | null, Dayjs | null];
              if (a && b) setRange([a.format('YYYY-MM-DD'), b.format('YYYY-MM-DD')]);
            }}
          />
        }
      >
        {error && <Alert type="error" title={error} />}
        <Space size={48} style={{ marginBottom: 16 }}>
          <Statistic title={t('对账日（渠道×日）', 'Channel days')} value={days?.length ?? 0} />
          <Statistic title={t('勾对金额', 'Matched amount')} value={fromCents(totals.matched)} />
          <Statistic title={t('差错金额', 'Discrepancy amount')} value={fromCents(totals.disc)} />
          <Statistic title={t('未处理差错', 'Open discrepancies')} value={totals.open} />
        </Space>
        <Chart option={option} testId="dashboard-chart" />
      </Card>
      <Card title={t('每日对账（按渠道）', 'Business days per channel')}>
        <Table<DayRow>
          size="small"
          loading={days === null}
          rowKey={(r) => `${r.channel}|${r.business_date}`}
          dataSource={days ?? []}
          pagination={{ pageSize: 20 }}
          columns={[
            {
              title: t('业务日期', 'Business date'),
              dataIndex: 'business_date',
              sorter: (a, b) => a.business_date.localeCompare(b.business_date),
              defaultSortOrder: 'descend',
            },
            {
              title: t('渠道', 'Channel'),
              dataIndex: 'channel',
              render: (c: string) => label(CHANNEL_LABELS, c, lang),
            },
            {
              title: t('状态', 'State'),
              dataIndex: 'state',
              render: (s: string) => <Tag color={STATE_COLORS[s]}>{label(DAY_STATE_LABELS, s, lang)}</Tag>,
            },
            { title: t('勾对笔数', 'Matched'), dataIndex: 'matched_count', align: 'right' },
            {
              title: t('勾对金额', 'Matched amount'),
              dataIndex: 'matched_amount',
              align: 'right',
              render: (a: string) => fromCents(cents(a)),
            },
            { title: t('跨日', 'Timing'), dataIndex: 'timing_count', align: 'right' },
            {
              title: t('差错笔数', 'Discrepancies'),
              key: 'dc',
              align: 'right',
              render: (_: unknown, r) => discrepancyTotals(r).count,
            },
            {
              title: t('差错金额', 'Discrepancy amount'),
              key: 'da',
              align: 'right',
              render: (_: unknown, r) => fromCents(discrepancyTotals(r).cents),
            },
            { title: t('未处理', 'Open'), dataIndex: 'discrepancies_open', align: 'right' },
            {
              title: '',
              key: 'go',
              render: (_: unknown, r) => (
                <a
                  href={`#/discrepancies?channel=${r.channel}&from=${r.business_date}&to=${r.business_date}`}
                >
                  {t('查看差错', 'Discrepancies')}
                </a>
              ),
            },
          ]}
        />
      </Card>
    </Space>
  );
}
