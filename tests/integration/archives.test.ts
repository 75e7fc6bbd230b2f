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
beforeAll(async () => {
  // Three entries a feed, so most articles are reachable only through the archives.
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
  for (const [i, date] of dates.entries()) {
    const response = await stack.call('POST', '/articles', {
      ...seed,
      url: `https://thegaze.example/archive/${i}`,
      title: `Archived story ${i}`,
      tags: ['Archived'],
      publishedAt: `${date}T08:00:00Z`,
    });
    published.push(response.body);
  }
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

async function walk(): Promise<{ days: string[]; archivedIds: string[][]; currentIds: string[] }> {
  const current = (await stack.object(`feeds/${FEED}/atom.xml`)) ?? '';
  const currentIds = parseAllFormats({
    rss: (await stack.object(`feeds/${FEED}/rss.xml`)) ?? '',
    atom: current,
    json: (await stack.object(`feeds/${FEED}/feed.json`)) ?? '',
  }).atom.items.map((item) => item.id);
  const days: string[] = [];
  const archivedIds: string[][] = [];
  let next = linkOf(current, 'prev-archive');
  let previous: string | undefined;
  while (next && days.length < 24) {
    const base = keyOf(next).replace(/atom\.xml$/, '');
    const docs = {
      rss: (await stack.object(`${base}rss.xml`)) ?? '',
      atom: (await stack.object(`${base}atom.xml`)) ?? '',
      json: (await stack.object(`${base}feed.json`)) ?? '',
    };
    const parsed = parseAllFormats(docs);
    const day = /archive\/(\d{4}-\d{2}-\d{2})\//.exec(base)?.[1] ?? '?';
    days.push(day);
    // Each archive says it is one, points home, and links back to the one we came from.
    expect(docs.atom).toContain('<fh:archive/>');
    expect(docs.rss).toContain('<fh:archive/>');
    expect(linkOf(docs.atom, 'current')).toBe(`${stack.feedsUrl}${FEED}/atom.xml`);
    expect(linkOf(docs.atom, 'next-archive')).toBe(previous);
    expect(JSON.parse(docs.json)._archive.current).toBe(`${stack.feedsUrl}${FEED}/feed.json`);
    for (const item of parsed.atom.items) expect(item.published.slice(0, 10)).toBe(day);
    archivedIds.push(parsed.atom.items.map((item) => item.id));
    previous = next;
    next = linkOf(docs.atom, 'prev-archive');
  }
  return { days, archivedIds, currentIds };
}

describe('RFC 5005 archives', () => {
  it('lets a reader walk back from the current feed and recover every published item exactly once', async () => {
    const { days, archivedIds, currentIds } = await walk();
    // A day whose only article was retracted has no archive in the chain.
    expect(days).toEqual([
      '2025-06-09',
      '2025-06-01',
      '2025-04-28',
      '2025-04-02',
      '2025-03-20',
      '2025-03-03',
    ]);
    expect(currentIds).toHaveLength(3);
    const everything = archivedIds.flat();
    expect(new Set(everything).size).toBe(everything.length);
    const expected = published.filter((a) => a.id !== retracted.id).map((a) => `urn:uuid:${a.id}`);
    expect(new Set([...everything, ...currentIds])).toEqual(new Set(expected));
    expect(everything).not.toContain(`urn:uuid:${retracted.id}`);
  });

  it('shows corrections in the archives too, and links them in JSON Feed with next_url', async () => {
    const march = JSON.parse((await stack.object(`feeds/${FEED}/archive/2025-03-03/feed.json`)) ?? '{}');
    expect(march.items.map((item: { title: string }) => item.title)).toEqual(['Archived story 0, corrected']);
    expect(march.items[march.items.length - 1].date_modified).not.toBe(
      march.items[march.items.length - 1].date_published,
    );
    const current = JSON.parse((await stack.object(`feeds/${FEED}/feed.json`)) ?? '{}');
    expect(current.next_url).toBe(`${stack.feedsUrl}${FEED}/archive/2025-06-09/feed.json`);
    const june = JSON.parse((await stack.object(`feeds/${FEED}/archive/2025-06-09/feed.json`)) ?? '{}');
    expect(june.next_url).toBe(`${stack.feedsUrl}${FEED}/archive/2025-06-01/feed.json`);
    expect(corrected.version).toBe(2);
  });

  it('caches closed days for a day and the open day like the feed, and leaves closed days alone', async () => {
    const cacheOf = async (day: string) =>
      (
        await stack.s3.send(
          new HeadObjectCommand({ Bucket: stack.bucket, Key: `feeds/${FEED}/archive/${day}/rss.xml` }),
        )
      ).CacheControl;
    expect(await cacheOf('2025-03-03')).toMatch(/max-age=86400/);
    expect(await cacheOf('2025-06-09')).toMatch(/max-age=300/);
    const before = await stack.head(`feeds/${FEED}/archive/2025-03-03/atom.xml`);
    const late = await stack.call('POST', '/articles', {
      ...seed,
      url: 'https://thegaze.example/archive/late',
      title: 'A later story',
      tags: ['Archived'],
      publishedAt: '2025-06-20T08:00:00Z',
    });
    expect(late.status).toBe(201);
    await stack.settle();
    expect(await stack.head(`feeds/${FEED}/archive/2025-03-03/atom.xml`)).toEqual(before);
    expect(await stack.object(`feeds/${FEED}/archive/2025-06-20/atom.xml`)).toContain(late.body.id);
    // The day that was newest is closed now that a later one exists.
    expect(await cacheOf('2025-06-09')).toMatch(/max-age=86400/);
  });
});
