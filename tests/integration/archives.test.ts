import { readFileSync } from 'node:fs';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Article } from '#shared/articles/model.ts';
import { parseAllFormats } from '../support/feed-validation.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

const seed = JSON.parse(readFileSync(new URL('../fixtures/seed-article.json', import.meta.url), 'utf8'));
const FEED = 'tags/archived';

let stack: TestStack;
const published: Article[] = [];
let retracted: Article;
let corrected: Article;

async function post(title: string, publishedAt: string, url = `https://thegaze.example/archive/${title}`) {
  const response = await stack.call('POST', '/articles', {
    ...seed,
    url,
    title,
    tags: ['Archived'],
    publishedAt,
  });
  expect(response.status).toBe(201);
  await stack.settle();
  return response.body as Article;
}

beforeAll(async () => {
  // Three entries a feed, and so three an archive page: most articles are reachable only through the archive.
  stack = await startTestStack({ feedSize: 3 });
  const dates = [
    '2025-03-03',
    '2025-03-20',
    '2025-04-02',
    '2025-04-15',
    '2025-04-28',
    '2025-06-01',
    '2025-06-09',
  ];
  // One at a time, so that the pages close at known places: after the seventh, four entries have left the feed,
  // so page 1 closed with the oldest three and page 2 holds the fourth.
  for (const [i, date] of dates.entries())
    published.push(await post(`Archived story ${i}`, `${date}T08:00:00Z`));
  retracted = published[3] as Article;
  expect((await stack.call('DELETE', `/articles/${retracted.id}`)).status).toBe(204);
  const first = published[0] as Article;
  corrected = (
    await stack.call(
      'PUT',
      `/articles/${first.id}`,
      {
        ...seed,
        url: first.url,
        title: 'Archived story 0, corrected',
        tags: ['Archived'],
        publishedAt: first.publishedAt,
      },
      { 'if-match': '"1"' },
    )
  ).body;
  await stack.settle();
});
afterAll(async () => {
  await stack?.stop();
});

const keyOf = (url: string) => `feeds/${url.slice(stack.feedsUrl.length)}`;
const linkOf = (atom: string, rel: string) =>
  new RegExp(`<link rel="${rel}" type="application/atom\\+xml" href="([^"]+)"/>`).exec(atom)?.[1];
const pageUrl = (page: number, file = 'atom.xml') => `${stack.feedsUrl}${FEED}/archive/${page}/${file}`;
const cacheOf = async (page: number) =>
  (await stack.s3.send(new HeadObjectCommand({ Bucket: stack.bucket, Key: keyOf(pageUrl(page, 'rss.xml')) })))
    .CacheControl;

async function walk(): Promise<{ pages: number[]; archivedIds: string[][]; currentIds: string[] }> {
  const current = (await stack.object(`feeds/${FEED}/atom.xml`)) ?? '';
  const currentIds = parseAllFormats({
    rss: (await stack.object(`feeds/${FEED}/rss.xml`)) ?? '',
    atom: current,
    json: (await stack.object(`feeds/${FEED}/feed.json`)) ?? '',
  }).atom.items.map((item) => item.id);
  const pages: number[] = [];
  const archivedIds: string[][] = [];
  let next = linkOf(current, 'prev-archive');
  let later: string | undefined;
  while (next && pages.length < 24) {
    const base = keyOf(next).replace(/atom\.xml$/, '');
    const docs = {
      rss: (await stack.object(`${base}rss.xml`)) ?? '',
      atom: (await stack.object(`${base}atom.xml`)) ?? '',
      json: (await stack.object(`${base}feed.json`)) ?? '',
    };
    const parsed = parseAllFormats(docs);
    pages.push(Number(/archive\/(\d+)\//.exec(base)?.[1]));
    // Each page says it is one, points home, and a closed page links the page after it: the one we came from.
    expect(docs.atom).toContain('<fh:archive/>');
    expect(docs.rss).toContain('<fh:archive/>');
    expect(linkOf(docs.atom, 'current')).toBe(`${stack.feedsUrl}${FEED}/atom.xml`);
    expect(linkOf(docs.atom, 'next-archive')).toBe(later);
    expect(JSON.parse(docs.json)._archive.current).toBe(`${stack.feedsUrl}${FEED}/feed.json`);
    expect(parsed.atom.items.length).toBeLessThanOrEqual(3);
    archivedIds.push(parsed.atom.items.map((item) => item.id));
    later = next;
    next = linkOf(docs.atom, 'prev-archive');
  }
  return { pages, archivedIds, currentIds };
}

describe('RFC 5005 archives in pages', () => {
  it('lets a reader walk back from the current feed and recover every published item exactly once', async () => {
    const { pages, archivedIds, currentIds } = await walk();
    // Page 2 held only the retracted article: it is empty now, and still links page 1.
    expect(pages).toEqual([2, 1]);
    expect(archivedIds[0]).toEqual([]);
    expect(currentIds).toHaveLength(3);
    const everything = archivedIds.flat();
    expect(new Set(everything).size).toBe(everything.length);
    const expected = published.filter((a) => a.id !== retracted.id).map((a) => `urn:uuid:${a.id}`);
    expect(new Set([...everything, ...currentIds])).toEqual(new Set(expected));
    expect(new Set(everything).size + currentIds.length).toBe(expected.length);
    expect(everything).not.toContain(`urn:uuid:${retracted.id}`);
  });

  it('shows corrections in closed pages too, and links them in JSON Feed with next_url', async () => {
    const first = JSON.parse((await stack.object(keyOf(pageUrl(1, 'feed.json')))) ?? '{}');
    expect(first.items.map((item: { title: string }) => item.title)).toEqual([
      'Archived story 2',
      'Archived story 1',
      'Archived story 0, corrected',
    ]);
    expect(first.items[2].date_modified).not.toBe(first.items[2].date_published);
    const current = JSON.parse((await stack.object(`feeds/${FEED}/feed.json`)) ?? '{}');
    expect(current.next_url).toBe(pageUrl(2, 'feed.json'));
    const second = JSON.parse((await stack.object(keyOf(pageUrl(2, 'feed.json')))) ?? '{}');
    expect(second.next_url).toBe(pageUrl(1, 'feed.json'));
    expect(corrected.version).toBe(2);
  });

  it('archives nothing for a feed that still holds every entry', async () => {
    const few = await stack.call('POST', '/articles', {
      ...seed,
      url: 'https://thegaze.example/archive/few',
      title: 'A story with a tag of its own',
      tags: ['Barely used'],
    });
    expect(few.status).toBe(201);
    await stack.settle();
    const atom = (await stack.object('feeds/tags/barely-used/atom.xml')) ?? '';
    expect(atom).toContain(few.body.id);
    expect(linkOf(atom, 'prev-archive')).toBeUndefined();
    expect((await stack.keys()).filter((key) => key.startsWith('feeds/tags/barely-used/archive/'))).toEqual(
      [],
    );
  });

  it('caches closed pages for a day and the open one like the feed, closes a page at the feed size, and leaves closed pages alone', async () => {
    expect(await cacheOf(1)).toMatch(/max-age=86400/);
    expect(await cacheOf(2)).toMatch(/max-age=300/);
    const closed = await stack.head(keyOf(pageUrl(1)));
    // Three later stories push story 4, 5 and 6 out of the feed, into page 2, which is then full.
    for (const [i, date] of ['2025-06-20', '2025-06-21', '2025-06-22'].entries())
      await post(`A later story ${i}`, `${date}T08:00:00Z`);
    expect(await stack.head(keyOf(pageUrl(1)))).toEqual(closed);
    const second = (await stack.object(keyOf(pageUrl(2)))) ?? '';
    for (const story of [4, 5, 6]) expect(second).toContain((published[story] as Article).id);
    expect(linkOf(second, 'next-archive')).toBeUndefined();
    // One more closes page 2 (linked to page 3 from then on, and cached for a day) and opens page 3.
    const last = await post('A later story 3', '2025-06-23T08:00:00Z');
    const page2 = (await stack.object(keyOf(pageUrl(2)))) ?? '';
    expect(linkOf(page2, 'next-archive')).toBe(pageUrl(3));
    expect(await cacheOf(2)).toMatch(/max-age=86400/);
    expect(await cacheOf(3)).toMatch(/max-age=300/);
    expect(linkOf((await stack.object(`feeds/${FEED}/atom.xml`)) ?? '', 'prev-archive')).toBe(pageUrl(3));
    expect((await stack.object(`feeds/${FEED}/atom.xml`)) ?? '').toContain(last.id);
    const { pages, archivedIds, currentIds } = await walk();
    expect(pages).toEqual([3, 2, 1]);
    expect(archivedIds.map((ids) => ids.length)).toEqual([1, 3, 3]);
    expect(currentIds).toHaveLength(3);
  });
});
