import { describe, expect, it } from 'vitest';
import { HisJsonClient } from '../../../src/adapters/his/index.ts';
import { escapeXml, parseSoapBody, soapEnvelope } from '../../../src/adapters/his/soap.ts';
import { parseModeSpec } from '../../../src/simulation/his/simulator.ts';
import { runHisSimulator } from '../../../src/simulation/his/simulator-main.ts';

describe('standalone HIS simulator', () => {
  it('starts from argv with a mode, prints where it listens, and serves', async () => {
    const lines: string[] = [];
    const sim = await runHisSimulator({
      argv: ['--port', '0', '--mode', 'fail:E9:503'],
      env: {},
      out: (l) => lines.push(l),
      handleSignals: false,
    });
    try {
      expect(lines[0]).toContain(sim.url);
      expect(sim.mode()).toEqual({ kind: 'fail', code: 'E9', httpStatus: 503 });
      sim.setMode({ kind: 'normal' });
      const r = await new HisJsonClient({ baseUrl: sim.url }).confirmPayment({
        hospitalId: 'H1',
        orderId: 'O1',
        hisChargeRefs: [],
        channel: 'cash',
        channelTxnId: 'T1',
        amount: '0.01',
        paidAt: new Date(),
      });
      expect(r.status).toBe('confirmed');
    } finally {
      await sim.close();
    }
  });

  it('parses mode shorthands and rejects nonsense', () => {
    expect(parseModeSpec('slow:250')).toEqual({ kind: 'slow', ms: 250 });
    expect(parseModeSpec('flaky:3')).toEqual({ kind: 'flaky', failures: 3 });
    expect(parseModeSpec('twice')).toEqual({ kind: 'twice' });
    expect(() => parseModeSpec('slow:x')).toThrow(RangeError);
    expect(() => parseModeSpec('explode')).toThrow(RangeError);
  });
});

describe('SOAP building', () => {
  it('escapes metacharacters and refuses characters XML cannot carry', () => {
    expect(escapeXml(`<a href="x">&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;');
    expect(() => escapeXml('bell\u0007')).toThrow(RangeError);
    const xml = soapEnvelope('ConfirmPayment', [['OrderId', '</his:OrderId><his:Amount>0.01']]);
    expect(parseSoapBody(xml)).toEqual({
      element: 'ConfirmPayment',
      content: { OrderId: '</his:OrderId><his:Amount>0.01' },
    });
  });
});
