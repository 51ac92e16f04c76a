// One helper turns a route into schema → command → use case → answer. The schema validates, the hook
// authenticates and checks the Idempotency-Key, the route's `command` translates the request into the
// domain command, the use case decides, and the answer maps the outcome; nothing about business is here.
import type { Static, TSchema } from 'typebox';
import type { Actor } from '../domain/decider.ts';
import type { HospitalId } from '../domain/ids.ts';
import type { Admission } from '../app/execute.ts';
import type { ExecuteOptions } from './dispatch.ts';
import type { Access, Principal } from './principal.ts';
import { errorResponses, IdempotencyHeaders } from './schemas.ts';
import { type App, markReplay, requestContext, type ServerContext } from './server.ts';

/** What every command of a request shares: its tenant, its business time and who issued it. */
export interface CommandBaseOf {
  hospitalId: HospitalId;
  at: Date;
  actor: Actor;
}

export interface CommandRouteSpec<P extends TSchema, B extends TSchema, C, R> {
  access: Access;
  tags: string[];
  summary: string;
  description?: string;
  params?: P;
  body: B;
  /** The answer's status: 201 when the command creates something. */
  status?: 200 | 201;
  response: TSchema;
  /** What the channel admission checks beyond the channel itself (business type, the patient it names). */
  admission?: (body: Static<B>) => Admission;
  command(input: { params: Static<P>; body: Static<B>; base: CommandBaseOf }): C;
  run(deps: ServerContext['deps'], principal: Principal, command: C, options: ExecuteOptions): Promise<R>;
  answer(result: R, input: { params: Static<P> }): unknown;
}

/** Registers a money-moving command route (always idempotent: the key is required). */
export function commandRoute<P extends TSchema, B extends TSchema, C, R extends { duplicate: boolean }>(
  app: App,
  ctx: ServerContext,
  path: string,
  spec: CommandRouteSpec<P, B, C, R>,
): void {
  const status = spec.status ?? 200;
  app.post(
    path,
    {
      config: { access: spec.access, idempotent: true },
      schema: {
        tags: spec.tags,
        summary: spec.summary,
        ...(spec.description ? { description: spec.description } : {}),
        headers: IdempotencyHeaders,
        ...(spec.params ? { params: spec.params } : {}),
        body: spec.body,
        response: { ...errorResponses, [status]: spec.response },
      },
    },
    async (req, reply) => {
      const c = requestContext(req);
      const body = req.body as Static<B>;
      const params = req.params as Static<P>;
      const command = spec.command({
        params,
        body,
        base: { hospitalId: c.hospitalId, at: ctx.deps.now(), actor: c.actor },
      });
      // Every command of a bus client is admitted by its channel (enabled, hours, rate), with or without a type.
      const result = await spec.run(ctx.deps, c.principal, command, c.exec(spec.admission?.(body) ?? {}));
      markReplay(reply, result.duplicate);
      return reply.code(status).send(spec.answer(result, { params }));
    },
  );
}
