// Pieces the workbench's pages show the same way: the language switch, a small card in a row's column, a
// table column of instants and the columns of a list of events.
import { Card, type CardProps, Col, Segmented } from 'antd';
import type { Lang } from './i18n.ts';
import { when } from './session.ts';

/** 中文 / English: `english` is how the English choice is written (short where space is short). */
export function LangSwitch({
  lang,
  setLang,
  english,
}: {
  lang: Lang;
  setLang: (l: Lang) => void;
  english: string;
}) {
  return (
    <Segmented
      size="small"
      value={lang}
      options={[
        { label: '中文', value: 'zh' },
        { label: english, value: 'en' },
      ]}
      onChange={(v) => setLang(v as Lang)}
    />
  );
}

/** A small card filling one column (`span` of 24) of a Row. */
export function Panel({ span, children, ...card }: CardProps & { span: number }) {
  return (
    <Col span={span}>
      <Card size="small" {...card}>
        {children}
      </Card>
    </Col>
  );
}

/** A table column of ISO instants, shown in the hospitals' zone. */
export function instantColumn(title: string, dataIndex: string, width: number) {
  return { title, dataIndex, width, render: (w: string | null) => when(w) };
}

/**
 * The columns of a list of events (the audit trace, an order's history): position, the stream when the list
 * spans several, type, `time` (an instant column), actor, and the event's data as `data.render` writes it.
 */
export function eventColumns(
  t: (zh: string, en: string) => string,
  c: {
    stream?: boolean;
    time: ReturnType<typeof instantColumn>;
    data: { title: string; render: (data: Record<string, unknown>) => string };
  },
) {
  return [
    { title: '#', dataIndex: 'position', width: 80 },
    ...(c.stream ? [{ title: t('流', 'Stream'), dataIndex: 'streamId', width: 260, ellipsis: true }] : []),
    { title: t('事件', 'Event'), dataIndex: 'type', width: 200 },
    c.time,
    { title: t('操作人', 'Actor'), dataIndex: 'actor', width: 170 },
    { title: c.data.title, dataIndex: 'data', ellipsis: true, render: c.data.render },
  ];
}
