/**
 * Archive pages under edits that arrive with other changes: a correction of an article in an old closed page in
 * the same batch as a post that closes a newer page, and retractions that make a feed reach back into its closed
 * pages. The batches are delivered by the test, so each holds exactly what it says.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '#shared/adapters/dynamodb/client.ts';
import { DynamoDbFeedStore } from '#shared/adapters/dynamodb/feed-store.ts';
import { DynamoDbRegistryStore } from '#shared/adapters/dynamodb/registry-store.ts';
import { S3DocumentPublisher } from '#shared/adapters/s3/document-publisher.ts';
import type { Article } from '#shared/articles/model.ts';
import { type ArticleChange, changeOf } from '#shared/feeds/changes.ts';
import { FeedRegenerator } from '#shared/feeds/regenerate.ts';
import { feedSettingsFromEnv } from '#shared/feeds/settings.ts';
import { parseAllFormats } from '../support/feed-validation.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

const seed = JSON.parse(readFileSync(new URL('../fixtures/seed-article.json', import.meta.url), 'utf8'));
const FEED = 'tags/edited';

let stack: TestStack;
let regenerator: FeedRegenerator;
const articles: Article[] = [];

async function regenerate(...changes: (ArticleChange | undefined)[]) {
  const result = await regenerator.regenerate(changes.filter((c): c is ArticleChange => c !== undefined));
  expect(result.errors.map((e) => String(e.error))).toEqual([]);
  return result;
}

async function post(i: number): Promise<Article> {
  const response = await stack.call('POST', '/articles', {
    ...seed,
    url: `https://thegaze.example/edited/${i}`,
    title: `Edited story ${i}`,
    tags: ['Edited'],
    publishedAt: `2025-08-${String(i + 1).padStart(2, '0')}T08:00:00Z`,
  });
  expect(response.status).toBe(201);
  return response.body;
}

/** The ids of every entry of a feed's documents, by archive page, walking back from the current feed. */
async function chain(): Promise<{ current: string[]; pages: Record<number, string[]> }> {
  const docs = async (base: string) => ({
    rss: (await stack.object(`${base}rss.xml`)) ?? '',
    atom: (await stack.object(`${base}atom.xml`)) ?? '',
    json: (await stack.object(`${base}feed.json`)) ?? '',
  });
  const current = await docs(`feeds/${FEED}/`);
  const pages: Record<number, string[]> = {};
  let link =
    /<link rel="prev-archive" type="application\/atom\+xml" href="[^"]*\/archive\/(\d+)\/atom\.xml"\/>/.exec(
      current.atom,
    )?.[1];
  while (link) {
    const page = await docs(`feeds/${FEED}/archive/${link}/`);
    pages[Number(link)] = parseAllFormats(page).atom.items.map((item) => item.id);
    link =
      /<link rel="prev-archive" type="application\/atom\+xml" href="[^"]*\/archive\/(\d+)\/atom\.xml"\/>/.exec(
        page.atom,
      )?.[1];
  }
  return { current: parseAllFormats(current).atom.items.map((item) => item.id), pages };
}

beforeAll(async () => {
  stack = await startTestStack({ streamPoller: false });
  const client = createDocumentClient({ endpoint: stack.dynamodbEndpoint });
  const store = new DynamoDbFeedStore(
    client,
    stack.tableName,
    new DynamoDbRegistryStore(client, stack.tableName),
  );
  // Feeds of two entries, and archive pages of two.
  const settings = feedSettingsFromEnv({ ...stack.feedEnv, FEED_SIZE: '2' });
  regenerator = new FeedRegenerator(store, new S3DocumentPublisher(stack.s3, stack.bucket), settings);
  // One batch each: after the sixth, page 1 is closed with stories 0 and 1, and page 2 holds 2 and 3.
  for (let i = 0; i < 6; i++) {
    const article = await post(i);
    articles.push(article);
    await regenerate(changeOf(`post-${i}`, undefined, article));
  }
});
afterAll(async () => {
  await stack?.stop();
});

const urn = (i: number) => `urn:uuid:${(articles[i] as Article).id}`;

describe('archive pages under edits', () => {
  it('renders a corrected closed page again when the same batch closes a newer page', async () => {
    expect((await chain()).pages).toEqual({ 1: [urn(1), urn(0)], 2: [urn(3), urn(2)] });
    const first = articles[0] as Article;
    const corrected = await stack.call(
      'PUT',
      `/articles/${first.id}`,
      {
        ...seed,
        url: first.url,
        title: 'Edited story 0, corrected',
        tags: ['Edited'],
        publishedAt: first.publishedAt,
      },
      { 'if-match': '"1"' },
    );
    expect(corrected.status).toBe(200);
    const newer = await post(6);
    articles.push(newer);
    // One batch: the correction (page 1) and a post that pushes story 4 out, closing page 2.
    await regenerate(changeOf('correct-0', first, corrected.body), changeOf('post-6', undefined, newer));
    const { current, pages } = await chain();
    expect(current).toEqual([urn(6), urn(5)]);
    expect(pages).toEqual({ 3: [urn(4)], 2: [urn(3), urn(2)], 1: [urn(1), urn(0)] });
    expect(await stack.object(`feeds/${FEED}/archive/1/atom.xml`)).toContain('Edited story 0, corrected');
  });

  it('keeps publishing when retractions make the feed reach back into its closed pages, and loses no entry', async () => {
    // Retract the three newest: the feed's two entries are then stories 3 and 2, both in closed page 2.
    for (const i of [6, 5, 4]) {
      const article = articles[i] as Article;
      expect((await stack.call('DELETE', `/articles/${article.id}`)).status).toBe(204);
      const gone = (await stack.call('GET', `/articles/${article.id}`)).body as Article;
      await regenerate(changeOf(`retract-${i}`, article, gone));
    }
    const { current, pages } = await chain();
    expect(current).toEqual([urn(3), urn(2)]);
    // The open page has emptied; the closed pages stand, so stories 3 and 2 are in the feed and in page 2.
    expect(pages[3]).toEqual([]);
    expect(pages[2]).toEqual([urn(3), urn(2)]);
    expect(new Set([...current, ...Object.values(pages).flat()])).toEqual(new Set([0, 1, 2, 3].map(urn)));
    // A new post brings the feed forward again, without a page closing twice.
    const later = await post(9);
    articles.push(later);
    await regenerate(changeOf('post-9', undefined, later));
    const after = await chain();
    expect(after.current).toEqual([`urn:uuid:${later.id}`, urn(3)]);
    const archived = Object.values(after.pages).flat();
    expect(new Set(archived).size).toBe(archived.length);
    expect(new Set([...after.current, ...archived])).toEqual(
      new Set([0, 1, 2, 3].map(urn).concat(`urn:uuid:${later.id}`)),
    );
  });
});
