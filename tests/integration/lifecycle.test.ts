/**
 * The article lifecycle through the local stack, on its own timer (local/release-timer.ts), with no write after the
 * editor's: an article scheduled a little over a minute ahead is in no public object before its time, and in its feeds soon
 * after (the same sweep the AWS schedule runs once a minute, looking a period ahead); an expiring article leaves
 * its feeds at its time; a cancelled one never appears. The code path is the deployed one.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Article } from '#shared/articles/model.ts';
import { LOCAL_RELEASE_PERIOD_MS } from '../../local/release-timer.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

const seed = JSON.parse(readFileSync(new URL('../fixtures/seed-article.json', import.meta.url), 'utf8'));
const { publishedAt: _fixed, ...undated } = seed;

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
  // Something public already: every kind of document exists before the scheduled article's time.
  expect((await stack.call('POST', '/articles', { ...undated, tags: ['Embargo'] })).status).toBe(201);
  await stack.settle();
});
afterAll(async () => {
  await stack?.stop();
});

/** Every public object that mentions any of the strings, by key. */
async function mentions(...needles: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const key of await stack.keys()) {
    const text = (await stack.object(key)) ?? '';
    if (needles.some((needle) => text.includes(needle))) found.push(key);
  }
  return found;
}

/** Waits until `check` holds, polling; fails after `ms`. */
async function until(check: () => Promise<boolean>, ms: number): Promise<number> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return Date.now();
}

const inFeed = async (feed: string, id: string) => ((await stack.object(feed)) ?? '').includes(id);

describe('scheduled publication and expiry, with no further write', () => {
  it('takes an expiring article out of its feeds at its time', async () => {
    const title = `Licensed for a few seconds ${Date.now()}`;
    const expiresAt = new Date(Date.now() + 6_000);
    const posted = await stack.call('POST', '/articles', {
      ...undated,
      title,
      url: 'https://thegaze.example/licensed',
      tags: ['Licensed'],
      expiresAt: expiresAt.toISOString(),
    });
    expect(posted.status).toBe(201);
    const article = posted.body as Article;
    expect(article).toMatchObject({ status: 'published', expiresAt: expiresAt.toISOString() });
    await stack.settle();
    expect(await inFeed('feeds/all/atom.xml', title)).toBe(true);
    const left = await until(
      async () => (await stack.call('GET', `/articles/${article.id}`)).body.status === 'expired',
      expiresAt.getTime() - Date.now() + 2 * LOCAL_RELEASE_PERIOD_MS,
    );
    expect(left).toBeGreaterThanOrEqual(expiresAt.getTime());
    expect(left - expiresAt.getTime()).toBeLessThan(LOCAL_RELEASE_PERIOD_MS + 2_000);
    await stack.settle();
    const expired = (await stack.call('GET', `/articles/${article.id}`)).body as Article;
    expect(expired).toMatchObject({ status: 'expired', expiredAt: expiresAt.toISOString() });
    // Its text is in no public object: at most a notice of its withdrawal, as a retraction leaves.
    expect(await mentions(title)).toEqual([]);
    expect(await stack.object('feeds/all/atom.xml')).toContain('deleted-entry');
  });

  // A publication up to 60 s ahead is taken as now (clock skew): the shortest real schedule is a little more.
  it('keeps a scheduled article out of every public object until its time, then publishes it within seconds; a moved and cancelled one never appears', async () => {
    const title = `Embargoed until the bell ${Date.now()}`;
    const at = new Date(Date.now() + 65_000);
    const posted = await stack.call('POST', '/articles', {
      ...undated,
      title,
      url: 'https://thegaze.example/embargo/bell',
      tags: ['Embargo', 'Bell'],
      publishedAt: at.toISOString(),
    });
    expect(posted.status).toBe(201);
    const article = posted.body as Article;
    expect(article.status).toBe('scheduled');

    const otherTitle = `Cancelled before the bell ${Date.now()}`;
    const other = await stack.call('POST', '/articles', {
      ...undated,
      title: otherTitle,
      url: 'https://thegaze.example/embargo/cancelled',
      publishedAt: new Date(Date.now() + 62_000).toISOString(),
    });
    const moved = await stack.call(
      'PUT',
      `/articles/${other.body.id}`,
      { ...undated, title: otherTitle, url: other.body.url, publishedAt: at.toISOString() },
      { 'if-match': other.headers.get('etag') ?? '' },
    );
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ status: 'scheduled', publishedAt: at.toISOString(), version: 2 });
    const listed = await stack.call('GET', '/articles?status=scheduled&source=the-gaze');
    expect(listed.body.items.map((item: Article) => item.status)).toEqual(['scheduled', 'scheduled']);
    const cancelled = await stack.call('DELETE', `/articles/${other.body.id}`, undefined, {
      'if-match': moved.headers.get('etag') ?? '',
    });
    expect(cancelled.status).toBe(204);
    expect((await stack.call('GET', `/articles/${other.body.id}`)).body.status).toBe('cancelled');

    await stack.settle();
    // Before its time: no feed, archive, tag index, catalogue or page names either of them.
    expect(await mentions(article.id, title, other.body.id, otherTitle)).toEqual([]);
    expect(await stack.object('feeds/sources/the-gaze/tags/bell/rss.xml')).toBeUndefined();

    const appeared = await until(
      async () => (await stack.call('GET', `/articles/${article.id}`)).body.status === 'published',
      at.getTime() - Date.now() + 2 * LOCAL_RELEASE_PERIOD_MS,
    );
    // Never before its time; within seconds of it (the AWS schedule's bound is 60 s).
    expect(appeared).toBeGreaterThanOrEqual(at.getTime());
    expect(appeared - at.getTime()).toBeLessThan(LOCAL_RELEASE_PERIOD_MS + 2_000);
    await stack.settle();
    for (const feed of ['all', 'sources/the-gaze', 'tags/bell', 'sources/the-gaze/tags/embargo'])
      for (const file of ['rss.xml', 'atom.xml', 'feed.json'])
        expect(await inFeed(`feeds/${feed}/${file}`, article.id), `${feed}/${file}`).toBe(true);
    expect((await stack.object('feeds/sources/the-gaze/tags.json')) ?? '').toContain('bell');
    const released = (await stack.call('GET', `/articles/${article.id}`)).body as Article;
    expect(released).toMatchObject({ version: 2, publishedAt: at.toISOString() });
    expect((await stack.call('GET', '/articles?status=scheduled&source=the-gaze')).body.items).toEqual([]);
    expect(await mentions(other.body.id, otherTitle)).toEqual([]);
  }, 120_000);
});
