// HIS simulator: a small HTTP server speaking both HIS dialects (JSON at /his/v1/*, SOAP 1.1 at
// /his/soap) over its own in-memory charge table, so tests and the demo can exercise writeback
// against a real socket. It can be told, at runtime, to misbehave the ways real HIS systems do:
//
//   normal        answer at once
//   slow(ms)      answer after ms
//   fail(code)    refuse with a business code (or, with httpStatus >= 500, answer unavailable)
//   timeout       never answer (the client's deadline must fire)
//   twice         the request is applied as if delivered twice; the caller gets the second answer
//                 (already-confirmed) — what a retrying proxy in front of a HIS produces
//   flaky(n)      answer 503 to the next n requests, then normally
//   lost-answer   apply, then drop the connection before answering (outcome unknown to the caller)
//
// Control: programmatically (setMode, addCharge, records, charges, reset) or over HTTP:
//   GET/PUT /admin/mode, GET /admin/records, GET/POST /admin/charges, POST /admin/reset.
// Confirmations are idempotent: the same charge confirmed again with the same channel txn answers
// already-confirmed with the original receipt; with another txn it is refused (E_ALREADY_PAID).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Decimal } from 'decimal.js';
import { HIS_JSON_PATHS } from '../../adapters/his/json-client.ts';
import { AMOUNT_PATTERN } from '../../domain/his/port.ts';
import {
  HIS_SOAP_OPERATIONS,
  HIS_SOAP_PATH,
  type HisSoapOperation,
  parseSoapBody,
  soapEnvelope,
  soapFault,
  text,
  textList,
} from '../../adapters/his/soap.ts';

export type HisSimulatorMode =
  | { kind: 'normal' }
  | { kind: 'slow'; ms: number }
  | { kind: 'fail'; code: string; message?: string; httpStatus?: number }
  | { kind: 'timeout' }
  | { kind: 'twice' }
  | { kind: 'flaky'; failures: number }
  | { kind: 'lost-answer' };

export type HisDialect = 'json' | 'soap';

export interface HisSimRecord {
  seq: number;
  dialect: HisDialect;
  operation: 'confirm-payment' | 'confirm-refund';
  hospitalId: string;
  orderId: string;
  channelTxnId?: string;
  refundNo?: string;
  amount: string;
  outcome: 'confirmed' | 'already-confirmed' | 'rejected';
  receiptNo?: string;
  rejectCode?: string;
  at: Date;
}

export interface HisSimCharge {
  hospitalId: string;
  orderId: string;
  /** Set when seeded (addCharge) or by the first confirmation. */
  amount: string;
  status: 'unpaid' | 'paid' | 'partially-refunded' | 'refunded';
  chargeRefs: string[];
  channelTxnId?: string;
  receiptNo?: string;
  refunds: Array<{ refundNo: string; amount: string; receiptNo: string }>;
}

export interface HisSimulatorOptions {
  port?: number;
  host?: string;
  /** Refuse confirmations of charges not seeded with addCharge (E_CHARGE_NOT_FOUND). Default false. */
  strictCharges?: boolean;
  mode?: HisSimulatorMode;
}

export interface HisSimulator {
  url: string;
  setMode(mode: HisSimulatorMode): void;
  mode(): HisSimulatorMode;
  /** Every confirmation the simulator processed (twice mode: two entries), oldest first. */
  records(): HisSimRecord[];
  charges(): HisSimCharge[];
  addCharge(charge: { hospitalId: string; orderId: string; amount: string; chargeRefs?: string[] }): void;
  reset(): void;
  close(): Promise<void>;
}

/** Limits so a runaway test or demo cannot grow the simulator without bound. */
export const HIS_SIM_MAX_BODY_BYTES = 1024 * 1024;
export const HIS_SIM_MAX_RECORDS = 100_000;
export const HIS_SIM_MAX_CHARGES = 100_000;
export const HIS_SIM_MAX_SLOW_MS = 10 * 60 * 1000;

type Outcome =
  | { ok: true; data: Record<string, string | undefined> }
  | { ok: false; code: string; message: string; unavailable?: number };

interface ParsedRequest {
  operation: 'confirm-payment' | 'confirm-refund' | 'query-charge';
  fields: Record<string, string | undefined>;
  chargeRefs: string[];
}

export function assertMode(value: unknown): HisSimulatorMode {
  const m = value as Partial<Record<string, unknown>> | null;
  const bad = (why: string) => new RangeError(`invalid HIS simulator mode: ${why}`);
  if (typeof m !== 'object' || m === null || typeof m.kind !== 'string') throw bad('kind is required');
  switch (m.kind) {
    case 'normal':
    case 'timeout':
    case 'twice':
    case 'lost-answer':
      return { kind: m.kind };
    case 'slow':
      if (!Number.isInteger(m.ms) || (m.ms as number) < 0 || (m.ms as number) > HIS_SIM_MAX_SLOW_MS)
        throw bad(`slow needs ms in 0..${HIS_SIM_MAX_SLOW_MS}`);
      return { kind: 'slow', ms: m.ms as number };
    case 'flaky':
      if (!Number.isInteger(m.failures) || (m.failures as number) < 0 || (m.failures as number) > 1_000_000)
        throw bad('flaky needs a failures count');
      return { kind: 'flaky', failures: m.failures as number };
    case 'fail': {
      if (typeof m.code !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(m.code))
        throw bad('fail needs a code');
      const out: HisSimulatorMode = { kind: 'fail', code: m.code };
      if (typeof m.message === 'string') out.message = m.message.slice(0, 200);
      if (m.httpStatus !== undefined) {
        if (
          !Number.isInteger(m.httpStatus) ||
          (m.httpStatus as number) < 400 ||
          (m.httpStatus as number) > 599
        )
          throw bad('httpStatus must be 400..599');
        out.httpStatus = m.httpStatus as number;
      }
      return out;
    }
    default:
      throw bad(`unknown kind ${String(m.kind).slice(0, 40)}`);
  }
}

/** CLI shorthand: normal | timeout | twice | lost-answer | slow:<ms> | fail:<code>[:<http>] | flaky:<n>. */
export function parseModeSpec(spec: string): HisSimulatorMode {
  const [kind, arg, arg2] = spec.split(':');
  if (kind === 'slow') return assertMode({ kind, ms: Number(arg) });
  if (kind === 'flaky') return assertMode({ kind, failures: Number(arg) });
  if (kind === 'fail') return assertMode({ kind, code: arg, ...(arg2 ? { httpStatus: Number(arg2) } : {}) });
  return assertMode({ kind });
}

class BadRequest extends Error {}

export async function startHisSimulator(options: HisSimulatorOptions = {}): Promise<HisSimulator> {
  let mode: HisSimulatorMode = options.mode ?? { kind: 'normal' };
  let flakyLeft = mode.kind === 'flaky' ? mode.failures : 0;
  let seq = 0;
  let receiptSeq = 0;
  const records: HisSimRecord[] = [];
  const charges = new Map<string, HisSimCharge>();
  const strict = options.strictCharges ?? false;

  const keyOf = (hospitalId: string, orderId: string) => `${hospitalId.length}:${hospitalId}/${orderId}`;
  const nextReceipt = () => `HIS${String(++receiptSeq).padStart(8, '0')}`;
  const record = (r: Omit<HisSimRecord, 'seq' | 'at'>) => {
    if (records.length >= HIS_SIM_MAX_RECORDS) records.shift();
    records.push({ ...r, seq: ++seq, at: new Date() });
  };

  function addCharge(c: {
    hospitalId: string;
    orderId: string;
    amount: string;
    chargeRefs?: string[];
  }): void {
    if (!AMOUNT_PATTERN.test(c.amount)) throw new RangeError('addCharge: amount must have two decimals');
    if (charges.size >= HIS_SIM_MAX_CHARGES) throw new RangeError('HIS simulator charge table is full');
    charges.set(keyOf(c.hospitalId, c.orderId), {
      hospitalId: c.hospitalId,
      orderId: c.orderId,
      amount: c.amount,
      status: 'unpaid',
      chargeRefs: [...(c.chargeRefs ?? [])],
      refunds: [],
    });
  }

  function confirmPayment(dialect: HisDialect, f: ParsedRequest['fields'], refs: string[]): Outcome {
    const { hospitalId, orderId, channelTxnId, amount } = f;
    if (!hospitalId || !orderId || !channelTxnId || !amount || !AMOUNT_PATTERN.test(amount) || !f.channel)
      return { ok: false, code: 'E_BAD_REQUEST', message: '缺少必填字段 / missing or invalid fields' };
    const base = {
      dialect,
      operation: 'confirm-payment' as const,
      hospitalId,
      orderId,
      channelTxnId,
      amount,
    };
    const reject = (code: string, message: string): Outcome => {
      record({ ...base, outcome: 'rejected', rejectCode: code });
      return { ok: false, code, message };
    };
    let charge = charges.get(keyOf(hospitalId, orderId));
    if (!charge) {
      if (strict) return reject('E_CHARGE_NOT_FOUND', '收费项目不存在 / charge not found');
      if (charges.size >= HIS_SIM_MAX_CHARGES) return reject('E_FULL', 'charge table full');
      charge = { hospitalId, orderId, amount, status: 'unpaid', chargeRefs: refs, refunds: [] };
      charges.set(keyOf(hospitalId, orderId), charge);
    }
    if (charge.status !== 'unpaid') {
      if (charge.channelTxnId !== channelTxnId)
        return reject('E_ALREADY_PAID', '该费用已由其他交易缴清 / paid by another transaction');
      if (!new Decimal(charge.amount).equals(amount))
        return reject('E_AMOUNT_MISMATCH', '金额不符 / amount mismatch');
      record({ ...base, outcome: 'already-confirmed', receiptNo: charge.receiptNo! });
      return { ok: true, data: { status: 'already-confirmed', receiptNo: charge.receiptNo } };
    }
    if (!new Decimal(charge.amount).equals(amount))
      return reject('E_AMOUNT_MISMATCH', '金额不符 / amount mismatch');
    charge.status = 'paid';
    charge.channelTxnId = channelTxnId;
    charge.receiptNo = nextReceipt();
    if (refs.length > 0) charge.chargeRefs = refs;
    record({ ...base, outcome: 'confirmed', receiptNo: charge.receiptNo });
    return { ok: true, data: { status: 'confirmed', receiptNo: charge.receiptNo } };
  }

  function confirmRefund(dialect: HisDialect, f: ParsedRequest['fields']): Outcome {
    const { hospitalId, orderId, refundNo, amount } = f;
    if (!hospitalId || !orderId || !refundNo || !amount || !AMOUNT_PATTERN.test(amount) || !f.channel)
      return { ok: false, code: 'E_BAD_REQUEST', message: '缺少必填字段 / missing or invalid fields' };
    const base = { dialect, operation: 'confirm-refund' as const, hospitalId, orderId, refundNo, amount };
    const reject = (code: string, message: string): Outcome => {
      record({ ...base, outcome: 'rejected', rejectCode: code });
      return { ok: false, code, message };
    };
    const charge = charges.get(keyOf(hospitalId, orderId));
    if (!charge || charge.status === 'unpaid') return reject('E_NOT_PAID', '费用未缴 / charge not paid');
    const prior = charge.refunds.find((r) => r.refundNo === refundNo);
    if (prior) {
      if (!new Decimal(prior.amount).equals(amount))
        return reject('E_REFUND_CONFLICT', '退费金额不符 / refund amount differs');
      record({ ...base, outcome: 'already-confirmed', receiptNo: prior.receiptNo });
      return { ok: true, data: { status: 'already-confirmed', receiptNo: prior.receiptNo } };
    }
    const refunded = charge.refunds.reduce((s, r) => s.plus(r.amount), new Decimal(0)).plus(amount);
    if (refunded.greaterThan(charge.amount))
      return reject('E_REFUND_EXCEEDS', '退费超过实缴 / refund exceeds payment');
    const receiptNo = nextReceipt();
    charge.refunds.push({ refundNo, amount, receiptNo });
    charge.status = refunded.equals(charge.amount) ? 'refunded' : 'partially-refunded';
    record({ ...base, outcome: 'confirmed', receiptNo });
    return { ok: true, data: { status: 'confirmed', receiptNo } };
  }

  function queryCharge(f: ParsedRequest['fields']): Outcome {
    if (!f.hospitalId || !f.orderId) return { ok: false, code: 'E_BAD_REQUEST', message: 'missing fields' };
    const c = charges.get(keyOf(f.hospitalId, f.orderId));
    if (!c) return { ok: true, data: { status: 'unknown' } };
    return {
      ok: true,
      data: { status: c.status, amount: c.amount, channelTxnId: c.channelTxnId, receiptNo: c.receiptNo },
    };
  }

  function apply(dialect: HisDialect, r: ParsedRequest): Outcome {
    if (r.operation === 'confirm-payment') return confirmPayment(dialect, r.fields, r.chargeRefs);
    if (r.operation === 'confirm-refund') return confirmRefund(dialect, r.fields);
    return queryCharge(r.fields);
  }

  // ---- wire formats -------------------------------------------------------------------------

  function parseJson(path: string, body: string): ParsedRequest {
    const operation =
      path === HIS_JSON_PATHS.confirmPayment
        ? 'confirm-payment'
        : path === HIS_JSON_PATHS.confirmRefund
          ? 'confirm-refund'
          : 'query-charge';
    let data: unknown;
    try {
      data = JSON.parse(body);
    } catch {
      throw new BadRequest('body is not JSON');
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data))
      throw new BadRequest('body is not an object');
    const d = data as Record<string, unknown>;
    const fields: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(d)) if (typeof v === 'string') fields[k] = v;
    const refs = Array.isArray(d.chargeRefs)
      ? d.chargeRefs.filter((r): r is string => typeof r === 'string')
      : [];
    return { operation, fields, chargeRefs: refs };
  }

  const SOAP_OPS: Record<HisSoapOperation, ParsedRequest['operation']> = {
    ConfirmPayment: 'confirm-payment',
    ConfirmRefund: 'confirm-refund',
    QueryCharge: 'query-charge',
  };
  const SOAP_FIELDS = [
    'HospitalId',
    'OrderId',
    'VisitNo',
    'Channel',
    'ChannelTxnId',
    'Amount',
    'PaidAt',
    'RefundNo',
    'ChannelRefundId',
    'RefundedAt',
  ];

  function parseSoap(body: string): { op: HisSoapOperation; request: ParsedRequest } {
    let parsed: ReturnType<typeof parseSoapBody>;
    try {
      parsed = parseSoapBody(body);
    } catch (err) {
      throw new BadRequest((err as Error).message);
    }
    const op = HIS_SOAP_OPERATIONS.find((o) => o === parsed.element);
    if (!op) throw new BadRequest(`unknown operation ${parsed.element}`);
    const fields: Record<string, string | undefined> = {};
    try {
      for (const name of SOAP_FIELDS)
        fields[name.charAt(0).toLowerCase() + name.slice(1)] = text(parsed.content, name);
      return {
        op,
        request: { operation: SOAP_OPS[op], fields, chargeRefs: textList(parsed.content, 'ChargeRefs') },
      };
    } catch (err) {
      throw new BadRequest((err as Error).message);
    }
  }

  function sendJson(res: ServerResponse, status: number, payload: unknown): void {
    const body = JSON.stringify(payload);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  }

  function sendXml(res: ServerResponse, status: number, xml: string): void {
    res.writeHead(status, {
      'content-type': 'text/xml; charset=utf-8',
      'content-length': Buffer.byteLength(xml),
    });
    res.end(xml);
  }

  function answer(res: ServerResponse, dialect: HisDialect, op: HisSoapOperation, outcome: Outcome): void {
    if (dialect === 'json') {
      if (outcome.ok) sendJson(res, 200, { code: '0', message: '成功', data: outcome.data });
      else sendJson(res, outcome.unavailable ?? 200, { code: outcome.code, message: outcome.message });
      return;
    }
    if (outcome.ok) {
      const d = outcome.data;
      sendXml(
        res,
        200,
        soapEnvelope(`${op}Response`, [
          ['ResultCode', '0'],
          ['ResultMsg', '成功'],
          ['Status', d.status],
          ['Amount', d.amount],
          ['ChannelTxnId', d.channelTxnId],
          ['ReceiptNo', d.receiptNo],
        ]),
      );
    } else if (outcome.unavailable)
      sendXml(res, outcome.unavailable, soapFault('Server', outcome.message, outcome.code));
    else
      sendXml(
        res,
        200,
        soapEnvelope(`${op}Response`, [
          ['ResultCode', outcome.code],
          ['ResultMsg', outcome.message],
        ]),
      );
  }

  // ---- HTTP -----------------------------------------------------------------------------------

  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > HIS_SIM_MAX_BODY_BYTES) throw new BadRequest('body too large');
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  async function admin(req: IncomingMessage, res: ServerResponse, path: string, body: string): Promise<void> {
    const method = req.method ?? 'GET';
    const json = () => {
      try {
        return JSON.parse(body) as unknown;
      } catch {
        throw new BadRequest('body is not JSON');
      }
    };
    if (path === '/admin/mode' && method === 'GET') return sendJson(res, 200, mode);
    if (path === '/admin/mode' && (method === 'PUT' || method === 'POST')) {
      sim.setMode(assertMode(json()));
      return sendJson(res, 200, mode);
    }
    if (path === '/admin/records' && method === 'GET') return sendJson(res, 200, records);
    if (path === '/admin/charges' && method === 'GET') return sendJson(res, 200, sim.charges());
    if (path === '/admin/charges' && method === 'POST') {
      const c = json() as Record<string, unknown>;
      if (typeof c.hospitalId !== 'string' || typeof c.orderId !== 'string' || typeof c.amount !== 'string')
        throw new BadRequest('hospitalId, orderId and amount (string) are required');
      addCharge({
        hospitalId: c.hospitalId,
        orderId: c.orderId,
        amount: c.amount,
        chargeRefs: Array.isArray(c.chargeRefs)
          ? c.chargeRefs.filter((r): r is string => typeof r === 'string')
          : [],
      });
      return sendJson(res, 201, { ok: true });
    }
    if (path === '/admin/reset' && method === 'POST') {
      sim.reset();
      return sendJson(res, 200, { ok: true });
    }
    sendJson(res, 404, { code: 'NOT_FOUND', message: `no admin route ${method} ${path}` });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://sim').pathname;
    const body = await readBody(req);
    if (path.startsWith('/admin/')) return admin(req, res, path, body);
    const isJson = (Object.values(HIS_JSON_PATHS) as string[]).includes(path);
    const isSoap = path === HIS_SOAP_PATH;
    if (!isJson && !isSoap) return sendJson(res, 404, { code: 'NOT_FOUND', message: `no route ${path}` });
    if (req.method !== 'POST')
      return sendJson(res, 405, { code: 'METHOD_NOT_ALLOWED', message: 'POST only' });

    const dialect: HisDialect = isJson ? 'json' : 'soap';
    let op: HisSoapOperation = 'ConfirmPayment';
    let request: ParsedRequest;
    try {
      if (isJson) request = parseJson(path, body);
      else ({ op, request } = parseSoap(body));
    } catch (err) {
      if (!(err instanceof BadRequest)) throw err;
      if (dialect === 'json') return sendJson(res, 400, { code: 'E_BAD_REQUEST', message: err.message });
      return sendXml(res, 500, soapFault('Client', err.message, 'E_BAD_REQUEST'));
    }

    const current = mode;
    switch (current.kind) {
      case 'timeout':
        return; // hold the connection; close() tears it down
      case 'slow':
        await new Promise((r) => setTimeout(r, current.ms));
        break;
      case 'flaky':
        if (flakyLeft > 0) {
          flakyLeft--;
          return answer(res, dialect, op, {
            ok: false,
            code: 'E_UNAVAILABLE',
            message: 'HIS 繁忙 / busy',
            unavailable: 503,
          });
        }
        break;
      case 'fail':
        return answer(res, dialect, op, {
          ok: false,
          code: current.code,
          message: current.message ?? `simulated failure ${current.code}`,
          ...(current.httpStatus !== undefined && current.httpStatus >= 500
            ? { unavailable: current.httpStatus }
            : {}),
        });
      case 'twice': {
        apply(dialect, request);
        return answer(res, dialect, op, apply(dialect, request));
      }
      case 'lost-answer': {
        apply(dialect, request);
        req.socket.destroy();
        return;
      }
    }
    answer(res, dialect, op, apply(dialect, request));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent || res.destroyed) return;
      if (err instanceof BadRequest) sendJson(res, 400, { code: 'E_BAD_REQUEST', message: err.message });
      else if (err instanceof RangeError) sendJson(res, 400, { code: 'E_BAD_REQUEST', message: err.message });
      else sendJson(res, 500, { code: 'E_INTERNAL', message: 'simulator error' });
    });
  });
  server.keepAliveTimeout = 1000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  const sim: HisSimulator = {
    url: `http://${host}:${address.port}`,
    setMode(next) {
      mode = assertMode(next);
      flakyLeft = mode.kind === 'flaky' ? mode.failures : 0;
    },
    mode: () => mode,
    records: () => records.map((r) => ({ ...r })),
    charges: () =>
      [...charges.values()].map((c) => ({ ...c, chargeRefs: [...c.chargeRefs], refunds: [...c.refunds] })),
    addCharge,
    reset() {
      records.length = 0;
      charges.clear();
      mode = { kind: 'normal' };
      flakyLeft = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
  return sim;
}
