// The demo's bank and HIS delivery server: the simulated day's folder served over SFTP on loopback (as banks and
// HIS extracts are delivered), and the download of a scenario's bank and HIS files from it with the platform's
// own SFTP source, so those statements are imported from what the server handed over, not read locally.
// The channels' bills come from the channel sandbox instead (channelBillDelivery): the simulator's bill of a day
// is the channel's record of it, issued by the sandbox and downloaded with the platform's channel clients.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sftpFetch } from '../adapters/sources/sftp.ts';
import { bufferSource, type StatementSource } from '../adapters/statements/source.ts';
import { fetchChannelBill } from '../app/channel-calls.ts';
import type { ScenarioFile } from './files.ts';
import type { PaymentSandbox } from './platform-payments.ts';
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

export interface ChannelBillDelivery {
  /** The channel sandbox the bills are downloaded from. */
  url: string;
  /** A channel's bill, issued by the sandbox and downloaded through the platform's client; undefined for others. */
  fetch(f: ScenarioFile): Promise<StatementSource | undefined>;
  /** The bills downloaded so far: the scenario's file and the name the channel client gave the download. */
  fetched: Map<string, string>;
}

/**
 * The channels' bills of the scenario in `dir`, as the scheduler fetches a day's bill (fetchChannelBill: the
 * platform's WeChat Pay and Alipay clients, which check the announced hash and the zip as in production): each
 * file is first issued by the sandbox as that channel's bill for its date, with its anomalies as the generator
 * made them.
 */
export function channelBillDelivery(
  payments: Pick<PaymentSandbox, 'sandbox' | 'gateways'>,
  hospitalId: string,
  dir: string,
): ChannelBillDelivery {
  const fetched = new Map<string, string>();
  return {
    url: payments.sandbox.baseUrl,
    fetched,
    fetch: async (f) => {
      if (f.party !== 'channel' || (f.channel !== 'wechat' && f.channel !== 'alipay')) return undefined;
      payments.sandbox.issueBill(f.channel, f.businessDate, 'trade', await readFile(join(dir, f.file)));
      const bill = await fetchChannelBill(
        { gateways: payments.gateways },
        { hospitalId, channel: f.channel, date: f.businessDate, kind: 'trade' },
      );
      if (!bill) throw new Error(`the ${f.channel} bill of ${f.businessDate} is not issued`);
      fetched.set(f.file, bill.fileName);
      return bufferSource(f.file, bill.bytes);
    },
  };
}
