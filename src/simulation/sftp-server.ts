// An SFTP server on loopback for tests and the demo, as a bank's or HIS's delivery server: password login, a read-only view of a
// local folder (list, stat, open, read). Enough of the protocol for a client's readdir and fastGet.
import { open as fsOpen, readdir, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import ssh2 from 'ssh2';

const { STATUS_CODE } = ssh2.utils.sftp;

export interface TestSftpServer {
  port: number;
  hostKeySha256: string;
  /** Downloads served so far, by path. */
  reads: Map<string, number>;
  close(): Promise<void>;
}

/** An open handle: a file being read, or a directory's names not yet listed. */
interface Handle {
  file?: FileHandle;
  dir?: string[];
  path: string;
}

export async function startSftpServer(
  root: string,
  user: { username: string; password: string },
): Promise<TestSftpServer> {
  const hostKey = ssh2.utils.generateKeyPairSync('ed25519');
  const reads = new Map<string, number>();
  const server = new ssh2.Server({ hostKeys: [hostKey.private] }, (client) => {
    client.on('authentication', (ctx) => {
      if (ctx.method === 'password' && ctx.username === user.username && ctx.password === user.password)
        ctx.accept();
      else ctx.reject(['password']);
    });
    client.on('error', () => {});
    client.on('ready', () => {
      client.on('session', (accept) => {
        const session = accept();
        session.on('sftp', (acceptSftp) => {
          const sftp = acceptSftp();
          const handles = new Map<number, Handle>();
          let next = 1;
          const local = (p: string) => join(root, normalize(`/${p}`));
          const handle = (n: number) => {
            const b = Buffer.alloc(4);
            b.writeUInt32BE(n);
            return b;
          };
          const attrsOf = (s: Awaited<ReturnType<typeof stat>>) => ({
            mode: s.mode,
            uid: 0,
            gid: 0,
            size: Number(s.size),
            atime: Math.floor(Number(s.atimeMs) / 1000),
            mtime: Math.floor(Number(s.mtimeMs) / 1000),
          });
          sftp.on('REALPATH', (id, path) =>
            sftp.name(id, [{ filename: normalize(`/${path}`), longname: '', attrs: {} as never }]),
          );
          /** Answers with a new handle on what `open` opens, or NO_SUCH_FILE when it cannot. */
          const openHandle = async (id: number, open: () => Promise<Handle>) => {
            try {
              const entry = await open();
              const n = next++;
              handles.set(n, entry);
              sftp.handle(id, handle(n));
            } catch {
              sftp.status(id, STATUS_CODE.NO_SUCH_FILE);
            }
          };
          sftp.on('OPENDIR', (id, path) =>
            openHandle(id, async () => ({ dir: await readdir(local(path)), path })),
          );
          sftp.on('READDIR', async (id, h) => {
            const entry = handles.get(h.readUInt32BE(0));
            if (!entry?.dir) return sftp.status(id, STATUS_CODE.FAILURE);
            if (entry.dir.length === 0) return sftp.status(id, STATUS_CODE.EOF);
            const names = entry.dir.splice(0);
            const list = [];
            for (const filename of names) {
              const s = await stat(join(local(entry.path), filename));
              list.push({
                filename,
                longname: `${s.isDirectory() ? 'd' : '-'}rw-r--r-- 1 u g ${s.size} ${filename}`,
                attrs: attrsOf(s),
              });
            }
            sftp.name(id, list as never);
          });
          const doStat = async (id: number, path: string) => {
            try {
              sftp.attrs(id, attrsOf(await stat(local(path))) as never);
            } catch {
              sftp.status(id, STATUS_CODE.NO_SUCH_FILE);
            }
          };
          sftp.on('STAT', doStat);
          sftp.on('LSTAT', doStat);
          sftp.on('OPEN', async (id, path, flags) => {
            if (flags & ssh2.utils.sftp.OPEN_MODE.WRITE)
              return sftp.status(id, STATUS_CODE.PERMISSION_DENIED);
            return openHandle(id, async () => {
              const file = await fsOpen(local(path), 'r');
              reads.set(path, (reads.get(path) ?? 0) + 1);
              return { file, path };
            });
          });
          sftp.on('FSTAT', async (id, h) => {
            const entry = handles.get(h.readUInt32BE(0));
            if (!entry?.file) return sftp.status(id, STATUS_CODE.FAILURE);
            sftp.attrs(id, attrsOf(await entry.file.stat()) as never);
          });
          sftp.on('READ', async (id, h, offset, length) => {
            const entry = handles.get(h.readUInt32BE(0));
            if (!entry?.file) return sftp.status(id, STATUS_CODE.FAILURE);
            const buf = Buffer.alloc(length);
            const { bytesRead } = await entry.file.read(buf, 0, length, offset);
            if (bytesRead === 0) return sftp.status(id, STATUS_CODE.EOF);
            sftp.data(id, buf.subarray(0, bytesRead));
          });
          sftp.on('CLOSE', async (id, h) => {
            const n = h.readUInt32BE(0);
            await handles.get(n)?.file?.close();
            handles.delete(n);
            sftp.status(id, STATUS_CODE.OK);
          });
        });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const { createHash } = await import('node:crypto');
  const pub = ssh2.utils.parseKey(hostKey.public);
  const hostKeySha256 = createHash('sha256')
    .update((Array.isArray(pub) ? pub[0] : pub).getPublicSSH())
    .digest('base64');
  return {
    port,
    hostKeySha256,
    reads,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
