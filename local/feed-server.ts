import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { CATALOGUE_KEYS } from '#shared/feeds/catalogue.ts';
import {
  behaviourFor,
  edgeCompresses,
  edgeLifetime,
  edgeViewerRequest,
  edgeViewerResponse,
  FEED_CORS_HEADERS,
} from '#shared/feeds/serving.ts';
import {
  type EdgeKeyValueStore,
  partnerViewerRequest,
  partnerViewerResponse,
} from '#shared/partners/edge.ts';

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

type Encoding = 'br' | 'gzip' | 'identity';

/** Reads of an object that s3rver is rewriting before the server gives up with an error. */
const TORN_READ_ATTEMPTS = 5;

interface Head {
  etag: string;
  lastModified: Date;
  /** The Content-Type the object is stored with (shared/feeds/serving.ts `storedForm`). */
  contentType: string;
  cacheControl: string;
  /** The object's metadata, as S3 sends it: `x-amz-meta-{name}` headers. */
  metadata: Record<string, string>;
}

/** What the origin gave for a key: an object, or nothing (404). */
type OriginAnswer = { head: Head; raw: Buffer } | undefined;

/** Headers every response carries: the feeds are public and read-only, so any origin may read them. */
const FEED_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  ...FEED_CORS_HEADERS,
} as const;

export interface EdgeCacheOptions {
  /** The TTL of an object that names none (the cache policy's default TTL: the feed TTL). */
  defaultTtlSeconds: number;
  /** How long a 404 is kept (the distribution's error caching minimum: the edge TTL). */
  errorTtlSeconds: number;
  /** The clock, for tests. */
  now?: () => number;
}

interface CacheEntry {
  answer: OriginAnswer;
  body: Buffer | undefined;
  encoding: Encoding;
  storedAt: number;
  ttlMs: number;
  staleMs: number;
}

/**
 * Serves `/feeds/...` from the bucket the way CloudFront in front of S3 does, from the rules it is deployed with
 * (shared/feeds/serving.ts):
 * - the edge function runs on viewer request (a preflight is answered there; on a feed's URLs a browser is sent to
 *   the feed's page) and on viewer response (a document stored under a compressible stand-in type gets its own
 *   type back, and `Vary` is extended on feed URLs);
 * - on the private partner feeds (`feeds/partners/*`) the partner function runs instead (shared/partners/edge.ts),
 *   with `partnerTokens` as its key value store: nothing is served without a token that covers the path, and with
 *   no store at all nothing is served there;
 * - a body is compressed (brotli, else gzip, by Accept-Encoding) only when CloudFront would: a type on its list and
 *   1,000 bytes to 10 MB; a compressed body carries a weak ETag, as CloudFront's does;
 * - each path gets the headers of the CloudFront behaviour that serves it; 304 for a matching If-None-Match or a
 *   recent enough If-Modified-Since;
 * - with `edgeCache`, objects are kept as the cache policy keeps them (per URI and encoding; `s-maxage`, else
 *   `max-age`, else the default TTL; `stale-while-revalidate` honoured; a 404 kept for the edge TTL), so a reader sees what an
 *   edge location would. Without it every request goes to the bucket, as for a test that watches a write arrive.
 */
export class LocalFeedServer {
  private readonly compressed = new Map<string, Buffer>();
  private readonly cache = new Map<string, CacheEntry>();
  private readonly refreshing = new Set<string>();

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly edgeCache?: EdgeCacheOptions,
    private readonly partnerTokens: EdgeKeyValueStore = NO_PARTNER_TOKENS,
  ) {}

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    // A path a client sent as raw UTF-8 arrives percent-encoded too (local/unencoded-path.ts).
    const requested = new URL(request.url ?? '/', 'http://localhost').pathname;
    // A local convenience CloudFront lacks (it serves no folder index): `/feeds` and `/feeds/` are the index page.
    const path = requested === '/feeds' || requested === '/feeds/' ? `/${CATALOGUE_KEYS.index}` : requested;
    const behaviour = behaviourFor(path);
    // Before the cache, as at the edge: every request to a partner feed is checked, cached or not.
    const viewer = { method, uri: path, headers: request.headers };
    const viewerRequest = behaviour.partnerFeeds
      ? await partnerViewerRequest(this.partnerTokens, viewer)
      : edgeViewerRequest(behaviour, viewer);
    if ('response' in viewerRequest) {
      const answer = viewerRequest.response;
      response.writeHead(answer.status, answer.headers);
      response.end(method === 'HEAD' || !('body' in answer) ? undefined : answer.body);
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') {
      response.writeHead(405, {
        ...FEED_HEADERS,
        allow: 'GET, HEAD, OPTIONS',
        'content-type': 'text/plain; charset=utf-8',
      });
      response.end('Feeds are read-only.\n');
      return;
    }
    const uri = viewerRequest.uri;
    const key = keyOf(uri);
    const wanted = negotiate(request.headers['accept-encoding']);
    const served = key
      ? await this.serve(key, uri, wanted)
      : { answer: undefined, body: undefined, encoding: 'identity' as const };
    if (served === 'changing') {
      response.writeHead(503, {
        ...FEED_HEADERS,
        'content-security-policy': behaviour.contentSecurityPolicy,
        'content-type': 'text/plain; charset=utf-8',
        'retry-after': '1',
        'cache-control': 'no-store',
      });
      response.end('Being rewritten; try again.\n');
      return;
    }
    const { answer, body, encoding } = served;
    if (!answer || !body) {
      response.writeHead(404, {
        ...FEED_HEADERS,
        'content-security-policy': behaviour.contentSecurityPolicy,
        'content-type': 'text/plain; charset=utf-8',
        'cache-control': 'max-age=10',
      });
      response.end('Not found.\n');
      return;
    }
    const { head } = answer;
    const originHeaders: Record<string, string> = {
      ...FEED_HEADERS,
      'content-security-policy': behaviour.contentSecurityPolicy,
      etag: encoding === 'identity' ? head.etag : `W/${head.etag}`,
      'last-modified': head.lastModified.toUTCString(),
      'cache-control': head.cacheControl,
      'content-type': head.contentType,
      vary: 'Accept-Encoding',
      ...Object.fromEntries(
        Object.entries(head.metadata).map(([name, value]) => [`x-amz-meta-${name}`, value]),
      ),
    };
    const status = notModified(request, head) ? 304 : 200;
    const headers = behaviour.partnerFeeds
      ? await partnerViewerResponse(this.partnerTokens, uri, status, originHeaders)
      : edgeViewerResponse(behaviour, uri, status, originHeaders);
    if (status === 304) {
      response.writeHead(304, headers);
      response.end();
      return;
    }
    if (encoding !== 'identity') headers['content-encoding'] = encoding;
    headers['content-length'] = String(body.length);
    response.writeHead(200, headers);
    response.end(method === 'HEAD' ? undefined : body);
  }

  /** The object of `key` in the encoding CloudFront would send for `wanted`: from the edge cache when it has it. */
  private async serve(
    key: string,
    uri: string,
    wanted: Encoding,
  ): Promise<{ answer: OriginAnswer; body: Buffer | undefined; encoding: Encoding } | 'changing'> {
    if (!this.edgeCache) return this.fromOrigin(key, wanted);
    const now = this.edgeCache.now?.() ?? Date.now();
    const cacheKey = `${uri}\n${wanted}`;
    const cached = this.cache.get(cacheKey);
    if (cached && now < cached.storedAt + cached.ttlMs) return cached;
    if (cached && now < cached.storedAt + cached.ttlMs + cached.staleMs) {
      // Stale but within stale-while-revalidate: served as it is while the edge asks the origin again.
      if (!this.refreshing.has(cacheKey)) {
        this.refreshing.add(cacheKey);
        void this.fetchInto(cacheKey, key, wanted).finally(() => this.refreshing.delete(cacheKey));
      }
      return cached;
    }
    return this.fetchInto(cacheKey, key, wanted);
  }

  private async fetchInto(
    cacheKey: string,
    key: string,
    wanted: Encoding,
  ): Promise<{ answer: OriginAnswer; body: Buffer | undefined; encoding: Encoding } | 'changing'> {
    const options = this.edgeCache as EdgeCacheOptions;
    const fetched = await this.fromOrigin(key, wanted);
    if (fetched === 'changing') return fetched;
    const lifetime = fetched.answer
      ? edgeLifetime(fetched.answer.head.cacheControl, options.defaultTtlSeconds)
      : { ttlSeconds: options.errorTtlSeconds, staleWhileRevalidateSeconds: 0 };
    if (lifetime.ttlSeconds > 0 || lifetime.staleWhileRevalidateSeconds > 0) {
      if (this.cache.size > 5_000) this.cache.clear();
      this.cache.set(cacheKey, {
        ...fetched,
        storedAt: options.now?.() ?? Date.now(),
        ttlMs: lifetime.ttlSeconds * 1000,
        staleMs: lifetime.staleWhileRevalidateSeconds * 1000,
      });
    }
    return fetched;
  }

  private async fromOrigin(
    key: string,
    wanted: Encoding,
  ): Promise<{ answer: OriginAnswer; body: Buffer | undefined; encoding: Encoding } | 'changing'> {
    const answer = await this.object(key);
    if (answer === 'changing') return answer;
    if (!answer) return { answer, body: undefined, encoding: 'identity' };
    // CloudFront compresses only the types on its list, within its size bounds; anything else goes out as stored.
    const encoding = edgeCompresses(answer.head.contentType, answer.raw.length) ? wanted : 'identity';
    return { answer, body: await this.encoded(key, answer.head, answer.raw, encoding), encoding };
  }

  /**
   * The object's headers and bytes from one GET, as S3 gives them: never a HEAD and then a GET, which can describe
   * two different versions. The local S3 server writes atomically, as S3 does; a body whose MD5 is not its ETag (a
   * single-part upload's ETag is its MD5), or that stops short, is read again all the same, so a reader gets a
   * whole version or, if rewrites never stop, `changing` (a 503), never a partial one.
   */
  private async object(key: string): Promise<OriginAnswer | 'changing'> {
    for (let attempt = 1; ; attempt++) {
      let object: GetObjectCommandOutput;
      let raw: Buffer;
      try {
        object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
        raw = await readWhole(object.Body);
      } catch (error) {
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (status === 404 || (error as Error).name === 'NoSuchKey') return undefined;
        // A file cut short: the server announced one length and sent fewer bytes, so the body never completes and
        // the read times out (the client's short socket timeout) or is cut. Read it again.
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
          cacheControl: object.CacheControl ?? '',
          metadata: object.Metadata ?? {},
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

/** A key value store that holds no token: partner feeds are refused unless the server is given one. */
const NO_PARTNER_TOKENS: EdgeKeyValueStore = {
  get: async (key) => {
    throw new Error(`The key ${key} does not exist.`);
  },
};

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
