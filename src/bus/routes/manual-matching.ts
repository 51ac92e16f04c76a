// Manual matching for finance staff, as clean JSON the workbench wires to: proposals beside an open item (accept,
// reject), manual matches (request, approve or reject as the checker, unmatch), undoing a pair the rules made,
// and evidence files (upload as base64 JSON, list, download as an attachment). The use cases are the CLI's.
import { type TObject, Type } from 'typebox';
import { attachEvidence, listEvidence, readEvidence } from '../../app/reconciliation/evidence.ts';
import {
  approveMatchDecision,
  listMatches,
  matchItems,
  matchPolicyFrom,
  rejectMatchDecision,
  showMatch,
  unmatch,
  unmatchRule,
} from '../../app/reconciliation/manual-matching.ts';
import { acceptProposal, listProposals, rejectProposal } from '../../app/reconciliation/proposals.ts';
import { MAX_EVIDENCE_BYTES } from '../../domain/reconciliation/evidence.ts';
import { DIFFERENCE_NAMES } from '../../domain/reconciliation/match-events.ts';
import { MAX_MATCH_ITEMS } from '../../domain/reconciliation/manual-match.ts';
import { ChannelIdSchema } from '../schemas.ts';
import { type App, requestContext, type ServerContext, type RequestContext } from '../server.ts';
import { route, routes } from '../route.ts';
import { reconciliationPorts } from './reconciliation.ts';

const Loose = Type.Object({}, { additionalProperties: true });
const DiscrepancyId = Type.String({ pattern: '^[0-9a-f]{32}$', description: 'Discrepancy id' });
const MatchId = Type.String({
  pattern: '^[MR]-[a-z][a-z0-9-]{0,31}-\\d{8}-[0-9a-f]{24}$',
  description: 'Match id',
});
const ProposalId = Type.String({ pattern: '^p[0-9a-f]{24}$', description: 'Proposal id' });
const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$' });
const DateQ = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' });
/** The domain refuses an empty reason with its own code. */
const Reason = Type.Optional(Type.String({ maxLength: 2_000 }));
const WithReason = Type.Object({ reason: Reason }, { additionalProperties: false });
/** Base64 of the largest evidence file, with room for the JSON around it. */
const EVIDENCE_BODY_LIMIT = Math.ceil((MAX_EVIDENCE_BYTES * 4) / 3) + 16 * 1024;
const EvidenceBody = Type.Object(
  {
    file: Type.String({ minLength: 1, maxLength: 255, description: 'The file name (kept for display only)' }),
    contentBase64: Type.String({
      minLength: 4,
      maxLength: EVIDENCE_BODY_LIMIT,
      description: 'The bytes, base64',
    }),
    note: Type.Optional(Type.String({ maxLength: 2_000 })),
  },
  { additionalProperties: false },
);

export function manualMatchingRoutes(app: App, ctx: ServerContext): void {
  const ports = () => reconciliationPorts(ctx);
  const policy = matchPolicyFrom(process.env);
  const who = (c: RequestContext) => {
    return { hospitalId: c.hospitalId, by: c.actor.id, at: ctx.deps.now(), role: c.principal.role };
  };
  const TAGS = ['reconciliation'];

  const api = routes(app, TAGS);
  api.get(
    '/v1/discrepancies/:id/proposals',
    'finance-read',
    'Proposed matches beside an open item: score, reasons, items; never applied by themselves',
    {
      params: Type.Object({ id: DiscrepancyId }),
      200: Loose,
    },
    async (c, req) => ({
      proposals: await listProposals(ports(), {
        hospitalId: c.hospitalId,
        discrepancyId: req.params.id,
      }),
    }),
  );

  /** A decision on a proposal beside an open item (the item and an optional reason in the body). */
  const onProposal = (
    verb: 'accept' | 'reject',
    summary: string,
    decide: (
      ref: ReturnType<typeof who> & { discrepancyId: string; proposalId: string },
      reason: string | undefined,
    ) => Promise<unknown>,
  ) =>
    api.post(
      `/v1/proposals/:proposalId/${verb}`,
      'finance-work',
      summary,
      {
        params: Type.Object({ proposalId: ProposalId }),
        body: Type.Object({ discrepancyId: DiscrepancyId, reason: Reason }, { additionalProperties: false }),
        200: Loose,
      },
      async (c, req) =>
        decide(
          { ...who(c), discrepancyId: req.body.discrepancyId, proposalId: req.params.proposalId },
          req.body.reason,
        ),
    );

  onProposal(
    'accept',
    'Confirm a proposal: a manual match of its items (approval rules apply)',
    (ref, reason) => acceptProposal(ports(), { ...ref, ...(reason !== undefined ? { reason } : {}), policy }),
  );
  onProposal('reject', 'Reject a proposal with a reason: it is not proposed again', (ref, reason) =>
    rejectProposal(ports(), { ...ref, reason: reason ?? '' }),
  );

  api.post(
    '/v1/matches',
    'finance-work',
    'Match open items by hand (one to one, one to many, many to one, across parties) with a reason; a difference must be named (fee, shortfall, surplus)',
    {
      body: Type.Object(
        {
          discrepancyIds: Type.Array(DiscrepancyId, { minItems: 1, maxItems: MAX_MATCH_ITEMS }),
          reason: Reason,
          differenceAs: Type.Optional(Type.Union(DIFFERENCE_NAMES.map((d) => Type.Literal(d)))),
        },
        { additionalProperties: false },
      ),
      200: Loose,
    },
    async (c, req) =>
      matchItems(ports(), {
        ...who(c),
        discrepancyIds: req.body.discrepancyIds,
        reason: req.body.reason ?? '',
        ...(req.body.differenceAs ? { differenceAs: req.body.differenceAs } : {}),
        policy,
      }),
  );

  api.get(
    '/v1/matches/:matchId',
    'finance-read',
    'One match: its items, sums, difference, who asked and approved, what waits',
    {
      params: Type.Object({ matchId: MatchId }),
      200: Loose,
    },
    async (c, req) => showMatch(ports(), c.hospitalId, req.params.matchId),
  );

  api.get(
    '/v1/days/:channel/:date/matches',
    'finance-read',
    'The manual matches of a day and channel, and the rule-made pairs undone',
    {
      params: Type.Object({ channel: ChannelIdSchema, date: DateQ }),
      200: Loose,
    },
    async (c, req) => ({
      matches: await listMatches(ports(), c.hospitalId, req.params.channel, req.params.date),
    }),
  );

  /** A decision on a match (approve what waits, refuse it, undo the match), with the body's reason if it has one. */
  const onMatch = (
    verb: 'approve' | 'reject' | 'unmatch',
    access: 'finance-work' | 'finance-check',
    summary: string,
    body: TObject,
    decide: (ref: ReturnType<typeof who> & { matchId: string }, reason: string) => Promise<unknown>,
  ) =>
    api.post(
      `/v1/matches/:matchId/${verb}`,
      access,
      summary,
      { params: Type.Object({ matchId: MatchId }), body, 200: Loose },
      async (c, req) =>
        decide({ ...who(c), matchId: req.params.matchId }, (req.body as { reason?: string }).reason ?? ''),
    );

  onMatch(
    'approve',
    'finance-check',
    'Approve what waits on a match (the match or its undoing): a supervisor other than the maker',
    Type.Object({}, { additionalProperties: false }),
    (ref) => approveMatchDecision(ports(), ref),
  );
  onMatch(
    'reject',
    'finance-check',
    'Refuse what waits on a match, with a reason',
    WithReason,
    (ref, reason) => rejectMatchDecision(ports(), { ...ref, reason }),
  );
  onMatch(
    'unmatch',
    'finance-work',
    'Undo a manual match with a reason: its items open again, its difference is withdrawn',
    WithReason,
    (ref, reason) => unmatch(ports(), { ...ref, reason, policy }),
  );

  api.post(
    '/v1/days/:channel/:date/unmatch',
    'finance-work',
    'Undo a pair the rules made (a payment by order no, a refund by refund no): both sides stand apart in every later run',
    {
      params: Type.Object({ channel: ChannelIdSchema, date: DateQ }),
      body: Type.Object(
        { subject: Type.String({ minLength: 1, maxLength: 128 }), reason: Reason },
        { additionalProperties: false },
      ),
      200: Loose,
    },
    async (c, req) =>
      unmatchRule(ports(), {
        ...who(c),
        channel: req.params.channel,
        businessDate: req.params.date,
        subject: req.body.subject,
        reason: req.body.reason ?? '',
        policy,
      }),
  );

  const upload = (kind: 'discrepancy' | 'match') =>
    app.post(
      kind === 'discrepancy' ? '/v1/discrepancies/:id/evidence' : '/v1/matches/:id/evidence',
      {
        bodyLimit: EVIDENCE_BODY_LIMIT,
        ...route(
          'finance-work',
          TAGS,
          `Attach an evidence file to the ${kind} (PDF, PNG, JPEG or CSV, told by its bytes; at most ${MAX_EVIDENCE_BYTES} bytes)`,
          {
            params: Type.Object({ id: kind === 'discrepancy' ? DiscrepancyId : MatchId }),
            body: EvidenceBody,
            200: Loose,
          },
        ),
      },
      async (req) => {
        const { id } = req.params as { id: string };
        const b = req.body as { file: string; contentBase64: string; note?: string };
        const evidence = await attachEvidence(ports(), {
          ...who(requestContext(req)),
          file: b.file,
          bytes: new Uint8Array(Buffer.from(b.contentBase64, 'base64')),
          ...(b.note !== undefined ? { note: b.note } : {}),
          ...(kind === 'discrepancy' ? { discrepancyId: id } : { matchId: id }),
        });
        return { evidence };
      },
    );
  upload('discrepancy');
  upload('match');

  const list = (kind: 'discrepancy' | 'match') =>
    app.get(
      kind === 'discrepancy' ? '/v1/discrepancies/:id/evidence' : '/v1/matches/:id/evidence',
      route('finance-read', TAGS, `The evidence files of the ${kind}`, {
        params: Type.Object({ id: kind === 'discrepancy' ? DiscrepancyId : MatchId }),
        200: Loose,
      }),
      async (req) => {
        const { id } = req.params as { id: string };
        const hospitalId = requestContext(req).hospitalId;
        return {
          evidence: await listEvidence(
            ports(),
            kind === 'discrepancy' ? { hospitalId, discrepancyId: id } : { hospitalId, matchId: id },
          ),
        };
      },
    );
  list('discrepancy');
  list('match');

  api.get(
    '/v1/evidence/:sha256',
    'finance-read',
    'Download an evidence file: always as an attachment of its checked type, never rendered inline',
    { params: Type.Object({ sha256: Sha256 }) },
    async (c, req, reply) => {
      const f = await readEvidence(ports(), c.hospitalId, req.params.sha256);
      const ext = { 'application/pdf': 'pdf', 'image/png': 'png', 'image/jpeg': 'jpg', 'text/csv': 'csv' }[
        f.contentType
      ];
      // The name is the hash: nothing the uploader wrote reaches a header.
      return reply
        .header('content-type', f.contentType)
        .header(
          'content-disposition',
          `attachment; filename="${req.params.sha256.slice(0, 16)}.${ext ?? 'bin'}"`,
        )
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('cache-control', 'private, no-store')
        .send(Buffer.from(f.bytes));
    },
  );
}
