// What a statement line's printed status says happened to its money, across every format: done (the money
// moved), in flight (the channel still processes it: followed, not settled) or failed (no money moved). Pure.
//
// Sources: WeChat Pay 退款状态 (SUCCESS, PROCESSING, FAIL/CHANGE in the API docs; Chinese copies print
// 退款成功/退款处理中/退款失败/退款异常/转入代发), Alipay refund and trade statuses (REFUND_SUCCESS,
// REFUND_PROCESSING, REFUND_FAIL; TRADE_SUCCESS/TRADE_FINISHED, WAIT_BUYER_PAY, TRADE_CLOSED) — Alipay's trade
// bill lists only completed movements, so its lines carry no status and count as done —, UnionPay/acquirer
// 交易状态 (成功, 处理中, 失败, 已撤销, 已冲正) and HIS extracts (收费/退费 status columns where a mapping has one).

export type LineState = 'done' | 'in-flight' | 'failed';

const STATES: ReadonlyMap<string, LineState> = new Map<string, LineState>([
  // done
  ['', 'done'],
  ['SUCCESS', 'done'],
  ['REFUND', 'done'],
  ['REVOKED', 'done'],
  ['REFUND_SUCCESS', 'done'],
  ['TRADE_SUCCESS', 'done'],
  ['TRADE_FINISHED', 'done'],
  ['成功', 'done'],
  ['交易成功', 'done'],
  ['退款成功', 'done'],
  ['支付成功', 'done'],
  ['已退款', 'done'],
  ['00', 'done'],
  // in flight: the channel accepted it and has not finished
  ['PROCESSING', 'in-flight'],
  ['USERPAYING', 'in-flight'],
  ['REFUND_PROCESSING', 'in-flight'],
  ['WAIT_BUYER_PAY', 'in-flight'],
  ['处理中', 'in-flight'],
  ['退款处理中', 'in-flight'],
  ['退款中', 'in-flight'],
  ['支付中', 'in-flight'],
  ['交易处理中', 'in-flight'],
  ['待确认', 'in-flight'],
  // failed: no money moved (CHANGE = 退款异常: the refund could not reach the account, the money stays)
  ['FAIL', 'failed'],
  ['FAILED', 'failed'],
  ['CHANGE', 'failed'],
  ['CLOSED', 'failed'],
  ['PAYERROR', 'failed'],
  ['REFUND_FAIL', 'failed'],
  ['TRADE_CLOSED', 'failed'],
  ['失败', 'failed'],
  ['交易失败', 'failed'],
  ['退款失败', 'failed'],
  ['退款异常', 'failed'],
  ['支付失败', 'failed'],
  ['已关闭', 'failed'],
  ['交易关闭', 'failed'],
  ['已冲正', 'failed'],
]);

/**
 * The state of a line's money from its printed status. A status no table entry names is taken as done: the
 * statement printed the line with its amount, and an unknown word is no evidence the money did not move.
 */
export function lineStateOf(status: string | undefined): LineState {
  if (status === undefined) return 'done';
  return STATES.get(status) ?? STATES.get(status.trim().toUpperCase()) ?? 'done';
}

/** Statuses per state (for docs and tests). */
export function statusesOf(state: LineState): string[] {
  return [...STATES].filter(([, s]) => s === state).map(([k]) => k);
}
