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
}

/**
 * The behaviours in CloudFront's order of precedence: the first whose pattern matches a path serves it, and a path
 * no pattern matches gets {@link DEFAULT_BEHAVIOUR}. A feed's URLs may serve its page, so they carry the pages' CSP.
 */
export const SERVING_BEHAVIOURS: readonly ServingBehaviour[] = [
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
 * The CloudFront Function (JavaScript runtime 2.0, ES5 syntax so any runtime takes it) on the feeds' URLs.
 *
 * Viewer request: a browser navigating to a feed (`Sec-Fetch-Dest: document`, or an `Accept` that prefers
 * `text/html` and names no feed type) is sent to the feed's page, `index.html` in the same folder. The rewrite
 * happens before the cache lookup, so the page and the feed are cached under their own keys and a reader never
 * gets a browser's bytes, nor a browser a reader's. Feed readers, which send neither header, get the feed.
 *
 * Viewer response: says in `Vary` which request headers chose the variant.
 */
export const BROWSER_VIEW_FUNCTION = `var FEED_FILE = /\\/(?:rss\\.xml|atom\\.xml|feed\\.json)$/;
var FEED_TYPE = /^application\\/(?:rss\\+xml|atom\\+xml|rdf\\+xml|feed\\+json|json)$/;
var VARY = '${FEED_URL_VARY}';

function header(headers, name) {
  var entry = headers[name];
  return entry && typeof entry.value === 'string' ? entry.value : '';
}

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
    var vary = header(response.headers, 'vary');
    response.headers['vary'] = { value: vary ? vary + ', ' + VARY : VARY };
    return response;
  }
  var request = event.request;
  if (FEED_FILE.test(request.uri) && wantsPage(request.headers)) {
    request.uri = request.uri.replace(FEED_FILE, '/index.html');
  }
  return request;
}
`;

type CloudFrontHeaders = Record<string, { value: string }>;
type BrowserView = (event: {
  request: { method: string; uri: string; headers: CloudFrontHeaders };
  response?: { statusCode: number; headers: CloudFrontHeaders };
}) => { uri?: string; headers: CloudFrontHeaders };

let compiled: BrowserView | undefined;

/** The function's handler, compiled once in a context of its own, as the edge runs it. */
function browserView(): BrowserView {
  compiled ??= runInNewContext(`${BROWSER_VIEW_FUNCTION}\nhandler;`, {}) as BrowserView;
  return compiled;
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

/** The URI the viewer-request function sends a request on to: the page's, or the same. */
export function browserViewUri(uri: string, headers: Record<string, string | string[] | undefined>): string {
  const request = browserView()({ request: { method: 'GET', uri, headers: cloudFrontHeaders(headers) } });
  return request.uri ?? uri;
}

/** The response headers once the viewer-response function has run (it adds to `Vary`). */
export function browserViewResponseHeaders(
  uri: string,
  responseHeaders: Record<string, string>,
): Record<string, string> {
  const response = browserView()({
    request: { method: 'GET', uri, headers: {} },
    response: { statusCode: 200, headers: cloudFrontHeaders(responseHeaders) },
  });
  return Object.fromEntries(Object.entries(response.headers).map(([name, { value }]) => [name, value]));
}
