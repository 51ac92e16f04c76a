// The simulated day's HIS as the platform's writeback reaction meets it: each order's payment writeback is
// answered as the day's HIS plan says (unavailable a few times, then confirmed with the receipt its daily
// extract prints; or refused for good). Refunds are confirmed. In process, for the simulator and the demo.
import {
  type HisChargeQuery,
  type HisChargeStatus,
  type HisClient,
  type HisConfirmPaymentRequest,
  type HisConfirmRefundRequest,
  type HisConfirmResult,
  HisError,
} from '../../domain/his/port.ts';
import type { HisPlan } from '../types.ts';

export class ScriptedHis implements HisClient {
  readonly #attempts = new Map<string, number>();
  readonly #confirmed = new Map<string, HisConfirmResult>();
  /** Calls per operation key, for tests that count writebacks. */
  readonly calls = new Map<string, number>();

  constructor(private readonly plan: Readonly<Record<string, HisPlan>>) {}

  async confirmPayment(req: HisConfirmPaymentRequest): Promise<HisConfirmResult> {
    const key = `pay:${req.orderId}`;
    this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
    const done = this.#confirmed.get(key);
    if (done) return { ...done, status: 'already-confirmed' };
    const plan = this.plan[req.orderId] ?? { failures: 0, outcome: 'confirmed' };
    const attempt = (this.#attempts.get(key) ?? 0) + 1;
    this.#attempts.set(key, attempt);
    if (attempt <= plan.failures) throw new HisError('HIS_UNAVAILABLE', 'HIS is not answering (simulated)');
    if (plan.outcome === 'rejected')
      throw new HisError('HIS_REJECTED', 'charge locked in the HIS (simulated)', {
        hisCode: 'E_LOCKED',
        hisMessage: '收费项目已锁定',
      });
    const result: HisConfirmResult = {
      status: 'confirmed',
      hisReceiptNo: plan.receiptNo ?? `HIS-${req.orderId}`,
    };
    this.#confirmed.set(key, result);
    return result;
  }

  async confirmRefund(req: HisConfirmRefundRequest): Promise<HisConfirmResult> {
    const key = `refund:${req.orderId}:${req.refundNo}`;
    this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
    const done = this.#confirmed.get(key);
    if (done) return { ...done, status: 'already-confirmed' };
    const result: HisConfirmResult = { status: 'confirmed', hisReceiptNo: `HISR-${req.refundNo}` };
    this.#confirmed.set(key, result);
    return result;
  }

  async queryCharge(req: HisChargeQuery): Promise<HisChargeStatus> {
    return { orderId: req.orderId, status: this.#confirmed.has(`pay:${req.orderId}`) ? 'paid' : 'unknown' };
  }
}
