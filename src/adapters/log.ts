import pino, { type Logger } from 'pino';

/** Field names whose values identify a patient: masked wherever they appear in a log line. */
const PATIENT_FIELDS = ['patientName', 'idCard', 'idCardNo', 'phone', 'mobile', 'cardNo', 'payerAccount'];
/** Secrets never reach a log. */
const SECRET_FIELDS = ['secret', 'password', 'apiKey', 'authorization', 'signature', 'masterKey'];

/** Keeps the first and last characters of an identifier and masks the middle: 110105********1234. */
export function maskIdentifier(value: unknown): string {
  const s = String(value ?? '');
  if (s.length <= 2) return '*'.repeat(s.length);
  if (s.length <= 4) return `${s[0]}${'*'.repeat(s.length - 1)}`;
  const keep = s.length >= 11 ? 3 : 1;
  return `${s.slice(0, keep)}${'*'.repeat(s.length - keep * 2)}${s.slice(-keep)}`;
}

const paths = (fields: string[]) => fields.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]);

export function createLogger(
  options: { name?: string; level?: string; destination?: NodeJS.WritableStream } = {},
): Logger {
  return pino(
    {
      name: options.name ?? 'ledger',
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      redact: {
        paths: [...paths(PATIENT_FIELDS), ...paths(SECRET_FIELDS)],
        censor: (value, path) =>
          SECRET_FIELDS.includes(path.at(-1) ?? '') ? '[secret]' : maskIdentifier(value),
      },
    },
    (options.destination ?? process.stderr) as pino.DestinationStream,
  );
}
