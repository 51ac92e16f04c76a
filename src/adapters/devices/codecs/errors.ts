// What a device did wrong, as a stable code the response message carries (and a line of detail for the log).

/** Each code with its message in Chinese and English. */
const MESSAGES = {
  FRAME_TRUNCATED: [
    '报文不完整（长度头所示字节未收齐）',
    'The frame ended before the length its header gives',
  ],
  FRAME_TOO_LARGE: ['报文超过最大长度', 'The frame is longer than the gateway accepts'],
  BAD_LENGTH: ['长度头不正确', 'The length header is malformed or zero'],
  WRONG_LENGTH: ['报文长度与报文格式不符', 'The message length does not fit its layout'],
  BAD_BITMAP: ['位图不正确', 'The ISO 8583 bitmap names fields the message type does not have'],
  INVALID_ENCODING: ['字符编码不正确（非法GBK）', 'The text is not valid in its character set'],
  UNKNOWN_MESSAGE_TYPE: ['未知的报文类型', 'The message type is unknown'],
  MALFORMED_MESSAGE: ['报文格式不正确', 'The message does not follow its layout'],
  INVALID_FIELD: ['字段内容不正确', 'A field is missing, too long or has characters it may not'],
  BAD_MAC: ['MAC校验失败', 'The MAC does not match the message'],
  DEVICE_UNKNOWN: ['设备未登记', 'The device is not registered'],
  DEVICE_DISABLED: ['设备已停用', 'The device is disabled'],
  DEVICE_MODEL_MISMATCH: ['设备型号与接入端口不符', 'The device speaks another format than this port'],
  SERIAL_REUSED: [
    '流水号已用于另一笔不同内容的请求',
    'The serial number was already used for a request with other content',
  ],
  NOT_A_REQUEST: ['该报文类型不能作为请求', 'This message type is not a request'],
  BUSY: ['系统繁忙，请稍后重试', 'Too many requests at once; retry later'],
  INTERNAL_ERROR: ['系统内部错误，请稍后重试', 'An internal error; retry later'],
} as const satisfies Record<string, readonly [zh: string, en: string]>;

type Messages = typeof MESSAGES;
export const DEVICE_ERRORS = Object.fromEntries(
  Object.entries(MESSAGES).map(([code, [zh, en]]) => [code, { zh, en }]),
) as { readonly [C in keyof Messages]: { readonly zh: Messages[C][0]; readonly en: Messages[C][1] } };

export type DeviceErrorCode = keyof typeof DEVICE_ERRORS;

export class DeviceError extends Error {
  constructor(
    readonly code: DeviceErrorCode,
    readonly detail: string,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'DeviceError';
  }
}

export function deviceError(code: DeviceErrorCode, detail: string): DeviceError {
  return new DeviceError(code, detail);
}
