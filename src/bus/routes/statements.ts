// Statement upload and listing for finance staff. The body is the file itself (any of the content types
// below), streamed to a temporary file as it arrives — never held whole in memory — then imported by the same
// use case the CLI calls. A file larger than the async threshold is stored with a job in the database and
// answers 202 with the job to poll at GET /v1/jobs/:id (a worker imports it: jobs.ts); a smaller one is
// imported before the answer (201, or 200 when the same bytes were imported before).
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Type } from 'typebox';
import { fileSource } from '../../adapters/statements/source.ts';
import { importAnswer, type StatementImportPayload } from '../../app/jobs/kinds.ts';
import type { ReconciliationPorts } from '../../app/reconciliation/index.ts';
import { importStatementFile, listStatements, namedMapping } from '../../app/reconciliation/statements.ts';
import { refuse } from '../../domain/reconciliation/refusals.ts';
import { ChannelIdSchema } from '../schemas.ts';
import type { App, ServerContext } from '../server.ts';
import { acceptedJob, requestJobs } from './jobs.ts';
import { reconciliationPorts } from './reconciliation.ts';
import { routes } from '../route.ts';

/** Largest statement file accepted over HTTP (a month of a busy hospital's WeChat bill is ~300 MB). */
export const MAX_UPLOAD_BYTES = 1024 * 1024 * 1024;
/** Files above this many bytes are imported as a job (202); smaller ones before the answer. */
export const DEFAULT_ASYNC_UPLOAD_BYTES = 4 * 1024 * 1024;

/** Content types a statement file may be sent as (the body is the file's bytes). */
export const STATEMENT_CONTENT_TYPES = [
  'application/octet-stream',
  'text/csv',
  'text/plain',
  'text/tab-separated-values',
  'application/vnd.ms-excel',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/zip',
  'application/gzip',
  'application/x-gzip',
];

const DateQ = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' });
const Name = (description: string) =>
  Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,128}$', maxLength: 128, description });

const UploadQuery = Type.Object(
  {
    file: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 255,
        pattern: '^[^/\\\\]+$',
        description: 'The file name (used in errors and for format detection: .csv, .xlsx, .gz …)',
      }),
    ),
    format: Type.Optional(Name('auto (default) or a format: wechat, alipay, bank:NAME, his, insurance …')),
    mapping: Type.Optional(Name('A statement mapping configured for the hospital, by name')),
    merchant: Type.Optional(Name('Expected merchant / account: a file for another is refused')),
    date: Type.Optional(DateQ),
    channel: Type.Optional(ChannelIdSchema),
  },
  { additionalProperties: false },
);

const Loose = Type.Object({}, { additionalProperties: true });

/** Copies the body to `path`, refusing (and stopping) past `max` bytes. */
async function spool(body: Readable, path: string, max: number): Promise<number> {
  let bytes = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      if (bytes > max) cb(refuse('STATEMENT_TOO_LARGE', { maxBytes: max, line: 0 }));
      else cb(null, chunk);
    },
  });
  await pipeline(body, limit, createWriteStream(path));
  return bytes;
}

export function statementRoutes(app: App, ctx: ServerContext): void {
  const api = routes(app, ['reconciliation']);
  const jobs = requestJobs(ctx);
  const ports = (): ReconciliationPorts & { mappings?: NonNullable<typeof ctx.options.mappings> } => ({
    ...reconciliationPorts(ctx),
    ...(ctx.options.mappings ? { mappings: ctx.options.mappings } : {}),
  });
  const asyncBytes = ctx.options.asyncUploadBytes ?? DEFAULT_ASYNC_UPLOAD_BYTES;

  // The file's bytes reach the route as the raw request stream (read by the handler, not by a parser).
  app.addContentTypeParser(STATEMENT_CONTENT_TYPES, (_req, payload, done) => done(null, payload));

  api.post(
    '/v1/statements',
    'finance-work',
    'Upload a statement file (the body is the file; streamed). Refused whole with code, file, line and reason; a large file answers 202 with a job to poll',
    { querystring: UploadQuery, 200: Loose, 201: Loose, 202: Loose },
    async (c, req, reply) => {
      const q = req.query;
      const name = q.file ?? `upload-${randomUUID()}`;
      // An unknown mapping is refused before the body is read.
      if (q.mapping !== undefined) await namedMapping(ports(), c.hospitalId, q.mapping);
      const dir = await mkdtemp(join(tmpdir(), 'ledger-upload-'));
      const path = join(dir, name);
      try {
        const bytes = await spool(req.body as Readable, path, MAX_UPLOAD_BYTES);
        // What the caller said of the file: the same whether it is imported now or by a job.
        const told = {
          ...(q.format !== undefined ? { format: q.format } : {}),
          ...(q.mapping !== undefined ? { mapping: q.mapping } : {}),
          ...(q.merchant !== undefined ? { merchantId: q.merchant } : {}),
          ...(q.date !== undefined ? { businessDate: q.date } : {}),
          ...(q.channel !== undefined ? { channel: q.channel } : {}),
        };
        const request = { hospitalId: c.hospitalId, by: c.actor.id, at: ctx.deps.now(), ...told };
        if (bytes > asyncBytes) {
          // Stored with the job in the database, so a worker on any machine imports it; the answer comes now.
          const payload: StatementImportPayload = {
            file: name,
            bytes,
            by: c.actor.id,
            at: request.at.toISOString(),
            ...told,
          };
          const job = await jobs.submit(
            {
              hospitalId: c.hospitalId,
              kind: 'statement-import',
              subject: name,
              payload: payload as unknown as Record<string, unknown>,
              createdBy: c.actor.id,
            },
            { path, name, contentType: 'application/octet-stream' },
          );
          return reply
            .code(202)
            .header('location', `/v1/jobs/${job.jobId}`)
            .send({ ...acceptedJob(job), bytes });
        }
        const r = await importStatementFile(ports(), fileSource(path, name), request);
        return reply.code(r.duplicate ? 200 : 201).send(importAnswer(r));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  api.get(
    '/v1/statements',
    'finance-read',
    'Imported statements, newest first: format, merchant, date, lines, the checks each passed (totals verified, or none stated) and who imported it',
    {
      querystring: Type.Object(
        {
          from: Type.Optional(DateQ),
          to: Type.Optional(DateQ),
          channel: Type.Optional(ChannelIdSchema),
          limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$', description: 'Rows, 1..200' })),
        },
        { additionalProperties: false },
      ),
      200: Loose,
    },
    async (c, req) => {
      const q = req.query;
      const statements = await listStatements(ports(), {
        hospitalId: c.hospitalId,
        ...(q.from !== undefined ? { from: q.from } : {}),
        ...(q.to !== undefined ? { to: q.to } : {}),
        ...(q.channel !== undefined ? { channel: q.channel } : {}),
        ...(q.limit !== undefined ? { limit: Number(q.limit) } : {}),
      });
      return { statements };
    },
  );
}
