// The workbench's built files (src/web, built by `npm run build:web` into dist/web) served at `/`. The page
// is a single HTML file whose routes live after `#`, so every path it needs is a real file. Without a build,
// `/` answers how to make one instead of a blank page.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { App } from './server.ts';

export interface WebOptions {
  /** Directory holding index.html and assets/ (default: dist/web of the package). */
  root?: string;
}

/** Scripts only from this origin; antd writes its styles at run time, hence inline styles. */
export const WEB_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

export const NOT_BUILT_MESSAGE =
  'The finance workbench is not built yet.\n\nRun `npm run build:web` (npm install runs it), then reload this page.\n' +
  '财务工作台尚未构建：请运行 `npm run build:web`（npm install 会自动运行），然后刷新页面。\n';

/** The package's own directory: the nearest parent of this file holding the project's package.json. */
export function packageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        if ((JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === 'hospital-ledger')
          return dir;
      } catch {
        // not ours: keep going up
      }
    }
    const up = dirname(dir);
    if (up === dir) return resolve(from, '..', '..');
    dir = up;
  }
}

export function webRoot(options?: WebOptions): string {
  return options?.root ?? join(packageRoot(), 'dist', 'web');
}

export async function webRoutes(app: App, options?: WebOptions): Promise<void> {
  const root = webRoot(options);
  if (!existsSync(join(root, 'index.html'))) {
    app.get('/', { schema: { hide: true } }, async (_req, reply) =>
      reply.code(503).type('text/plain; charset=utf-8').send(NOT_BUILT_MESSAGE),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    // Every built file is a route of its own; nothing else falls through to the disk.
    wildcard: false,
    index: ['index.html'],
    // Cache headers are set below, per kind of file.
    cacheControl: false,
    setHeaders(res, path) {
      res.header('x-content-type-options', 'nosniff');
      res.header('referrer-policy', 'no-referrer');
      if (path.endsWith('.html')) {
        res.header('content-security-policy', WEB_CSP);
        res.header('x-frame-options', 'DENY');
        res.header('cache-control', 'no-cache');
      } else if (path.includes(`${join('/', 'assets')}/`)) {
        // Built assets carry a content hash in their names.
        res.header('cache-control', 'public, max-age=31536000, immutable');
      }
    },
  });
}
