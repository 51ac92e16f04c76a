// The one path every command takes from an edge: the access channel admits it (a pure domain rule plus the
// channel's rate limit), then the generic handler loads, folds, decides and appends with the version read.
// Nothing runs after the append: what must follow an event is a reaction (src/app/reactions).
import { createHash } from 'node:crypto';
import { type HandleResult, handle } from '../domain/command-handler.ts';
import { admitToChannel, type BusinessType, refuse } from '../domain/channel/index.ts';
import type { Actor, CommandBase, Decider, DomainEventShape } from '../domain/decider.ts';
import type { EventMetadata } from '../domain/event-store.ts';
import type { AppPorts } from './ports.ts';

/** What an edge knows about a command beyond its data: who, through which channel, under which key. */
export interface CommandContext {
  actor: Actor;
  /** Applied once: a repeat answers the first outcome and appends nothing. */
  idempotencyKey?: string;
  /** Hash of the request the key stands for (the same key with another request is refused). */
  requestHash?: string;
  correlationId?: string;
  causationId?: string;
  /** The access channel a bus client comes through: its settings admit the command. */
  accessChannel?: string | null;
  device?: string;
  admission?: Admission;
  /** Further facts the edge knows about the request (a POS slip's reference numbers…), kept with the events. */
  metadata?: EventMetadata;
}

export interface Admission {
  businessType?: BusinessType;
  /** A patient or card id the command names: checked against the channel's blacklist by its keyed hash. */
  patientId?: string;
}

/** Keyed hash of a patient / card id as the channel blacklist stores it (never the raw id). */
export function patientKey(hospitalId: string, id: string): string {
  return createHash('sha256').update(`${hospitalId}:${id}`, 'utf8').digest('hex');
}

function metadataOf(ctx: CommandContext): EventMetadata {
  const m: EventMetadata = { ...ctx.metadata };
  if (ctx.correlationId) m.correlationId = ctx.correlationId;
  if (ctx.causationId) m.causationId = ctx.causationId;
  if (ctx.device) m.device = ctx.device;
  if (ctx.accessChannel) m.channel = ctx.accessChannel;
  return m;
}

async function admit(ports: AppPorts, hospitalId: string, ctx: CommandContext): Promise<void> {
  const channelId = ctx.accessChannel;
  if (!channelId || !ctx.admission || !ports.channels) return; // staff, the HIS and jobs act outside channels
  const state = await ports.channels.get(hospitalId, channelId);
  const { patientId, businessType } = ctx.admission;
  admitToChannel(state, {
    ...(businessType !== undefined ? { businessType } : {}),
    at: ports.now(),
    ...(patientId !== undefined ? { patientKey: patientKey(hospitalId, patientId) } : {}),
  });
  const { perSecond, burst } = state.settings.rateLimit;
  if (ports.rateLimiter && !(await ports.rateLimiter.take(`${hospitalId}/${channelId}`, perSecond, burst)))
    throw refuse('CHANNEL_RATE_LIMITED', { channelId, perSecond });
}

export async function execute<C extends CommandBase, E extends DomainEventShape, S>(
  ports: AppPorts,
  decider: Decider<C, E, S>,
  command: C,
  ctx: CommandContext,
  /** Completes the command from the aggregate's state as read for the decision (see HandleOptions.prepare). */
  prepare?: (command: C, state: S) => C | Promise<C>,
): Promise<HandleResult<E, S>> {
  try {
    await admit(ports, command.hospitalId, ctx);
  } catch (refusal) {
    // A request applied before the channel closed still gets its first answer back.
    const key = ctx.idempotencyKey;
    if (!key || !(await ports.store.findIdempotent(command.hospitalId, key))) throw refusal;
  }
  return handle(ports.store, decider, command, {
    ...(ctx.idempotencyKey !== undefined ? { idempotencyKey: ctx.idempotencyKey } : {}),
    ...(ctx.requestHash !== undefined ? { requestHash: ctx.requestHash } : {}),
    metadata: metadataOf(ctx),
    ...(prepare ? { prepare } : {}),
  });
}
