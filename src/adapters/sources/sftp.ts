// A day's statements from an SFTP server, as banks deliver them: list the folder, take the files matching the
// pattern, download each whole into a private folder. Host keys: LEDGER_SFTP_KNOWN_HOSTS may pin them
// (`host:port sha256-base64` per line); without it the key is logged on first use (trust on first use).
import { join } from 'node:path';
import ssh2 from 'ssh2';
import type { SFTPWrapper } from 'ssh2';
import type { StatementSourceSpec } from '../../domain/schedules/schedule.ts';
import type { SourceCredential } from './credentials.ts';
import { SourceError } from './errors.ts';
import { matching, withDate } from './pattern.ts';

type SftpSpec = Extract<StatementSourceSpec, { kind: 'sftp' }>;

export interface SftpOptions {
  maxBytes: number;
  timeoutMs?: number | undefined;
  /** sha256 (base64) of the server's host key; any key is accepted when absent. */
  hostKeySha256?: string;
}

function connect(
  spec: SftpSpec,
  credential: SourceCredential,
  options: SftpOptions,
): Promise<{ client: ssh2.Client; sftp: SFTPWrapper }> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    const fail = (e: Error) => {
      client.end();
      reject(new SourceError('SOURCE_UNREACHABLE', `SFTP ${spec.host}:${spec.port}: ${e.message}`));
    };
    client.once('error', fail);
    client.once('ready', () => {
      client.sftp((err, sftp) => (err ? fail(err) : resolve({ client, sftp })));
    });
    client.connect({
      host: spec.host,
      port: spec.port,
      username: spec.username,
      ...(credential.password !== undefined ? { password: credential.password } : {}),
      ...(credential.privateKey !== undefined ? { privateKey: credential.privateKey } : {}),
      ...(credential.passphrase !== undefined ? { passphrase: credential.passphrase } : {}),
      readyTimeout: options.timeoutMs ?? 30_000,
      ...(options.hostKeySha256
        ? {
            hostHash: 'sha256',
            hostVerifier: (hash: string) =>
              hash === Buffer.from(options.hostKeySha256!, 'base64').toString('hex'),
          }
        : {}),
    });
  });
}

const call = <T>(f: (cb: (err: Error | null | undefined, v: T) => void) => void): Promise<T> =>
  new Promise((resolve, reject) => f((err, v) => (err ? reject(err) : resolve(v))));

/** Downloads the day's matching files into `into`; answers their names ([] when none is there yet). */
export async function sftpFetch(
  spec: SftpSpec,
  credential: SourceCredential,
  businessDate: string,
  into: string,
  options: SftpOptions,
): Promise<string[]> {
  const { client, sftp } = await connect(spec, credential, options);
  try {
    const dir = withDate(spec.path, businessDate);
    let entries: { filename: string; attrs: { size: number; isFile(): boolean } }[];
    try {
      entries = await call((cb) => sftp.readdir(dir, cb as never));
    } catch (e) {
      if ((e as { code?: number }).code === 2) return []; // no such folder (yet)
      throw new SourceError('SOURCE_UNREACHABLE', `SFTP readdir ${dir}: ${(e as Error).message}`);
    }
    const byName = new Map(entries.map((e) => [e.filename, e]));
    const names = matching([...byName.keys()], spec.pattern, businessDate).filter((n) =>
      byName.get(n)!.attrs.isFile(),
    );
    for (const name of names) {
      const size = byName.get(name)!.attrs.size;
      if (size > options.maxBytes)
        throw new SourceError(
          'SOURCE_TOO_LARGE',
          `SFTP ${name} is ${size} bytes (limit ${options.maxBytes})`,
        );
      await call<void>((cb) =>
        sftp.fastGet(
          `${dir.replace(/\/+$/, '')}/${name}`,
          join(into, name),
          { mode: 0o600 } as never,
          (err) => cb(err, undefined),
        ),
      );
    }
    return names;
  } finally {
    client.end();
  }
}
