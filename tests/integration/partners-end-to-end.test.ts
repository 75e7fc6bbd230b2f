/**
 * Issue 17 end to end on the local stack: an operator turns a source's partner profiles on, an editor posts the
 * sample article with an image too small for one of them and is warned, and the pipeline publishes the profiles'
 * feeds and reports, which the local feed server serves only to a partner with a token that covers them, while
 * the public feed and the news sitemap stay public.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '#shared/adapters/dynamodb/client.ts';
import { DynamoDbPartnerTokenStore } from '#shared/adapters/dynamodb/partner-token-store.ts';
import { DynamoDbRegistryStore } from '#shared/adapters/dynamodb/registry-store.ts';
import type { Article } from '#shared/articles/model.ts';
import { PartnerTokens } from '#shared/partners/service.ts';
import { Registry } from '#shared/registry.ts';
import { parseXml } from '../support/feed-validation.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

const seed = JSON.parse(readFileSync(new URL('../fixtures/seed-article.json', import.meta.url), 'utf8'));

let stack: TestStack;
let partners: PartnerTokens;

beforeAll(async () => {
  stack = await startTestStack();
  const client = createDocumentClient({ endpoint: stack.dynamodbEndpoint });
  const registryStore = new DynamoDbRegistryStore(client, stack.tableName);
  await new Registry(registryStore).updateSource('the-gaze', {
    profiles: ['flipboard', 'msn'],
    logoUrl: 'https://thegaze.example/logo.png',
  });
  await stack.settle();
  partners = new PartnerTokens(new DynamoDbPartnerTokenStore(client, stack.tableName), registryStore);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${stack.feedsUrl}${path.replace(/^feeds\//, '')}`, { headers });
const titles = (xml: string) =>
  parseXml(xml)
    .children.find((child) => child.local === 'channel')
    ?.children.filter((child) => child.local === 'item')
    .map((item) => item.children.find((child) => child.local === 'title')?.text);

describe('partner delivery on the local stack', () => {
  let article: Article;

  it('warns the editor of an image too small for a profile, and stores the article', async () => {
    const response = await stack.call('POST', '/articles', {
      ...seed,
      // Published now: MSN takes articles of the last 365 days, the sitemap those of the last 48 hours.
      publishedAt: new Date().toISOString(),
      image: { url: 'https://thegaze.example/photo.jpg', alt: 'The White House', width: 960, height: 300 },
    });
    expect(response.status).toBe(201);
    const body = response.body as Article & { warnings: { profile: string; detail: string }[] };
    article = body;
    expect(body.warnings.map((warning) => warning.profile)).toEqual(['flipboard', 'msn']);
    expect(body.warnings[0]?.detail).toMatch(/shorter side must be at least 400 px/);
    await stack.settle();
  });

  it('serves the profile feeds only with a token that covers them, and their reports say what was left out', async () => {
    const msn = 'feeds/partners/msn/sources/the-gaze/rss.xml';
    const flipboard = 'feeds/partners/flipboard/sources/the-gaze/rss.xml';
    expect((await get(msn)).status).toBe(401);
    const { token } = await partners.issue({ name: 'MSN', sources: ['the-gaze'], profiles: ['msn'] });
    const auth = { authorization: `Bearer ${token}` };
    const feed = await get(msn, auth);
    expect(feed.status).toBe(200);
    const xml = await feed.text();
    // MSN keeps the article and leaves out its image (960×300 is wider than 1.89:1).
    expect(titles(xml)).toEqual([seed.title]);
    expect(xml).not.toContain('photo.jpg');
    const report = await get('feeds/partners/msn/sources/the-gaze/report.json', auth);
    expect(report.status).toBe(200);
    const { leftOut } = (await report.json()) as { leftOut: { id: string; left: string; reason: string }[] };
    expect(leftOut).toEqual([
      expect.objectContaining({
        id: `urn:uuid:${article.id}`,
        left: 'image',
        reason: expect.stringMatching(/width over height/),
      }),
    ]);
    // The token opens MSN's feeds of the source, its tags' feeds too, and nothing of Flipboard's.
    expect((await get('feeds/partners/msn/sources/the-gaze/tags/ukraine/rss.xml', auth)).status).toBe(200);
    expect((await get(flipboard, auth)).status).toBe(403);
    const flipboardToken = (
      await partners.issue({ name: 'Flipboard', sources: '*', profiles: ['flipboard'] })
    ).token;
    const flipped = await get(flipboard, { 'x-partner-token': flipboardToken });
    expect(flipped.status).toBe(200);
    // Flipboard needs an image of 400 px on its shorter side: the article is left out of its feed.
    expect(titles(await flipped.text())).toEqual([]);
  });

  it('keeps the public feed and the news sitemap public', async () => {
    const feed = await get('feeds/sources/the-gaze/rss.xml');
    expect(feed.status).toBe(200);
    const xml = await feed.text();
    expect(titles(xml)).toContain(seed.title);
    // The public feed carries the image with its size, whatever the profiles left out.
    expect(xml).toContain('width="960" height="300"');
    const sitemap = await get('feeds/sources/the-gaze/news-sitemap.xml');
    expect(sitemap.status).toBe(200);
    expect(await sitemap.text()).toContain(`<loc>${seed.url}</loc>`);
  });
});
