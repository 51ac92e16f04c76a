// Hostile input against every route the OpenAPI document lists (enumerated from @fastify/swagger, so a new
// route is fuzzed without touching this file): generated bodies, path parameters, query strings and headers,
// sent unsigned, signed by a real kiosk client, and with staff tokens. Every answer must be a 4xx in the
// standard shape ({ code, message: { zh, en } }) — or, for a read, a 2xx — never a 5xx, and nothing may be
// written: no event appended, no client registered.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FC_SEED } from '../support/property.ts';
import { type Answer, type Caller, type Harness, startHarness, TOKENS } from './harness.ts';

/** Generated cases per route and method (kept small: every case is a real request on a 2-core machine). */
const CASES_PER_ROUTE = 12;
const READS = new Set(['GET', 'HEAD']);
/** Commands that may answer 2xx to anyone allowed to call them and write nothing: signing out of no session. */
const NO_OP_WHEN_ABSENT = new Set(['DELETE /v1/auth/web-session']);
/** Routes a payment channel calls: they refuse in the channel's own answer format, not the bus's. */
const CHANNEL_PROTOCOL = /^\/v1\/callbacks\//;

interface Route {
  method: string;
  /** OpenAPI path, `{name}` for parameters. */
  path: string;
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness('fuzz_routes');
}, 120_000);
afterAll(async () => {
  await h?.close();
});

function openApiRoutes(): Route[] {
  const doc = h.app.swagger() as { paths: Record<string, Record<string, unknown>> };
  const methods = ['get', 'post', 'put', 'patch', 'delete'];
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops)
      .filter((m) => methods.includes(m))
      .map((m) => ({ method: m.toUpperCase(), path })),
  );
}

/** Text no parser expects: NUL, lone surrogates, escapes that look like NUL, overlong, traversal, markup. */
const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    '\u0000',
    'C:\\u0000\\path',
    '\ud800',
    '\udfff x',
    '../../etc/passwd',
    '%00',
    'a'.repeat(300),
    '1e999',
    '-0',
    '<xml/>',
    "' OR 1=1 --",
    '{{7*7}}',
    '9'.repeat(40),
    '999999999999999.99',
    '-1.00',
    '0.001',
  ),
);

/** A JSON value that may be deep, wide, of the wrong type, or numbers JSON cannot carry (as raw text). */
const hostileJson: fc.Arbitrary<string> = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc
    .dictionary(
      fc.constantFrom(
        'orderId',
        'patientId',
        'amount',
        'channel',
        'channelTxnId',
        'business',
        'reason',
        'clientId',
        'channelId',
        'kind',
        'refundId',
        'admissionId',
        'items',
        'rateLimit',
        'name',
      ),
      fc.oneof(
        hostileText,
        fc.integer(),
        fc.double(),
        fc.boolean(),
        fc.constant(null),
        fc.array(hostileText, { maxLength: 3 }),
      ),
    )
    .map((o) => JSON.stringify(o)),
  fc.integer({ min: 65, max: 200 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
  fc.constantFrom(
    '{"amount": 1e999}',
    '{"amount": -1e999}',
    '{',
    '',
    'null',
    '[]',
    '"x"',
    '{"__proto__": {"x": 1}}',
    '\u0000',
  ),
);

const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/xml',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'application/jsonx',
);

/** A path segment: encoded generated text, or raw hostile encodings the router must refuse cleanly. */
const segment = fc.oneof(
  hostileText.map((t) => {
    try {
      return encodeURIComponent(t);
    } catch {
      return '%ED%A0%80'; // a lone surrogate, as UTF-8 bytes
    }
  }),
  fc.constantFrom('%', '%zz', '%2e%2e', '..', '%00', 'x'.repeat(129), 'O-1', '%C0%AE'),
);

const query = fc.option(
  fc
    .array(fc.tuple(fc.constantFrom('limit', 'status', 'asOf', 'x', 'from'), segment), { maxLength: 3 })
    .map((pairs) => `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`),
  { nil: '' },
);

const caller = fc.constantFrom('unsigned', 'kiosk', 'admin', 'auditor', 'clerk', 'bad-token');
const extraHeaders = fc.dictionary(
  fc.constantFrom(
    'idempotency-key',
    'x-client-id',
    'x-timestamp',
    'x-nonce',
    'x-signature',
    'accept',
    'x-forwarded-for',
  ),
  hostileText.map((t) => t.replace(/[^\x20-\x7e]/g, '?')),
  { maxKeys: 3 },
);

function callerFor(kind: string): Caller {
  switch (kind) {
    case 'kiosk':
      return h.kiosk;
    case 'admin':
      return h.staff(TOKENS.admin);
    case 'auditor':
      return h.staff(TOKENS.auditor);
    case 'clerk':
      return h.staff(TOKENS.clerk);
    case 'bad-token':
      return h.staff('not-a-token-at-all-0123456789abcdef');
    default:
      return async (method, url, _body, o = {}) => {
        const res = await h.app.inject({
          method: method as 'GET',
          url,
          headers: o.headers ?? {},
          ...(o.rawBody !== undefined ? { payload: o.rawBody } : {}),
        });
        let body: unknown;
        try {
          body = JSON.parse(res.body);
        } catch {
          body = undefined;
        }
        return { status: res.statusCode, body, headers: res.headers, text: res.body };
      };
  }
}

async function written(): Promise<{ head: bigint; clients: number }> {
  const row = await h.db.database.db
    .withSchema('bus')
    .selectFrom('clients')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return { head: await h.store.headPosition(), clients: Number(row.n) };
}

describe('every route under hostile input', () => {
  it("compiles every route's validators and serializers (they compile when first used)", () => {
    expect(() => h.schemas.compileAll()).not.toThrow();
  });

  it('answers 4xx with a code and message (2xx only for reads), never 5xx, and writes nothing', async () => {
    await h.settle();
    const before = await written();
    const routes = openApiRoutes();
    expect(routes.length).toBeGreaterThan(20);
    const statuses = new Map<number, number>();
    let cases = 0;
    for (const route of routes) {
      const params = (route.path.match(/\{[^}]+\}/g) ?? []).length;
      await fc.assert(
        fc.asyncProperty(
          fc.array(segment, { minLength: params, maxLength: params }),
          query,
          fc.option(hostileJson, { nil: undefined }),
          contentType,
          caller,
          extraHeaders,
          async (values, q, body, type, who, headers) => {
            let i = 0;
            const url = route.path.replace(/\{[^}]+\}/g, () => values[i++]!) + q;
            const call = callerFor(who);
            const a: Answer = await call(route.method, url, undefined, {
              ...(body !== undefined && !READS.has(route.method) ? { rawBody: body } : {}),
              headers: { ...headers, ...(body !== undefined ? { 'content-type': type } : {}) },
              ...(headers['idempotency-key'] ? { idem: headers['idempotency-key'] } : {}),
            });
            cases++;
            statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
            const where = `${route.method} ${url} as ${who}: ${a.status} ${a.text.slice(0, 300)}`;
            expect(a.status, where).toBeLessThan(500);
            if (a.status >= 300 && CHANNEL_PROTOCOL.test(route.path)) {
              // A channel's callback answers in that channel's protocol (WeChat Pay: { code: 'FAIL', message }).
              expect(a.status, where).toBeGreaterThanOrEqual(400);
              expect(a.text.length, where).toBeGreaterThan(0);
            } else if (a.status >= 300) {
              expect(a.status, where).toBeGreaterThanOrEqual(400);
              expect(typeof a.body?.code, where).toBe('string');
              expect(typeof a.body?.message?.en, where).toBe('string');
              expect(typeof a.body?.message?.zh, where).toBe('string');
            } else {
              expect(
                READS.has(route.method) || NO_OP_WHEN_ABSENT.has(`${route.method} ${route.path}`),
                `a hostile command was accepted: ${where}`,
              ).toBe(true);
            }
          },
        ),
        { seed: FC_SEED, numRuns: CASES_PER_ROUTE },
      );
    }
    expect(await written()).toEqual(before);
    const histogram = [...statuses.entries()]
      .sort(([x], [y]) => x - y)
      .map(([s, n]) => `${s}×${n}`)
      .join(', ');
    console.info(
      `route fuzzing: ${routes.length} routes, ${cases} cases (seed ${FC_SEED}); answers ${histogram}`,
    );
  });
});
