// /v1/mappings over HTTP: roles, the caller's hospital, refusals with the JSON path, a trial of an uploaded
// sample, and the OpenAPI document.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, HOSPITAL, startHarness, TOKENS } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('bus_mappings');
});
afterAll(async () => {
  await h?.close();
});

const WEST = {
  name: 'his-west',
  party: 'his',
  container: 'csv',
  fields: { hisNo: '流水', amount: '金额', occurredAt: '时间' },
  dateFormats: ['yyyy-MM-dd HH:mm:ss'],
  kind: { column: '类型', values: { 收费: 'payment', 退费: 'refund' } },
  amountSign: 'refund-negative',
  totals: { marker: '流水', equals: '合计', count: '类型', amount: '金额' },
};

describe('/v1/mappings', () => {
  it('lets a supervisor add and revise, and finance staff list, show and try, in their hospital', async () => {
    const supervisor = h.staff(TOKENS.supervisor);
    const clerk = h.staff(TOKENS.clerk);
    const auditor = h.staff(TOKENS.auditor);

    expect((await clerk('POST', '/v1/mappings', { definition: WEST })).status).toBe(403);
    const added = await supervisor('POST', '/v1/mappings', { definition: WEST, note: 'west wing HIS' });
    expect(added).toMatchObject({ status: 201, body: { name: 'his-west', version: 1 } });

    const bad = await supervisor('POST', '/v1/mappings', {
      definition: { ...WEST, name: 'his-w2', dateFormats: [] },
    });
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({
      code: 'MAPPING_INVALID',
      details: { path: '$.dateFormats', reason: 'must list 1..10 patterns' },
    });

    const revised = await h.staff(TOKENS.admin)('PUT', '/v1/mappings/his-west', {
      definition: { ...WEST, dateFormats: ['yyyy-MM-dd HH:mm:ss', 'yyyy/MM/dd HH:mm:ss'] },
    });
    expect(revised).toMatchObject({ status: 200, body: { version: 2 } });

    const list = await auditor('GET', '/v1/mappings');
    expect(list.status).toBe(200);
    expect(list.body.mappings.find((m: { name: string }) => m.name === 'his-west')).toMatchObject({
      version: 2,
      status: 'current',
    });
    const shown = await clerk('GET', '/v1/mappings/his-west?version=1');
    expect(shown.body.shown.definition.dateFormats).toEqual(['yyyy-MM-dd HH:mm:ss']);
    expect(shown.body.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect((await clerk('GET', '/v1/mappings/nope')).body.code).toBe('UNKNOWN_MAPPING');

    const sample = [
      '流水,类型,金额,时间',
      'A1,收费,10.00,2024/05/01 08:00:00',
      'A2,收费,x,2024-05-01 08:01:00',
      '合计,2,10.00,',
    ].join('\n');
    const tried = await clerk('POST', '/v1/mappings/his-west/try?fileName=west.csv', undefined, {
      rawBody: sample,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(tried.status).toBe(200);
    expect(tried.body).toMatchObject({
      mapping: { name: 'his-west', version: 2 },
      lineCount: 1,
      refused: [{ line: 3, code: 'MALFORMED_LINE' }],
      wouldImport: false,
    });
    expect(tried.body.lines[0]).toMatchObject({ hisNo: 'A1', amount: '10.00', party: 'his' });
    // A JSON body is not a sample; an auditor does not try; a bus client does not read mappings.
    expect((await clerk('POST', '/v1/mappings/his-west/try', { x: 1 })).status).toBe(415);
    expect(
      (
        await auditor('POST', '/v1/mappings/his-west/try', undefined, {
          rawBody: sample,
          headers: { 'content-type': 'application/octet-stream' },
        })
      ).status,
    ).toBe(403);
    expect((await h.kiosk('GET', '/v1/mappings')).status).toBe(403);

    // Written to the caller's hospital (another hospital resolves no such name: test/app/mappings.test.ts).
    const other = await h.store.readStream(`${HOSPITAL}/mapping/his-west`);
    expect(other.version).toBe(2);
  });

  it('is in the OpenAPI document', async () => {
    const doc = await h.app.inject({ method: 'GET', url: '/docs/json' });
    const paths = Object.keys(JSON.parse(doc.body).paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/v1/mappings',
        '/v1/mappings/{name}',
        '/v1/mappings/{name}/retire',
        '/v1/mappings/{name}/try',
      ]),
    );
  });
});
