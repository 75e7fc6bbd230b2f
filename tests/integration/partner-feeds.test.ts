/**
 * The private partner feeds through the local stack (#17): the feed server runs the partner edge function on
 * `feeds/partners/*` with the table as its key value store, so a feed answers 401 without a token and 200 with
 * one, a token outside its scope gets 403, and a revoked token is refused once the local edge's short cache has
 * let it go (an injected clock, not a sleep). The partner objects are put in the bucket here: rendering them is
 * the profiles' work.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '#shared/adapters/dynamodb/client.ts';
import { DynamoDbPartnerTokenStore } from '#shared/adapters/dynamodb/partner-token-store.ts';
import { DynamoDbRegistryStore } from '#shared/adapters/dynamodb/registry-store.ts';
import { PARTNER_CHALLENGE } from '#shared/partners/edge.ts';
import { PartnerTokens } from '#shared/partners/service.ts';
import { Registry } from '#shared/registry.ts';
import { LOCAL_TOKEN_CACHE_SECONDS } from '../../local/partner-tokens.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

let stack: TestStack;
let partners: PartnerTokens;
let clock = Date.parse('2026-07-01T08:00:00Z');

const RSS =
  '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>MSN: The Gaze</title></channel></rss>';
const ATOM =
  '<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Full text</title></feed>';

async function put(key: string, body: string, contentType: string, metadata: Record<string, string> = {}) {
  await stack.s3.send(
    new PutObjectCommand({
      Bucket: stack.bucket,
      Key: key,
      Body: body,
      ContentType: contentType,
      CacheControl: 'public, max-age=300, s-maxage=30',
      Metadata: metadata,
    }),
  );
}

const feed = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
  fetch(`${stack.apiUrl}/${path}`, { method, headers });
const basic = (token: string) => `Basic ${Buffer.from(`partner:${token}`).toString('base64')}`;

const MSN_FEED = 'feeds/partners/msn/sources/the-gaze/rss.xml';

beforeAll(async () => {
  // The edge cache is on, as under npm start: a cached partner feed is still checked on every request.
  stack = await startTestStack({ edgeCache: true, streamPoller: false, partnerTokenClock: () => clock });
  const client = createDocumentClient({ endpoint: stack.dynamodbEndpoint });
  const registry = new Registry(new DynamoDbRegistryStore(client, stack.tableName));
  await registry.addSource({
    slug: 'morning-wire',
    name: 'Morning Wire',
    homepageUrl: 'https://wire.example/',
  });
  partners = new PartnerTokens(
    new DynamoDbPartnerTokenStore(client, stack.tableName),
    new DynamoDbRegistryStore(client, stack.tableName),
  );
  await put(MSN_FEED, RSS, 'application/rss+xml; charset=utf-8');
  await put('feeds/partners/msn/sources/morning-wire/rss.xml', RSS, 'application/rss+xml; charset=utf-8');
  // Atom is stored under a compressible stand-in, its own type in the metadata, as every Atom document is.
  await put('feeds/partners/full-text/sources/the-gaze/atom.xml', ATOM, 'application/xml; charset=utf-8', {
    'served-as': 'application/atom+xml; charset=utf-8',
  });
  await put('feeds/sources/the-gaze/rss.xml', RSS, 'application/rss+xml; charset=utf-8');
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe('a partner feed on the local stack', () => {
  it('answers 401 with both challenges without a token, never the feed, and 200 with one', async () => {
    const { token } = await partners.issue({ name: 'MSN', sources: ['the-gaze'], profiles: ['msn'] });
    const refused = await feed(MSN_FEED);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe(PARTNER_CHALLENGE);
    expect(refused.headers.get('cache-control')).toBe('no-store');
    const text = await refused.text();
    expect(text).not.toContain('<rss');
    expect(text).toMatch(/partner token is required/);

    const ways: Record<string, string>[] = [
      { authorization: `Bearer ${token}` },
      { authorization: basic(token) },
      { 'x-partner-token': token },
    ];
    for (const headers of ways) {
      const answer = await feed(MSN_FEED, headers);
      expect(answer.status, JSON.stringify(Object.keys(headers))).toBe(200);
      expect(await answer.text()).toBe(RSS);
      expect(answer.headers.get('content-type')).toBe('application/rss+xml; charset=utf-8');
      // No shared cache downstream keeps the licensed bytes.
      expect(answer.headers.get('cache-control')).toBe('private, max-age=300');
    }
    // Now in the edge cache, and still refused without a token: the check runs before the cache.
    expect((await feed(MSN_FEED)).status).toBe(401);
    expect((await feed(MSN_FEED, {}, 'HEAD')).status).toBe(401);
    // Conditional requests are checked too.
    expect((await feed(MSN_FEED, { 'if-none-match': '*' })).status).toBe(401);
  });

  it('takes no token from the query string', async () => {
    const { token } = await partners.issue({ name: 'Query', sources: '*', profiles: '*' });
    const answer = await feed(`${MSN_FEED}?token=${token}`);
    expect(answer.status).toBe(401);
    expect(await answer.text()).not.toContain('<rss');
  });

  it('answers 403 to a valid token outside its scope, 200 inside it', async () => {
    const { token } = await partners.issue({ name: 'Wire', sources: ['morning-wire'], profiles: ['msn'] });
    const bearer = { authorization: `Bearer ${token}` };
    expect((await feed('feeds/partners/msn/sources/morning-wire/rss.xml', bearer)).status).toBe(200);
    const other = await feed(MSN_FEED, bearer);
    expect(other.status).toBe(403);
    expect(other.headers.get('www-authenticate')).toBeNull();
    expect((await feed('feeds/partners/full-text/sources/the-gaze/atom.xml', bearer)).status).toBe(403);
  });

  it('restores the media type and drops object metadata, as on public paths', async () => {
    const { token } = await partners.issue({ name: 'Full', sources: ['the-gaze'], profiles: ['full-text'] });
    const answer = await feed('feeds/partners/full-text/sources/the-gaze/atom.xml', {
      'x-partner-token': token,
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    expect([...answer.headers.keys()].filter((name) => name.startsWith('x-amz-meta-'))).toEqual([]);
    expect(await answer.text()).toBe(ATOM);
  });

  it('refuses a revoked token once the local edge’s cache lets it go, within the minute', async () => {
    const { token, stored } = await partners.issue({ name: 'Leaver', sources: '*', profiles: ['msn'] });
    const bearer = { authorization: `Bearer ${token}` };
    expect((await feed(MSN_FEED, bearer)).status).toBe(200);
    await partners.revoke(stored.id);
    // The local edge, like an edge location, may hold its answer a few seconds more...
    clock += (LOCAL_TOKEN_CACHE_SECONDS - 1) * 1000;
    expect((await feed(MSN_FEED, bearer)).status).toBe(200);
    // ...and no longer than its cache time, well inside the minute.
    expect(LOCAL_TOKEN_CACHE_SECONDS).toBeLessThanOrEqual(10);
    clock += 1000;
    const refused = await feed(MSN_FEED, bearer);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe(PARTNER_CHALLENGE);
    clock += 60_000;
    expect((await feed(MSN_FEED, bearer)).status).toBe(401);
  });

  it('answers a preflight without a token, and leaves public feeds public', async () => {
    const preflight = await feed(
      MSN_FEED,
      { origin: 'https://a.example', 'access-control-request-method': 'GET' },
      'OPTIONS',
    );
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).not.toContain(
      'authorization',
    );
    const open = await feed('feeds/sources/the-gaze/rss.xml');
    expect(open.status).toBe(200);
    expect(open.headers.get('cache-control')).toBe('public, max-age=300, s-maxage=30');
    expect(await open.text()).toBe(RSS);
  });
});
