// The options of a route: who may call it (the access the hook checks) and its OpenAPI schema, where every
// answer but the route's own is the shared error shape. Money-moving commands go through command-route.ts.
import type { TSchema } from 'typebox';
import type { Access } from './principal.ts';
import { errorResponses } from './schemas.ts';

type Status = 200 | 201 | 202 | 204;

/** What a route's schema holds besides its tags and summary: inputs, and its answer by status. */
export type RouteParts = {
  description?: string;
  params?: TSchema;
  querystring?: TSchema;
  body?: TSchema;
  headers?: TSchema;
  /** `[]`: a public route (no credentials) in the OpenAPI document. */
  security?: unknown[];
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
