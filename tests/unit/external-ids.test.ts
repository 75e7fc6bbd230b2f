import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { memoryAdapters } from '#shared/adapters/memory/index.ts';
import { ArticleLifecycle } from '#shared/articles/lifecycle.ts';
import type { Principal } from '#shared/articles/model.ts';
import { ArticleService, IDEMPOTENCY_TTL_MS } from '#shared/articles/service.ts';
import { parseSubmission } from '#shared/articles/submission.ts';
import { ExternalIdTakenError, ForbiddenError, InvalidInputError } from '#shared/domain/errors.ts';
import { listQueryOf } from '#shared/http/parameters.ts';
import { InvalidParameterError } from '#shared/http/problems.ts';
import { problem } from '#shared/http/response.ts';
import { THE_GAZE } from '../support/feed-fixtures.ts';

const seed = JSON.parse(readFileSync(new URL('../fixtures/seed-article.json', import.meta.url), 'utf8'));
const GUID = 'https://thegaze.example/?p=4711';
const imported = { ...seed, externalId: GUID };
const DESK: Principal = { keyId: 'desk', sources: ['the-gaze'] };
const COLLEAGUE: Principal = { keyId: 'colleague', sources: ['the-gaze'] };
const EVERYWHERE: Principal = { keyId: 'all', sources: '*' };
const START = Date.parse('2026-07-16T10:00:00Z');
const HOUR = 60 * 60 * 1000;

/** The editor use cases and the lifecycle's sweep over the in-memory adapters, with a clock the test moves. */
async function world() {
  let now = START;
  const clock = { now: () => now };
  const stores = memoryAdapters(clock);
  await stores.registry.putSource(THE_GAZE);
  await stores.registry.putSource({ ...THE_GAZE, slug: 'daily-planet', name: 'The Daily Planet' });
  let serial = 0;
  const newId = () => `00000000-0000-4000-8000-${String(++serial).padStart(12, '0')}`;
  const articles = new ArticleService(stores.articles, stores.registry, clock, newId);
  const lifecycle = new ArticleLifecycle(stores.articles, stores.articles, clock);
  const advance = (ms: number) => {
    now += ms;
  };
  /** Every article stored, of any status. */
  const stored = () => [...stores.table.articles.keys()];
  return { articles, lifecycle, advance, stored, table: stores.table };
}

/** The refusal a promise ends with. */
const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.fail('was accepted'),
    (error: unknown) => error,
  );

describe('an external id', () => {
  it('is refused to a second post of the source, from another editor key, naming the article that holds it', async () => {
    const { articles, stored } = await world();
    const first = await articles.create(DESK, imported, 'import-1');
    expect(first.article.externalId).toBe(GUID);
    const error = await refusal(articles.create(COLLEAGUE, imported, 'import-1'));
    expect(error).toEqual(new ExternalIdTakenError(first.article.id, 'the-gaze'));
    // Without a request key as well, and with another body: the id, not the request, is the identity.
    await expect(articles.create(DESK, { ...imported, title: 'Retitled' })).rejects.toEqual(error);
    expect(stored()).toEqual([first.article.id]);
  });

  it('outlives the request key: replayed within 24 hours, refused after them', async () => {
    const { articles, advance, stored } = await world();
    const first = await articles.create(DESK, imported, 'import-1');
    advance(IDEMPOTENCY_TTL_MS - 1_000);
    expect(await articles.create(DESK, imported, 'import-1')).toMatchObject({
      article: first.article,
      replayed: true,
    });
    advance(2_000);
    await expect(articles.create(DESK, imported, 'import-1')).rejects.toEqual(
      new ExternalIdTakenError(first.article.id, 'the-gaze'),
    );
    // A year on, still.
    advance(365 * 24 * HOUR);
    await expect(articles.create(COLLEAGUE, imported, 'import-2')).rejects.toBeInstanceOf(
      ExternalIdTakenError,
    );
    expect(stored()).toEqual([first.article.id]);
  });

  it('is never released: not by a retraction, a cancellation or an expiry', async () => {
    const { articles, lifecycle, advance, stored } = await world();
    const retracted = await articles.create(DESK, imported);
    await articles.retract(DESK, retracted.article.id);
    await expect(articles.create(DESK, imported)).rejects.toEqual(
      new ExternalIdTakenError(retracted.article.id, 'the-gaze'),
    );

    const later = new Date(START + 2 * HOUR).toISOString();
    const scheduled = { ...seed, externalId: 'scheduled', publishedAt: later };
    const cancelled = await articles.create(DESK, scheduled);
    expect(cancelled.article.status).toBe('scheduled');
    expect((await articles.retract(DESK, cancelled.article.id)).status).toBe('cancelled');
    await expect(articles.create(DESK, scheduled)).rejects.toEqual(
      new ExternalIdTakenError(cancelled.article.id, 'the-gaze'),
    );

    const expiring = { ...seed, externalId: 'expiring', expiresAt: new Date(START + HOUR).toISOString() };
    const expired = await articles.create(DESK, expiring);
    advance(HOUR);
    expect((await lifecycle.sweep()).expired).toEqual([expired.article.id]);
    await expect(articles.create(DESK, { ...expiring, expiresAt: undefined })).rejects.toEqual(
      new ExternalIdTakenError(expired.article.id, 'the-gaze'),
    );
    expect(stored()).toHaveLength(3);
  });

  it('is unique within its source only: two sources may each have an article with it', async () => {
    const { articles } = await world();
    const gaze = await articles.create(EVERYWHERE, imported);
    const planet = await articles.create(EVERYWHERE, { ...imported, source: 'daily-planet' });
    expect(planet.article.id).not.toBe(gaze.article.id);
    expect(planet.article.externalId).toBe(GUID);
  });

  it('is compared exactly as sent, but for surrounding whitespace', async () => {
    const { articles } = await world();
    const first = await articles.create(DESK, { ...seed, externalId: `  ${GUID}\n` });
    expect(first.article.externalId).toBe(GUID);
    await expect(articles.create(DESK, imported)).rejects.toBeInstanceOf(ExternalIdTakenError);
    expect((await articles.create(DESK, { ...seed, externalId: GUID.toUpperCase() })).replayed).toBe(false);
  });
});

describe('a correction', () => {
  it('keeps the external id when it repeats it or leaves it out, and refuses to change it', async () => {
    const { articles } = await world();
    const { article } = await articles.create(DESK, imported);
    const same = await articles.correct(DESK, article.id, [1], { ...imported, title: 'Same id' });
    expect(same.externalId).toBe(GUID);
    const omitted = await articles.correct(DESK, article.id, [2], { ...seed, title: 'No id' });
    expect(omitted.externalId).toBe(GUID);
    const error = await refusal(articles.correct(DESK, article.id, [3], { ...seed, externalId: 'other' }));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).errors).toEqual([
      expect.objectContaining({ field: 'externalId', pointer: '/externalId' }),
    ]);
    expect((await articles.get(DESK, article.id)).version).toBe(3);
  });

  it('may give an article without one an external id, unless another article of the source holds it', async () => {
    const { articles } = await world();
    const holder = await articles.create(DESK, imported);
    const { article } = await articles.create(DESK, seed);
    await expect(articles.correct(DESK, article.id, [1], imported)).rejects.toEqual(
      new ExternalIdTakenError(holder.article.id, 'the-gaze'),
    );
    expect((await articles.correct(DESK, article.id, [1], { ...seed, externalId: 'mine' })).externalId).toBe(
      'mine',
    );
    await expect(articles.create(DESK, { ...seed, externalId: 'mine' })).rejects.toEqual(
      new ExternalIdTakenError(article.id, 'the-gaze'),
    );
  });

  it('moves the external id with an article moved to another source', async () => {
    const { articles } = await world();
    const { article } = await articles.create(EVERYWHERE, imported);
    const moved = await articles.correct(EVERYWHERE, article.id, [1], { ...seed, source: 'daily-planet' });
    expect(moved).toMatchObject({ source: 'daily-planet', externalId: GUID });
    await expect(articles.create(EVERYWHERE, { ...imported, source: 'daily-planet' })).rejects.toEqual(
      new ExternalIdTakenError(article.id, 'daily-planet'),
    );
    // The source it left no longer has an article with that id.
    expect((await articles.list(EVERYWHERE, { source: 'the-gaze', externalId: GUID })).items).toEqual([]);
    const other = await articles.create(EVERYWHERE, { ...imported, title: 'Another' });
    // Nor may it move back where another article now holds it.
    await expect(
      articles.correct(EVERYWHERE, article.id, [2], { ...imported, source: 'the-gaze' }),
    ).rejects.toEqual(new ExternalIdTakenError(other.article.id, 'the-gaze'));
  });
});

describe('the lookup by external id', () => {
  it('finds the article of the source that holds it, whatever its status, with one item or none', async () => {
    const { articles } = await world();
    const { article } = await articles.create(DESK, imported);
    await articles.retract(DESK, article.id);
    const page = await articles.list(DESK, { source: 'the-gaze', externalId: GUID });
    expect(page).toEqual({
      items: [expect.objectContaining({ id: article.id, status: 'retracted', version: 2, externalId: GUID })],
    });
    expect(page.items[0]).not.toHaveProperty('contentHtml');
    expect(await articles.list(DESK, { source: 'the-gaze', externalId: 'unknown' })).toEqual({ items: [] });
    await expect(articles.list(DESK, { source: 'daily-planet', externalId: GUID })).rejects.toBeInstanceOf(
      ForbiddenError,
    );
  });

  it('takes externalId with source alone, and checks it as submissions are checked', () => {
    expect(listQueryOf({ source: 'the-gaze', externalId: GUID })).toEqual({
      source: 'the-gaze',
      externalId: GUID,
    });
    const fields = (query: Record<string, string>) => {
      try {
        listQueryOf(query);
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidParameterError);
        return (error as InvalidParameterError).errors.map((e) => `${e.in} ${e.field}: ${e.detail}`);
      }
      return expect.fail('was accepted');
    };
    expect(fields({ externalId: GUID })).toEqual(['query source: is required with externalId']);
    expect(
      fields({ source: 'the-gaze', externalId: '', tag: 'nato', cursor: 'x', status: 'published' }),
    ).toEqual([
      'query externalId: must not be empty',
      'query externalId: takes source alone, not status, tag or cursor',
    ]);
  });
});

describe('the submission’s externalId', () => {
  const fieldErrors = (externalId: unknown) => {
    try {
      parseSubmission({ ...seed, externalId }, START);
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidInputError);
      return (error as InvalidInputError).errors.map((e) => `${e.field}: ${e.detail}`);
    }
    return [];
  };

  it('is optional, trimmed, and kept exactly otherwise', () => {
    expect(parseSubmission(seed, START)).not.toHaveProperty('externalId');
    const odd = ' tag:example.com,2026:Ünïcode <b>&amp; 中国 ';
    expect(parseSubmission({ ...seed, externalId: odd }, START).externalId).toBe(odd.trim());
    expect(parseSubmission({ ...seed, externalId: '😀'.repeat(1_024) }, START).externalId).toHaveLength(
      2_048,
    );
  });

  it('is refused when empty, over 1,024 characters, not a string, or with a control character', () => {
    expect(fieldErrors('  ')).toEqual(['externalId: must not be empty']);
    expect(fieldErrors('x'.repeat(1_025))).toEqual(['externalId: must be at most 1024 characters']);
    expect(fieldErrors(4711)).toEqual(['externalId: must be a string, not a number']);
    expect(fieldErrors(null)).toEqual(['externalId: must be a string, not null']);
    // Refused, never silently cleaned: the body's XML-invalid characters are stripped elsewhere, not in the id.
    for (const control of ['\u0000', '\u0001', '\t', '\n', '\u007f', '\u0085', '\ud800'])
      expect(fieldErrors(`a${control}b`), JSON.stringify(control)).toEqual([
        'externalId: must not contain control characters',
      ]);
  });
});

describe('the 409 answer', () => {
  it('is a problem document naming the field, the article that holds the id, and its URL', () => {
    const id = '00000000-0000-4000-8000-000000000001';
    const response = problem(new ExternalIdTakenError(id, 'the-gaze'), '/articles');
    expect(response.statusCode).toBe(409);
    expect(response.headers).toMatchObject({
      'content-type': 'application/problem+json; charset=utf-8',
      location: `/articles/${id}`,
    });
    expect(JSON.parse(String(response.body))).toEqual({
      type: 'tag:feed-pipeline,2026:problems/external-id-taken',
      title: 'External id taken',
      status: 409,
      detail: `Article ${id} of source the-gaze already has this externalId.`,
      instance: '/articles',
      errors: [
        {
          field: 'externalId',
          in: 'body',
          pointer: '/externalId',
          detail: `is article ${id}'s, for ever`,
        },
      ],
      articleId: id,
    });
  });
});
