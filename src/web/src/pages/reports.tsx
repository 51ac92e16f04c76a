// Reports: choose one, its dates and an optional as-of instant; download it as xlsx or CSV.
import { Button, Card, DatePicker, Form, Select, Space, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useEffect, useState } from 'react';
import { get, qs } from '../api.ts';
import { useLang, useT } from '../i18n.ts';
import { addDays, today } from '../session.ts';

interface ReportDef {
  name: string;
  title: { zh: string; en: string };
  description: { zh: string; en: string };
}

export function ReportsPage() {
  const t = useT();
  const lang = useLang();
  const [reports, setReports] = useState<ReportDef[]>([]);
  const [form] = Form.useForm();
  const [chosen, setChosen] = useState<string | undefined>(undefined);
  useEffect(() => {
    get<{ reports: ReportDef[] }>('/v1/reports').then(
      (r) => setReports(r.reports),
      () => setReports([]),
    );
  }, []);
  const href = (format: 'xlsx' | 'csv') => {
    const v = form.getFieldsValue() as { name?: string; dates?: [Dayjs, Dayjs]; asOf?: Dayjs | null };
    if (!v.name || !v.dates) return undefined;
    return `/v1/reports/${encodeURIComponent(v.name)}${qs({
      from: v.dates[0].format('YYYY-MM-DD'),
      to: v.dates[1].format('YYYY-MM-DD'),
      asOf: v.asOf ? v.asOf.toISOString() : undefined,
      format,
      lang,
    })}`;
  };
  const download = (format: 'xlsx' | 'csv') => {
    const h = href(format);
    if (h) window.location.assign(h);
  };
  const def = reports.find((r) => r.name === chosen);
  return (
    <Card title={t('报表', 'Reports')} style={{ maxWidth: 760 }}>
      <Form
        form={form}
        layout="vertical"
        initialValues={{ dates: [dayjs(addDays(today(), -7)), dayjs(addDays(today(), -1))] }}
        onValuesChange={(v: { name?: string }) => v.name !== undefined && setChosen(v.name)}
      >
        <Form.Item name="name" label={t('报表', 'Report')} rules={[{ required: true }]}>
          <Select
            data-testid="report-name"
            options={reports.map((r) => ({ value: r.name, label: r.title[lang] }))}
          />
        </Form.Item>
        {def && <Typography.Paragraph type="secondary">{def.description[lang]}</Typography.Paragraph>}
        <Form.Item name="dates" label={t('业务日期', 'Business dates')} rules={[{ required: true }]}>
          <DatePicker.RangePicker />
        </Form.Item>
        <Form.Item
          name="asOf"
          label={t('截至时点（可选：按当时账本所知）', 'As of (optional: as the ledger knew it then)')}
        >
          <DatePicker showTime />
        </Form.Item>
        <Space>
          <Button
            type="primary"
            onClick={() => download('xlsx')}
            data-testid="download-xlsx"
            disabled={!chosen}
          >
            {t('下载 Excel', 'Download xlsx')}
          </Button>
          <Button onClick={() => download('csv')} data-testid="download-csv" disabled={!chosen}>
            {t('下载 CSV', 'Download CSV')}
          </Button>
        </Space>
      </Form>
    </Card>
  );
}
