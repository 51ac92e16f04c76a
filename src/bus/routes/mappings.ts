// Statement mappings as managed configuration (docs/mappings.md), scoped to the caller's hospital: finance staff
// and auditors list and show them; a finance supervisor or an administrator adds, revises and retires them; any
// finance staff tries one against an uploaded sample (application/octet-stream), which writes nothing.
import { Type } from 'typebox';
import { bufferSource } from '../../adapters/statements/source.ts';
import {
  addMapping,
  listMappings,
  MAX_TRIAL_LINES,
  retireMapping,
  reviseMapping,
  showMapping,
  storeMappingCatalog,
  tryMapping,
} from '../../app/mappings.ts';
import { MAPPING_LIMITS } from '../../domain/mappings/definition.ts';
import { ApiError } from '../errors.ts';
import type { App, ServerContext, RequestContext } from '../server.ts';
import { routes } from '../route.ts';

/** Largest sample a trial reads (a sample, not a day's file: imports stream large files elsewhere). */
export const MAX_TRIAL_SAMPLE_BYTES = 8 * 1024 * 1024;

const Any = Type.Object({}, { additionalProperties: true });
const NameParams = Type.Object({
  name: Type.String({
    minLength: 1,
    maxLength: MAPPING_LIMITS.nameLength,
    pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]*$',
    description: 'Mapping name',
  }),
});
const Note = Type.String({ maxLength: MAPPING_LIMITS.descriptionLength });
const DefinitionBody = Type.Object(
  {
    definition: Type.Unknown({
      description: 'The mapping (docs/mappings.md); refused with the JSON path and reason',
    }),
    note: Type.Optional(Note),
  },
  { additionalProperties: false },
);
const Written = Type.Object({ name: Type.String(), version: Type.Integer(), duplicate: Type.Boolean() });

export function mappingRoutes(app: App, ctx: ServerContext): void {
  const api = routes(app, ['mappings']);
  const { deps } = ctx;
  const ports = { store: deps.store, db: deps.db };
  const writer = (c: RequestContext) => {
    return { hospitalId: c.hospitalId, actor: c.actor, at: deps.now(), options: c.exec() };
  };

  // A sample arrives as the raw bytes of the file (any encoding): only the trial route reads this body type.
  app.addContentTypeParser(
    'application/octet-stream',
    { parseAs: 'buffer', bodyLimit: MAX_TRIAL_SAMPLE_BYTES },
    (_req, body, done) => done(null, body),
  );

  api.get(
    '/v1/mappings',
    'staff',
    "The hospital's statement mappings (newest version of each) and the built-in ones",
    { 200: Type.Object({ mappings: Type.Array(Any) }) },
    async (c) => ({ mappings: await listMappings(ports, c.hospitalId) }),
  );

  api.get(
    '/v1/mappings/:name',
    'staff',
    'One mapping: the version asked for (default the newest) and the list of its versions',
    {
      params: NameParams,
      querystring: Type.Object({ version: Type.Optional(Type.String({ pattern: '^\\d{1,6}$' })) }),
      200: Any,
    },
    async (c, req) => {
      const { version } = req.query;
      return showMapping(
        ports,
        c.hospitalId,
        req.params.name,
        version === undefined ? undefined : Number(version),
      );
    },
  );

  api.post(
    '/v1/mappings',
    'supervise',
    'Add a mapping (version 1) for a bank, HIS extract or insurance file layout',
    { body: DefinitionBody, 201: Written },
    async (c, req) => addMapping(ports, writer(c), req.body.definition, req.body.note),
  );

  api.put(
    '/v1/mappings/:name',
    'supervise',
    'Revise a mapping: a new version (the earlier ones stay readable)',
    {
      params: NameParams,
      body: DefinitionBody,
      200: Written,
    },
    async (c, req) => reviseMapping(ports, writer(c), req.params.name, req.body.definition, req.body.note),
  );

  api.post(
    '/v1/mappings/:name/retire',
    'supervise',
    'Retire a mapping: no new import may use it',
    {
      params: NameParams,
      body: Type.Object({
        reason: Type.String({ minLength: 1, maxLength: MAPPING_LIMITS.descriptionLength }),
      }),
      200: Written,
    },
    async (c, req) => retireMapping(ports, writer(c), req.params.name, req.body.reason),
  );

  api.post(
    '/v1/mappings/:name/try',
    'finance',
    `Read an uploaded sample (the file's bytes, application/octet-stream) with the mapping, writing nothing: the normalized lines (the first ${MAX_TRIAL_LINES}), every refused row with its line and reason, and the totals verdict`,
    {
      params: NameParams,
      querystring: Type.Object({
        fileName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
        businessDate: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' })),
        merchantId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        channel: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
      }),
      200: Any,
    },
    async (c, req) => {
      const q = req.query;
      if (!Buffer.isBuffer(req.body))
        throw new ApiError('UNSUPPORTED_MEDIA_TYPE', { expected: 'application/octet-stream' });
      const body = req.body;
      return tryMapping(
        ports,
        storeMappingCatalog(deps.store),
        c.hospitalId,
        req.params.name,
        bufferSource(q.fileName ?? 'sample', body),
        {
          ...(q.businessDate ? { businessDate: q.businessDate } : {}),
          ...(q.merchantId ? { merchantId: q.merchantId } : {}),
          ...(q.channel ? { channel: q.channel } : {}),
        },
      );
    },
  );
}
