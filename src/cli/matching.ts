// `ledger match`, `ledger unmatch`, `ledger proposals list|accept|reject`, `ledger matches show|approve|reject|list`
// and `ledger evidence attach|list|get`: manual matching as a finance user, through the use cases HTTP calls.
import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { attachEvidence, listEvidence, readEvidence } from '../app/reconciliation/evidence.ts';
import * as manual from '../app/reconciliation/manual-matching.ts';
import { acceptProposal, listProposals, rejectProposal } from '../app/reconciliation/proposals.ts';
import { DIFFERENCE_NAMES, type DifferenceName } from '../domain/reconciliation/match-events.ts';
import type { CliActor } from './actor.ts';
import type { CliIo } from './main.ts';
import type { FinancePermission } from '../app/reconciliation/index.ts';
import { action, group, out, type Run, runSub, type Sub, str, Usage } from './finance.ts';

const ID = /^[0-9a-f]{32}$/;
const reasonOf = (v: Record<string, unknown>): string => {
  const r = str(v as never, 'reason');
  if (r === undefined) throw new Usage('--reason TEXT is required');
  return r;
};

function matchLine(m: manual.MatchView): string {
  const diff = m.difference
    ? ` · ${m.difference.as} ${m.difference.amount} (discrepancy ${m.difference.discrepancyId})`
    : '';
  const wait = m.pending ? ` · awaiting a supervisor's approval of the ${m.pending.kind}` : '';
  const items = m.items.map(
    (i) => `  ${i.side.padEnd(7)} ${i.type} ${i.subject} ${i.amount} (${i.discrepancyId})`,
  );
  return `${m.matchId}: ${m.status}${diff}${wait}${m.approvedBy ? ` · approved by ${m.approvedBy}` : ''}\n${items.join('\n')}\n`;
}

/** Who acts, as the manual-match use cases take it: the hospital, the user and their role. */
const checker = (actor: CliActor) => ({ hospitalId: actor.hospitalId, by: actor.userId, role: actor.role });

/** A subcommand that makes, undoes or decides on a manual match (or reads one) and prints it. */
const matchAction = (
  usage: string,
  needs: FinancePermission,
  options: Sub['options'],
  act: (c: Parameters<Run>[0]) => Promise<manual.MatchView>,
): Sub => action(usage, needs, options, act, matchLine);

const MATCH = matchAction(
  'ledger match ID ID [ID…] --reason TEXT [--difference fee|shortfall|surplus]',
  'work',
  { reason: { type: 'string' }, difference: { type: 'string' } },
  async ({ ports, actor, values, args, io }) => {
    if (args.length < 2 || !args.every((a) => ID.test(a))) throw new Usage('two or more discrepancy ids');
    const d = str(values, 'difference');
    if (d !== undefined && !(DIFFERENCE_NAMES as readonly string[]).includes(d))
      throw new Usage(`--difference ${d}`);
    return manual.matchItems(ports, {
      ...checker(actor),
      discrepancyIds: args,
      reason: reasonOf(values),
      ...(d ? { differenceAs: d as DifferenceName } : {}),
      policy: manual.matchPolicyFrom(io.env),
    });
  },
);

const UNMATCH = matchAction(
  'ledger unmatch MATCH-ID --reason TEXT   |   ledger unmatch --rule CHANNEL DATE SUBJECT --reason TEXT',
  'work',
  { reason: { type: 'string' }, rule: { type: 'boolean' } },
  async ({ ports, actor, values, args, io }) => {
    const who = { ...checker(actor), policy: manual.matchPolicyFrom(io.env) };
    if (values.rule) {
      if (args.length !== 3) throw new Usage('--rule CHANNEL DATE SUBJECT');
      return manual.unmatchRule(ports, {
        ...who,
        channel: args[0]!,
        businessDate: args[1]!,
        subject: args[2]!,
        reason: reasonOf(values),
      });
    }
    if (args.length !== 1) throw new Usage('one match id');
    return manual.unmatch(ports, { ...who, matchId: args[0]!, reason: reasonOf(values) });
  },
);

const itemAndProposal = (args: string[]) => {
  if (args.length !== 2 || !ID.test(args[0]!) || !/^p[0-9a-f]{24}$/.test(args[1]!))
    throw new Usage('DISCREPANCY-ID PROPOSAL-ID');
  return { discrepancyId: args[0]!, proposalId: args[1]! };
};

export const PROPOSAL_COMMANDS: Record<string, Sub> = {
  list: {
    usage: 'ledger proposals list DISCREPANCY-ID',
    needs: 'read',
    run: async ({ ports, actor, values, args, io }) => {
      if (args.length !== 1 || !ID.test(args[0]!)) throw new Usage('one discrepancy id');
      const ps = await listProposals(ports, { hospitalId: actor.hospitalId, discrepancyId: args[0]! });
      return out(io, values, ps, () =>
        ps.length === 0
          ? 'no proposals\n'
          : ps
              .map(
                (p) =>
                  `${p.proposalId} score ${p.score.toFixed(2)}${p.difference ? ` · ${p.difference.as} ${p.difference.amount}` : ''}\n${p.reasons
                    .map((r) => `  + ${r.weight.toFixed(2)} ${r.text}`)
                    .join(
                      '\n',
                    )}\n${p.items.map((i) => `  ${i.side.padEnd(7)} ${i.type} ${i.subject} ${i.amount} (${i.discrepancyId})`).join('\n')}\n`,
              )
              .join(''),
      );
    },
  },
  accept: matchAction(
    'ledger proposals accept DISCREPANCY-ID PROPOSAL-ID [--reason TEXT]',
    'work',
    { reason: { type: 'string' } },
    async ({ ports, actor, values, args, io }) => {
      const r = str(values, 'reason');
      return acceptProposal(ports, {
        hospitalId: actor.hospitalId,
        by: actor.userId,
        ...itemAndProposal(args),
        ...(r !== undefined ? { reason: r } : {}),
        policy: manual.matchPolicyFrom(io.env),
      });
    },
  ),
  reject: {
    usage: 'ledger proposals reject DISCREPANCY-ID PROPOSAL-ID --reason TEXT',
    needs: 'work',
    options: { reason: { type: 'string' } },
    run: async ({ ports, actor, values, args, io }) => {
      const r = await rejectProposal(ports, {
        hospitalId: actor.hospitalId,
        by: actor.userId,
        ...itemAndProposal(args),
        reason: reasonOf(values),
      });
      return out(io, values, r, () => `${r.proposalId}: rejected (it will not be proposed again)\n`);
    },
  },
};

export const MATCHES_COMMANDS: Record<string, Sub> = {
  show: matchAction('ledger matches show MATCH-ID', 'read', undefined, ({ ports, actor, args }) =>
    manual.showMatch(ports, actor.hospitalId, args[0] ?? ''),
  ),
  list: {
    usage: 'ledger matches list CHANNEL DATE',
    needs: 'read',
    run: async ({ ports, actor, values, args, io }) => {
      if (args.length !== 2) throw new Usage('CHANNEL DATE');
      const ms = await manual.listMatches(ports, actor.hospitalId, args[0]!, args[1]!);
      return out(io, values, ms, () => ms.map(matchLine).join('') || 'no matches\n');
    },
  },
  approve: matchAction('ledger matches approve MATCH-ID', 'check', undefined, ({ ports, actor, args }) =>
    manual.approveMatchDecision(ports, { ...checker(actor), matchId: args[0] ?? '' }),
  ),
  reject: matchAction(
    'ledger matches reject MATCH-ID --reason TEXT',
    'check',
    { reason: { type: 'string' } },
    async ({ ports, actor, values, args }) =>
      manual.rejectMatchDecision(ports, {
        ...checker(actor),
        matchId: args[0] ?? '',
        reason: reasonOf(values),
      }),
  ),
};

export const EVIDENCE_COMMANDS: Record<string, Sub> = {
  attach: {
    usage: 'ledger evidence attach (DISCREPANCY-ID | MATCH-ID) FILE [--note TEXT]',
    needs: 'work',
    options: { note: { type: 'string' } },
    run: async ({ ports, actor, values, args, io }) => {
      if (args.length !== 2) throw new Usage('TARGET FILE');
      const target = ID.test(args[0]!) ? { discrepancyId: args[0]! } : { matchId: args[0]! };
      const note = str(values, 'note');
      const ev = await attachEvidence(ports, {
        hospitalId: actor.hospitalId,
        by: actor.userId,
        file: basename(args[1]!),
        bytes: new Uint8Array(await readFile(args[1]!)),
        ...target,
        ...(note !== undefined ? { note } : {}),
      });
      return out(io, values, ev, () =>
        ev.map((e) => `${e.sha256} ${e.contentType} ${e.bytes} ${e.file}\n`).join(''),
      );
    },
  },
  list: {
    usage: 'ledger evidence list (DISCREPANCY-ID | MATCH-ID)',
    needs: 'read',
    run: async ({ ports, actor, values, args, io }) => {
      const t = args[0] ?? '';
      const ev = await listEvidence(ports, {
        hospitalId: actor.hospitalId,
        ...(ID.test(t) ? { discrepancyId: t } : { matchId: t }),
      });
      return out(
        io,
        values,
        ev,
        () =>
          ev
            .map((e) => `${e.sha256} ${e.contentType} ${e.bytes} ${e.file} by ${e.by} ${e.attachedAt}\n`)
            .join('') || 'no evidence\n',
      );
    },
  },
  get: {
    usage: 'ledger evidence get SHA256 --out FILE',
    needs: 'read',
    options: { out: { type: 'string' } },
    run: async ({ ports, actor, values, args, io }) => {
      const to = str(values, 'out');
      if (!to || !/^[0-9a-f]{64}$/.test(args[0] ?? '')) throw new Usage('SHA256 --out FILE');
      const f = await readEvidence(ports, actor.hospitalId, args[0]!);
      await writeFile(to, f.bytes, { flag: 'wx' });
      return out(
        io,
        values,
        { file: to, contentType: f.contentType, bytes: f.bytes.length },
        () => `${to}: ${f.contentType}, ${f.bytes.length} bytes\n`,
      );
    },
  },
};

export const matchCommand = (argv: string[], io: CliIo) => runSub('match', MATCH, argv, io, {});
export const unmatchCommand = (argv: string[], io: CliIo) => runSub('unmatch', UNMATCH, argv, io, {});
export const proposalsCommand = (argv: string[], io: CliIo) =>
  group(
    'proposals',
    'proposed matches beside an open item: list, accept, reject',
    PROPOSAL_COMMANDS,
    argv,
    io,
    {},
  );
export const matchesCommand = (argv: string[], io: CliIo) =>
  group(
    'matches',
    'manual matches: show, list, approve or reject (supervisors)',
    MATCHES_COMMANDS,
    argv,
    io,
    {},
  );
export const evidenceCommand = (argv: string[], io: CliIo) =>
  group('evidence', 'evidence files on a discrepancy or a match', EVIDENCE_COMMANDS, argv, io, {});
