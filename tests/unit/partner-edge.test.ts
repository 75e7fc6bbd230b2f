/**
 * The partner feeds' edge function (shared/partners/edge.ts), run as the local feed server runs it: the deployed
 * text in a `node:vm` context, its key value store a map of token hashes to scopes as the operator command writes
 * them (tokens.ts `encodeEdgeScope`).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type EdgeKeyValueStore,
  PARTNER_CHALLENGE,
  PARTNER_FUNCTION_CODE,
  PARTNER_REFUSALS,
  partnerHandler,
  partnerViewerRequest,
  partnerViewerResponse,
} from '../../shared/partners/edge.ts';
import {
  decodeEdgeScope,
  encodeEdgeScope,
  hashPartnerToken,
  mintPartnerToken,
  type PartnerScope,
  partnerIdOf,
  scopeCovers,
} from '../../shared/partners/tokens.ts';

/** A key value store as CloudFront's: `get` of a missing key throws. */
function kvsOf(entries: [token: string, scope: PartnerScope][]): EdgeKeyValueStore & { reads: string[] } {
  const values = new Map(entries.map(([token, scope]) => [hashPartnerToken(token), encodeEdgeScope(scope)]));
  const reads: string[] = [];
  return {
    reads,
    get: async (key) => {
      reads.push(key);
      const value = values.get(key);
      if (value === undefined) throw new Error(`the key ${key} does not exist`);
      return value;
    },
  };
}

const msnToken = mintPartnerToken().token;
const everythingToken = mintPartnerToken().token;
const kvs = kvsOf([
  [msnToken, { sources: ['the-gaze', 'morning-wire'], profiles: ['msn'] }],
  [everythingToken, { sources: '*', profiles: '*' }],
]);
const FEED = '/feeds/partners/msn/sources/the-gaze/rss.xml';

const get = (uri: string, headers: Record<string, string> = {}, method = 'GET') =>
  partnerViewerRequest(kvs, { method, uri, headers });
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;

function expectRefused(
  result: Awaited<ReturnType<typeof get>>,
  status: 401 | 403,
  body: string,
): asserts result is Extract<typeof result, { response: unknown }> {
  expect(result).toHaveProperty('response');
  if (!('response' in result)) return;
  expect(result.response.status).toBe(status);
  expect(result.response.body).toBe(body);
  expect(result.response.headers['cache-control']).toBe('no-store');
  if (status === 401) expect(result.response.headers['www-authenticate']).toBe(PARTNER_CHALLENGE);
  else expect(result.response.headers['www-authenticate']).toBeUndefined();
}

describe('partner tokens', () => {
  it('are fpt_ and 43 base64url characters, stored only as their SHA-256, named by the hash’s first 16 hex', () => {
    const minted = mintPartnerToken();
    expect(minted.token).toMatch(/^fpt_[A-Za-z0-9_-]{43}$/);
    expect(minted.tokenHash).toBe(hashPartnerToken(minted.token));
    expect(minted.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(minted.id).toBe(partnerIdOf(minted.tokenHash));
    expect(minted.tokenHash).not.toContain(minted.token.slice(4));
    const many = Array.from({ length: 500 }, () => mintPartnerToken());
    expect(new Set(many.map((token) => token.token)).size).toBe(500);
    expect(new Set(many.map((token) => token.id)).size).toBe(500);
  });

  it('encode their scope compactly for the edge and read it back', () => {
    expect(encodeEdgeScope({ sources: ['a', 'b'], profiles: ['msn'] })).toBe('a,b|msn');
    expect(encodeEdgeScope({ sources: '*', profiles: '*' })).toBe('*|*');
    expect(decodeEdgeScope('a,b|msn')).toEqual({ sources: ['a', 'b'], profiles: ['msn'] });
    for (const bad of ['', 'a', 'a|b|c', 'A|msn', 'a,|msn', 'a b|msn'])
      expect(decodeEdgeScope(bad), bad).toBeUndefined();
  });
});

describe('the partner edge function', () => {
  it('is one module of JavaScript runtime 2.0 that imports crypto and the key value store, within 10 KB', () => {
    expect(
      PARTNER_FUNCTION_CODE.startsWith("import crypto from 'crypto';\nimport cf from 'cloudfront';\n"),
    ).toBe(true);
    expect(PARTNER_FUNCTION_CODE).toContain('var kvs = cf.kvs();');
    expect(PARTNER_FUNCTION_CODE).toContain('async function handler(event)');
    // CloudFront's limit on a function's size.
    expect(Buffer.byteLength(PARTNER_FUNCTION_CODE, 'utf8')).toBeLessThan(10_240);
  });

  it('lets a covered feed through with the token as Basic password (any user), Bearer, or X-Partner-Token', async () => {
    const ways: Record<string, string>[] = [
      { authorization: basic('msn', msnToken) },
      { authorization: basic('', msnToken) },
      { authorization: `Bearer ${msnToken}` },
      { authorization: `bearer   ${msnToken}  ` },
      { 'x-partner-token': msnToken },
      // Both, agreeing.
      { authorization: `Bearer ${msnToken}`, 'x-partner-token': msnToken },
    ];
    for (const headers of ways)
      expect(await get(FEED, headers), JSON.stringify(headers)).toEqual({ uri: FEED });
  });

  it('lets every file of a covered feed through: tag feeds, other formats, the report', async () => {
    for (const uri of [
      '/feeds/partners/msn/sources/morning-wire/rss.xml',
      '/feeds/partners/msn/sources/the-gaze/tags/politics/rss.xml',
      '/feeds/partners/msn/sources/the-gaze/tags/%E4%B8%AD%E5%9B%BD/rss.xml',
      '/feeds/partners/msn/sources/the-gaze/report.json',
      '/feeds/partners/msn/sources/the-gaze/tags/politics/report.json',
    ])
      expect(await get(uri, { 'x-partner-token': msnToken }), uri).toEqual({ uri });
  });

  it('answers 401 with both challenges and a short body when no token is presented, never the feed', async () => {
    expectRefused(await get(FEED), 401, PARTNER_REFUSALS.missing);
    expectRefused(await get(FEED, {}, 'HEAD'), 401, PARTNER_REFUSALS.missing);
    expectRefused(await get(FEED, { authorization: '' }), 401, PARTNER_REFUSALS.missing);
    // Nothing is looked up for a request without a token.
    const store = kvsOf([[msnToken, { sources: '*', profiles: '*' }]]);
    await partnerViewerRequest(store, { method: 'GET', uri: FEED, headers: {} });
    expect(store.reads).toEqual([]);
  });

  it('takes no token from the query string', async () => {
    for (const query of [`?token=${msnToken}`, `?access_token=${msnToken}`, `?x-partner-token=${msnToken}`])
      expectRefused(await get(`${FEED}${query}`), 401, PARTNER_REFUSALS.missing);
    // CloudFront hands the query string apart from the URI: with it in the event, the answer is the same.
    const withQuery = await partnerHandler(kvs)({
      request: {
        method: 'GET',
        uri: FEED,
        headers: {},
        querystring: { token: { value: msnToken } },
      } as never,
    });
    expect(withQuery).toMatchObject({ statusCode: 401 });
  });

  it('answers 401 for a malformed, unknown or revoked token, and for a scheme it does not take', async () => {
    const unknown = mintPartnerToken().token;
    const cases: Record<string, string>[] = [
      { authorization: `Bearer ${unknown}` },
      { 'x-partner-token': unknown },
      { authorization: basic('msn', unknown) },
      { authorization: `Bearer ${msnToken.slice(0, -1)}` },
      { authorization: `Bearer ${msnToken}x` },
      { authorization: `Bearer ${msnToken.toUpperCase()}` },
      { authorization: 'Bearer' },
      { authorization: `Token ${msnToken}` },
      { authorization: `Digest ${msnToken}` },
      // Basic with the token as user name: the password is what counts.
      { authorization: basic(msnToken, '') },
      // Basic without a colon.
      { authorization: `Basic ${Buffer.from(msnToken).toString('base64')}` },
      // Two different tokens: neither is taken.
      { authorization: `Bearer ${msnToken}`, 'x-partner-token': everythingToken },
    ];
    for (const headers of cases) expectRefused(await get(FEED, headers), 401, PARTNER_REFUSALS.invalid);
    // Revoked: the operator command deleted its key from the store.
    const revoked = mintPartnerToken().token;
    const before = kvsOf([[revoked, { sources: '*', profiles: '*' }]]);
    expect(
      await partnerViewerRequest(before, {
        method: 'GET',
        uri: FEED,
        headers: { 'x-partner-token': revoked },
      }),
    ).toEqual({
      uri: FEED,
    });
    const after = kvsOf([]);
    expectRefused(
      await partnerViewerRequest(after, {
        method: 'GET',
        uri: FEED,
        headers: { 'x-partner-token': revoked },
      }),
      401,
      PARTNER_REFUSALS.invalid,
    );
  });

  it('looks the token up by its SHA-256, never by the token itself', async () => {
    const store = kvsOf([[msnToken, { sources: '*', profiles: '*' }]]);
    await partnerViewerRequest(store, { method: 'GET', uri: FEED, headers: { 'x-partner-token': msnToken } });
    expect(store.reads).toEqual([hashPartnerToken(msnToken)]);
  });

  it('answers 403 to a valid token outside its scope: another source, another profile, or no feed path', async () => {
    for (const uri of [
      '/feeds/partners/msn/sources/other-source/rss.xml',
      '/feeds/partners/smartnews/sources/the-gaze/rss.xml',
      '/feeds/partners/full-text/sources/the-gaze/tags/politics/rss.xml',
      '/feeds/partners/msn/sources/the-gaze',
      '/feeds/partners/msn/sources/',
      '/feeds/partners/msn/rss.xml',
      '/feeds/partners/msn/',
      '/feeds/partners/',
      '/feeds/partners/msn/tags/the-gaze/rss.xml',
    ])
      expectRefused(
        await get(uri, { authorization: `Bearer ${msnToken}` }),
        403,
        PARTNER_REFUSALS.outOfScope,
      );
  });

  it('reads profile and source from percent-encoded paths as S3 will, and refuses any that could escape them', async () => {
    const bearer = { authorization: `Bearer ${msnToken}` };
    // Encoded letters are the same names: allowed where the decoded names are covered.
    for (const uri of [
      '/feeds/partners/%6Dsn/sources/the-gaze/rss.xml',
      '/feeds/partners/msn/sources/the%2Dgaze/rss.xml',
      '/feeds/partners/msn/%73ources/%74he-gaze/atom.xml',
    ])
      expect(await get(uri, bearer), uri).toEqual({ uri });
    // Encoded names of a source outside the scope stay outside it.
    expectRefused(
      await get('/feeds/partners/msn/sources/%6Fther/rss.xml', bearer),
      403,
      PARTNER_REFUSALS.outOfScope,
    );
    expectRefused(
      await get('/feeds/partners/%73martnews/sources/the-gaze/rss.xml', bearer),
      403,
      PARTNER_REFUSALS.outOfScope,
    );
    // Separators and dot segments, plain or encoded, and broken encodings: never a feed of the scope.
    for (const uri of [
      '/feeds/partners/msn/sources/the-gaze%2F..%2Fother/rss.xml',
      '/feeds/partners/msn/sources/the-gaze/../other/rss.xml',
      '/feeds/partners/msn/sources/the-gaze/%2E%2E/%2E%2E/smartnews/rss.xml',
      '/feeds/partners/msn/sources/the-gaze/./rss.xml',
      '/feeds/partners/msn/sources/the-gaze//rss.xml',
      '/feeds/partners/msn/sources/the-gaze%5Crss.xml/x',
      '/feeds/partners/msn/sources/the-gaze/%E4%B8/rss.xml',
      '/feeds/partners/msn/sources/The-Gaze/rss.xml',
      '/feeds/partners/msn/sources/the-gaze%00/rss.xml',
    ])
      expectRefused(await get(uri, bearer), 403, PARTNER_REFUSALS.outOfScope);
  });

  it('grants exactly what the scope covers, for any scope the operator can issue', async () => {
    const names = ['a', 'b-c', 'd1'];
    const profiles = ['msn', 'smartnews', 'flipboard', 'full-text'];
    const list = (items: string[]) =>
      fc.oneof(fc.constant('*' as const), fc.subarray(items, { minLength: 1 }));
    await fc.assert(
      fc.asyncProperty(
        list(names),
        list(profiles),
        fc.constantFrom(...names),
        fc.constantFrom(...profiles),
        async (sources, allowedProfiles, source, profile) => {
          const token = mintPartnerToken().token;
          const scope = { sources, profiles: allowedProfiles };
          const store = kvsOf([[token, scope]]);
          const uri = `/feeds/partners/${profile}/sources/${source}/feed.json`;
          const result = await partnerViewerRequest(store, {
            method: 'GET',
            uri,
            headers: { 'x-partner-token': token },
          });
          if (scopeCovers(scope, profile, source)) expect(result).toEqual({ uri });
          else expectRefused(result, 403, PARTNER_REFUSALS.outOfScope);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('answers a preflight without a token, allowing no header that could carry one', async () => {
    const result = await get(
      FEED,
      { 'access-control-request-method': 'GET', origin: 'https://a.example' },
      'OPTIONS',
    );
    expect(result).toHaveProperty('response.status', 204);
    if (!('response' in result)) return;
    const allowed = result.response.headers['access-control-allow-headers']?.toLowerCase() ?? '';
    expect(allowed).not.toContain('authorization');
    expect(allowed).not.toContain('x-partner-token');
    expect(result.response.body).toBe('');
  });

  it('makes the response private for downstream caches, restores the media type and drops object metadata', async () => {
    const headers = await partnerViewerResponse(kvs, '/feeds/partners/msn/sources/the-gaze/atom.xml', 200, {
      'cache-control': 'public, max-age=300, s-maxage=30',
      'content-type': 'application/xml; charset=utf-8',
      'x-amz-meta-served-as': 'application/atom+xml; charset=utf-8',
      'x-amz-meta-sha256': 'ab',
      etag: '"1"',
    });
    expect(headers).toEqual({
      'cache-control': 'private, max-age=300',
      'content-type': 'application/atom+xml; charset=utf-8',
      etag: '"1"',
    });
    expect(
      (await partnerViewerResponse(kvs, FEED, 304, { 'cache-control': 's-maxage=30' }))['cache-control'],
    ).toBe('private');
  });
});
