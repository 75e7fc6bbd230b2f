/**
 * The access rule of the private partner feeds (`feeds/partners/{profile}/sources/{source}/…`), one code for the
 * edge and the local stack: a CloudFront Function (JavaScript runtime 2.0) with a CloudFront KeyValueStore that maps
 * a token's SHA-256 to its compact scope (tokens.ts `encodeEdgeScope`). The CDK app deploys {@link
 * PARTNER_FUNCTION_CODE} (infra/edge.ts); the local feed server runs the same text in a `node:vm` context, with the
 * key value store imitated from the table (local/partner-tokens.ts).
 *
 * Why a CloudFront Function and not Lambda@Edge: the check is a header parse, one SHA-256 and one key lookup, which
 * is what CloudFront Functions are for. They start in under a millisecond at every edge location and cost $0.10
 * per million invocations (plus $0.03 per million KeyValueStore reads); Lambda@Edge costs $0.60 per million plus
 * its duration, runs in the regional edge caches with cold starts of tens of milliseconds, and is replicated from
 * us-east-1, so every release takes minutes to reach the edge. The check runs on viewer request, before the cache,
 * so every request is checked while CloudFront still caches the feed itself; a function on every partner request
 * and its response costs $0.20 per million requests and the lookup $0.03. What the KeyValueStore costs is
 * propagation: a put or delete reaches every edge location within seconds, well inside the minute a revocation
 * may take.
 *
 * The rule:
 * - the token comes as HTTP Basic (any user name, the token as password), `Authorization: Bearer <token>`, or
 *   `X-Partner-Token: <token>`; never from the query string (which CloudFront does not forward, and which ends up
 *   in logs, proxies and referrers);
 * - no token, or one that is malformed, unknown or revoked: 401 with `WWW-Authenticate` (a Basic and a Bearer
 *   challenge) and a one-line body, never the feed;
 * - a valid token on a path outside its scope (another source or profile, or no feed path at all): 403;
 * - `OPTIONS` is answered with the feeds' preflight (204), without a token: a preflight never carries credentials
 *   (Fetch standard), and the answer allows neither `Authorization` nor `X-Partner-Token`, so no web page on
 *   another origin can send a token here. Partner feeds are for partners' servers; a token in a page's script would
 *   be a leaked token;
 * - on the way out, `Cache-Control` becomes `private` (with the object's `max-age`), so no shared cache downstream
 *   keeps the licensed bytes; CloudFront itself still caches by the object's `s-maxage`, since the check runs before
 *   the cache on every request. The media type is restored and `x-amz-meta-*` dropped, as on every other path.
 */
import { createHash } from 'node:crypto';
import { runInNewContext } from 'node:vm';
import { EDGE_COMMON_CODE } from '../feeds/serving.ts';
import { PARTNER_TOKEN_PATTERN } from './tokens.ts';

/** The realm both challenges name. */
export const PARTNER_REALM = 'partner feeds';

/** The `WWW-Authenticate` of a 401: Basic first, which most feed fetchers support, then Bearer (RFC 9110 11.6.1). */
export const PARTNER_CHALLENGE = `Basic realm="${PARTNER_REALM}", charset="UTF-8", Bearer realm="${PARTNER_REALM}"`;

/** The header a partner whose fetcher cannot send `Authorization` may use instead. */
export const PARTNER_TOKEN_HEADER = 'x-partner-token';

export const PARTNER_REFUSALS = {
  missing:
    'A partner token is required: send it as the password of HTTP Basic, as Authorization: Bearer <token>, or as X-Partner-Token.\n',
  invalid: 'The partner token is not valid, or has been revoked.\n',
  outOfScope: 'The partner token does not cover this feed.\n',
} as const;

/** The runtime's modules, imported by the deployed code; the local runner provides them to the context instead. */
const IMPORTS = "import crypto from 'crypto';\nimport cf from 'cloudfront';\n";

const BODY = `${EDGE_COMMON_CODE}
var kvs = cf.kvs();
var TOKEN = ${PARTNER_TOKEN_PATTERN.toString()};
var PREFIX = '/feeds/partners/';
var NAME = /^[a-z0-9][a-z0-9-]*$/;
var CHALLENGE = ${JSON.stringify(PARTNER_CHALLENGE)};
var REFUSALS = ${JSON.stringify(PARTNER_REFUSALS)};

// The token presented, '' for one that cannot be read, or undefined when none was presented at all.
function presentedToken(headers) {
  var fromHeader = header(headers, '${PARTNER_TOKEN_HEADER}').trim();
  var authorization = header(headers, 'authorization').trim();
  var fromAuthorization;
  if (authorization) {
    var space = authorization.indexOf(' ');
    var scheme = (space < 0 ? authorization : authorization.slice(0, space)).toLowerCase();
    var credentials = space < 0 ? '' : authorization.slice(space + 1).trim();
    fromAuthorization = '';
    if (scheme === 'bearer') fromAuthorization = credentials;
    else if (scheme === 'basic') {
      var decoded = Buffer.from(credentials, 'base64').toString('utf8');
      var colon = decoded.indexOf(':');
      if (colon >= 0) fromAuthorization = decoded.slice(colon + 1);
    }
  }
  if (fromAuthorization === undefined) return fromHeader || undefined;
  if (fromHeader && fromHeader !== fromAuthorization) return '';
  return fromAuthorization;
}

// The profile and source a partner path names, or null for anything else. Each segment is decoded as S3 decodes
// the key, so that an encoded letter or separator cannot reach another source's feed than the one checked.
function partnerFeed(uri) {
  if (uri.indexOf(PREFIX) !== 0) return null;
  var raw = uri.slice(PREFIX.length).split('/');
  if (raw.length < 4) return null;
  var parts = [];
  for (var i = 0; i < raw.length; i++) {
    var part;
    try {
      part = decodeURIComponent(raw[i]);
    } catch (e) {
      return null;
    }
    if (part === '' || part === '.' || part === '..' || part.indexOf('/') >= 0 || part.indexOf('\\\\') >= 0) return null;
    parts.push(part);
  }
  if (parts[1] !== 'sources' || !NAME.test(parts[0]) || !NAME.test(parts[2])) return null;
  return { profile: parts[0], source: parts[2] };
}

function listHas(list, item) {
  return list === '*' || list.split(',').indexOf(item) >= 0;
}

function covers(scope, feed) {
  var parts = typeof scope === 'string' ? scope.split('|') : [];
  return parts.length === 2 && listHas(parts[0], feed.source) && listHas(parts[1], feed.profile);
}

function refuse(status, body) {
  var headers = {
    'content-type': { value: 'text/plain; charset=utf-8' },
    'cache-control': { value: 'no-store' },
    'x-content-type-options': { value: 'nosniff' }
  };
  if (status === 401) headers['www-authenticate'] = { value: CHALLENGE };
  return {
    statusCode: status,
    statusDescription: status === 401 ? 'Unauthorized' : 'Forbidden',
    headers: headers,
    body: { encoding: 'text', data: body }
  };
}

async function handler(event) {
  if (event.response) {
    var response = event.response;
    var headers = response.headers;
    restoreStoredType(headers);
    var maxAge = /(?:^|,)\\s*max-age=(\\d+)/.exec(header(headers, 'cache-control'));
    headers['cache-control'] = { value: maxAge ? 'private, max-age=' + maxAge[1] : 'private' };
    return response;
  }
  var request = event.request;
  if (request.method === 'OPTIONS') return preflight();
  var token = presentedToken(request.headers);
  if (token === undefined) return refuse(401, REFUSALS.missing);
  if (!TOKEN.test(token)) return refuse(401, REFUSALS.invalid);
  var scope;
  try {
    scope = await kvs.get(crypto.createHash('sha256').update(token).digest('hex'));
  } catch (e) {
    // No such key (revoked, or never issued): get() throws.
    return refuse(401, REFUSALS.invalid);
  }
  var feed = partnerFeed(request.uri);
  if (!feed || !covers(scope, feed)) return refuse(403, REFUSALS.outOfScope);
  return request;
}
`;

/** The deployed function's code (infra/edge.ts); a template assertion pins it to this text. */
export const PARTNER_FUNCTION_CODE = `${IMPORTS}${BODY}`;

/** The part of a CloudFront KeyValueStore the function uses: `get` throws when the key is missing. */
export interface EdgeKeyValueStore {
  get(key: string): Promise<string>;
}

type Headers = Record<string, { value: string }>;
interface PartnerEvent {
  request: { method: string; uri: string; headers: Headers };
  response?: { statusCode: number; headers: Headers };
}
type PartnerResult =
  | PartnerEvent['request']
  | { statusCode: number; headers: Headers; body?: { encoding: string; data: string } };
type PartnerHandler = (event: PartnerEvent) => Promise<PartnerResult>;

const compiled = new WeakMap<EdgeKeyValueStore, PartnerHandler>();

/**
 * The deployed code, compiled once per key value store in a context of its own: its two imports are taken out and
 * the context given what they provide (`crypto.createHash`, `cf.kvs()`), and `Buffer`, which runtime 2.0 has.
 */
export function partnerHandler(kvs: EdgeKeyValueStore): PartnerHandler {
  let handler = compiled.get(kvs);
  if (!handler) {
    if (!PARTNER_FUNCTION_CODE.startsWith(IMPORTS)) throw new Error('the partner function lost its imports');
    const context = {
      crypto: { createHash: (algorithm: string) => createHash(algorithm) },
      cf: { kvs: () => kvs },
      Buffer,
    };
    handler = runInNewContext(
      `${PARTNER_FUNCTION_CODE.slice(IMPORTS.length)}\nhandler;`,
      context,
    ) as PartnerHandler;
    compiled.set(kvs, handler);
  }
  return handler;
}

const cloudFrontHeaders = (headers: Record<string, string | string[] | undefined>): Headers => {
  const out: Headers = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = { value: Array.isArray(value) ? value.join(', ') : value };
  }
  return out;
};

const plainHeaders = (headers: Headers): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).map(([name, { value }]) => [name, value]));

/** The viewer-request event on a partner path: the request goes on to the cache, or the function answers it. */
export async function partnerViewerRequest(
  kvs: EdgeKeyValueStore,
  request: { method: string; uri: string; headers: Record<string, string | string[] | undefined> },
): Promise<
  { uri: string } | { response: { status: number; headers: Record<string, string>; body: string } }
> {
  const result = await partnerHandler(kvs)({
    request: { method: request.method, uri: request.uri, headers: cloudFrontHeaders(request.headers) },
  });
  if ('statusCode' in result)
    return {
      response: {
        status: result.statusCode,
        headers: plainHeaders(result.headers),
        body: result.body?.data ?? '',
      },
    };
  return { uri: result.uri };
}

/** The response headers on a partner path once the viewer-response event has run. */
export async function partnerViewerResponse(
  kvs: EdgeKeyValueStore,
  uri: string,
  status: number,
  responseHeaders: Record<string, string>,
): Promise<Record<string, string>> {
  const result = await partnerHandler(kvs)({
    request: { method: 'GET', uri, headers: {} },
    response: { statusCode: status, headers: cloudFrontHeaders(responseHeaders) },
  });
  return plainHeaders(result.headers);
}
