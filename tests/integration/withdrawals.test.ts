/**
 * Kills that reach every reader, through the local stack: an article posted and retracted is announced in every
 * feed it was in, in every format (Atom tombstone; RSS notice with dcterms:valid in the past; JSON Feed
 * `_withdrawn`; a line on the page), on top of the window, for as long as it would still be in the window, and no
 * longer once the window has moved past it.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Article } from '#shared/articles/model.ts';
import { feedIdsOf } from '#shared/feeds/feed-ids.ts';
import { type ParsedFeed, parseAllFormats } from '../support/feed-validation.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

const seed = JSON.parse(readFileSync(new URL('../fixtures/seed-article.json', import.meta.url), 'utf8'));

let stack: TestStack;
beforeAll(async () => {
  // Two entries a feed: two newer articles move the window past a retracted one.
  stack = await startTestStack({ feedSize: 2 });
});
afterAll(async () => {
  await stack?.stop();
});

async function post(n: number): Promise<Article> {
  const response = await stack.call('POST', '/articles', {
    ...seed,
    title: `Withdrawal story number ${n}`,
    url: `https://thegaze.example/withdrawals/${n}`,
    tags: ['Withdrawals'],
    publishedAt: `2025-07-0${n}T09:00:00Z`,
  });
  expect(response.status).toBe(201);
  await stack.settle();
  return response.body as Article;
}

async function formats(feed: string): Promise<ParsedFeed[]> {
  const text = async (file: string) => {
    const body = await stack.object(`feeds/${feed}/${file}`);
    if (body === undefined) throw new Error(`feeds/${feed}/${file} is not published`);
    return body;
  };
  const parsed = parseAllFormats({
    rss: await text('rss.xml'),
    atom: await text('atom.xml'),
    json: await text('feed.json'),
  });
  return [parsed.rss, parsed.atom, parsed.json];
}

const urn = (article: Article) => `urn:uuid:${article.id}`;

describe('a retraction', () => {
  let first: Article;
  let retracted: Article;

  it('is announced in every feed the article was in, in every format, and its text is in none', async () => {
    first = await post(1);
    const second = await post(2);
    expect((await stack.call('DELETE', `/articles/${second.id}`)).status).toBe(204);
    retracted = (await stack.call('GET', `/articles/${second.id}`)).body as Article;
    await stack.settle();
    const feeds = feedIdsOf(second);
    expect(feeds).toContain('tags/withdrawals');
    for (const feed of feeds) {
      const [rss, atom, json] = await formats(feed);
      for (const format of [rss, atom, json] as ParsedFeed[]) {
        expect(
          format.items.map((item) => item.id),
          `${feed} ${format.format}`,
        ).toEqual([urn(first)]);
        expect(
          format.withdrawn.map((w) => w.id),
          `${feed} ${format.format}`,
        ).toEqual([urn(second)]);
      }
      expect(atom?.withdrawn[0]?.at).toBe(retracted.retractedAt);
      expect(json?.withdrawn[0]).toEqual({
        id: urn(second),
        at: retracted.retractedAt,
        status: 'retracted',
        link: second.url,
      });
      expect(rss?.withdrawn[0]).toMatchObject({ status: 'retracted', link: second.url });
      for (const file of ['rss.xml', 'atom.xml', 'feed.json', 'index.html'])
        expect(await stack.object(`feeds/${feed}/${file}`)).not.toContain('Withdrawal story number 2');
      expect(await stack.object(`feeds/${feed}/index.html`)).toContain(`id="item-${second.id}"`);
    }
  });

  it('comes on top of the window: a newer article leaves the feed with both live entries and the notice', async () => {
    const third = await post(3);
    for (const format of await formats('tags/withdrawals')) {
      expect(format.items.map((item) => item.id)).toEqual([urn(third), urn(first)]);
      expect(format.withdrawn.map((w) => w.id)).toEqual([urn(retracted)]);
    }
  });

  it('is dropped from every format once the window has moved past the article', async () => {
    await post(4);
    for (const feed of feedIdsOf(retracted)) {
      for (const format of await formats(feed))
        expect(format.withdrawn, `${feed} ${format.format}`).toEqual([]);
      expect(await stack.object(`feeds/${feed}/rss.xml`)).not.toContain('dcterms:valid');
      expect(await stack.object(`feeds/${feed}/index.html`)).not.toContain(`id="item-${retracted.id}"`);
    }
  });
});
