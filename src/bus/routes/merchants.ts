// Channel management: a hospital's merchant accounts at WeChat Pay and Alipay (administrators). Secrets go in
// once and are stored sealed; no answer carries them, only a fingerprint that changes when they do.
import { Type } from 'typebox';
import {
  configureMerchant,
  listMerchants,
  type MerchantGateways,
  type MerchantPorts,
  setMerchantEnabled,
} from '../../app/merchants.ts';
import type { MerchantCredentials } from '../../domain/channel/merchants.ts';
import { ApiError } from '../errors.ts';
import type { App, ServerContext } from '../server.ts';
import { routes } from '../route.ts';

const Any = Type.Object({}, { additionalProperties: true });
const Pem = Type.String({ minLength: 1, maxLength: 8192 });
const Url = Type.String({ pattern: '^https?://\\S+$', maxLength: 512 });

const WechatBody = Type.Object(
  {
    baseUrl: Url,
    mchId: Type.String({ pattern: '^[A-Za-z0-9_-]{1,32}$' }),
    appId: Type.Optional(Type.String({ maxLength: 64 })),
    merchantSerial: Type.String({ pattern: '^[0-9A-Fa-f]{8,64}$' }),
    merchantPrivateKey: Pem,
    apiV3Key: Type.String({ minLength: 32, maxLength: 32 }),
    platformMode: Type.Union([Type.Literal('certificates'), Type.Literal('public-key')]),
    platformKeys: Type.Array(
      Type.Object(
        { serial: Type.Optional(Type.String({ maxLength: 64 })), pem: Pem },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 8 },
    ),
    refundNotifyUrl: Type.Optional(Url),
  },
  { additionalProperties: false },
);

const AlipayBody = Type.Object(
  {
    gateway: Url,
    appId: Type.String({ pattern: '^[0-9]{8,32}$' }),
    pid: Type.Optional(Type.String({ pattern: '^2088[0-9]{12}$' })),
    privateKey: Pem,
    alipayPublicKey: Pem,
  },
  { additionalProperties: false },
);

const ConfigureMerchantBody = Type.Union([
  Type.Object(
    { channel: Type.Literal('wechat'), primary: Type.Optional(Type.Boolean()), wechat: WechatBody },
    { additionalProperties: false },
  ),
  Type.Object(
    { channel: Type.Literal('alipay'), primary: Type.Optional(Type.Boolean()), alipay: AlipayBody },
    { additionalProperties: false },
  ),
]);

const MerchantParams = Type.Object({
  channel: Type.Union([Type.Literal('wechat'), Type.Literal('alipay')]),
  merchantId: Type.String({ pattern: '^[A-Za-z0-9_-]{1,32}$' }),
});

export function merchantRoutes(app: App, ctx: ServerContext): void {
  const api = routes(app, ['admin']);
  const merchants = (): { ports: MerchantPorts; gateways: MerchantGateways } => {
    const m = ctx.options.merchants;
    if (!m)
      throw new ApiError('ROUTE_NOT_FOUND', {
        reason: 'channel merchants need LEDGER_MASTER_KEY and a database',
      });
    return m;
  };

  api.put(
    '/v1/admin/merchants',
    'admin',
    'Configure (or replace) a WeChat Pay merchant or Alipay app of the hospital; secrets are sealed and never answered',
    { body: ConfigureMerchantBody, 200: Any },
    async (c, req) => {
      const { primary, ...credentials } = req.body;
      const answer = await configureMerchant(merchants().ports, {
        hospitalId: c.hospitalId,
        credentials: credentials as MerchantCredentials,
        primary: primary ?? true,
        by: c.principal.id,
      });
      req.log.info(
        { channel: answer.channel, merchantId: answer.merchantId, by: c.principal.id },
        'channel merchant configured',
      );
      return answer;
    },
  );

  api.get(
    '/v1/admin/merchants',
    'admin',
    'The hospital’s channel merchants (settings and secret fingerprints, never the secrets)',
    { 200: Any },
    async (c) => ({ merchants: await listMerchants(merchants().ports, c.hospitalId) }),
  );

  for (const action of ['disable', 'enable'] as const)
    api.post(
      `/v1/admin/merchants/:channel/:merchantId/${action}`,
      'admin',
      action === 'disable' ? 'Stop using a channel merchant' : 'Use a channel merchant again',
      { params: MerchantParams, 200: Any },
      async (c, req) => {
        const { channel, merchantId } = req.params;
        const answer = await setMerchantEnabled(
          merchants().ports,
          c.hospitalId,
          channel,
          merchantId,
          action === 'enable',
        );
        req.log.info({ channel, merchantId, action, by: c.principal.id }, 'channel merchant changed');
        return answer;
      },
    );
}
