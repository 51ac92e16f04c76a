// Fetching a day's statement from where the schedule says: a drop folder, an SFTP server (as banks deliver),
// an HTTPS URL, or a channel's bill download. Each answers the day's files, or none when they are not there
// yet (the worker looks again later). Remote files land in a private temporary folder first: an import reads
// its file twice (verify, then store) and never from a half-transferred copy.
import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { StatementSourceSpec } from '../../domain/schedules/schedule.ts';
import { fileSource, type StatementSource } from '../statements/source.ts';
import type { CredentialStore } from './credentials.ts';
import { SourceError } from './errors.ts';
import { matching, withDate } from './pattern.ts';
import { sftpFetch } from './sftp.ts';

export { SourceError };

export interface FetchedFile {
  name: string;
  source: StatementSource;
}

export interface Fetched {
  files: FetchedFile[];
  /** Removes what the fetch downloaded. */
  release(): Promise<void>;
}

/** Downloads a channel's bill for a day (the channel gateway); none when the channel has not issued it yet. */
export type ChannelBillFetcher = (q: {
  hospitalId: string;
  channel: string;
  bill: 'trade' | 'fundflow';
  businessDate: string;
  into: string;
}) => Promise<string[]>;

export interface StatementFetcher {
  fetch(hospitalId: string, spec: StatementSourceSpec, businessDate: string): Promise<Fetched>;
}

export interface FetcherOptions {
  credentials: CredentialStore;
  /** A file in a drop folder younger than this is still being written and is left for the next look. */
  settleMs?: number;
  channelBills?: ChannelBillFetcher;
  /** Longest wait for an HTTP answer. */
  timeoutMs?: number;
  /** Largest file accepted from a remote source. */
  maxBytes?: number;
}

const NOTHING: Fetched = { files: [], release: async () => {} };
const DEFAULT_MAX_BYTES = 2 * 1024 ** 3;

/**
 * Runs `fill` over a fresh private folder and answers the files it names there; the folder goes again when
 * `fill` fails or names nothing.
 */
async function scratchFiles(fill: (dir: string) => Promise<string[]>): Promise<Fetched> {
  const dir = await mkdtemp(join(tmpdir(), 'ledger-fetch-'));
  const release = () => rm(dir, { recursive: true, force: true });
  try {
    const names = await fill(dir);
    if (names.length === 0) {
      await release();
      return NOTHING;
    }
    return { files: names.map((name) => ({ name, source: fileSource(join(dir, name), name) })), release };
  } catch (e) {
    await release();
    throw e;
  }
}

export function statementFetcher(options: FetcherOptions): StatementFetcher {
  const settleMs = options.settleMs ?? 10_000;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  return {
    async fetch(hospitalId, spec, businessDate) {
      switch (spec.kind) {
        case 'folder': {
          const dir = withDate(spec.path, businessDate);
          let names: string[];
          try {
            names = await readdir(dir);
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code === 'ENOENT') return NOTHING;
            throw new SourceError(
              'SOURCE_UNREACHABLE',
              `cannot read the drop folder ${dir}: ${(e as Error).message}`,
            );
          }
          const files: FetchedFile[] = [];
          for (const name of matching(names, spec.pattern, businessDate)) {
            const path = join(dir, name);
            const st = await stat(path);
            if (!st.isFile()) continue;
            if (Date.now() - st.mtimeMs < settleMs) return NOTHING; // still being written: look again later
            files.push({ name, source: fileSource(path, name) });
          }
          return { files, release: async () => {} };
        }
        case 'sftp': {
          const credential = await options.credentials.get(hospitalId, spec.credential);
          return scratchFiles((dir) =>
            sftpFetch(spec, credential, businessDate, dir, { maxBytes, timeoutMs: options.timeoutMs }),
          );
        }
        case 'https': {
          const url = withDate(spec.url, businessDate);
          const headers: Record<string, string> = {};
          if (spec.credential) {
            const c = await options.credentials.get(hospitalId, spec.credential);
            if (c.bearer) headers.authorization = `Bearer ${c.bearer}`;
            else if (c.username && c.password)
              headers.authorization = `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
          }
          let res: Response;
          try {
            res = await fetch(url, {
              headers,
              signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
              redirect: 'error',
            });
          } catch (e) {
            throw new SourceError(
              'SOURCE_UNREACHABLE',
              `cannot reach ${new URL(url).origin}: ${(e as Error).message}`,
            );
          }
          if (res.status === 404 || res.status === 204) return NOTHING;
          if (!res.ok || !res.body)
            throw new SourceError(
              res.status >= 500 ? 'SOURCE_UNREACHABLE' : 'SOURCE_REFUSED',
              `${url} answered HTTP ${res.status}`,
            );
          const length = Number(res.headers.get('content-length') ?? 0);
          if (length > maxBytes)
            throw new SourceError('SOURCE_TOO_LARGE', `${url} is ${length} bytes (limit ${maxBytes})`);
          const name = fileNameOf(res, url);
          return scratchFiles(async (dir) => {
            let seen = 0;
            const body = Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
            body.on('data', (chunk: Buffer) => {
              seen += chunk.length;
              if (seen > maxBytes)
                body.destroy(new SourceError('SOURCE_TOO_LARGE', `${url} exceeds ${maxBytes} bytes`));
            });
            await pipeline(body, createWriteStream(join(dir, name), { mode: 0o600 }));
            return [name];
          });
        }
        case 'channel': {
          if (!options.channelBills)
            throw new SourceError(
              'SOURCE_NOT_CONFIGURED',
              `no channel gateway is configured to download ${spec.channel} bills`,
            );
          const channelBills = options.channelBills;
          return scratchFiles((into) =>
            channelBills({ hospitalId, channel: spec.channel, bill: spec.bill, businessDate, into }),
          );
        }
      }
    },
  };
}

/** The file's name from Content-Disposition, else the URL's last segment; never a path. */
function fileNameOf(res: Response, url: string): string {
  const cd = res.headers.get('content-disposition') ?? '';
  const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(cd);
  const raw = m?.[1] ? decodeURIComponent(m[1]) : (new URL(url).pathname.split('/').pop() ?? '');
  const safe = raw.replace(/[/\\\0]/g, '_').replace(/^\.+/, '');
  return safe === '' ? 'statement' : safe.slice(0, 200);
}
