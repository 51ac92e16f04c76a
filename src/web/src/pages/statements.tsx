// Statements: upload a file (progress bar; a large file becomes a job that is polled), see its checks,
// choose a mapping; try a mapping against a sample without writing anything; the imported statements.
import {
  Alert,
  App,
  Button,
  Card,
  Col,
  Descriptions,
  Progress,
  Row,
  Select,
  Space,
  Table,
  Tag,
  Typography,
} from 'antd';
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiFailure, get, qs, upload } from '../api.ts';
import { CHANNEL_LABELS, label, useLang, useT } from '../i18n.ts';
import { may, useUser } from '../session.ts';
import { instantColumn } from '../widgets.tsx';

interface Mapping {
  name: string;
  version: number;
  status: string;
  party: string;
  format: string;
  description: string | null;
}
interface StatementRow {
  statement_id: string;
  file: string;
  format: string;
  party: string;
  channel: string | null;
  business_date: string | null;
  lines: number;
  imported_at: string;
  importedBy: string;
  checks: { kind: string; totalsStated: number; verified: string[] } | null;
}
interface ImportAnswer {
  statementId: string;
  duplicate: boolean;
  channel: string;
  file: string;
  format: string;
  businessDate: string | null;
  lines: number;
  checks: { kind: string; totalsStated: number; verified: string[] };
}

export function StatementsPage() {
  const t = useT();
  const lang = useLang();
  const user = useUser();
  const { message } = App.useApp();
  const [mappings, setMappings] = useState<Mapping[]>([]);
  const [statements, setStatements] = useState<StatementRow[] | null>(null);
  const [mapping, setMapping] = useState<string | undefined>(undefined);
  const [progress, setProgress] = useState<number | null>(null);
  const [result, setResult] = useState<ImportAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [trial, setTrial] = useState<unknown>(null);
  const [trialMapping, setTrialMapping] = useState<string | undefined>(undefined);
  const file = useRef<HTMLInputElement>(null);
  const sample = useRef<HTMLInputElement>(null);

  const load = useCallback(() => {
    get<{ statements: StatementRow[] }>('/v1/statements?limit=20').then(
      (r) => setStatements(r.statements),
      () => setStatements([]),
    );
  }, []);
  useEffect(() => {
    load();
    get<{ mappings: Mapping[] }>('/v1/mappings').then(
      (r) => setMappings(r.mappings),
      () => setMappings([]),
    );
  }, [load]);

  const failed = (e: unknown) => {
    if (e instanceof ApiFailure) {
      const where = [
        e.body.details.file,
        e.body.details.line ? `#${e.body.details.line}` : '',
        e.body.details.reason,
      ]
        .filter(Boolean)
        .join(' ');
      setError(`${e.body.message[lang]}${where ? ` — ${where}` : ''} (${e.body.code})`);
    } else setError(String(e));
  };

  const send = async () => {
    const f = file.current?.files?.[0];
    if (!f) return;
    setError(null);
    setResult(null);
    setProgress(0);
    try {
      const r = await upload<ImportAnswer & { jobId?: string; poll?: string }>(
        `/v1/statements${qs({ file: f.name, mapping })}`,
        f,
        (p) => setProgress(Math.round(p * 100)),
      );
      if (r.status === 202 && r.body.poll) {
        // A large file: the import runs as a job; poll it.
        for (;;) {
          await new Promise((res) => setTimeout(res, 1000));
          const job = await get<{ state: string; result?: ImportAnswer; error?: { code: string } }>(
            r.body.poll,
          );
          if (job.state === 'succeeded' && job.result) {
            setResult(job.result);
            break;
          }
          if (job.state === 'failed') {
            setError(JSON.stringify(job.error));
            break;
          }
        }
      } else setResult(r.body);
      message.success(t('导入完成', 'Imported'));
      load();
    } catch (e) {
      failed(e);
    }
  };

  const tryIt = async () => {
    const f = sample.current?.files?.[0];
    if (!f || !trialMapping) return;
    setError(null);
    setTrial(null);
    try {
      const r = await upload<unknown>(
        `/v1/mappings/${encodeURIComponent(trialMapping)}/try${qs({ fileName: f.name })}`,
        f,
        () => {},
      );
      setTrial(r.body);
    } catch (e) {
      failed(e);
    }
  };

  const trialView = trial as {
    lines?: Record<string, unknown>[];
    refused?: { line: number; reason: string }[];
    totals?: unknown;
  } | null;
  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Row gutter={16}>
        <Col span={12}>
          <Card title={t('上传对账单', 'Upload a statement')}>
            {may.work(user) ? (
              <Space orientation="vertical" style={{ width: '100%' }}>
                <input type="file" ref={file} data-testid="statement-file" />
                <Select
                  allowClear
                  placeholder={t(
                    '映射（可选，默认自动识别格式）',
                    'Mapping (optional; the format is detected otherwise)',
                  )}
                  style={{ width: '100%' }}
                  value={mapping}
                  onChange={setMapping}
                  options={mappings.map((m) => ({ value: m.name, label: `${m.name} · ${m.format}` }))}
                />
                <Button type="primary" onClick={() => void send()} data-testid="upload">
                  {t('上传并导入', 'Upload and import')}
                </Button>
                {progress !== null && <Progress percent={progress} data-testid="upload-progress" />}
              </Space>
            ) : (
              <Alert type="info" title={t('当前角色不能导入对账单', 'Your role may not import statements')} />
            )}
            {error && (
              <Alert type="error" title={error} style={{ marginTop: 12 }} data-testid="upload-error" />
            )}
            {result && (
              <Descriptions
                size="small"
                bordered
                column={1}
                style={{ marginTop: 12 }}
                data-testid="upload-result"
                styles={{ label: { width: 120, whiteSpace: 'nowrap' } }}
              >
                <Descriptions.Item label={t('文件', 'File')}>{result.file}</Descriptions.Item>
                <Descriptions.Item label={t('格式 / 渠道', 'Format / channel')}>
                  {result.format} / {label(CHANNEL_LABELS, result.channel, lang)}
                </Descriptions.Item>
                <Descriptions.Item label={t('业务日期', 'Business date')}>
                  {result.businessDate ?? '—'}
                </Descriptions.Item>
                <Descriptions.Item label={t('行数', 'Lines')}>{result.lines}</Descriptions.Item>
                <Descriptions.Item label={t('校验', 'Checks')}>
                  {result.duplicate && (
                    <Tag color="gold">{t('重复文件（已导入过）', 'Duplicate (imported before)')}</Tag>
                  )}
                  {result.checks.kind === 'totals' ? (
                    result.checks.verified.map((c) => (
                      <Tag color="green" key={c}>
                        ✓ {c}
                      </Tag>
                    ))
                  ) : (
                    <Tag>{t('文件未声明合计', 'No totals stated in the file')}</Tag>
                  )}
                </Descriptions.Item>
              </Descriptions>
            )}
          </Card>
        </Col>
        <Col span={12}>
          <Card title={t('试用映射（只读，不写入）', 'Try a mapping on a sample (writes nothing)')}>
            {may.configure(user) ? (
              <Space orientation="vertical" style={{ width: '100%' }}>
                <Select
                  placeholder={t('选择映射', 'Choose a mapping')}
                  style={{ width: '100%' }}
                  value={trialMapping}
                  onChange={setTrialMapping}
                  options={mappings.map((m) => ({
                    value: m.name,
                    label: `${m.name} · ${m.format} (${m.status})`,
                  }))}
                />
                <input type="file" ref={sample} data-testid="sample-file" />
                <Button onClick={() => void tryIt()}>{t('试用', 'Try')}</Button>
              </Space>
            ) : (
              <Alert type="info" title={t('当前角色不能试用映射', 'Your role may not try mappings')} />
            )}
            {trialView && (
              <Space orientation="vertical" style={{ width: '100%', marginTop: 12 }}>
                <Typography.Text>
                  {t('解析行数', 'Lines read')}: {trialView.lines?.length ?? 0} · {t('拒绝行数', 'Refused')}:{' '}
                  {trialView.refused?.length ?? 0}
                </Typography.Text>
                <Typography.Paragraph code ellipsis={{ rows: 8, expandable: true }}>
                  {JSON.stringify(trial, null, 1)}
                </Typography.Paragraph>
              </Space>
            )}
          </Card>
        </Col>
      </Row>
      <Card title={t('最近导入的对账单（20 份）', 'Latest imported statements (20)')}>
        <Table<StatementRow>
          size="small"
          loading={statements === null}
          rowKey="statement_id"
          dataSource={statements ?? []}
          pagination={{ pageSize: 10 }}
          columns={[
            instantColumn(t('导入时间', 'Imported'), 'imported_at', 170),
            { title: t('文件', 'File'), dataIndex: 'file', ellipsis: true },
            { title: t('格式', 'Format'), dataIndex: 'format', width: 140 },
            {
              title: t('渠道', 'Channel'),
              dataIndex: 'channel',
              width: 90,
              render: (c: string | null) => label(CHANNEL_LABELS, c, lang),
            },
            { title: t('业务日期', 'Date'), dataIndex: 'business_date', width: 110 },
            { title: t('行数', 'Lines'), dataIndex: 'lines', width: 70, align: 'right' },
            {
              title: t('校验', 'Checks'),
              key: 'checks',
              width: 130,
              render: (_: unknown, r) =>
                r.checks?.kind === 'totals' ? (
                  <Tag color="green">
                    ✓ {r.checks.verified.length} {t('项合计', 'totals')}
                  </Tag>
                ) : (
                  <Tag>{t('无合计', 'none stated')}</Tag>
                ),
            },
            { title: t('导入人', 'By'), dataIndex: 'importedBy', width: 100 },
          ]}
        />
      </Card>
    </Space>
  );
}
