import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { passesFilters } from '#functions/regenerate-feeds/filter.ts';
import { changeFromRecord } from '#shared/adapters/dynamodb/stream.ts';
import { memoryAdapters } from '#shared/adapters/memory/index.ts';
import { ArticleLifecycle } from '#shared/articles/lifecycle.ts';
import type { Article, Principal } from '#shared/articles/model.ts';
import { ArticleService } from '#shared/articles/service.ts';
import { ConflictError, InvalidInputError, VersionMismatchError } from '#shared/domain/errors.ts';
import { changeOf } from '#shared/feeds/changes.ts';
import { listQueryOf } from '#shared/http/parameters.ts';
import { InvalidParameterError } from '#shared/http/problems.ts';
import { THE_GAZE } from '../support/feed-fixtures.ts';

const seed = JSON.parse(readFileSync(new URL('../fixtures/seed-article.json', import.meta.url), 'utf8'));
const EDITOR: Principal = { keyId: 'desk', sources: ['the-gaze'] };
const START = Date.parse('2026-07-16T10:00:00Z');
const at = (ms: number) => new Date(START + ms).toISOString();
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The editor use cases and the lifecycle's sweep over the in-memory adapters, with a clock the test moves. */
async function world() {
  let now = START;
  const clock = { now: () => now };
  const stores = memoryAdapters(clock);
  await stores.registry.putSource(THE_GAZE);
  let serial = 0;
  const newId = () => `00000000-0000-4000-8000-${String(++serial).padStart(12, '0')}`;
  const advance = (ms: number) => {
    now += ms;
  };
  // The sweep's waits move the test's clock: a sweep that looks ahead "sleeps" to each entry's time at once.
  const lifecycle = new ArticleLifecycle(stores.articles, stores.articles, clock, async (ms) => advance(ms));
  const table = stores.table;
  /** Everything public of an article: its memberships in any feed, and its tag counts' share. */
  const inFeeds = (id: string) =>
    [...table.memberships.values()].some((members) => [...members.values()].some((entry) => entry.id === id));
  const tagCount = (tag: string) => table.tagCounts.get('the-gaze')?.get(tag)?.articles ?? 0;
  const due = (index: 'schedule' | 'expiry') => [...(table.due.get(index)?.keys() ?? [])];
  return {
    articles: new ArticleService(stores.articles, stores.registry, clock, newId),
    lifecycle,
    store: stores.articles,
    advance,
    inFeeds,
    tagCount,
    due,
  };
}

describe('scheduling', () => {
  it('keeps a future article out of every feed and count until its time, then publishes it with no write', async () => {
    const { articles, lifecycle, advance, inFeeds, tagCount, due } = await world();
    const { article } = await articles.create(EDITOR, { ...seed, publishedAt: at(2 * HOUR) });
    expect(article).toMatchObject({ status: 'scheduled', publishedAt: at(2 * HOUR), version: 1 });
    expect(inFeeds(article.id)).toBe(false);
    expect(tagCount('ukraine')).toBe(0);
    expect(due('schedule')).toEqual([`${at(2 * HOUR)}#${article.id}`]);
    // Not due: the sweep leaves it.
    expect(await lifecycle.sweep()).toEqual({ released: [], expired: [], skipped: [] });
    advance(2 * HOUR - 1);
    await lifecycle.sweep();
    expect(inFeeds(article.id)).toBe(false);
    advance(1);
    expect((await lifecycle.sweep()).released).toEqual([article.id]);
    const released = await articles.get(EDITOR, article.id);
    expect(released).toMatchObject({ status: 'published', version: 2, updatedAt: at(2 * HOUR) });
    expect(inFeeds(article.id)).toBe(true);
    expect(tagCount('ukraine')).toBe(1);
    expect(due('schedule')).toEqual([]);
    // A second sweep finds nothing.
    expect((await lifecycle.sweep()).released).toEqual([]);
  });

  it('takes up to 60 s ahead as now, and refuses more than a year ahead', async () => {
    const { articles, inFeeds } = await world();
    const { article } = await articles.create(EDITOR, { ...seed, publishedAt: at(60_000) });
    expect(article.status).toBe('published');
    expect(inFeeds(article.id)).toBe(true);
    const later = await articles.create(EDITOR, { ...seed, publishedAt: at(61_000) });
    expect(later.article.status).toBe('scheduled');
    await expect(
      articles.create(EDITOR, { ...seed, publishedAt: at(366 * 24 * HOUR) }),
    ).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('lists scheduled articles soonest first, in pages, of one source if asked, with their status', async () => {
    const { articles } = await world();
    const ids: string[] = [];
    for (const hours of [3, 1, 2]) {
      ids.push((await articles.create(EDITOR, { ...seed, publishedAt: at(hours * HOUR) })).article.id);
    }
    await articles.create(EDITOR, seed);
    const first = await articles.list(EDITOR, { status: 'scheduled', source: 'the-gaze', limit: 2 });
    expect(first.items.map((item) => [item.id, item.status])).toEqual([
      [ids[1], 'scheduled'],
      [ids[2], 'scheduled'],
    ]);
    expect(first.items[0]).not.toHaveProperty('contentHtml');
    const second = await articles.list(EDITOR, {
      status: 'scheduled',
      source: 'the-gaze',
      limit: 2,
      cursor: first.cursor,
    });
    expect(second.items.map((item) => item.id)).toEqual([ids[0]]);
    const everywhere: Principal = { keyId: 'all', sources: '*' };
    expect((await articles.list(everywhere, { status: 'scheduled', source: 'elsewhere' })).items).toEqual([]);
    expect((await articles.list(everywhere, { status: 'scheduled' })).items).toHaveLength(3);
    // The default listing is the feed's: the published article only.
    expect((await articles.list(EDITOR, { source: 'the-gaze' })).items).toHaveLength(1);
  });

  it('edits a scheduled article with If-Match: new text stays scheduled, no correction note, no count', async () => {
    const { articles, lifecycle, advance, inFeeds, tagCount, due } = await world();
    const { article } = await articles.create(EDITOR, { ...seed, publishedAt: at(HOUR) });
    await expect(articles.correct(EDITOR, article.id, [2], seed)).rejects.toBeInstanceOf(
      VersionMismatchError,
    );
    await expect(
      articles.correct(EDITOR, article.id, [1], { ...seed, correction: 'Typo.' }),
    ).rejects.toBeInstanceOf(InvalidInputError);
    const { publishedAt: _omitted, ...withoutTime } = seed;
    const edited = await articles.correct(EDITOR, article.id, [1], {
      ...withoutTime,
      title: 'Embargoed headline',
      tags: ['Embargo'],
    });
    expect(edited).toMatchObject({ status: 'scheduled', version: 2, publishedAt: at(HOUR) });
    expect(edited.corrections).toBeUndefined();
    expect(inFeeds(article.id)).toBe(false);
    expect(tagCount('embargo')).toBe(0);
    expect(due('schedule')).toEqual([`${at(HOUR)}#${article.id}`]);
    advance(HOUR);
    await lifecycle.sweep();
    expect(await articles.get(EDITOR, article.id)).toMatchObject({
      status: 'published',
      title: 'Embargoed headline',
    });
    expect(tagCount('embargo')).toBe(1);
  });

  it('scheduled → moved → published at the new time, not the old one', async () => {
    const { articles, lifecycle, advance, inFeeds, due } = await world();
    const { article } = await articles.create(EDITOR, { ...seed, publishedAt: at(HOUR) });
    const moved = await articles.correct(EDITOR, article.id, [1], { ...seed, publishedAt: at(3 * HOUR) });
    expect(moved).toMatchObject({ status: 'scheduled', publishedAt: at(3 * HOUR) });
    expect(due('schedule')).toEqual([`${at(3 * HOUR)}#${article.id}`]);
    advance(2 * HOUR);
    await lifecycle.sweep();
    expect(inFeeds(article.id)).toBe(false);
    advance(HOUR);
    expect((await lifecycle.sweep()).released).toEqual([article.id]);
    expect(inFeeds(article.id)).toBe(true);
  });

  it('moved to now (or the past) by an edit, it is published by the edit', async () => {
    const { articles, inFeeds, due } = await world();
    const { article } = await articles.create(EDITOR, { ...seed, publishedAt: at(HOUR) });
    const now = await articles.correct(EDITOR, article.id, [1], { ...seed, publishedAt: at(0) });
    expect(now.status).toBe('published');
    expect(inFeeds(article.id)).toBe(true);
    expect(due('schedule')).toEqual([]);
  });

  it('an edit in the last minute before its time does not lift the embargo early', async () => {
    const { articles, lifecycle, advance, inFeeds } = await world();
    const { article } = await articles.create(EDITOR, { ...seed, publishedAt: at(HOUR) });
    advance(HOUR - 30_000);
    const { publishedAt: _omitted, ...withoutTime } = seed;
    const edited = await articles.correct(EDITOR, article.id, [1], { ...withoutTime, title: 'Last look' });
    expect(edited.status).toBe('scheduled');
    const nudged = await articles.correct(EDITOR, article.id, [2], {
      ...seed,
      publishedAt: at(HOUR + 10_000),
    });
    expect(nudged.status).toBe('scheduled');
    expect(inFeeds(article.id)).toBe(false);
    advance(40_000);
    expect((await lifecycle.sweep()).released).toEqual([article.id]);
  });

  it('scheduled → cancelled: out of the index, never public, kept with its history, final', async () => {
    const { articles, lifecycle, advance, inFeeds, due } = await world();
    const { article } = await articles.create(EDITOR, { ...seed, publishedAt: at(HOUR) });
    await expect(articles.retract(EDITOR, article.id, [2])).rejects.toBeInstanceOf(VersionMismatchError);
    advance(1000);
    const cancelled = await articles.retract(EDITOR, article.id, [1]);
    expect(cancelled).toMatchObject({ status: 'cancelled', version: 2, cancelledAt: at(1000) });
    expect(due('schedule')).toEqual([]);
    expect(await articles.retract(EDITOR, article.id)).toEqual(cancelled);
    await expect(articles.correct(EDITOR, article.id, [2], seed)).rejects.toBeInstanceOf(ConflictError);
    advance(2 * HOUR);
    await lifecycle.sweep();
    expect(inFeeds(article.id)).toBe(false);
    expect((await articles.history(EDITOR, article.id)).map((v) => v.status)).toEqual([
      'cancelled',
      'scheduled',
    ]);
  });

  it('refuses to schedule a published article again', async () => {
    const { articles } = await world();
    const { article } = await articles.create(EDITOR, seed);
    await expect(
      articles.correct(EDITOR, article.id, [1], { ...seed, publishedAt: at(HOUR) }),
    ).rejects.toBeInstanceOf(ConflictError);
  });

  it('lets an edit made between the sweep’s read and its write win', async () => {
    const { articles, store, advance } = await world();
    const { article } = await articles.create(EDITOR, { ...seed, publishedAt: at(HOUR) });
    advance(HOUR);
    // A store whose release meets an edit that moved the article first.
    const racing = Object.create(store) as typeof store;
    racing.replaceArticle = async (previous, next) => {
      await articles.correct(EDITOR, article.id, [1], { ...seed, publishedAt: at(5 * HOUR) });
      return store.replaceArticle(previous, next);
    };
    const result = await new ArticleLifecycle(racing, store, { now: () => START + HOUR }).sweep();
    expect(result).toEqual({ released: [], expired: [], skipped: [article.id] });
    expect(await articles.get(EDITOR, article.id)).toMatchObject({
      status: 'scheduled',
      publishedAt: at(5 * HOUR),
    });
  });

  it('releases at each entry’s own time when it looks ahead, and never before', async () => {
    const { articles, store, inFeeds } = await world();
    const { article } = await articles.create(EDITOR, { ...seed, publishedAt: at(50_000 + MINUTE) });
    const waits: number[] = [];
    let now = START + MINUTE;
    const clock = { now: () => now };
    const ahead = new ArticleLifecycle(store, store, clock, async (ms) => {
      waits.push(ms);
      now += ms;
    });
    expect((await ahead.sweep({ aheadMs: MINUTE })).released).toEqual([article.id]);
    expect(waits).toEqual([50_000]);
    expect(inFeeds(article.id)).toBe(true);
    // Woken early (a stopping stack): it is left for the next sweep.
    const second = (await articles.create(EDITOR, { ...seed, publishedAt: at(3 * MINUTE) })).article;
    const early = new ArticleLifecycle(
      store,
      store,
      { now: () => START + 2 * MINUTE },
      async () => undefined,
    );
    expect((await early.sweep({ aheadMs: MINUTE })).released).toEqual([]);
    expect(inFeeds(second.id)).toBe(false);
  });
});

describe('expiry', () => {
  it('published → expired at its time: out of every feed and count, with its own status and time', async () => {
    const { articles, lifecycle, advance, inFeeds, tagCount, due } = await world();
    const { article } = await articles.create(EDITOR, { ...seed, publishedAt: at(0), expiresAt: at(HOUR) });
    expect(article).toMatchObject({ status: 'published', expiresAt: at(HOUR) });
    expect(due('expiry')).toEqual([`${at(HOUR)}#${article.id}`]);
    expect(tagCount('ukraine')).toBe(1);
    advance(HOUR - 1);
    await lifecycle.sweep();
    expect(inFeeds(article.id)).toBe(true);
    advance(1);
    expect((await lifecycle.sweep()).expired).toEqual([article.id]);
    const expired = await articles.get(EDITOR, article.id);
    expect(expired).toMatchObject({
      status: 'expired',
      version: 2,
      expiredAt: at(HOUR),
      updatedAt: at(HOUR),
    });
    expect(inFeeds(article.id)).toBe(false);
    expect(tagCount('ukraine')).toBe(0);
    expect(due('expiry')).toEqual([]);
    // The regenerator announces it as it announces a retraction.
    const change = changeOf('1', article, expired);
    expect(change?.feeds).toContain('all');
    expect(change?.retraction).toMatchObject({ id: article.id, at: at(HOUR) });
    // Final: no correction, and a DELETE answers it as it is.
    await expect(articles.correct(EDITOR, article.id, [2], seed)).rejects.toBeInstanceOf(ConflictError);
    expect(await articles.retract(EDITOR, article.id)).toEqual(expired);
  });

  it('needs an expiry after the publication and ahead of now; a correction moves or drops it', async () => {
    const { articles, due } = await world();
    for (const expiresAt of [at(-HOUR), at(0)]) {
      await expect(
        articles.create(EDITOR, { ...seed, publishedAt: at(0), expiresAt }),
      ).rejects.toBeInstanceOf(InvalidInputError);
    }
    await expect(
      articles.create(EDITOR, { ...seed, publishedAt: at(2 * HOUR), expiresAt: at(HOUR) }),
    ).rejects.toBeInstanceOf(InvalidInputError);
    const { article } = await articles.create(EDITOR, { ...seed, expiresAt: at(HOUR) });
    await articles.correct(EDITOR, article.id, [1], { ...seed, expiresAt: at(2 * HOUR) });
    expect(due('expiry')).toEqual([`${at(2 * HOUR)}#${article.id}`]);
    await articles.correct(EDITOR, article.id, [2], seed);
    expect(due('expiry')).toEqual([]);
  });

  it('a retraction before the expiry takes its entry out of the index', async () => {
    const { articles, lifecycle, advance, due } = await world();
    const { article } = await articles.create(EDITOR, { ...seed, expiresAt: at(HOUR) });
    await articles.retract(EDITOR, article.id, [1]);
    expect(due('expiry')).toEqual([]);
    advance(HOUR);
    expect(await lifecycle.sweep()).toEqual({ released: [], expired: [], skipped: [] });
    expect((await articles.get(EDITOR, article.id)).status).toBe('retracted');
  });

  it('a scheduled article with an expiry is published, then expires, each at its time', async () => {
    const { articles, lifecycle, advance, inFeeds, due } = await world();
    const { article } = await articles.create(EDITOR, {
      ...seed,
      publishedAt: at(HOUR),
      expiresAt: at(2 * HOUR),
    });
    expect(due('expiry')).toEqual([]);
    advance(HOUR);
    await lifecycle.sweep();
    expect(due('expiry')).toEqual([`${at(2 * HOUR)}#${article.id}`]);
    expect(inFeeds(article.id)).toBe(true);
    advance(HOUR);
    await lifecycle.sweep();
    expect(inFeeds(article.id)).toBe(false);
    // Both due by the time of one sweep: released, then expired, in that sweep.
    const late = (
      await articles.create(EDITOR, { ...seed, publishedAt: at(3 * HOUR), expiresAt: at(4 * HOUR) })
    ).article;
    advance(3 * HOUR);
    const result = await lifecycle.sweep();
    expect(result).toMatchObject({ released: [late.id], expired: [late.id] });
  });
});

describe('the whole life of an article, and what the regenerator derives from each write', () => {
  it('scheduled → published → corrected → retracted: no feed change until it is published', async () => {
    const { articles, lifecycle, advance } = await world();
    const versions: Article[] = [];
    const { article } = await articles.create(EDITOR, { ...seed, publishedAt: at(HOUR) });
    versions.push(article);
    const edited = await articles.correct(EDITOR, article.id, [1], { ...seed, publishedAt: at(2 * HOUR) });
    versions.push(edited);
    advance(2 * HOUR);
    await lifecycle.sweep();
    versions.push(await articles.get(EDITOR, article.id));
    advance(MINUTE);
    versions.push(
      await articles.correct(EDITOR, article.id, [3], { ...seed, title: 'Corrected', correction: 'x' }),
    );
    versions.push(await articles.retract(EDITOR, article.id, [4]));
    expect(versions.map((v) => v.status)).toEqual([
      'scheduled',
      'scheduled',
      'published',
      'published',
      'retracted',
    ]);
    const changes = versions.map((after, i) => changeOf(String(i), versions[i - 1], after));
    // The post and the move of a scheduled article change no feed; its release, correction and retraction do.
    expect(changes.map((change) => change !== undefined)).toEqual([false, false, true, true, true]);
    expect(changes[2]?.feeds).toEqual(expect.arrayContaining(['all', 'sources/the-gaze']));
    expect(changes[4]?.retraction?.id).toBe(article.id);
    // A cancellation changes none either.
    const other = (await articles.create(EDITOR, { ...seed, publishedAt: at(5 * HOUR) })).article;
    const cancelled = await articles.retract(EDITOR, other.id, [1]);
    expect(changeOf('c', other, cancelled)).toBeUndefined();
  });
});

describe('the list filter', () => {
  it('takes status=scheduled (with a source or not), published as the default, and refuses the rest', () => {
    expect(listQueryOf({ status: 'scheduled', source: 'the-gaze' })).toMatchObject({
      status: 'scheduled',
      source: 'the-gaze',
    });
    expect(listQueryOf({ status: 'published' }).status).toBeUndefined();
    expect(() => listQueryOf({ status: 'cancelled' })).toThrow(InvalidParameterError);
    expect(() => listQueryOf({ status: 'scheduled', tag: 'ukraine' })).toThrow(InvalidParameterError);
  });
});

describe('the stream, as the regenerator reads it', () => {
  const image = (item: Record<string, string | number>) =>
    Object.fromEntries(
      Object.entries(item).map(([key, value]) => [
        key,
        typeof value === 'number' ? { N: String(value) } : { S: value },
      ]),
    );

  it('never lets a due entry through, and derives no change from a scheduled article’s record', () => {
    for (const type of ['schedule', 'expiry'])
      expect(passesFilters({ dynamodb: { NewImage: image({ pk: type, sk: 'x', type, id: 'a' }) } })).toBe(
        false,
      );
    const scheduled = {
      pk: 'article#a',
      sk: 'article',
      type: 'article',
      id: 'a',
      source: 'the-gaze',
      title: 'Embargoed',
      status: 'scheduled',
      version: 1,
      publishedAt: at(HOUR),
      updatedAt: at(0),
    };
    const record = { dynamodb: { SequenceNumber: '1', NewImage: { ...image(scheduled), tags: { L: [] } } } };
    expect(passesFilters(record)).toBe(true);
    expect(changeFromRecord(record as never)).toBeUndefined();
    const released = {
      dynamodb: {
        SequenceNumber: '2',
        OldImage: record.dynamodb.NewImage,
        NewImage: { ...image({ ...scheduled, status: 'published', version: 2 }), tags: { L: [] } },
      },
    };
    expect(changeFromRecord(released as never)?.feeds).toEqual(
      expect.arrayContaining(['all', 'sources/the-gaze']),
    );
  });
});
