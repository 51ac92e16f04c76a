// Rejections: a command the domain refuses. A stable `code` (callers switch on it), JSON-able `details`, the
// human messages and the kind of refusal (invalid, conflict, not found, forbidden). Every code, with its messages
// and kind, is in the one refusal table (src/domain/refusals.ts); each area's refusal class takes the codes of
// its section. Edges choose their answer from the kind (the bus: an HTTP status).
import { REJECTIONS } from './refusals.ts';

export { REJECTIONS };

export type RejectionStatus = 'invalid' | 'conflict' | 'not_found' | 'forbidden';
/** Every kind of refusal: the rejection kinds plus a channel's rate limit. */
export type RefusalKind = RejectionStatus | 'rate_limited';

/** One refusal: its kind and its message in Chinese and English. */
export interface RefusalInfo<Kind extends RefusalKind = RefusalKind> {
  status: Kind;
  zh: string;
  en: string;
}

export type RejectionInfo = RefusalInfo<RejectionStatus>;

export type RejectionDetails = Readonly<Record<string, string | number | boolean | null>>;

/**
 * A refused command: a stable code from the refusal table, JSON-able details, the human message in Chinese and
 * English, and its kind (the edge maps it: the bus to an HTTP status). Each section of the refusal table has its
 * class (Rejection, ChannelRefusal, ReconciliationRefusal…, made by `refusalClass`); the edges map any Refusal
 * the same way.
 */
export class Refusal<Code extends string = string> extends Error {
  constructor(
    readonly code: Code,
    readonly details: RejectionDetails,
    private readonly info: { zh: string; en: string },
    readonly kind: RefusalKind,
  ) {
    super(`${code}: ${info.en}`);
    this.name = 'Refusal';
  }

  /** The human message in the caller's language. */
  messageIn(lang: 'zh' | 'en'): string {
    return this.info[lang];
  }
}

/**
 * The class of one section of the refusal table (./refusals.ts): its codes, each refusal's message and kind
 * from the section, and `name` for the class's name (what a log shows).
 */
export function refusalClass<const Table extends Readonly<Record<string, RefusalInfo>>>(
  name: string,
  table: Table,
) {
  type Code = Extract<keyof Table, string>;
  return class extends Refusal<Code> {
    readonly status: Table[Code]['status'];
    constructor(code: Code, details: RejectionDetails = {}) {
      const info = table[code] as Table[Code];
      super(code, details, info, info.status);
      this.name = name;
      this.status = info.status;
    }
  };
}

export type RejectionCode = keyof typeof REJECTIONS;

export const REJECTION_CODES = Object.keys(REJECTIONS) as RejectionCode[];

/** A refusal of the orders, deposits and settlements section. */
export const Rejection = refusalClass('Rejection', REJECTIONS);
export type Rejection = InstanceType<typeof Rejection>;

export function reject(code: RejectionCode, details: RejectionDetails = {}): Rejection {
  return new Rejection(code, details);
}

export function isRejection(e: unknown): e is Rejection {
  return e instanceof Rejection;
}

/** Refuses with LIMIT_EXCEEDED once `count` reaches `max`: `limit` names the limit in the details. */
export function withinLimit(count: number, max: number, limit: string, details: RejectionDetails = {}): void {
  if (count >= max) throw reject('LIMIT_EXCEEDED', { limit, ...details });
}

/**
 * A broken invariant: a bug, never a user error. Thrown by deciders after folding their own events, so a wrong
 * fact is never returned for appending (it could never be deleted).
 */
export class InvariantViolation extends Error {
  constructor(message: string) {
    super(`invariant violated: ${message}`);
    this.name = 'InvariantViolation';
  }
}

export function invariant(condition: boolean, message: string): asserts condition {
  if (!condition) throw new InvariantViolation(message);
}
