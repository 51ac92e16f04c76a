// `ledger call METHOD PATH [BODY]`: one request to a running bus, for people and scripts. As a bus client it
// signs the request (HMAC-SHA256 over method, path, timestamp, nonce and body hash: src/bus/auth/signing.ts)
// with the client's secret; without a client it presents the staff session of `ledger login` (or
// LEDGER_SESSION) as a bearer token. Prints the answer's body (JSON pretty-printed) on stdout and its status on
// stderr. Never opens the store.
//
// Exit codes: 0 a 2xx answer, 1 any other answer, 64 usage, 69 the bus could not be reached.
import { readFile } from 'node:fs/promises';
import { signRequest } from '../bus/auth/signing.ts';
import { SESSION_ENV, savedToken } from './credentials.ts';
import type { CliIo } from './main.ts';
import { EX_USAGE, shortParseError, usageHint } from './usage.ts';
import { commandArgs } from './args.ts';

const EX_UNAVAILABLE = 69;
export const DEFAULT_BUS_URL = 'http://127.0.0.1:8080';
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

export const CALL_USAGE = `ledger call METHOD PATH [BODY] [--url URL] [--client ID] [--secret-file FILE]
                  [--idempotency-key KEY] [--header NAME:VALUE …] [--include]
  Sends one request to a running bus (\`ledger serve\`) and prints the answer.
  METHOD   GET | POST | PUT | PATCH | DELETE
  PATH     the path under the bus, with its query string: /v1/orders/O-1, /v1/discrepancies?limit=5
  BODY     JSON text, @FILE to read it from a file, or - for stdin (sent as application/json)
  --url URL               the bus (LEDGER_URL, default ${DEFAULT_BUS_URL})
  --client ID             sign as this bus client (LEDGER_CLIENT_ID); its secret comes from --secret-file FILE
                          or LEDGER_CLIENT_SECRET (the secret shown once by POST /v1/admin/clients)
  without a client        the staff session of \`ledger login\` (or ${SESSION_ENV}) is sent as a bearer token
  --idempotency-key KEY   for money-moving requests (a fresh one is made when absent on POST/PUT/PATCH)
  --header NAME:VALUE     an extra header (repeatable)
  --include               print the status line and answer headers before the body
Exit codes: 0 a 2xx answer, 1 any other answer, 64 usage, 69 the bus could not be reached.`;

export interface CallArgs {
  method: string;
  path: string;
  body: string | undefined;
  url: string;
  clientId: string | undefined;
  secretFile: string | undefined;
  idempotencyKey: string | undefined;
  headers: Record<string, string>;
  include: boolean;
}

class UsageError extends Error {}

/** Checks the arguments without touching the network, the store or any file. */
export function parseCallArgs(argv: string[], env: NodeJS.ProcessEnv): CallArgs | 'help' {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (e) {
    throw new UsageError(shortParseError((e as Error).message));
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  const [method, path, body, ...rest] = positionals;
  if (!method) throw new UsageError('METHOD is missing (GET, POST, PUT, PATCH or DELETE)');
  const upper = method.toUpperCase();
  if (!METHODS.includes(upper))
    throw new UsageError(`METHOD '${method}' is not one of ${METHODS.join(', ')}`);
  if (!path) throw new UsageError('PATH is missing (for example /v1/orders/O-1)');
  if (!path.startsWith('/')) throw new UsageError(`PATH '${path}' must start with /`);
  if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`);
  const url = values.url ?? env.LEDGER_URL ?? DEFAULT_BUS_URL;
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
  } catch {
    throw new UsageError(`--url '${url}' is not an http(s) URL`);
  }
  const headers: Record<string, string> = {};
  for (const h of values.header ?? []) {
    const colon = h.indexOf(':');
    if (colon < 1) throw new UsageError(`--header '${h}' is not NAME:VALUE`);
    headers[h.slice(0, colon).trim().toLowerCase()] = h.slice(colon + 1).trim();
  }
  const clientId = values.client ?? env.LEDGER_CLIENT_ID;
  if (values['secret-file'] && !clientId) throw new UsageError('--secret-file needs --client ID');
  return {
    method: upper,
    path,
    body,
    url: url.replace(/\/+$/, ''),
    clientId: clientId || undefined,
    secretFile: values['secret-file'],
    idempotencyKey: values['idempotency-key'],
    headers,
    include: values.include === true,
  };
}

function parse(argv: string[]) {
  return commandArgs(argv, {
    url: { type: 'string' },
    client: { type: 'string' },
    'secret-file': { type: 'string' },
    'idempotency-key': { type: 'string' },
    header: { type: 'string', multiple: true },
    include: { type: 'boolean', short: 'i' },
  });
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

async function bodyText(spec: string | undefined, io: CliIo): Promise<string | undefined> {
  if (spec === undefined) return undefined;
  const text =
    spec === '-'
      ? await readStream(io.stdin ?? process.stdin)
      : spec.startsWith('@')
        ? await readFile(spec.slice(1), 'utf8')
        : spec;
  try {
    JSON.parse(text);
  } catch (e) {
    throw new UsageError(`BODY is not JSON: ${(e as Error).message}`);
  }
  return text;
}

export async function callCommand(argv: string[], io: CliIo): Promise<number> {
  let args: CallArgs | 'help';
  let body: string | undefined;
  let auth: Record<string, string>;
  try {
    args = parseCallArgs(argv, io.env);
    if (args === 'help') {
      io.stdout.write(`${CALL_USAGE}\n`);
      return 0;
    }
    body = await bodyText(args.body, io);
    if (args.clientId) {
      const secret = args.secretFile
        ? (await readFile(args.secretFile, 'utf8')).trim()
        : io.env.LEDGER_CLIENT_SECRET?.trim();
      if (!secret)
        throw new UsageError(
          `no secret for client ${args.clientId}: set LEDGER_CLIENT_SECRET or pass --secret-file FILE`,
        );
      auth = {
        ...signRequest({
          clientId: args.clientId,
          secret,
          method: args.method,
          path: args.path,
          ...(body !== undefined ? { body } : {}),
        }),
      };
    } else {
      const token = await savedToken(io.env);
      if (!token)
        throw new UsageError(
          `no identity: pass --client ID (with LEDGER_CLIENT_SECRET or --secret-file), or sign in with \`ledger login\` (or set ${SESSION_ENV})`,
        );
      auth = { authorization: `Bearer ${token}` };
    }
  } catch (e) {
    if (!(e instanceof UsageError) && (e as { code?: string }).code !== 'ENOENT') throw e;
    io.stderr.write(`ledger call: ${(e as Error).message}; ${usageHint('call')}\n`);
    return EX_USAGE;
  }

  const needsKey = ['POST', 'PUT', 'PATCH'].includes(args.method);
  const headers: Record<string, string> = {
    accept: 'application/json',
    ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    ...(args.idempotencyKey
      ? { 'idempotency-key': args.idempotencyKey }
      : needsKey
        ? { 'idempotency-key': `cli-${crypto.randomUUID()}` }
        : {}),
    ...args.headers,
    ...auth,
  };
  let res: Response;
  try {
    res = await fetch(`${args.url}${args.path}`, {
      method: args.method,
      headers,
      ...(body !== undefined ? { body } : {}),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    io.stderr.write(
      `ledger call: cannot reach ${args.url} (${cause?.code ?? cause?.message ?? (e as Error).message}); ` +
        'start the bus with `ledger serve`, or pass --url (LEDGER_URL)\n',
    );
    return EX_UNAVAILABLE;
  }
  const text = await res.text();
  if (args.include) {
    io.stdout.write(`HTTP ${res.status} ${res.statusText}\n`);
    for (const [name, value] of res.headers) io.stdout.write(`${name}: ${value}\n`);
    io.stdout.write('\n');
  } else io.stderr.write(`HTTP ${res.status} ${res.statusText}\n`);
  let shown = text;
  try {
    shown = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    // not JSON: as received
  }
  if (shown) io.stdout.write(`${shown}\n`);
  return res.ok ? 0 : 1;
}
