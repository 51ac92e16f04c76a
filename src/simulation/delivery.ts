// The demo's bank and HIS delivery server: the simulated day's folder served over SFTP on loopback (as banks and
// HIS extracts are delivered), and the download of a scenario's bank and HIS files from it with the platform's
// own SFTP source, so those statements are imported from what the server handed over, not read locally.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sftpFetch } from '../adapters/sources/sftp.ts';
import type { ScenarioFile } from './files.ts';
import { startSftpServer } from './sftp-server.ts';

/** Largest file the demo downloads (its day's files are far smaller). */
const MAX_BYTES = 64 * 1024 * 1024;
const USERNAME = 'hospital';

export interface StatementDelivery {
  url: string;
  /** A bank or HIS file downloaded into a private folder (its path); undefined for the channels' bills. */
  fetch(f: ScenarioFile): Promise<string | undefined>;
  /** The files downloaded so far. */
  fetched: Set<string>;
  close(): Promise<void>;
}

export async function startStatementDelivery(dir: string): Promise<StatementDelivery> {
  const password = randomBytes(12).toString('base64url');
  const server = await startSftpServer(dir, { username: USERNAME, password });
  const into = await mkdtemp(join(tmpdir(), 'ledger-demo-sftp-'));
  const fetched = new Set<string>();
  return {
    url: `sftp://${USERNAME}@127.0.0.1:${server.port}/`,
    fetched,
    fetch: async (f) => {
      if (f.party === 'channel') return undefined;
      const names = await sftpFetch(
        {
          kind: 'sftp',
          host: '127.0.0.1',
          port: server.port,
          username: USERNAME,
          path: '/',
          pattern: f.file,
          credential: 'demo',
        },
        { password },
        f.businessDate,
        into,
        { maxBytes: MAX_BYTES, hostKeySha256: server.hostKeySha256 },
      );
      if (!names.includes(f.file)) throw new Error(`${f.file} is not on the SFTP server`);
      fetched.add(f.file);
      return join(into, f.file);
    },
    close: async () => {
      await server.close();
      await rm(into, { recursive: true, force: true });
    },
  };
}
