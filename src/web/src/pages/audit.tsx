// The audit view (read-only): trace an order, payment, refund, channel transaction or patient id through
// every event, with the journal entries; and the latest integrity verification of the event log.
import { Alert, Button, Card, Input, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { failureText, get } from '../api.ts';
import { useLang, useT } from '../i18n.ts';
import { when } from '../session.ts';
import { eventColumns, instantColumn } from '../widgets.tsx';

interface TraceEvent {
  position: string;
  streamId: string;
  type: string;
  recordedAt: string;
  actor: string;
  data: Record<string, unknown>;
  journal: unknown;
}

/** Patient identifiers are shown masked: the first two and last two characters. */
export function maskPatient(value: string): string {
  return value.length <= 4
    ? '****'
    : `${value.slice(0, 2)}${'*'.repeat(Math.min(6, value.length - 4))}${value.slice(-2)}`;
}

function masked(data: Record<string, unknown>): string {
  return JSON.stringify(data, (k, v) => (typeof v === 'string' && /patient/i.test(k) ? maskPatient(v) : v));
}

export function AuditPage({ query }: { query: URLSearchParams }) {
  const t = useT();
  const lang = useLang();
  const [q, setQ] = useState(query.get('q') ?? '');
  const [trace, setTrace] = useState<{ events: TraceEvent[] } | null>(null);
  const [verify, setVerify] = useState<Record<string, unknown> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const search = async () => {
    if (!q.trim()) return;
    setBusy(true);
    setError(null);
    try {
      setTrace(await get<{ events: TraceEvent[] }>(`/v1/audit/trace/${encodeURIComponent(q.trim())}`));
    } catch (e) {
      setTrace(null);
      setError(failureText(e, lang));
    } finally {
      setBusy(false);
    }
  };
  const [verifying, setVerifying] = useState(false);
  // Verification recomputes every hash chain of the log (seconds on a month of a hospital): on demand.
  const runVerify = async () => {
    setVerifying(true);
    try {
      setVerify({
        ...(await get<Record<string, unknown>>('/v1/audit/verify')),
        at: new Date().toISOString(),
      });
    } catch (e) {
      setError(failureText(e, lang));
    } finally {
      setVerifying(false);
    }
  };
  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Card
        title={t('完整性校验', 'Integrity verification')}
        size="small"
        extra={
          <Button size="small" loading={verifying} onClick={() => void runVerify()} data-testid="verify">
            {t('立即校验', 'Verify now')}
          </Button>
        }
      >
        {verify ? (
          <Space>
            {verify.ok ? (
              <Tag color="green">{t('哈希链完整', 'Hash chains intact')}</Tag>
            ) : (
              <Tag color="red">{t('发现问题', 'Problem found')}</Tag>
            )}
            <Typography.Text>
              {t('已校验事件', 'Events checked')}: {String(verify.eventsChecked ?? '')} · {t('流', 'Streams')}
              : {String(verify.streamsChecked ?? '')} · {t('封印', 'Seals')}:{' '}
              {String(verify.sealsChecked ?? '')}
            </Typography.Text>
            {verify.problem ? (
              <Typography.Text type="danger">{JSON.stringify(verify.problem)}</Typography.Text>
            ) : null}
            <Typography.Text type="secondary">{when(String(verify.at ?? ''))}</Typography.Text>
          </Space>
        ) : (
          <Typography.Text type="secondary">
            {verifying
              ? t('校验中…（重算全部哈希链）', 'Verifying… (every hash chain is recomputed)')
              : t(
                  '尚未校验：点击「立即校验」重算全部哈希链与封印',
                  'Not verified yet: "Verify now" recomputes every hash chain and seal',
                )}
          </Typography.Text>
        )}
      </Card>
      <Card title={t('追溯（只读）', 'Trace (read-only)')}>
        <Space style={{ marginBottom: 16 }}>
          <Input
            style={{ width: 360 }}
            value={q}
            onChange={(e) => setQ(e.target.value)}
            onPressEnter={() => void search()}
            placeholder={t(
              '订单号 / 支付号 / 渠道交易号 / 患者号',
              'Order / payment / channel txn / patient id',
            )}
            data-testid="trace-query"
          />
          <Button type="primary" loading={busy} onClick={() => void search()} data-testid="trace">
            {t('追溯', 'Trace')}
          </Button>
        </Space>
        {error && <Alert type="error" title={error} style={{ marginBottom: 12 }} />}
        <Table<TraceEvent>
          size="small"
          rowKey="position"
          dataSource={trace?.events ?? []}
          pagination={{ pageSize: 20 }}
          columns={eventColumns(t, {
            stream: true,
            time: instantColumn(t('记录时间', 'Recorded'), 'recordedAt', 170),
            data: { title: t('内容（患者号已脱敏）', 'Data (patient ids masked)'), render: masked },
          })}
        />
      </Card>
    </Space>
  );
}
