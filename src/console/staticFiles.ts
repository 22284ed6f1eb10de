import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context } from 'hono';

/** A file the server may send: a fixed list, so no request path ever reaches the file system. */
export type StaticFile = { file: string; type: string };

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

export function staticFile(file: string): StaticFile {
  const type = TYPES[path.extname(file)];
  if (!type) throw new Error(`no content type for ${file}`);
  return { file, type };
}

/**
 * The folder of an installed package, found the way Node resolves it (hoisted or
 * not), so vendor assets are the pinned versions in package-lock.json, never a CDN.
 * Walks up from the package's entry point to the package.json naming it.
 */
export function packageDir(name: string): string {
  let dir = path.dirname(fileURLToPath(import.meta.resolve(name)));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === name) return dir;
    } catch {
      // no package.json here: keep walking up
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find the folder of package ${name}`);
    dir = up;
  }
}

type Loaded = { body: Uint8Array<ArrayBuffer>; etag: string };

/**
 * Serves files from memory after the first read, with a strong ETag and
 * `no-cache` (the browser revalidates; a 304 costs a round trip on loopback, and a
 * deploy never leaves a stale console script behind).
 */
export function fileServer(files: Readonly<Record<string, StaticFile>>) {
  const cache = new Map<string, Promise<Loaded>>();
  const load = (f: StaticFile) => {
    let loaded = cache.get(f.file);
    if (!loaded) {
      loaded = readFile(f.file).then((buf) => ({ body: new Uint8Array(buf), etag: `"${createHash('sha256').update(buf).digest('base64url').slice(0, 27)}"` }));
      loaded.catch(() => cache.delete(f.file));
      cache.set(f.file, loaded);
    }
    return loaded;
  };
  return async (c: Context, name: string): Promise<Response | undefined> => {
    const f = Object.hasOwn(files, name) ? files[name] : undefined;
    if (!f) return undefined;
    const { body, etag } = await load(f);
    const headers = { ETag: etag, 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' };
    if (c.req.header('if-none-match') === etag) return c.body(null, 304, headers);
    return c.body(body, 200, { ...headers, 'Content-Type': f.type });
  };
}
