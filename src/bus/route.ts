// The options of a route: who may call it (the access the hook checks) and its OpenAPI schema, where every
// answer but the route's own is the shared error shape. Money-moving commands go through command-route.ts.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type {
  FastifyReply,
  FastifyRequest,
  RawRequestDefaultExpression,
  RawServerDefault,
  RouteGenericInterface,
} from 'fastify';
import type { TSchema } from 'typebox';
import type { Access } from './principal.ts';
import { errorResponses } from './schemas.ts';
import { type App, type RequestContext, requestContext } from './server.ts';

type Status = 200 | 201 | 202 | 204;

/** What a route's schema holds besides its tags and summary: inputs, and its answer by status. */
export type RouteParts = {
  description?: string;
  params?: TSchema;
  querystring?: TSchema;
  body?: TSchema;
  headers?: TSchema;
  /** `[]`: a public route (no credentials) in the OpenAPI document. */
  security?: { [label: string]: string[] }[];
  consumes?: string[];
  produces?: string[];
} & { [S in Status]?: TSchema };

export interface RouteOptions<P extends RouteParts> {
  config: { access?: Access; idempotent?: boolean };
  schema: Omit<P, Status> & {
    tags: string[];
    summary: string;
    response: typeof errorResponses & Pick<P, Extract<keyof P, Status>>;
  };
}

/**
 * `route('read', ['admin'], 'A channel …', { params: ChannelParams, 200: Any })`: the options fastify takes,
 * typed so that the handler's `req.params`, `req.query` and `req.body` follow the schemas. Access undefined:
 * a public route.
 */
export function route<const P extends RouteParts>(
  access: Access | undefined,
  tags: string[],
  summary: string,
  parts: P,
  config: { idempotent?: boolean } = {},
): RouteOptions<P> {
  const schema: Record<string, unknown> = { tags, summary };
  const response: Record<string, unknown> = { ...errorResponses };
  for (const [k, v] of Object.entries(parts)) {
    if (/^\d+$/.test(k)) response[k] = v;
    else schema[k] = v;
  }
  schema.response = response;
  return { config: { ...(access ? { access } : {}), ...config }, schema } as unknown as RouteOptions<P>;
}

/** The request a handler of `route(…, parts)` sees: params, query and body typed by the schemas. */
export type RouteRequest<P extends RouteParts> = FastifyRequest<
  RouteGenericInterface,
  RawServerDefault,
  RawRequestDefaultExpression,
  RouteOptions<P>['schema'],
  TypeBoxTypeProvider
>;

type Handler<P extends RouteParts> = (
  c: RequestContext,
  req: RouteRequest<P>,
  reply: FastifyReply,
) => Promise<unknown>;

type Register = <const P extends RouteParts>(
  path: string,
  access: Access,
  summary: string,
  parts: P,
  handler: Handler<P>,
  config?: { idempotent?: boolean },
) => void;

/**
 * The routes of one OpenAPI tag that answer a signed-in caller: `api.get(path, access, summary, parts,
 * async (c, req) => …)` registers the route with `route(access, tags, summary, parts)`, and its handler gets
 * the caller's context (hospital, actor) first. A route whose parts name one answer status (201 Created, 202
 * Accepted) answers with it; the handler returns the body (or sets another status on `reply`).
 */
export function routes(
  app: App,
  tags: string[],
): Record<'get' | 'post' | 'put' | 'patch' | 'delete', Register> {
  const register =
    (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'): Register =>
    (path, access, summary, parts, handler, config) => {
      const statuses = Object.keys(parts).filter((k) => /^\d+$/.test(k));
      const status = statuses.length === 1 ? Number(statuses[0]) : 200;
      app.route({
        method,
        url: path,
        ...(route(access, tags, summary, parts, config) as object),
        handler: async (req, reply) => {
          if (status !== 200) reply.code(status);
          return handler(requestContext(req), req as unknown as RouteRequest<typeof parts>, reply);
        },
      });
    };
  return {
    get: register('GET'),
    post: register('POST'),
    put: register('PUT'),
    patch: register('PATCH'),
    delete: register('DELETE'),
  };
}
