// What a device did wrong, as a stable code the response message carries (and a line of detail for the log).

export const DEVICE_ERRORS = {
  FRAME_TRUNCATED: {
    zh: '报文不完整（长度头所示字节未收齐）',
    en: 'The frame ended before the length its header gives',
  },
  FRAME_TOO_LARGE: { zh: '报文超过最大长度', en: 'The frame is longer than the gateway accepts' },
  BAD_LENGTH: { zh: '长度头不正确', en: 'The length header is malformed or zero' },
  WRONG_LENGTH: { zh: '报文长度与报文格式不符', en: 'The message length does not fit its layout' },
  BAD_BITMAP: { zh: '位图不正确', en: 'The ISO 8583 bitmap names fields the message type does not have' },
  INVALID_ENCODING: { zh: '字符编码不正确（非法GBK）', en: 'The text is not valid in its character set' },
  UNKNOWN_MESSAGE_TYPE: { zh: '未知的报文类型', en: 'The message type is unknown' },
  MALFORMED_MESSAGE: { zh: '报文格式不正确', en: 'The message does not follow its layout' },
  INVALID_FIELD: { zh: '字段内容不正确', en: 'A field is missing, too long or has characters it may not' },
  BAD_MAC: { zh: 'MAC校验失败', en: 'The MAC does not match the message' },
  DEVICE_UNKNOWN: { zh: '设备未登记', en: 'The device is not registered' },
  DEVICE_DISABLED: { zh: '设备已停用', en: 'The device is disabled' },
  DEVICE_MODEL_MISMATCH: {
    zh: '设备型号与接入端口不符',
    en: 'The device speaks another format than this port',
  },
  SERIAL_REUSED: {
    zh: '流水号已用于另一笔不同内容的请求',
    en: 'The serial number was already used for a request with other content',
  },
  NOT_A_REQUEST: { zh: '该报文类型不能作为请求', en: 'This message type is not a request' },
  BUSY: { zh: '系统繁忙，请稍后重试', en: 'Too many requests at once; retry later' },
  INTERNAL_ERROR: { zh: '系统内部错误，请稍后重试', en: 'An internal error; retry later' },
} as const;

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
