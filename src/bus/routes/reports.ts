// Finance reports over HTTP: the list, and one report streamed as xlsx, CSV or JSON for the caller's hospital.
// The same use case as `ledger report`. The request is checked and the report built before the first byte is
// sent, so a refusal is always a clean 4xx; the export then streams.
import { PassThrough } from 'node:stream';
import { Type } from 'typebox';
import { buildRequestedReport, checkReportRequest, exportReport, listReports } from '../../app/reports.ts';
import { REPORT_NAMES } from '../../reports/catalog.ts';
import { CONTENT_TYPES, FORMATS } from '../../reports/export/index.ts';
import type { App, ServerContext } from '../server.ts';
import { route, routes } from '../route.ts';

const DATE = '^[0-9]{4}-[0-9]{2}-[0-9]{2}$';

const ReportParams = Type.Object({
  name: Type.String({ pattern: '^[a-z][a-z-]{1,40}$', description: `One of: ${REPORT_NAMES.join(', ')}` }),
});

const ReportQuery = Type.Object(
  {
    from: Type.String({ pattern: DATE, description: 'First business date (YYYY-MM-DD), inclusive' }),
    to: Type.String({
      pattern: DATE,
      description: 'Last business date (YYYY-MM-DD), inclusive; at most 366 days',
    }),
    asOf: Type.Optional(
      Type.String({
        maxLength: 40,
        description:
          'As the ledger knew it at this instant (ISO-8601 with a zone): built from the events recorded up to then',
      }),
    ),
    format: Type.Optional(
      Type.Union(
        FORMATS.map((f) => Type.Literal(f)),
        { description: 'Default xlsx' },
      ),
    ),
    lang: Type.Optional(Type.Union([Type.Literal('zh'), Type.Literal('en')], { description: 'Default zh' })),
    sheet: Type.Optional(
      Type.String({
        pattern: '^[a-z][a-z-]{0,40}$',
        description: 'CSV: the sheet it holds (default: the first)',
      }),
    ),
  },
  { additionalProperties: false },
);

const Label = Type.Object({ zh: Type.String(), en: Type.String() });
const ReportList = Type.Object({
  reports: Type.Array(
    Type.Object({
      name: Type.String(),
      title: Label,
      description: Label,
      sheets: Type.Array(Type.Object({ id: Type.String(), title: Label })),
    }),
  ),
});

const binary = { schema: { type: 'string', format: 'binary' } };

/** `attachment` with an ASCII name and the same name in UTF-8 (RFC 6266). */
function disposition(file: string): string {
  return `attachment; filename="${file.replace(/[^A-Za-z0-9_.-]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(file)}`;
}

export function reportRoutes(app: App, ctx: ServerContext): void {
  const api = routes(app, ['reports']);
  app.get(
    '/v1/reports',
    route('report', ['reports'], 'The finance reports (日结, 对账, 账龄 …), each with its sheets', {
      200: ReportList,
    }),
    async () => ({ reports: listReports() }),
  );

  api.get(
    '/v1/reports/:name',
    'report',
    "A finance report for the caller's hospital and a range of business dates, as xlsx (cover sheet, frozen header, filters, SUM totals), CSV (UTF-8 with BOM, one sheet) or JSON; streamed. X-Report-Position names the event position it was built to",
    {
      params: ReportParams,
      querystring: ReportQuery,
      200: {
        description: 'The report',
        content: {
          [CONTENT_TYPES.xlsx]: binary,
          'text/csv': binary,
          'application/json': { schema: { type: 'object', additionalProperties: true } },
        },
      },
    },
    async (c, req, reply) => {
      const q = req.query;
      const request = checkReportRequest(
        { name: req.params.name, hospitalId: c.hospitalId, ...q },
        new Date(ctx.now()),
      );
      const report = await buildRequestedReport(
        { store: ctx.deps.store, now: () => new Date(ctx.now()) },
        request,
      );
      const body = new PassThrough();
      exportReport(report, request, body).catch((error: unknown) => {
        // Headers are gone: the only honest signal left is a broken download.
        req.log.error({ err: error, report: request.definition.name }, 'report export failed');
        body.destroy(error as Error);
      });
      return reply
        .header('content-type', CONTENT_TYPES[request.format])
        .header(
          'content-disposition',
          disposition(
            `${report.name}_${report.params.hospitalId}_${report.params.from}_${report.params.to}.${request.format}`,
          ),
        )
        .header('x-report-position', report.position.toString())
        .header('cache-control', 'no-store')
        .send(body);
    },
  );
}
