import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { CATALOGUE_KEYS } from '#shared/feeds/catalogue.ts';
import {
  behaviourFor,
  browserViewResponseHeaders,
  browserViewUri,
  CONTENT_SECURITY_POLICY,
} from '#shared/feeds/serving.ts';

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

type Encoding = 'br' | 'gzip' | 'identity';

/** Reads of an object that s3rver is rewriting before the server gives up with an error. */
const TORN_READ_ATTEMPTS = 5;

interface Head {
  etag: string;
  lastModified: Date;
  contentType: string;
  cacheControl: string;
}

/** Headers every feed response carries: the feeds are public and read-only, so any origin may read them. */
const FEED_HEADERS = {
  'x-content-type-options': 'nosniff',
  // Loads nothing and runs nothing; the paths of pages get their own policy (serving.ts).
  'content-security-policy': CONTENT_SECURITY_POLICY.nothing,
  'referrer-policy': 'no-referrer',
  'access-control-allow-origin': '*',
  vary: 'Accept-Encoding',
} as const;

/**
 * Serves `GET /feeds/...` from the bucket the way CloudFront in front of S3 does: the object's Content-Type and
 * Cache-Control, ETag and Last-Modified, 304 for a matching If-None-Match or a recent enough If-Modified-Since,
 * and brotli or gzip by Accept-Encoding (compressed variants carry a weak ETag, as a CDN's do). Each path gets the
 * headers of the CloudFront behaviour that serves it, and on a feed's URLs the CloudFront Function that sends
 * browsers to the feed's page runs here too (both from shared/feeds/serving.ts).
 */
export class LocalFeedServer {
  private readonly compressed = new Map<string, Buffer>();

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      response.writeHead(405, {
        ...FEED_HEADERS,
        allow: 'GET, HEAD',
        'content-type': 'text/plain; charset=utf-8',
      });
      response.end('Feeds are read-only.\n');
      return;
    }
    const requested = new URL(request.url ?? '/', 'http://localhost').pathname;
    // A local convenience CloudFront lacks (it serves no folder index): `/feeds` and `/feeds/` are the index page.
    const path = requested === '/feeds' || requested === '/feeds/' ? `/${CATALOGUE_KEYS.index}` : requested;
    const behaviour = behaviourFor(path);
    // Before the cache, as at the edge: a browser opening a feed gets its page (`index.html` beside it).
    const uri = behaviour.browserView ? browserViewUri(path, request.headers) : path;
    const key = keyOf(uri);
    const object = key ? await this.object(key) : undefined;
    if (!key || !object) {
      response.writeHead(404, {
        ...FEED_HEADERS,
        'content-type': 'text/plain; charset=utf-8',
        'cache-control': 'max-age=10',
      });
      response.end('Not found.\n');
      return;
    }
    if (object === 'changing') {
      response.writeHead(503, {
        ...FEED_HEADERS,
        'content-type': 'text/plain; charset=utf-8',
        'retry-after': '1',
        'cache-control': 'no-store',
      });
      response.end('Being rewritten; try again.\n');
      return;
    }
    const { head, raw } = object;
    const encoding = negotiate(request.headers['accept-encoding']);
    const etag = encoding === 'identity' ? head.etag : `W/${head.etag}`;
    let headers: Record<string, string> = {
      ...FEED_HEADERS,
      'content-security-policy': behaviour.contentSecurityPolicy,
      etag,
      'last-modified': head.lastModified.toUTCString(),
      'cache-control': head.cacheControl,
      'content-type': head.contentType,
    };
    if (behaviour.browserView) headers = browserViewResponseHeaders(path, headers);
    if (notModified(request, head)) {
      response.writeHead(304, headers);
      response.end();
      return;
    }
    const body = await this.encoded(key, head, raw, encoding);
    if (encoding !== 'identity') headers['content-encoding'] = encoding;
    headers['content-length'] = String(body.length);
    response.writeHead(200, headers);
    response.end(method === 'HEAD' ? undefined : body);
  }

  /**
   * The object's headers and bytes from one GET, as S3 gives them: never a HEAD and then a GET, which can describe
   * two different versions. S3's PUTs are atomic, but s3rver writes an object in place, so a GET during a rewrite
   * can return a torn body: a body whose MD5 is not its ETag (a single-part upload's ETag is its MD5) is read
   * again, so a reader gets a whole version or, if rewrites never stop, `changing` (a 503), never a partial one.
   */
  private async object(key: string): Promise<{ head: Head; raw: Buffer } | 'changing' | undefined> {
    for (let attempt = 1; ; attempt++) {
      let object: GetObjectCommandOutput;
      let raw: Buffer;
      try {
        object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
        raw = await readWhole(object.Body);
      } catch (error) {
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (status === 404 || (error as Error).name === 'NoSuchKey') return undefined;
        // A file cut short by a rewrite: s3rver announced its old length and sent fewer bytes, so the body never
        // completes and the read times out (the client's short socket timeout) or is cut. Read it again.
        if (!isTornStream(error)) throw error;
        if (attempt >= TORN_READ_ATTEMPTS) return 'changing';
        continue;
      }
      const etag = object.ETag ?? '""';
      if (etag === `"${createHash('md5').update(raw).digest('hex')}"`) {
        const head = {
          etag,
          lastModified: object.LastModified ?? new Date(0),
          contentType: object.ContentType ?? 'application/octet-stream',
          cacheControl: object.CacheControl ?? 'max-age=60',
        };
        return { head, raw };
      }
      if (attempt >= TORN_READ_ATTEMPTS) return 'changing';
      await new Promise((resolve) => setTimeout(resolve, 10 * attempt));
    }
  }

  private async encoded(key: string, head: Head, raw: Buffer, encoding: Encoding): Promise<Buffer> {
    if (encoding === 'identity') return raw;
    const cacheKey = `${key}\n${head.etag}\n${encoding}`;
    const cached = this.compressed.get(cacheKey);
    if (cached) return cached;
    const body =
      encoding === 'br'
        ? await brotli(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } })
        : await gzipAsync(raw, { level: 6 });
    if (this.compressed.size > 500) this.compressed.clear();
    this.compressed.set(cacheKey, body);
    return body;
  }
}

/** How long a body may stall before it counts as cut short: a local read of a whole document takes milliseconds. */
const BODY_STALL_MS = 1_000;

/**
 * An object's whole body. s3rver announces an object's length and then streams its file: a rewrite in place can
 * cut the file short, and the body then never completes (the server lets the connection idle until its keep-alive
 * ends, five seconds later). A body that stalls is destroyed and reported as torn, to be read again.
 */
export async function readWhole(body: GetObjectCommandOutput['Body']): Promise<Buffer> {
  if (!body) return Buffer.alloc(0);
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      (body as { destroy?: () => void }).destroy?.();
      reject(Object.assign(new Error('the body stalled: cut short by a rewrite'), { name: 'TimeoutError' }));
    }, BODY_STALL_MS);
  });
  try {
    return Buffer.from(await Promise.race([body.transformToByteArray(), stalled]));
  } finally {
    clearTimeout(timer);
  }
}

/** Whether a read failed because the body stopped short (a rewrite in place), not because S3 refused it. */
function isTornStream(error: unknown): boolean {
  const { name, message, code } = error as { name?: string; message?: string; code?: string };
  return (
    name === 'TimeoutError' ||
    code === 'ECONNRESET' ||
    code === 'ERR_STREAM_PREMATURE_CLOSE' ||
    /aborted|socket hang up|premature close|timed? ?out/i.test(message ?? '')
  );
}

/** The object key of a request path under `/feeds/`, or undefined for anything that could escape it. */
function keyOf(path: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  if (!decoded.startsWith('/feeds/') || decoded.split('/').some((part) => part === '..' || part === '.'))
    return undefined;
  return decoded.slice(1);
}

/** Picks brotli, then gzip, from Accept-Encoding, honouring `q=0`. */
function negotiate(header: string | undefined): Encoding {
  const accepted = new Map<string, number>();
  for (const part of (header ?? '').split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)/.exec(p)?.[1]).find(Boolean);
    if (name) accepted.set(name, q === undefined ? 1 : Number(q));
  }
  const wants = (name: string) => (accepted.get(name) ?? accepted.get('*') ?? 0) > 0;
  if (wants('br')) return 'br';
  if (wants('gzip')) return 'gzip';
  return 'identity';
}

function notModified(request: IncomingMessage, head: Head): boolean {
  const ifNoneMatch = request.headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    const wanted = head.etag.replace(/^W\//, '');
    return ifNoneMatch
      .split(',')
      .map((tag) => tag.trim().replace(/^W\//, ''))
      .some((tag) => tag === '*' || tag === wanted);
  }
  const since = request.headers['if-modified-since'];
  if (since) {
    const time = Date.parse(since);
    return !Number.isNaN(time) && Math.floor(head.lastModified.getTime() / 1000) <= Math.floor(time / 1000);
  }
  return false;
}
