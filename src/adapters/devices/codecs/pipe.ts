// 管道符 messages: `code|field|field|…|mac` in GBK, fields in spec order, empty optional fields left empty.
import { specByCode } from '../specs/index.ts';
import { deviceError } from './errors.ts';
import { checkMessage, type DeviceCodec, gbkBytes, gbkText, messageOf } from './fields.ts';
import type { DeviceMessage } from '../specs/index.ts';

const SEPARATOR = '|';

export const pipeCodec: DeviceCodec = {
  format: 'pipe',

  encode(message: DeviceMessage): Buffer {
    const { spec, values } = checkMessage(message);
    return gbkBytes([spec.code, ...values.map(([, v]) => v)].join(SEPARATOR));
  },

  decode(bytes: Buffer): DeviceMessage {
    const parts = gbkText(bytes, 'the message').split(SEPARATOR);
    const code = parts[0] ?? '';
    const spec = specByCode(code);
    if (!spec) throw deviceError('UNKNOWN_MESSAGE_TYPE', `message code ${code.slice(0, 8)}`);
    const values = parts.slice(1);
    // all fields, or all but the trailing MAC (an unsigned message)
    if (values.length !== spec.fields.length && values.length !== spec.fields.length - 1)
      throw deviceError(
        'MALFORMED_MESSAGE',
        `${spec.type} has ${spec.fields.length} fields; the message has ${values.length}`,
      );
    return messageOf(spec, new Map(values.map((v, i) => [spec.fields[i]!.name, v])));
  },
};
