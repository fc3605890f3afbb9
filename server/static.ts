/**
 * Minimal static file serving for the relay (the demo page and the built
 * bundle): GET/HEAD only, correct content types, `index.html` for
 * directories, and no way out of the mounted directory.
 *
 * Every answer is open to any origin (`Access-Control-Allow-Origin: *`, and
 * `Cross-Origin-Resource-Policy: cross-origin` for pages that require it): a
 * page elsewhere loads `<script type="module" src=".../dist/video-call.js">`,
 * which the browser fetches in CORS mode, and the Firebase chunk it imports.
 * The files are public and no credentials are involved.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';

/** A directory served under a URL prefix, e.g. `{prefix: '/dist/', dir: './dist'}`. */
export interface StaticMount {
  /** URL path prefix; a trailing `/` is added when missing. */
  prefix: string;
  /** Directory on disk. */
  dir: string;
}

/** Headers on every static answer (files, redirects, errors alike). */
const OPEN: Record<string, string> = {
  'Access-Control-Allow-Origin': '*',
  'Cross-Origin-Resource-Policy': 'cross-origin',
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.webm': 'video/webm',
  '.mp4': 'video/mp4',
  '.woff2': 'font/woff2',
};

/** The Content-Type for a file name. */
export function contentType(file: string): string {
  return TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

interface ResolvedMount {
  prefix: string;
  dir: string;
}

/**
 * Builds a request handler for `mounts`. It resolves to `true` when it
 * answered the request, `false` when no mount matches the path.
 */
export function createStaticHandler(
  mounts: StaticMount[],
): (req: IncomingMessage, res: ServerResponse, pathname: string) => Promise<boolean> {
  const resolved: ResolvedMount[] = mounts
    .map((m) => ({ prefix: m.prefix.endsWith('/') ? m.prefix : `${m.prefix}/`, dir: path.resolve(m.dir) }))
    .sort((a, b) => b.prefix.length - a.prefix.length);

  return async (req, res, pathname) => {
    const mount = resolved.find((m) => pathname.startsWith(m.prefix) || `${pathname}/` === m.prefix);
    if (!mount) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'Method Not Allowed', { Allow: 'GET, HEAD' });
      return true;
    }
    if (`${pathname}/` === mount.prefix) {
      send(res, 301, '', { Location: mount.prefix });
      return true;
    }
    const segments = decodeSegments(pathname.slice(mount.prefix.length));
    if (!segments) {
      send(res, 400, 'Bad Request');
      return true;
    }
    try {
      const root = await realpath(mount.dir);
      let file = await realpath(path.join(root, ...segments));
      if (file !== root && !file.startsWith(root + path.sep)) {
        send(res, 404, 'Not Found');
        return true;
      }
      let info = await stat(file);
      if (info.isDirectory()) {
        if (!pathname.endsWith('/')) {
          send(res, 301, '', { Location: `${pathname}/` });
          return true;
        }
        file = path.join(file, 'index.html');
        info = await stat(file);
      }
      if (!info.isFile()) throw new Error('not a file');
      res.writeHead(200, {
        ...OPEN,
        'Content-Type': contentType(file),
        'Content-Length': info.size,
        'Cache-Control': 'no-cache',
        'X-Content-Type-Options': 'nosniff',
      });
      if (req.method === 'HEAD') {
        res.end();
      } else {
        const stream = createReadStream(file);
        stream.on('error', () => res.destroy());
        stream.pipe(res);
      }
    } catch {
      send(res, 404, 'Not Found');
    }
    return true;
  };
}

/** Splits and decodes a URL path; null when it tries to climb out or is malformed. */
function decodeSegments(rest: string): string[] | null {
  const out: string[] = [];
  for (const raw of rest.split('/')) {
    if (raw === '') continue;
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return null;
    }
    if (seg === '.' || seg === '..' || /[/\\\0]/.test(seg)) return null;
    out.push(seg);
  }
  return out;
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...OPEN, 'Content-Type': 'text/plain; charset=utf-8', ...headers });
  res.end(body);
}
