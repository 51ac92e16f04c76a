// Proposed matches beside an open item: the candidates the engine scored, with the reasons behind each score.
// Nothing here is applied by itself: a person accepts one (a manual match, under the same approval rules) or
// rejects it with a reason, and a rejected proposal does not come back.
import { App, Button, Card, Empty, Input, Popconfirm, Space, Spin, Table, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { failureText, get, post } from '../api.ts';
import { CHANNEL_LABELS, label, TYPE_LABELS, useLang, useT } from '../i18n.ts';

interface ProposalItem {
  discrepancyId: string;
  type: string;
  side: string;
  subject: string;
  amount: string;
  channel: string;
  businessDate: string;
}
interface Proposal {
  proposalId: string;
  score: number;
  reasons: { code: string; weight: number; text: string }[];
  items: ProposalItem[];
  difference: { amount: string; as: string } | null;
}

export function ProposalsCard(props: { discrepancyId: string; canWork: boolean; onDecided: () => void }) {
  const t = useT();
  const lang = useLang();
  const { message } = App.useApp();
  const [proposals, setProposals] = useState<Proposal[] | null>(null);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const id = props.discrepancyId;

  const load = useCallback(async () => {
    try {
      const r = await get<{ proposals: Proposal[] }>(`/v1/discrepancies/${encodeURIComponent(id)}/proposals`);
      setProposals(r.proposals);
    } catch {
      // A resolved or matched item has no proposals to show.
      setProposals([]);
    }
  }, [id]);
  useEffect(() => {
    void load();
  }, [load]);

  const decide = async (p: Proposal, verb: 'accept' | 'reject') => {
    setBusy(p.proposalId);
    try {
      await post(`/v1/proposals/${encodeURIComponent(p.proposalId)}/${verb}`, {
        discrepancyId: id,
        ...(reason.trim() ? { reason: reason.trim() } : {}),
      });
      message.success(
        verb === 'accept' ? t('已按建议匹配', 'Matched as proposed') : t('已驳回建议', 'Proposal rejected'),
      );
      setReason('');
      await load();
      props.onDecided();
    } catch (e) {
      message.error(failureText(e, lang));
    } finally {
      setBusy(null);
    }
  };

  return (
    <Card size="small" title={t('建议匹配', 'Proposed matches')} data-testid="proposals">
      {proposals === null ? (
        <Spin />
      ) : proposals.length === 0 ? (
        <Empty description={t('没有建议', 'No proposals')} />
      ) : (
        <Space orientation="vertical" style={{ width: '100%' }}>
          <Table<Proposal>
            size="small"
            rowKey="proposalId"
            pagination={false}
            dataSource={proposals}
            columns={[
              {
                title: t('可信度', 'Score'),
                dataIndex: 'score',
                width: 90,
                render: (s: number) => (
                  <Tag color={s >= 0.8 ? 'green' : s >= 0.5 ? 'gold' : 'default'}>{Math.round(s * 100)}%</Tag>
                ),
              },
              {
                title: t('配对项', 'Items'),
                render: (_: unknown, p) => (
                  <Space orientation="vertical" size={0}>
                    {p.items.map((i) => (
                      <Typography.Text key={i.discrepancyId}>
                        {label(TYPE_LABELS, i.type, lang)} · {label(CHANNEL_LABELS, i.channel, lang)} ·{' '}
                        {i.subject} · {i.amount}
                      </Typography.Text>
                    ))}
                    {p.difference && (
                      <Typography.Text type="secondary">
                        {t('差额', 'Difference')}: {p.difference.amount} ({p.difference.as})
                      </Typography.Text>
                    )}
                  </Space>
                ),
              },
              {
                title: t('理由', 'Reasons'),
                render: (_: unknown, p) => (
                  <Space orientation="vertical" size={0}>
                    {p.reasons.map((r) => (
                      <Typography.Text key={r.code} type="secondary">
                        {r.text}
                      </Typography.Text>
                    ))}
                  </Space>
                ),
              },
              ...(props.canWork
                ? [
                    {
                      title: '',
                      width: 170,
                      render: (_: unknown, p: Proposal) => (
                        <Space>
                          <Popconfirm
                            title={t('按此建议匹配？', 'Match as proposed?')}
                            onConfirm={() => void decide(p, 'accept')}
                          >
                            <Button size="small" type="primary" loading={busy === p.proposalId}>
                              {t('确认', 'Accept')}
                            </Button>
                          </Popconfirm>
                          <Button
                            size="small"
                            danger
                            disabled={!reason.trim() || busy !== null}
                            onClick={() => void decide(p, 'reject')}
                          >
                            {t('驳回', 'Reject')}
                          </Button>
                        </Space>
                      ),
                    },
                  ]
                : []),
            ]}
          />
          {props.canWork && (
            <Input
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              placeholder={t('理由（驳回时必填）', 'Reason (required to reject)')}
              data-testid="proposal-reason"
            />
          )}
        </Space>
      )}
    </Card>
  );
}
