// JSON Schemas of the bus API (TypeBox → JSON Schema for validation, serialization and OpenAPI).
// Money is always a decimal string with at most two places: a JSON number never carries money.
import { Type } from 'typebox';
import { BUSINESS_TYPES, CHANNEL_LIMITS } from '../domain/channel/types.ts';
import { ORDER_LIMITS } from '../domain/order/types.ts';

/** Longest id the API accepts; paths carry ids, so it is also the router's longest path parameter. */
export const MAX_ID_LENGTH = 128;
const ID = `^[A-Za-z0-9_.:-]{1,${MAX_ID_LENGTH}}$`;
export const Id = (description: string) =>
  Type.String({ pattern: ID, maxLength: MAX_ID_LENGTH, description });
export const ChannelIdSchema = Type.String({ pattern: '^[a-z][a-z0-9-]{0,31}$', description: 'Channel id' });
export const MoneySchema = Type.String({
  pattern: '^(0|[1-9][0-9]{0,14})(\\.[0-9]{1,2})?$',
  description: 'CNY amount as a decimal string, at most two decimals ("12.50")',
  examples: ['25.00'],
});
/** A text field of an answer that may be null (not known, never set). */
export const StringOrNull = Type.Union([Type.String(), Type.Null()]);

export const Text = (description: string) =>
  Type.String({ minLength: 1, maxLength: ORDER_LIMITS.textLength, description });
const Date8601 = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' });
const HHMM = Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$' });

export const ErrorSchema = Type.Object(
  {
    code: Type.String({ description: 'Stable machine-readable code' }),
    message: Type.Object({ zh: Type.String(), en: Type.String() }),
    details: Type.Object({}, { additionalProperties: true }),
  },
  { $id: 'Error', description: 'Every refusal: a stable code, the message in Chinese and English, details' },
);

const errorRef = Type.Ref('Error');
export const errorResponses = {
  400: errorRef,
  401: errorRef,
  403: errorRef,
  404: errorRef,
  409: errorRef,
  413: errorRef,
  415: errorRef,
  422: errorRef,
  429: errorRef,
  503: errorRef,
};

export const IdempotencyHeaders = Type.Object(
  {
    'idempotency-key': Type.Optional(
      Type.String({
        description:
          'REQUIRED on every money-moving request. Same key + same body → the first answer again; same key + another body → 422 IDEMPOTENCY_KEY_REUSED.',
      }),
    ),
  },
  { additionalProperties: true },
);

export const RegistrationBusiness = Type.Object(
  {
    kind: Type.Literal('registration'),
    mode: Type.Union([Type.Literal('booked'), Type.Literal('same-day')]),
    departmentId: Id('Department (HIS)'),
    doctorId: Id('Doctor (HIS)'),
    slotId: Id('Schedule slot (HIS): the charge ref written back'),
    visitDate: Date8601,
  },
  { additionalProperties: false },
);

export const ChargeItem = Type.Object(
  { hisItemId: Id('HIS charge item ref (收费明细号)'), name: Text('Item name'), amount: MoneySchema },
  { additionalProperties: false },
);

export const OutpatientBusiness = Type.Object(
  {
    kind: Type.Literal('outpatient'),
    visitId: Id('Visit (就诊号)'),
    chargeItems: Type.Array(ChargeItem, { minItems: 1, maxItems: ORDER_LIMITS.chargeItems }),
  },
  { additionalProperties: false },
);

export const DepositBusiness = Type.Object(
  { kind: Type.Literal('deposit'), admissionId: Id('Admission (住院号)') },
  { additionalProperties: false },
);

export const CreateOrderBody = Type.Object(
  {
    orderId: Id('Platform order number (商户订单号), chosen by the client'),
    patientId: Id('Patient id (HIS)'),
    amount: MoneySchema,
    business: Type.Union([RegistrationBusiness, OutpatientBusiness, DepositBusiness]),
  },
  { additionalProperties: false },
);

export const OrderParams = Type.Object({ orderId: Id('Order number') });

export const RecordPaymentBody = Type.Object(
  {
    channel: ChannelIdSchema,
    channelTxnId: Id('The channel transaction id (POS reference, cash receipt…)'),
    amount: MoneySchema,
    payerRef: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'Masked payer account, e.g. 6222****1234',
    }),
    attemptId: Type.Optional(Id('The payment attempt this result belongs to')),
  },
  { additionalProperties: false },
);

export const PaymentAttemptBody = Type.Object(
  { attemptId: Id('Attempt id'), channel: ChannelIdSchema },
  { additionalProperties: false },
);

export const AttemptOutcomeBody = Type.Object(
  {
    channel: ChannelIdSchema,
    outcome: Type.Union([Type.Literal('failed'), Type.Literal('unknown')]),
    reason: Type.Optional(Text('Why it failed')),
  },
  { additionalProperties: false },
);

export const CancelBody = Type.Object(
  {
    reason: Text('Why'),
    refundId: Type.Optional(Id('Refund number of the fee refund (required when the registration was paid)')),
  },
  { additionalProperties: false },
);

export const IdentitySchema = Type.Object(
  {
    method: Type.Union([
      Type.Literal('id-card'),
      Type.Literal('insurance-card'),
      Type.Literal('face'),
      Type.Literal('app-login'),
      Type.Literal('staff-check'),
    ]),
    verifiedBy: Text('Staff user or device that verified the patient'),
  },
  { additionalProperties: false, description: 'The identity check the channel performed (omit if none)' },
);

export const RefundBody = Type.Object(
  {
    refundId: Id('Refund number (商户退款单号)'),
    amount: MoneySchema,
    reason: Text('Why'),
    channelTxnId: Type.Optional(Id('Which payment (a surplus payment must be named)')),
    identity: Type.Optional(IdentitySchema),
  },
  { additionalProperties: false },
);

export const RefundParams = Type.Object({ orderId: Id('Order number'), refundId: Id('Refund number') });

export const RefundResultBody = Type.Object(
  {
    outcome: Type.Union([Type.Literal('succeeded'), Type.Literal('failed')]),
    channelRefundId: Type.Optional(Id("The channel's refund id (succeeded)")),
    reason: Type.Optional(Text('Why it failed')),
    identity: Type.Optional(IdentitySchema),
  },
  { additionalProperties: false },
);

export const TopUpBody = Type.Object(
  { orderId: Id('Order number of the top-up'), patientId: Id('Patient id'), amount: MoneySchema },
  { additionalProperties: false },
);

export const DischargeBody = Type.Object(
  {
    settlementId: Id('HIS discharge settlement reference (出院结算单号)'),
    amount: MoneySchema,
  },
  { additionalProperties: false, description: 'Charges of the stay the deposit covers (≥ 0)' },
);

export const RemainderRefundBody = Type.Object(
  {
    refundId: Id('Refund number (商户退款单号)'),
    topUpOrderId: Id('The top-up whose channel and account the money goes back to'),
    amount: MoneySchema,
    identity: Type.Optional(IdentitySchema),
  },
  { additionalProperties: false },
);

export const AdmissionParams = Type.Object({ admissionId: Id('Admission (住院号)') });
export const PatientParams = Type.Object({ patientId: Id('Patient id') });
export const PageQuery = Type.Object(
  { limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$', description: 'Rows, 1..500' })) },
  { additionalProperties: false },
);

export const OrderViewSchema = Type.Object(
  {
    orderId: Type.String(),
    status: Type.String(),
    amount: Type.String(),
    paid: Type.String(),
    refunded: Type.String(),
    refundPending: Type.String(),
    his: Type.String(),
    paidNotInHis: Type.Boolean(),
    owedToPayer: Type.String(),
  },
  { additionalProperties: true },
);

export const CommandResultSchema = Type.Object({
  order: OrderViewSchema,
  version: Type.Integer(),
  events: Type.Array(Type.String()),
});

export const DepositResultSchema = Type.Object({
  deposit: Type.Object({}, { additionalProperties: true }),
  version: Type.Integer(),
  events: Type.Array(Type.String()),
});

const OpeningHours = Type.Array(Type.Object({ from: HHMM, to: HHMM }, { additionalProperties: false }), {
  maxItems: CHANNEL_LIMITS.openingWindows,
});
const BusinessTypes = Type.Array(Type.Union(BUSINESS_TYPES.map((t) => Type.Literal(t))), { maxItems: 8 });
const RateLimit = Type.Object(
  { perSecond: Type.Integer({ minimum: 1 }), burst: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
);
const RawIds = (description: string) =>
  Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
    maxItems: CHANNEL_LIMITS.blacklistChange,
    description,
  });

export const RegisterChannelBody = Type.Object(
  {
    channelId: ChannelIdSchema,
    name: Type.String({ minLength: 1, maxLength: 100 }),
    businessTypes: BusinessTypes,
    openingHours: Type.Optional(OpeningHours),
    timeZone: Type.Optional(Type.String({ maxLength: 64 })),
    rateLimit: RateLimit,
    priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
    blacklist: Type.Optional(RawIds('Patient or card ids to block (stored only as keyed hashes)')),
  },
  { additionalProperties: false },
);

export const ChangeChannelBody = Type.Object(
  {
    reason: Text('Why (kept in the audit trail)'),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    businessTypes: Type.Optional(BusinessTypes),
    openingHours: Type.Optional(OpeningHours),
    timeZone: Type.Optional(Type.String({ maxLength: 64 })),
    rateLimit: Type.Optional(RateLimit),
    priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
    blacklistAdd: Type.Optional(RawIds('Patient or card ids to block')),
    blacklistRemove: Type.Optional(RawIds('Patient or card ids to unblock')),
  },
  { additionalProperties: false },
);

export const ReasonBody = Type.Object({ reason: Text('Why') }, { additionalProperties: false });
export const ChannelParams = Type.Object({ channelId: ChannelIdSchema });

/** A bus client's read grants (grants.ts); absent at registration: the HIS hospital/full, others own/masked. */
export const ReadGrantsSchema = Type.Object(
  {
    read: Type.Union([Type.Literal('own'), Type.Literal('hospital')]),
    patientIds: Type.Union([Type.Literal('masked'), Type.Literal('full')]),
  },
  { additionalProperties: false },
);

export const RegisterClientBody = Type.Object(
  {
    clientId: Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,64}$' }),
    kind: Type.Union([
      Type.Literal('channel'),
      Type.Literal('kiosk-fleet'),
      Type.Literal('window'),
      Type.Literal('his'),
    ]),
    channelId: Type.Optional(ChannelIdSchema),
    grants: Type.Optional(ReadGrantsSchema),
  },
  { additionalProperties: false },
);
export const ClientParams = Type.Object({ clientId: Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,64}$' }) });

export const IdentityBody = Type.Object(
  {
    method: IdentitySchema.properties.method,
    verifiedBy: Text('Staff user or bus client that checked the patient'),
  },
  { additionalProperties: false },
);

export const ConfirmAttemptBody = Type.Object(
  {
    channelTxnId: Id("The channel's transaction id (微信/支付宝交易号, POS reference)"),
    amount: MoneySchema,
    payerRef: RecordPaymentBody.properties.payerRef,
  },
  { additionalProperties: false },
);

export const SettlementBody = Type.Object(
  {
    channel: ChannelIdSchema,
    businessDate: Type.String({
      pattern: '^\\d{4}-\\d{2}-\\d{2}$',
      description: 'The channel day it settles',
    }),
    settlementId: Id('Bank reference of the transfer'),
    bankAccount: Id('The hospital account credited'),
    amount: MoneySchema,
  },
  { additionalProperties: false },
);

export const SettlementResultSchema = Type.Object({
  settlementId: Type.String(),
  totalSettled: Type.String(),
  version: Type.Integer(),
  events: Type.Array(Type.String()),
});
