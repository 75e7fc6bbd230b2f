import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { memoryAdapters } from '#shared/adapters/memory/index.ts';
import type { Principal } from '#shared/articles/model.ts';
import { WriteConflictError } from '#shared/articles/ports.ts';
import { ArticleService } from '#shared/articles/service.ts';
import {
  ConcurrentWriteError,
  ConflictError,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  RequestKeyReusedError,
  StoreUnavailableError,
  VersionMismatchError,
  VersionRequiredError,
} from '#shared/domain/errors.ts';
import { THE_GAZE } from '../support/feed-fixtures.ts';

const seed = JSON.parse(readFileSync(new URL('../fixtures/seed-article.json', import.meta.url), 'utf8'));
const EDITOR: Principal = { keyId: 'desk', sources: ['the-gaze'] };

/** The editor use cases over the in-memory adapters, with a clock the test moves. */
async function service() {
  let now = Date.parse('2026-07-16T10:00:00Z');
  const clock = { now: () => now };
  const stores = memoryAdapters(clock);
  await stores.registry.putSource(THE_GAZE);
  let serial = 0;
  const newId = () => `00000000-0000-4000-8000-${String(++serial).padStart(12, '0')}`;
  return {
    ...stores,
    articles: new ArticleService(stores.articles, stores.registry, clock, newId),
    store: stores.articles,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('posting', () => {
  it('replays a request key with the same body, refuses it with another, and frees it after 24 hours', async () => {
    const { articles, advance } = await service();
    const first = await articles.create(EDITOR, seed, 'key-1');
    expect(first.replayed).toBe(false);
    const again = await articles.create(EDITOR, { ...seed }, 'key-1');
    expect(again).toEqual({ article: first.article, replayed: true, warnings: [] });
    await expect(articles.create(EDITOR, { ...seed, title: 'Other' }, 'key-1')).rejects.toBeInstanceOf(
      RequestKeyReusedError,
    );
    // Another editor key may use the same string.
    expect((await articles.create({ ...EDITOR, keyId: 'other' }, seed, 'key-1')).replayed).toBe(false);
    advance(24 * 60 * 60 * 1000 + 1000);
    const later = await articles.create(EDITOR, seed, 'key-1');
    expect(later.replayed).toBe(false);
    expect(later.article.id).not.toBe(first.article.id);
  });

  it('answers two racing requests with one key with one article', async () => {
    const { articles, store } = await service();
    const results = await Promise.all([1, 2, 3].map(() => articles.create(EDITOR, seed, 'race')));
    expect(new Set(results.map((r) => r.article.id)).size).toBe(1);
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect((await store.listFeed('all', 10)).items).toHaveLength(1);
  });

  it('refuses a source outside the key, or not registered, and writes nothing', async () => {
    const { articles, store } = await service();
    await expect(articles.create(EDITOR, { ...seed, source: 'daily-planet' })).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    const anywhere: Principal = { keyId: 'all', sources: '*' };
    const refused = await articles.create(anywhere, { ...seed, source: 'nowhere' }).catch((error) => error);
    expect(refused).toBeInstanceOf(InvalidInputError);
    expect((refused as InvalidInputError).errors.map((e) => e.field)).toEqual(['source']);
    expect((await store.listFeed('all', 10)).items).toEqual([]);
  });
});

describe('corrections and retractions', () => {
  it('need the current version, keep the id, and move the version and the updated time', async () => {
    const { articles, advance } = await service();
    const { article } = await articles.create(EDITOR, seed);
    await expect(articles.correct(EDITOR, article.id, undefined, seed)).rejects.toBeInstanceOf(
      VersionRequiredError,
    );
    await expect(articles.correct(EDITOR, article.id, [2], seed)).rejects.toBeInstanceOf(
      VersionMismatchError,
    );
    advance(1000);
    const corrected = await articles.correct(EDITOR, article.id, [1], {
      ...seed,
      title: 'Corrected',
      correction: 'The headline misnamed the city.',
    });
    expect(corrected).toMatchObject({ id: article.id, version: 2, title: 'Corrected' });
    expect(corrected.updatedAt > article.updatedAt).toBe(true);
    expect(corrected.corrections).toEqual([
      { version: 2, at: corrected.updatedAt, note: 'The headline misnamed the city.' },
    ]);
    const any = await articles.correct(EDITOR, article.id, 'any', { ...seed, title: 'Again' });
    expect(any.version).toBe(3);
    expect((await articles.history(EDITOR, article.id)).map((v) => v.version)).toEqual([3, 2, 1]);
    const retracted = await articles.retract(EDITOR, article.id, [3]);
    expect(retracted.status).toBe('retracted');
    expect(await articles.retract(EDITOR, article.id)).toEqual(retracted);
    await expect(articles.correct(EDITOR, article.id, [4], seed)).rejects.toBeInstanceOf(ConflictError);
    await expect(articles.get(EDITOR, 'not-an-id')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('lets one of two corrections of one version win, and tells the other its version is gone', async () => {
    const { articles, store } = await service();
    const { article } = await articles.create(EDITOR, seed);
    const outcomes = await Promise.allSettled(
      ['A', 'B'].map((title) => articles.correct(EDITOR, article.id, [1], { ...seed, title })),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const lost = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(lost.reason).toBeInstanceOf(VersionMismatchError);
    expect((await store.getArticle(article.id))?.version).toBe(2);
  });

  it('retries a write that lost a transaction race, then reports a concurrent write, not a conflict', async () => {
    const { store } = await service();
    let failures = 0;
    const flaky = Object.create(store) as typeof store;
    flaky.createArticle = async () => {
      failures++;
      throw new WriteConflictError('transaction');
    };
    const racing = new ArticleService(flaky, { getSource: async () => THE_GAZE }, { now: () => Date.now() });
    const refusal = racing.create(EDITOR, seed);
    await expect(refusal).rejects.toBeInstanceOf(ConcurrentWriteError);
    await expect(refusal).rejects.not.toBeInstanceOf(ConflictError);
    expect(failures).toBe(5);
  });

  it('retries a correction that lost a transaction race, and tells a lost race from a lost version', async () => {
    const { articles, store } = await service();
    const { article } = await articles.create(EDITOR, seed);
    let calls = 0;
    const failing = (reasons: ('condition' | 'transaction')[]) => {
      calls = 0;
      const flaky = Object.create(store) as typeof store;
      flaky.replaceArticle = async (previous, next) => {
        const reason = reasons[calls++];
        if (reason) throw new WriteConflictError(reason);
        return store.replaceArticle(previous, next);
      };
      return new ArticleService(flaky, { getSource: async () => THE_GAZE }, { now: () => Date.now() });
    };
    // Two lost races, then the write goes through.
    const corrected = await failing(['transaction', 'transaction']).correct(EDITOR, article.id, [1], {
      ...seed,
      title: 'Third time',
    });
    expect(corrected.version).toBe(2);
    expect(calls).toBe(3);
    // Every race lost: a concurrent write (the version named was right), after the same five attempts.
    await expect(
      failing(Array(5).fill('transaction')).correct(EDITOR, article.id, [2], seed),
    ).rejects.toBeInstanceOf(ConcurrentWriteError);
    expect(calls).toBe(5);
    // The version condition failed: another correction came first, at once a version mismatch.
    await expect(failing(['condition']).retract(EDITOR, article.id, [2])).rejects.toBeInstanceOf(
      VersionMismatchError,
    );
    expect(calls).toBe(1);
    expect((await store.getArticle(article.id))?.version).toBe(2);
  });

  it('does not retry a throttled write: it needs time, not more requests', async () => {
    const { store } = await service();
    let calls = 0;
    const throttled = Object.create(store) as typeof store;
    throttled.createArticle = async () => {
      calls++;
      throw new StoreUnavailableError(2, 'throttled');
    };
    const busy = new ArticleService(
      throttled,
      { getSource: async () => THE_GAZE },
      { now: () => Date.now() },
    );
    await expect(busy.create(EDITOR, seed)).rejects.toMatchObject({
      name: 'StoreUnavailableError',
      reason: 'throttled',
      retryAfterSeconds: 2,
    });
    expect(calls).toBe(1);
  });
});

describe('warnings from the source’s partner profiles', () => {
  const image = (width: number, height: number) => ({ url: 'https://img.example/a.jpg', width, height });

  it('tells of an image too small for a profile the source uses, and stores the article all the same', async () => {
    const { articles, registry } = await service();
    await registry.putSource({ ...THE_GAZE, profiles: ['flipboard', 'msn'] });
    const created = await articles.create(EDITOR, { ...seed, image: image(640, 360) });
    expect(created.article.image).toEqual(image(640, 360));
    expect(created.warnings).toEqual([
      {
        field: 'image',
        pointer: '/image',
        profile: 'flipboard',
        detail:
          'is 640×360 px; its shorter side must be at least 400 px: the flipboard profile leaves it out',
      },
      {
        field: 'image',
        pointer: '/image',
        profile: 'msn',
        detail: 'is 640×360 px; its longer side must be at least 720 px: the msn profile leaves it out',
      },
    ]);
    // Wide enough for Flipboard, too wide for MSN's aspect ratio.
    const wide = await articles.create(EDITOR, { ...seed, image: image(2000, 800) });
    expect(wide.warnings.map((warning) => warning.profile)).toEqual(['msn']);
    expect(wide.warnings[0]?.detail).toMatch(/width over height must be from 0\.5 to 1\.89/);
  });

  it('tells of a missing image where a profile requires one, and of nothing for a source without profiles', async () => {
    const { articles, registry } = await service();
    const withoutImage = seed;
    expect((await articles.create(EDITOR, withoutImage)).warnings).toEqual([]);
    await registry.putSource({ ...THE_GAZE, profiles: ['flipboard'] });
    const created = await articles.create(EDITOR, withoutImage);
    expect(created.warnings).toEqual([
      {
        field: 'image',
        pointer: '/image',
        profile: 'flipboard',
        detail: 'has no image: the flipboard profile leaves it out',
      },
    ]);
    // A correction is told the same, from the article as it now is.
    const corrected = await articles.correct(EDITOR, created.article.id, [1], {
      ...withoutImage,
      image: image(1600, 900),
    });
    expect(await articles.warningsFor(corrected)).toEqual([]);
    expect(await articles.warningsFor(created.article)).toHaveLength(1);
  });

  it('checks no image whose size the editor did not give', async () => {
    const { articles, registry } = await service();
    await registry.putSource({ ...THE_GAZE, profiles: ['flipboard', 'msn'] });
    const created = await articles.create(EDITOR, { ...seed, image: { url: 'https://img.example/a.jpg' } });
    expect(created.warnings).toEqual([]);
  });
});
