// An audit export is itself a fact (`<hospital>/audit-export/<exportId>`): who took which period of the log,
// when, from where, and the SHA-256 of the manifest that names every exported file. An export is recorded once;
// recording it again (a retry with the same id) adds nothing.
import type { CommandBase, Decider } from '../decider.ts';

export const AUDIT_EXPORT_CATEGORY = 'audit-export';

/** Who may take an export of the log (patient data included): the roles that read the audit trails. */
export const AUDIT_ROLES = ['auditor', 'administrator'] as const;

/** The hospital's own events, or (from the command line, with database access) every hospital's. */
export type AuditExportScope = 'hospital' | 'all-hospitals';

export interface AuditExportFacts {
  exportId: string;
  scope: AuditExportScope;
  /** The period asked for: local days, inclusive, in timeZone. */
  fromDate: string;
  toDate: string;
  timeZone: string;
  /** The positions exported (the period widened to whole seals), as decimal strings. */
  firstPosition: string;
  lastPosition: string;
  events: number;
  seals: number;
  /** SHA-256 (hex) of manifest.json, which holds the SHA-256 of every other file of the export. */
  manifestSha256: string;
  /** How it was taken: `ledger audit export`, or the auditor's API. */
  via: 'cli' | 'api';
  /** The staff session it was taken under, when there was one. */
  sessionId: string | null;
}

export type AuditExportCommand = CommandBase & { type: 'RecordAuditExport' } & AuditExportFacts;

export type AuditExportEvent = {
  type: 'AuditLogExported';
  data: AuditExportFacts & { [k: string]: string | number | null };
};

export interface AuditExportState {
  recorded: boolean;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
const POSITION = /^[1-9][0-9]{0,18}$/;

export const auditExportDecider: Decider<AuditExportCommand, AuditExportEvent, AuditExportState> = {
  category: AUDIT_EXPORT_CATEGORY,
  streamKey: (c) => c.exportId,
  initialState: () => ({ recorded: false }),
  startsStream: () => true,
  decide(c, state) {
    if (state.recorded) return [];
    // Invariants of what the use case hands in: a wrong record can never be deleted, so it is never written.
    if (!SHA256_HEX.test(c.manifestSha256))
      throw new Error(`manifest digest is not SHA-256 hex: ${c.manifestSha256}`);
    if (!POSITION.test(c.firstPosition) || !POSITION.test(c.lastPosition))
      throw new Error(`exported positions are not positions: ${c.firstPosition}–${c.lastPosition}`);
    if (BigInt(c.firstPosition) > BigInt(c.lastPosition))
      throw new Error('first exported position after the last');
    if (c.fromDate > c.toDate) throw new Error('export period ends before it starts');
    return [
      {
        type: 'AuditLogExported',
        data: {
          exportId: c.exportId,
          scope: c.scope,
          fromDate: c.fromDate,
          toDate: c.toDate,
          timeZone: c.timeZone,
          firstPosition: c.firstPosition,
          lastPosition: c.lastPosition,
          events: c.events,
          seals: c.seals,
          manifestSha256: c.manifestSha256,
          via: c.via,
          sessionId: c.sessionId,
        },
      },
    ];
  },
  evolve: (_state, _event) => ({ recorded: true }),
};
