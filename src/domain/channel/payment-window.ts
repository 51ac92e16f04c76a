/**
 * How long a requested payment (QR code shown, in-app prepay, POS prompted) may stay payable: the longest
 * expiry a payment may ask for is this window, and channel calls close an order still unpaid at its end (by
 * default). One rule, so a QR code never outlives the order it pays.
 */
export const PAYMENT_WINDOW_MS = 30 * 60_000;
