// Mappings as managed configuration: a hospital adds, revises and retires the column mappings its bank, HIS and
// insurance files are read with (events: src/domain/mappings), lists and shows them (every version kept), and
// tries one against a sample file without writing anything. The built-in mappings stay available by name.
// Imports name a mapping through the MappingCatalog port (reconciliation/import-statement.ts).
import { CHANNEL_OF_SOURCE } from '../adapters/statements/import.ts';
import {
  type ParseOptions,
  parseStatement,
  type RowFault,
  StatementError,
} from '../adapters/statements/index.ts';
import { BUILTIN_MAPPINGS } from '../adapters/statements/mappings.ts';
import type { StatementSource } from '../adapters/statements/source.ts';
import { type HandleOptions, handle } from '../domain/command-handler.ts';
import type { Actor } from '../domain/decider.ts';
import { fold } from '../domain/decider.ts';
import { type EventStore, streamId } from '../domain/event-store.ts';
import {
  type ColumnMapping,
  fileCountAndSum,
  knownName,
  MAPPING_CATEGORY,
  type MappingEvent,
  mappingDecider,
  platformVerdict,
  refuseMapping,
  statesTotals,
  type TotalsVerdict,
} from '../domain/mappings/index.ts';
import type { StatementLine, StatementSummary } from '../domain/reconciliation/statement-line.ts';
import type { AnyDb } from '../projections/projection.ts';
import { mappingsProjection } from '../projections/read-models/mappings.ts';
import {
  latestMappings,
  type MappingVersionView,
  mappingVersions,
} from '../projections/read-models/mappings-queries.ts';
import { platformDayTotals } from '../projections/reconciliation/platform-totals.ts';
import { catchUp } from './reconciliation/catch-up.ts';
import type { ReconciliationPorts } from './reconciliation/ports.ts';

/** A mapping as an import uses it: the current version of a hospital's mapping, or a built-in (version 0). */
export interface CatalogMapping {
  name: string;
  /** 0 for a built-in mapping. */
  version: number;
  builtin: boolean;
  retired: boolean;
  definition: ColumnMapping;
}

/** The port imports resolve a mapping name through. */
export interface MappingCatalog {
  /** The current version of the mapping of that name (a hospital's own, else a built-in); undefined: none. */
  get(hospitalId: string, name: string): Promise<CatalogMapping | undefined>;
}

const BUILTIN_BY_NAME = new Map(BUILTIN_MAPPINGS.map((m) => [m.name, m]));
export const BUILTIN_MAPPING_NAMES: readonly string[] = [...BUILTIN_BY_NAME.keys()];

function builtin(name: string): CatalogMapping | undefined {
  const m = BUILTIN_BY_NAME.get(name) ?? BUILTIN_MAPPINGS.find((b) => b.format === name);
  return m && { name: m.name, version: 0, builtin: true, retired: false, definition: m };
}

/** Reads a mapping's own stream: always the version just written, no read-model lag. */
export function storeMappingCatalog(store: EventStore): MappingCatalog {
  return {
    async get(hospitalId, name) {
      const b = builtin(name);
      if (b) return b;
      try {
        knownName(name);
      } catch {
        return undefined;
      }
      const read = await store.readStream(streamId(hospitalId, MAPPING_CATEGORY, name));
      if (read.version === 0) return undefined;
      const state = fold(mappingDecider, read.events as unknown as MappingEvent[]);
      if (!state.definition) return undefined;
      return {
        name,
        version: state.version,
        builtin: false,
        retired: state.retired,
        definition: state.definition,
      };
    },
  };
}

/** The current version of a mapping an import or a trial may use: refused when unknown or retired. */
export async function resolveMapping(
  catalog: MappingCatalog,
  hospitalId: string,
  name: string,
): Promise<CatalogMapping> {
  const m = await catalog.get(hospitalId, name);
  if (!m) throw refuseMapping('UNKNOWN_MAPPING', { name: name.slice(0, 80) });
  if (m.retired) throw refuseMapping('MAPPING_RETIRED', { name });
  return m;
}

export interface MappingPorts {
  store: EventStore;
  db: AnyDb;
}

export interface MappingActorContext {
  hospitalId: string;
  actor: Actor;
  at: Date;
  options?: HandleOptions;
}

export interface MappingWritten {
  name: string;
  version: number;
  /** True when the idempotency key had been applied before (nothing new was written). */
  duplicate: boolean;
}

async function run(
  ports: MappingPorts,
  ctx: MappingActorContext,
  command: Parameters<typeof mappingDecider.decide>[0],
): Promise<MappingWritten> {
  const r = await handle(ports.store, mappingDecider, command, ctx.options ?? {});
  const e = r.events.at(-1);
  return {
    name: e?.data.name ?? (command.type === 'AddMapping' ? '' : command.name),
    version: r.state.version,
    duplicate: r.duplicate,
  };
}

const base = (ctx: MappingActorContext) => ({
  hospitalId: ctx.hospitalId as never,
  at: ctx.at,
  actor: ctx.actor,
});

/** Writes a new version of a mapping (its first, or a revision), with the note when one is given. */
function writeVersion(
  ports: MappingPorts,
  ctx: MappingActorContext,
  version:
    | { type: 'AddMapping'; definition: unknown; reservedNames: readonly string[] }
    | { type: 'ReviseMapping'; name: string; definition: unknown },
  note: string | undefined,
): Promise<MappingWritten> {
  return run(ports, ctx, { ...base(ctx), ...version, ...(note !== undefined ? { note } : {}) });
}

/** Adds a mapping (version 1) from its JSON; refused with the JSON path and reason when malformed. */
export function addMapping(
  ports: MappingPorts,
  ctx: MappingActorContext,
  definition: unknown,
  note?: string,
): Promise<MappingWritten> {
  return writeVersion(
    ports,
    ctx,
    { type: 'AddMapping', definition, reservedNames: BUILTIN_MAPPING_NAMES },
    note,
  );
}

/** A new version of a mapping; the earlier versions stay readable (`show --version N`). */
export function reviseMapping(
  ports: MappingPorts,
  ctx: MappingActorContext,
  name: string,
  definition: unknown,
  note?: string,
): Promise<MappingWritten> {
  return writeVersion(ports, ctx, { type: 'ReviseMapping', name, definition }, note);
}

/** Adds the mapping, or revises it when the hospital has one of that name (what `mappings add FILE` does). */
export async function saveMapping(
  ports: MappingPorts,
  ctx: MappingActorContext,
  definition: unknown,
  note?: string,
): Promise<MappingWritten & { added: boolean }> {
  const name =
    definition && typeof definition === 'object' ? (definition as { name?: unknown }).name : undefined;
  const existing =
    typeof name === 'string' && !BUILTIN_BY_NAME.has(name)
      ? await storeMappingCatalog(ports.store).get(ctx.hospitalId, name)
      : undefined;
  if (existing && !existing.builtin)
    return { ...(await reviseMapping(ports, ctx, existing.name, definition, note)), added: false };
  return { ...(await addMapping(ports, ctx, definition, note)), added: true };
}

export function retireMapping(
  ports: MappingPorts,
  ctx: MappingActorContext,
  name: string,
  reason: string,
): Promise<MappingWritten> {
  return run(ports, ctx, { ...base(ctx), type: 'RetireMapping', name, reason });
}

export interface MappingListing {
  name: string;
  /** 0 for a built-in. */
  version: number;
  status: 'builtin' | 'current' | 'retired';
  party: string;
  format: string;
  description: string | null;
  recordedAt: string | null;
  actor: string | null;
}

/** The hospital's mappings (their newest version) and the built-in ones. */
export async function listMappings(ports: MappingPorts, hospitalId: string): Promise<MappingListing[]> {
  await catchUp(ports, [mappingsProjection]);
  const own = (await latestMappings(ports.db, hospitalId)).map(
    (v): MappingListing => ({
      name: v.name,
      version: v.version,
      status: v.status === 'retired' ? 'retired' : 'current',
      party: v.party,
      format: v.format,
      description: v.definition.description ?? null,
      recordedAt: v.recordedAt,
      actor: v.actor,
    }),
  );
  const builtins = BUILTIN_MAPPINGS.map(
    (m): MappingListing => ({
      name: m.name,
      version: 0,
      status: 'builtin',
      party: m.party,
      format: m.format,
      description: m.description ?? null,
      recordedAt: null,
      actor: null,
    }),
  );
  return [...own, ...builtins];
}

export interface MappingShown {
  name: string;
  builtin: boolean;
  /** The version asked for (default: the newest). */
  shown: MappingVersionView;
  /** Every version, newest first (a built-in has one, version 0). */
  versions: Omit<MappingVersionView, 'definition'>[];
}

/** One mapping: the version asked for (default the newest) and the history of its versions. */
export async function showMapping(
  ports: MappingPorts,
  hospitalId: string,
  name: string,
  version?: number,
): Promise<MappingShown> {
  const b = builtin(name);
  if (b) {
    if (version !== undefined && version !== 0)
      throw refuseMapping('MAPPING_VERSION_NOT_FOUND', { name, version });
    const shown: MappingVersionView = {
      name: b.name,
      version: 0,
      status: 'current',
      party: b.definition.party,
      format: b.definition.format,
      definition: b.definition,
      note: 'built in',
      actor: null,
      recordedAt: new Date(0).toISOString(),
      retiredReason: null,
      retiredAt: null,
    };
    const { definition: _d, ...meta } = shown;
    return { name: b.name, builtin: true, shown, versions: [meta] };
  }
  await catchUp(ports, [mappingsProjection]);
  const versions = await mappingVersions(ports.db, hospitalId, name);
  if (versions.length === 0) throw refuseMapping('UNKNOWN_MAPPING', { name: name.slice(0, 80) });
  const shown = version === undefined ? versions[0] : versions.find((v) => v.version === version);
  if (!shown) throw refuseMapping('MAPPING_VERSION_NOT_FOUND', { name, version: version ?? 0 });
  return {
    name,
    builtin: false,
    shown,
    versions: versions.map(({ definition: _d, ...meta }) => meta),
  };
}

/** Lines a trial answers at most (the rest are counted, not listed). */
export const MAX_TRIAL_LINES = 1_000;
/** Refused rows a trial lists at most (it stops reading after this many). */
export const MAX_TRIAL_FAULTS = 1_000;

export interface TrialOptions {
  /** Expected business date / merchant, as an import would check them. */
  businessDate?: string;
  merchantId?: string;
  timeZone?: string;
  /** The platform channel the file reports (for the platform check of a file without totals). */
  channel?: string;
}

export interface TrialResult {
  mapping: { name: string; version: number; builtin: boolean };
  /** The lines read, normalized (the first MAX_TRIAL_LINES). */
  lines: StatementLine[];
  /** Lines read in all. */
  lineCount: number;
  /** Rows refused, with line number and reason. */
  refused: RowFault[];
  /** True when more rows were refused than listed (the trial stopped reading). */
  refusedTruncated: boolean;
  /** Refused as a whole (header, totals row, truncation): the import would be refused with this. */
  fileRefusal: { code: string; line: number; reason: string } | null;
  /** The totals check an import would make, when the file got that far. */
  totals: TotalsVerdict | null;
  /** Would an import of this file with this mapping go through? */
  wouldImport: boolean;
}

/** A trial's stop after too many refused rows (not a fault of the file: it ends the listing). */
class TrialFull extends Error {}

/**
 * Reads a sample with a mapping as an import would, writing nothing: the normalized lines, every row it refuses
 * and why, and the totals verdict (the file's totals row, or the platform's count and sum when it has none).
 */
export async function tryMapping(
  ports: Pick<ReconciliationPorts, 'store' | 'db' | 'dateOptions'>,
  catalog: MappingCatalog,
  hospitalId: string,
  name: string,
  source: StatementSource,
  opts: TrialOptions = {},
): Promise<TrialResult> {
  const m = await resolveMapping(catalog, hospitalId, name);
  const lines: StatementLine[] = [];
  const refused: RowFault[] = [];
  let refusedTruncated = false;
  // One line per batch: a file refused at its end (its totals) still shows every line read before.
  const parse: ParseOptions = { mapping: m.definition, hospitalId, batchSize: 1 };
  const timeZone = opts.timeZone ?? ports.dateOptions?.timeZone;
  if (timeZone) parse.timeZone = timeZone;
  if (opts.businessDate) parse.businessDate = opts.businessDate;
  if (opts.merchantId) parse.merchantId = opts.merchantId;
  parse.onRowFault = (f) => {
    if (refused.length >= MAX_TRIAL_FAULTS) {
      refusedTruncated = true;
      throw new TrialFull();
    }
    refused.push(f);
  };
  let lineCount = 0;
  let fileRefusal: TrialResult['fileRefusal'] = null;
  let summary: StatementSummary | undefined;
  try {
    const it = parseStatement(source, parse);
    for (;;) {
      const r = await it.next();
      if (r.done) {
        summary = r.value;
        break;
      }
      lineCount += r.value.length;
      for (const l of r.value) if (lines.length < MAX_TRIAL_LINES) lines.push(l);
    }
  } catch (e) {
    if (e instanceof StatementError) {
      if (!refusedTruncated) fileRefusal = { code: e.code, line: e.line, reason: e.reason };
    } else throw e;
  }
  let totals: TotalsVerdict | null = null;
  // With refused rows the file would not import: its totals are judged on what an import would have read.
  if (summary && refused.length === 0)
    totals = await totalsVerdict(ports, hospitalId, summary, opts.channel ?? channelOf(m.definition));
  return {
    mapping: { name: m.name, version: m.version, builtin: m.builtin },
    lines,
    lineCount,
    refused,
    refusedTruncated,
    fileRefusal,
    totals,
    wouldImport:
      refused.length === 0 &&
      !refusedTruncated &&
      fileRefusal === null &&
      !(
        totals?.method === 'platform' &&
        totals.outcome === 'disagrees' &&
        m.definition.platformCheck === 'refuse'
      ),
  };
}

/** The platform channel a mapping's files report by default (the HIS extract spans every channel). */
export function channelOf(m: ColumnMapping): string | null {
  return CHANNEL_OF_SOURCE[m.source] ?? (m.party === 'his' ? null : m.source);
}

/**
 * The totals check of a verified file: its own totals when it states them (they agreed, or it was refused),
 * else its count and net against the platform's movements of its business date (and channel).
 */
export async function totalsVerdict(
  ports: Pick<ReconciliationPorts, 'store' | 'db' | 'dateOptions'> | undefined,
  hospitalId: string,
  summary: StatementSummary,
  channel: string | null,
): Promise<TotalsVerdict> {
  if (statesTotals(summary)) return { method: 'file', outcome: 'agrees', checks: summary.checks };
  if (!ports)
    return {
      method: 'platform',
      outcome: 'unavailable',
      reason: 'the import was given no read side to compare with',
    };
  const businessDate = summary.businessDate;
  if (!businessDate)
    return {
      method: 'platform',
      outcome: 'unavailable',
      reason: 'the file spans several business dates; name the date to compare it with the platform',
    };
  await catchUp(ports);
  const platform = await platformDayTotals(ports.db, { hospitalId, businessDate, channel });
  return platformVerdict(businessDate, channel, fileCountAndSum(summary), platform);
}
