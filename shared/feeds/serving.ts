/**
 * How the published objects are served: which headers each path gets, and which variant a request gets at a feed's
 * URL. One table of path patterns, read by the CDK app (a CloudFront cache behaviour per row, see
 * infra/stateless-stack.ts) and by the local feed server (local/feed-server.ts), and one CloudFront Function, which
 * CloudFront runs at the edge and the local feed server runs in a `node:vm` context: the local stack answers as the
 * deployment does, from the same rules.
 */
import { runInNewContext } from 'node:vm';

/** Anything that is not a page: loads nothing, runs nothing. */
const CSP_NOTHING = "default-src 'none'; frame-ancestors 'none'";

/**
 * The pages (the catalogue, and every feed's and archive's page): their one inline style sheet and nothing else.
 * No script, image, frame, form or `<base>`.
 */
const CSP_PAGE =
  "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export const CONTENT_SECURITY_POLICY = { nothing: CSP_NOTHING, page: CSP_PAGE } as const;

/**
 * What a feed URL's response varies by, beyond the encoding: the request headers the browser-view rule reads. The
 * CloudFront Function adds them to `Vary` on viewer response; the URI it picks is what the cache keys on.
 */
export const FEED_URL_VARY = 'Accept, Sec-Fetch-Dest';

export interface ServingBehaviour {
  /** A CloudFront path pattern (`*` any characters, `/` included; `?` one character; case-sensitive). */
  pathPattern: string;
  contentSecurityPolicy: string;
  /** A feed's URL: the browser-view function runs on viewer request and on viewer response. */
  browserView: boolean;
  /**
   * The private partner feeds: the partner function (shared/partners/edge.ts) runs instead, and serves nothing
   * without a partner token that covers the path.
   */
  partnerFeeds?: true;
}

/** Where the private partner feeds live: `feeds/partners/{profile}/sources/{source}/…`. */
export const PARTNER_FEEDS_PATTERN = 'feeds/partners/*';

/**
 * The behaviours in CloudFront's order of precedence: the first whose pattern matches a path serves it, and a path
 * no pattern matches gets {@link DEFAULT_BEHAVIOUR}. A feed's URLs may serve its page, so they carry the pages' CSP.
 */
export const SERVING_BEHAVIOURS: readonly ServingBehaviour[] = [
  // First, so that no public rule serves a partner feed: its `rss.xml` would match `feeds/*/rss.xml` too.
  {
    pathPattern: PARTNER_FEEDS_PATTERN,
    contentSecurityPolicy: CSP_NOTHING,
    browserView: false,
    partnerFeeds: true,
  },
  ...['rss.xml', 'atom.xml', 'feed.json'].map((file) => ({
    pathPattern: `feeds/*/${file}`,
    contentSecurityPolicy: CSP_PAGE,
    browserView: true,
  })),
  { pathPattern: 'feeds/*.html', contentSecurityPolicy: CSP_PAGE, browserView: false },
];

/** CloudFront's default behaviour, whose pattern is `*`. */
export const DEFAULT_BEHAVIOUR: ServingBehaviour = {
  pathPattern: '*',
  contentSecurityPolicy: CSP_NOTHING,
  browserView: false,
};

/** The behaviour that serves a request path (`/feeds/all/rss.xml`), as CloudFront picks it. */
export function behaviourFor(path: string): ServingBehaviour {
  return (
    SERVING_BEHAVIOURS.find((behaviour) => matchesPathPattern(behaviour.pathPattern, path)) ??
    DEFAULT_BEHAVIOUR
  );
}

/** Whether a request path matches a CloudFront path pattern; a leading `/` is optional in both. */
export function matchesPathPattern(pattern: string, path: string): boolean {
  const source = pattern
    .replace(/^\//, '')
    .split('')
    .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`).test(path.replace(/^\//, ''));
}

/**
 * The media types CloudFront compresses ("File types that CloudFront compresses" in its developer guide): a response
 * of any other type goes out as it was stored, whatever the behaviour's `compress` says. `application/atom+xml`,
 * `application/feed+json` and `text/x-opml` are not on it. Matched on the media type alone, parameters dropped.
 */
export const EDGE_COMPRESSIBLE_TYPES: ReadonlySet<string> = new Set([
  'application/dash+xml',
  'application/eot',
  'application/font',
  'application/font-sfnt',
  'application/javascript',
  'application/json',
  'application/opentype',
  'application/otf',
  'application/pdf',
  'application/pkcs7-mime',
  'application/protobuf',
  'application/rss+xml',
  'application/truetype',
  'application/ttf',
  'application/vnd.apple.mpegurl',
  'application/vnd.mapbox-vector-tile',
  'application/vnd.ms-fontobject',
  'application/wasm',
  'application/xhtml+xml',
  'application/xml',
  'application/x-font-opentype',
  'application/x-font-truetype',
  'application/x-font-ttf',
  'application/x-httpd-cgi',
  'application/x-javascript',
  'application/x-mpegurl',
  'application/x-opentype',
  'application/x-otf',
  'application/x-perl',
  'application/x-ttf',
  'font/eot',
  'font/opentype',
  'font/otf',
  'font/ttf',
  'image/svg+xml',
  'text/css',
  'text/csv',
  'text/html',
  'text/javascript',
  'text/js',
  'text/plain',
  'text/richtext',
  'text/tab-separated-values',
  'text/xml',
  'text/x-component',
  'text/x-java-source',
  'text/x-script',
  'vnd.apple.mpegurl',
]);

/** CloudFront compresses a body of 1,000 bytes to 10,000,000 bytes, and only one the origin sent uncompressed. */
export const EDGE_COMPRESSION_BOUNDS = { minBytes: 1_000, maxBytes: 10_000_000 } as const;

const mediaTypeOf = (contentType: string) => (contentType.split(';')[0] ?? '').trim().toLowerCase();

/** Whether CloudFront compresses a response of this Content-Type and length. */
export function edgeCompresses(contentType: string, length: number): boolean {
  return (
    EDGE_COMPRESSIBLE_TYPES.has(mediaTypeOf(contentType)) &&
    length >= EDGE_COMPRESSION_BOUNDS.minBytes &&
    length <= EDGE_COMPRESSION_BOUNDS.maxBytes
  );
}

/**
 * The object metadata (`x-amz-meta-served-as`) that carries a document's own Content-Type when it is stored under
 * a compressible stand-in; the edge function puts it back on the way out.
 */
export const SERVED_AS_METADATA = 'served-as';

/**
 * How a document of Content-Type `contentType` is stored so that CloudFront compresses it: Atom, JSON Feed and OPML
 * are stored as `application/xml` or `application/json` (same parameters), which are on CloudFront's list, and
 * their own type travels in {@link SERVED_AS_METADATA} for the edge function to restore after compression. The
 * alternative, compressed copies written beside each document, would add two `PUT`s per Atom and JSON Feed
 * document per change (about $240 per million articles, README "Compression at the edge"); this costs nothing.
 */
export function storedForm(contentType: string): { contentType: string; servedAs?: string } {
  const media = mediaTypeOf(contentType);
  if (EDGE_COMPRESSIBLE_TYPES.has(media)) return { contentType };
  const standIn = /\+json$/.test(media)
    ? 'application/json'
    : /\+xml$|^text\/x-opml$/.test(media)
      ? 'application/xml'
      : undefined;
  if (!standIn) return { contentType };
  const parameters = contentType.slice(contentType.split(';')[0]?.length ?? 0);
  return { contentType: `${standIn}${parameters}`, servedAs: contentType };
}

/**
 * Cross-origin reads of the feeds: any origin may read them, without credentials, with conditional requests. One
 * rule for the edge function's answer to a preflight, the response headers policy (infra/stateless-stack.ts) and
 * the local feed server. `If-None-Match` and `If-Modified-Since` are not CORS-safelisted, so a web app that polls
 * a feed politely sends a preflight first.
 */
export const FEED_CORS = {
  allowOrigin: '*',
  allowMethods: ['GET', 'HEAD', 'OPTIONS'],
  allowHeaders: ['If-None-Match', 'If-Modified-Since', 'Cache-Control', 'Pragma'],
  exposeHeaders: ['ETag', 'Last-Modified'],
  maxAgeSeconds: 86_400,
} as const;

/** The CORS headers of every response, preflight or not. */
export const FEED_CORS_HEADERS = {
  'access-control-allow-origin': FEED_CORS.allowOrigin,
  'access-control-expose-headers': FEED_CORS.exposeHeaders.join(', '),
} as const;

/** What the edge function answers to a preflight (`OPTIONS`): 204, with the rules above. */
const PREFLIGHT_HEADERS = {
  ...FEED_CORS_HEADERS,
  'access-control-allow-methods': FEED_CORS.allowMethods.join(', '),
  'access-control-allow-headers': FEED_CORS.allowHeaders.join(', '),
  'access-control-max-age': String(FEED_CORS.maxAgeSeconds),
  allow: FEED_CORS.allowMethods.join(', '),
} as const;

/**
 * The CloudFront Function on every path of the feeds (JavaScript runtime 2.0, ES5 syntax so any runtime takes it),
 * in two variants: with the browser view for the feeds' URLs, without it for everything else.
 *
 * Viewer request:
 * - a preflight (`OPTIONS`) is answered here with 204 and {@link FEED_CORS}: S3 has no CORS configuration, and it
 *   would answer 403, which fails the preflight whatever headers the response headers policy then adds;
 * - (feed URLs) a browser navigating to a feed (`Sec-Fetch-Dest: document`, or an `Accept` that prefers `text/html`
 *   and names no feed type) is sent to the feed's page, `index.html` in the same folder. The rewrite happens before
 *   the cache lookup, so the page and the feed are cached under their own keys and a reader never gets a browser's
 *   bytes, nor a browser a reader's. Feed readers, which send neither header, get the feed.
 *
 * Viewer response (after the cache and after CloudFront compressed the body):
 * - a document stored under a compressible stand-in type gets its own Content-Type back ({@link storedForm}), and
 *   the object's metadata headers (`x-amz-meta-*`, storage details) are dropped;
 * - (feed URLs) `Vary` names the request headers that chose the variant.
 */
export function edgeFunctionCode(browserView: boolean): string {
  return `var BROWSER_VIEW = ${browserView};
var FEED_FILE = /\\/(?:rss\\.xml|atom\\.xml|feed\\.json)$/;
var FEED_TYPE = /^application\\/(?:rss\\+xml|atom\\+xml|rdf\\+xml|feed\\+json|json)$/;
var VARY = '${FEED_URL_VARY}';
${EDGE_COMMON_CODE}
function wantsPage(headers) {
  if (header(headers, 'sec-fetch-dest').trim().toLowerCase() === 'document') return true;
  var ranges = header(headers, 'accept').toLowerCase().split(',');
  var html = 0;
  var other = 0;
  for (var i = 0; i < ranges.length; i++) {
    var params = ranges[i].split(';');
    var type = params[0].trim();
    var q = 1;
    for (var j = 1; j < params.length; j++) {
      var param = params[j].trim();
      if (param.indexOf('q=') === 0) q = Number(param.slice(2));
    }
    if (!type || !(q > 0)) continue;
    if (FEED_TYPE.test(type)) return false;
    if (type === 'text/html') html = Math.max(html, q);
    else other = Math.max(other, q);
  }
  return html > 0 && html >= other;
}

function handler(event) {
  if (event.response) {
    var response = event.response;
    var headers = response.headers;
    restoreStoredType(headers);
    if (BROWSER_VIEW) {
      var vary = header(headers, 'vary');
      headers['vary'] = { value: vary ? vary + ', ' + VARY : VARY };
    }
    return response;
  }
  var request = event.request;
  if (request.method === 'OPTIONS') return preflight();
  if (BROWSER_VIEW && FEED_FILE.test(request.uri) && wantsPage(request.headers)) {
    request.uri = request.uri.replace(FEED_FILE, '/index.html');
  }
  return request;
}
`;
}

/**
 * What every variant of the edge function shares (the partner feeds' function too, shared/partners/edge.ts): reading
 * a header, answering a preflight, and giving a document stored under a compressible stand-in its own type back
 * while dropping the object's metadata headers. ES5, so any runtime takes it.
 */
export const EDGE_COMMON_CODE = `var SERVED_AS = 'x-amz-meta-${SERVED_AS_METADATA}';
var PREFLIGHT = ${JSON.stringify(PREFLIGHT_HEADERS)};

function header(headers, name) {
  var entry = headers[name];
  return entry && typeof entry.value === 'string' ? entry.value : '';
}

function preflight() {
  var headers = {};
  for (var name in PREFLIGHT) headers[name] = { value: PREFLIGHT[name] };
  return { statusCode: 204, statusDescription: 'No Content', headers: headers };
}

function restoreStoredType(headers) {
  var servedAs = header(headers, SERVED_AS);
  if (servedAs) headers['content-type'] = { value: servedAs };
  for (var name in headers) {
    if (name.indexOf('x-amz-meta-') === 0) delete headers[name];
  }
}
`;

/** The edge function of the feeds' URLs, and of every other path. */
export const EDGE_FUNCTIONS = { feedUrls: edgeFunctionCode(true), other: edgeFunctionCode(false) } as const;

type CloudFrontHeaders = Record<string, { value: string }>;
interface EdgeRequest {
  method: string;
  uri: string;
  headers: CloudFrontHeaders;
}
interface EdgeResponse {
  statusCode: number;
  headers: CloudFrontHeaders;
}
type EdgeHandler = (event: { request: EdgeRequest; response?: EdgeResponse }) => EdgeRequest | EdgeResponse;

const compiled = new Map<boolean, EdgeHandler>();

/** A variant's handler, compiled once in a context of its own, as the edge runs it. */
function edgeHandler(browserView: boolean): EdgeHandler {
  let handler = compiled.get(browserView);
  if (!handler) {
    handler = runInNewContext(`${edgeFunctionCode(browserView)}\nhandler;`, {}) as EdgeHandler;
    compiled.set(browserView, handler);
  }
  return handler;
}

/** Request headers as CloudFront hands them to a function: lower-case names, one value each. */
function cloudFrontHeaders(headers: Record<string, string | string[] | undefined>): CloudFrontHeaders {
  const out: CloudFrontHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = { value: Array.isArray(value) ? value.join(', ') : value };
  }
  return out;
}

const plainHeaders = (headers: CloudFrontHeaders): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).map(([name, { value }]) => [name, value]));

/**
 * The viewer-request event of the behaviour that serves `uri`: the URI the request goes on to the cache with, or the
 * response the function answers itself.
 */
export function edgeViewerRequest(
  behaviour: ServingBehaviour,
  request: { method: string; uri: string; headers: Record<string, string | string[] | undefined> },
): { uri: string } | { response: { status: number; headers: Record<string, string> } } {
  const result = edgeHandler(behaviour.browserView)({
    request: { method: request.method, uri: request.uri, headers: cloudFrontHeaders(request.headers) },
  });
  if ('statusCode' in result)
    return { response: { status: result.statusCode, headers: plainHeaders(result.headers) } };
  return { uri: result.uri };
}

/** The response headers once the viewer-response event of the behaviour that serves `uri` has run. */
export function edgeViewerResponse(
  behaviour: ServingBehaviour,
  uri: string,
  status: number,
  responseHeaders: Record<string, string>,
): Record<string, string> {
  const result = edgeHandler(behaviour.browserView)({
    request: { method: 'GET', uri, headers: {} },
    response: { statusCode: status, headers: cloudFrontHeaders(responseHeaders) },
  });
  return plainHeaders(result.headers);
}

/** The URI the viewer-request function of a feed's URL sends a GET on to: the page's, or the same. */
export function browserViewUri(uri: string, headers: Record<string, string | string[] | undefined>): string {
  const result = edgeViewerRequest(behaviourFor(uri), { method: 'GET', uri, headers });
  return 'uri' in result ? result.uri : uri;
}

/** The response headers of a feed's URL once the viewer-response function has run (it adds to `Vary`). */
export function browserViewResponseHeaders(
  uri: string,
  responseHeaders: Record<string, string>,
): Record<string, string> {
  return edgeViewerResponse(behaviourFor(uri), uri, 200, responseHeaders);
}

/**
 * The feeds' cache policy, as the CDK app declares it and the local feed server applies it: an object's own
 * `s-maxage`, else its `max-age`, kept within these bounds; the default TTL (the feed TTL) for one without either. A
 * 404 is kept for the edge TTL too (the distribution's error caching minimum for 404, instead of CloudFront's default
 * 10 s), so a feed asked for just before its first publish shows up as soon as a changed one would.
 */
export const EDGE_CACHE = { minTtlSeconds: 0, maxTtlSeconds: 86_400 } as const;

/** How long the edge keeps an object, and how long past that it may still serve it while it asks again. */
export function edgeLifetime(
  cacheControl: string | undefined,
  defaultTtlSeconds: number,
): { ttlSeconds: number; staleWhileRevalidateSeconds: number } {
  const directives = new Map<string, string>();
  for (const part of (cacheControl ?? '').split(',')) {
    const [name = '', value = ''] = part.trim().toLowerCase().split('=');
    if (name) directives.set(name, value.replace(/^"|"$/g, ''));
  }
  const seconds = (name: string) => {
    const value = directives.get(name);
    return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
  };
  // With a minimum TTL of 0, CloudFront does not cache what the origin marks private, no-store or no-cache.
  if (['private', 'no-store', 'no-cache'].some((name) => directives.has(name)))
    return { ttlSeconds: 0, staleWhileRevalidateSeconds: 0 };
  const own = seconds('s-maxage') ?? seconds('max-age') ?? defaultTtlSeconds;
  return {
    ttlSeconds: Math.min(Math.max(own, EDGE_CACHE.minTtlSeconds), EDGE_CACHE.maxTtlSeconds),
    staleWhileRevalidateSeconds: seconds('stale-while-revalidate') ?? 0,
  };
}
