import { expect, it } from 'vitest';
import { ENTRY_FIELDS } from '#shared/adapters/dynamodb/layout.ts';
import type { Article, Source } from '#shared/articles/model.ts';
import {
  type ArticleStore,
  type DueReader,
  InvalidCursorError,
  type RegistryStore,
  type StoredKey,
  WriteConflictError,
} from '#shared/articles/ports.ts';
import { ExternalIdTakenError } from '#shared/domain/errors.ts';
import type { DocumentPublisher, FeedStore, PublishableDocument } from '#shared/feeds/ports.ts';
import { digestOf } from '#shared/feeds/ports.ts';
import { storedArticle, tagsOf } from '../support/stored-article.ts';

/** One set of adapters for every port, over one store, as a deployment wires them. */
export interface Stores {
  articles: ArticleStore;
  due: DueReader;
  registry: RegistryStore;
  feeds: FeedStore;
  publisher: DocumentPublisher;
}

const SOURCE: Source = {
  slug: 'the-gaze',
  name: 'The Gaze',
  homepageUrl: 'https://thegaze.example/',
  description: 'News',
  language: 'en',
  createdAt: '2026-01-01T00:00:00.000Z',
};

const article = storedArticle;

const ids = (items: { id: string }[]) => items.map((item) => item.id);

/**
 * What every adapter of the store ports must do, run against the in-memory adapters and against DynamoDB Local
 * and the S3 server alike, so that the fast tests' fakes cannot drift from what the deployment runs on. `stores`
 * gives a fresh, empty set for each test.
 */
export function storeContract(stores: () => Promise<Stores>): void {
  it('keeps an article, its first version and its entry in each of its feeds', async () => {
    const { articles, feeds } = await stores();
    const posted = article(1, { tags: [{ label: 'Harbour', slug: 'harbour' }] });
    await articles.createArticle(posted);
    expect(await articles.getArticle(posted.id)).toEqual(posted);
    expect(await articles.getArticle('00000000-0000-4000-8000-999999999999')).toBeUndefined();
    expect(ids(await articles.listVersions(posted.id))).toEqual([posted.id]);
    for (const feed of ['all', 'sources/the-gaze', 'tags/harbour', 'sources/the-gaze/tags/harbour']) {
      const [entry] = await feeds.readEntries(feed, 10);
      expect(entry, feed).toMatchObject({
        id: posted.id,
        title: posted.title,
        contentHtml: posted.contentHtml,
      });
    }
    expect(await feeds.tagCount('the-gaze', 'harbour')).toBe(1);
    expect(await feeds.readTagSlugs('the-gaze')).toEqual(['harbour']);
  });

  it('claims an idempotency key with the article, once while it lives, again once it has expired', async () => {
    const { articles } = await stores();
    const first = article(2);
    const claim = {
      scope: 'key-1',
      key: 'k',
      requestHash: 'h',
      article: first,
      expiresAt: Date.now() + 60_000,
    };
    await articles.createArticle(first, claim);
    const record = await articles.getIdempotency('key-1', 'k');
    expect(record?.article).toEqual(first);
    expect(record?.requestHash).toBe('h');
    // Kept to the second, rounded up, as a TTL attribute keeps it.
    expect(record?.expiresAt).toBe(Math.ceil(claim.expiresAt / 1000) * 1000);
    expect(await articles.getIdempotency('key-2', 'k')).toBeUndefined();
    const second = article(2);
    await expect(articles.createArticle(second, { ...claim, article: second })).rejects.toEqual(
      new WriteConflictError('condition'),
    );
    // Nothing of the refused write is kept.
    expect(await articles.getArticle(second.id)).toBeUndefined();
    const expired = {
      scope: 'key-3',
      key: 'k',
      requestHash: 'h',
      article: first,
      expiresAt: Date.now() - 5_000,
    };
    await articles.createArticle(article(2), expired);
    const third = article(2);
    await articles.createArticle(third, { ...expired, article: third, expiresAt: Date.now() + 60_000 });
    expect((await articles.getIdempotency('key-3', 'k'))?.article.id).toBe(third.id);
    await expect(articles.createArticle(first)).rejects.toBeInstanceOf(WriteConflictError);
  });

  it('claims an external id with the article, once per source for ever, and names the article that holds it', async () => {
    const { articles, feeds } = await stores();
    // Long, and unlike any other: the id is kept as sent, its key is a hash of it.
    const guid = `https://thegaze.example/?p=1&x=${'é'.repeat(1_000)}`;
    const first = article(4, { externalId: guid });
    await articles.createArticle(first);
    expect(await articles.findExternalId('the-gaze', guid)).toBe(first.id);
    expect(await articles.getArticle(first.id)).toEqual(first);
    expect(await articles.findExternalId('the-gaze', guid.toUpperCase())).toBeUndefined();
    expect(await articles.findExternalId('daily-planet', guid)).toBeUndefined();

    // Another article of the source, with or without an idempotency claim: refused, naming the first, nothing kept.
    const again = article(4, { externalId: guid });
    const claim = {
      scope: 'key-2',
      key: 'k',
      requestHash: 'h',
      article: again,
      expiresAt: Date.now() + 60_000,
    };
    // One after the other: a second write started at once would be refused before anything awaits it.
    for (const attempt of [() => articles.createArticle(again), () => articles.createArticle(again, claim)])
      await expect(attempt()).rejects.toEqual(new ExternalIdTakenError(first.id, 'the-gaze'));
    expect(await articles.getArticle(again.id)).toBeUndefined();
    expect(await articles.getIdempotency('key-2', 'k')).toBeUndefined();
    expect(ids(await feeds.readEntries('sources/the-gaze', 5))).toEqual([first.id]);

    // The same id in another source is another key.
    const elsewhere = article(4, { source: 'daily-planet', externalId: guid });
    await articles.createArticle(elsewhere);
    expect(await articles.findExternalId('daily-planet', guid)).toBe(elsewhere.id);

    // Retracted, the article keeps its id: it is never released.
    const retracted: Article = {
      ...first,
      version: 2,
      status: 'retracted',
      retractedAt: '2026-07-05T00:00:00.000Z',
    };
    await articles.replaceArticle(first, retracted);
    await expect(articles.createArticle(article(5, { externalId: guid }))).rejects.toEqual(
      new ExternalIdTakenError(first.id, 'the-gaze'),
    );
    expect(await articles.findExternalId('the-gaze', guid)).toBe(first.id);
  });

  it('tells a lost idempotency race or a lost version from a taken external id when both conditions fail', async () => {
    const { articles } = await stores();
    const first = article(6, { externalId: 'guid-6' });
    const claim = {
      scope: 'key-1',
      key: 'k',
      requestHash: 'h',
      article: first,
      expiresAt: Date.now() + 60_000,
    };
    await articles.createArticle(first, claim);
    // The same request again, as a concurrent retry that lost: the idempotency claim's failure wins.
    const twin = article(6, { externalId: 'guid-6' });
    await expect(articles.createArticle(twin, { ...claim, article: twin })).rejects.toEqual(
      new WriteConflictError('condition'),
    );
    // A stale correction that would also claim a taken id: the version's failure wins.
    const other = article(7);
    await articles.createArticle(other);
    const v2: Article = { ...other, version: 2, title: 'Corrected' };
    await articles.replaceArticle(other, v2);
    await expect(
      articles.replaceArticle(other, { ...other, version: 3, externalId: 'guid-6' }),
    ).rejects.toEqual(new WriteConflictError('condition'));
    expect(await articles.getArticle(other.id)).toEqual(v2);
  });

  it('claims an external id a correction adds, and moves it with an article moved to another source', async () => {
    const { articles } = await stores();
    const holder = article(8, { externalId: 'taken' });
    await articles.createArticle(holder);
    const plain = article(8);
    await articles.createArticle(plain);
    // Adding a taken id is refused, and the correction with it.
    await expect(
      articles.replaceArticle(plain, { ...plain, version: 2, externalId: 'taken' }),
    ).rejects.toEqual(new ExternalIdTakenError(holder.id, 'the-gaze'));
    expect(await articles.getArticle(plain.id)).toEqual(plain);
    const v2: Article = { ...plain, version: 2, externalId: 'mine' };
    await articles.replaceArticle(plain, v2);
    expect(await articles.findExternalId('the-gaze', 'mine')).toBe(plain.id);
    // A correction that keeps it claims nothing again.
    const v3: Article = { ...v2, version: 3, title: 'Corrected' };
    await articles.replaceArticle(v2, v3);
    // Moved to another source, the id moves with it.
    const v4: Article = { ...v3, version: 4, source: 'daily-planet' };
    await articles.replaceArticle(v3, v4);
    expect(await articles.findExternalId('daily-planet', 'mine')).toBe(plain.id);
    expect(await articles.findExternalId('the-gaze', 'mine')).toBeUndefined();
    // Not into a source where another article holds it.
    const planetHolder = article(9, { source: 'daily-planet', externalId: 'taken' });
    await articles.createArticle(planetHolder);
    await expect(
      articles.replaceArticle(holder, { ...holder, version: 2, source: 'daily-planet' }),
    ).rejects.toEqual(new ExternalIdTakenError(planetHolder.id, 'daily-planet'));
    expect(await articles.getArticle(holder.id)).toEqual(holder);
    expect(await articles.findExternalId('the-gaze', 'taken')).toBe(holder.id);
    // A replacement without the id (the service never writes one) releases nothing.
    const { externalId: _, ...withoutId } = holder;
    await articles.replaceArticle(holder, { ...withoutId, version: 2 });
    expect(await articles.findExternalId('the-gaze', 'taken')).toBe(holder.id);
  });

  it('replaces an article only from its current version, moving its entries and tag counts', async () => {
    const { articles, feeds } = await stores();
    const v1 = article(3, {
      tags: [
        { label: 'Harbour', slug: 'harbour' },
        { label: 'Tides', slug: 'tides' },
      ],
    });
    await articles.createArticle(v1);
    const v2: Article = {
      ...v1,
      version: 2,
      title: 'Corrected',
      tags: [{ label: 'The Harbour', slug: 'harbour' }],
    };
    await articles.replaceArticle(v1, v2);
    await expect(articles.replaceArticle(v1, { ...v2, version: 3 })).rejects.toEqual(
      new WriteConflictError('condition'),
    );
    expect(await articles.getArticle(v1.id)).toEqual(v2);
    expect((await articles.listVersions(v1.id)).map((v) => v.version)).toEqual([2, 1]);
    expect((await feeds.readEntries('tags/harbour', 5))[0]).toMatchObject({ title: 'Corrected' });
    expect(await feeds.readEntries('tags/tides', 5)).toEqual([]);
    expect(await feeds.tagCount('the-gaze', 'tides')).toBe(0);
    expect(await feeds.readTagSlugs('the-gaze')).toEqual(['harbour']);
    const v3: Article = { ...v2, version: 3, status: 'retracted', retractedAt: '2026-07-04T00:00:00.000Z' };
    await articles.replaceArticle(v2, v3);
    for (const feed of ['all', 'sources/the-gaze', 'tags/harbour', 'sources/the-gaze/tags/harbour'])
      expect(await feeds.readEntries(feed, 5), feed).toEqual([]);
    expect(await feeds.tagCount('the-gaze', 'harbour')).toBe(0);
    expect(await feeds.readTagSlugs('the-gaze')).toEqual([]);
  });

  it('reads an entry whole from its thin membership, small or big, through corrections and a retraction', async () => {
    const { articles, feeds } = await stores();
    // A membership is thin (memberships.ts), whatever the size of the article: its entry reads whole all the same.
    const heavy = (words: string) => `<p>${words.repeat(1_500)}</p>`;
    const small = article(9, { tags: tagsOf('Weights') });
    const big = article(10, {
      tags: tagsOf('Weights', 'Wire'),
      contentHtml: heavy('Heavy words. '),
      author: { name: 'Wire desk', url: 'https://wire.example/' },
      image: { url: 'https://wire.example/photo.jpg', alt: 'A photo' },
      citations: [{ name: 'Wire', url: 'https://wire.example/' }],
    });
    await articles.createArticle(small);
    await articles.createArticle(big);
    const entryOf = (a: Article) =>
      Object.fromEntries(
        ENTRY_FIELDS.filter((field) => a[field] !== undefined).map((field) => [field, a[field]]),
      );
    const key = (a: Article) => `${a.publishedAt}#${a.id}`;
    expect(await feeds.readEntries('tags/weights', 5)).toEqual([entryOf(big), entryOf(small)]);
    expect(
      await feeds.readSpan('tags/weights', { after: '', before: key(big), throughBefore: true }),
    ).toEqual([entryOf(small), entryOf(big)]);
    // Each correction is read from its own version: still big, small, big once more.
    const v2: Article = {
      ...big,
      version: 2,
      title: 'Heavy, corrected',
      contentHtml: heavy('Corrected words. '),
      corrections: [{ version: 2, at: '2026-07-10T09:00:00.000Z', note: 'A figure was wrong.' }],
    };
    await articles.replaceArticle(big, v2);
    expect((await feeds.readEntries('tags/wire', 5))[0]).toEqual(entryOf(v2));
    const v3: Article = { ...v2, version: 3, contentHtml: '<p>Short now.</p>', tags: tagsOf('Weights') };
    await articles.replaceArticle(v2, v3);
    expect(await feeds.readEntries('tags/weights', 5)).toEqual([entryOf(v3), entryOf(small)]);
    expect(await feeds.readEntries('tags/wire', 5)).toEqual([]);
    const v4: Article = { ...v3, version: 4, contentHtml: heavy('Long again. ') };
    await articles.replaceArticle(v3, v4);
    expect(await feeds.readEntries('all', 5)).toEqual([entryOf(v4), entryOf(small)]);
    const { items } = await articles.listFeed('tags/weights', 5);
    expect(items.map((item) => item.title)).toEqual([v4.title, small.title]);
    for (const item of items) expect(item).not.toHaveProperty('contentHtml');
    const v5: Article = { ...v4, version: 5, status: 'retracted', retractedAt: '2026-07-11T00:00:00.000Z' };
    await articles.replaceArticle(v4, v5);
    for (const feed of ['all', 'sources/the-gaze', 'tags/weights', 'sources/the-gaze/tags/weights'])
      expect(await feeds.readEntries(feed, 5), feed).toEqual([entryOf(small)]);
  });

  it('lists a feed newest first in pages, each item once, and refuses a cursor it did not issue', async () => {
    const { articles } = await stores();
    const posted = [];
    for (let day = 1; day <= 5; day++) {
      const a = article(day, { tags: [{ label: 'Paging', slug: 'paging' }] });
      await articles.createArticle(a);
      posted.push(a);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    const sizes: number[] = [];
    do {
      const page = await articles.listFeed('tags/paging', 2, cursor);
      sizes.push(page.items.length);
      seen.push(...ids(page.items));
      for (const item of page.items) expect(item).not.toHaveProperty('contentHtml');
      cursor = page.cursor;
    } while (cursor);
    expect(seen).toEqual(ids(posted).reverse());
    expect(sizes).toEqual([2, 2, 1]);
    await expect(articles.listFeed('tags/paging', 2, 'not-a-cursor')).rejects.toBeInstanceOf(
      InvalidCursorError,
    );
  });

  it('keeps a scheduled article out of its feeds and counts, with a schedule entry, until it is released', async () => {
    const { articles, due, feeds } = await stores();
    const scheduled = article(20, { status: 'scheduled', tags: [{ label: 'Embargo', slug: 'embargo' }] });
    const other = article(21, { status: 'scheduled', source: 'elsewhere' });
    await articles.createArticle(scheduled);
    await articles.createArticle(other);
    expect(await feeds.readEntries('all', 10)).toEqual([]);
    expect(await feeds.tagCount('the-gaze', 'embargo')).toBe(0);
    expect(await due.listDue('schedule', '2026-07-19T00:00:00.000Z', 10)).toEqual([]);
    expect(await due.listDue('schedule', scheduled.publishedAt, 10)).toEqual([
      { id: scheduled.id, at: scheduled.publishedAt },
    ]);
    expect(ids(await due.listDue('schedule', '2026-08-01T00:00:00.000Z', 10))).toEqual([
      scheduled.id,
      other.id,
    ]);
    const page = await articles.listScheduled(10);
    expect(page.items).toEqual([
      expect.objectContaining({ id: scheduled.id, status: 'scheduled', title: scheduled.title }),
      expect.objectContaining({ id: other.id, status: 'scheduled' }),
    ]);
    expect(page.items[0]).not.toHaveProperty('contentHtml');
    const first = await articles.listScheduled(1);
    expect(ids(first.items)).toEqual([scheduled.id]);
    expect(ids((await articles.listScheduled(1, first.cursor)).items)).toEqual([other.id]);
    expect(ids((await articles.listScheduled(10, undefined, 'elsewhere')).items)).toEqual([other.id]);

    // Released: memberships, counts, and out of the index, with an expiry entry when it has an expiry.
    const released: Article = {
      ...scheduled,
      status: 'published',
      version: 2,
      expiresAt: '2026-07-25T00:00:00.000Z',
    };
    await articles.replaceArticle(scheduled, released);
    expect(ids(await feeds.readEntries('tags/embargo', 10))).toEqual([scheduled.id]);
    expect(await feeds.tagCount('the-gaze', 'embargo')).toBe(1);
    expect(ids(await due.listDue('schedule', '2026-08-01T00:00:00.000Z', 10))).toEqual([other.id]);
    expect(ids((await articles.listScheduled(10)).items)).toEqual([other.id]);
    expect(await due.listDue('expiry', '2026-08-01T00:00:00.000Z', 10)).toEqual([
      { id: scheduled.id, at: '2026-07-25T00:00:00.000Z' },
    ]);
    // A version already replaced cannot be released again.
    await expect(articles.replaceArticle(scheduled, { ...released, version: 3 })).rejects.toBeInstanceOf(
      WriteConflictError,
    );

    // Expired: out of its feeds and counts and out of the expiry index.
    const expired: Article = { ...released, status: 'expired', version: 3, expiredAt: released.expiresAt };
    await articles.replaceArticle(released, expired);
    expect(await feeds.readEntries('tags/embargo', 10)).toEqual([]);
    expect(await feeds.tagCount('the-gaze', 'embargo')).toBe(0);
    expect(await due.listDue('expiry', '2026-08-01T00:00:00.000Z', 10)).toEqual([]);

    // Moved, then cancelled: the entry follows the time, then leaves.
    const moved: Article = { ...other, version: 2, publishedAt: '2026-07-30T08:00:00.000Z' };
    await articles.replaceArticle(other, moved);
    expect(await due.listDue('schedule', '2026-08-01T00:00:00.000Z', 10)).toEqual([
      { id: other.id, at: moved.publishedAt },
    ]);
    await articles.replaceArticle(moved, {
      ...moved,
      status: 'cancelled',
      version: 3,
      cancelledAt: moved.updatedAt,
    });
    expect(await due.listDue('schedule', '2026-08-01T00:00:00.000Z', 10)).toEqual([]);
    expect((await articles.listScheduled(10)).items).toEqual([]);
  });

  it('keeps sources and editor keys; a key is put once and revoked for good', async () => {
    const { registry, feeds } = await stores();
    await registry.putSource({ ...SOURCE, slug: 'zeta' });
    await registry.putSource(SOURCE);
    await registry.putSource({ ...SOURCE, name: 'The Gaze, renamed' });
    expect((await registry.listSources()).map((s) => s.slug)).toEqual(['the-gaze', 'zeta']);
    expect((await registry.getSource('the-gaze'))?.name).toBe('The Gaze, renamed');
    expect((await feeds.getSources(['zeta', 'nowhere'])).map((s) => s.slug)).toEqual(['zeta']);
    // Branding is kept, and a source put again without it has none left.
    const branding = {
      logoUrl: 'https://thegaze.example/logo.png',
      iconUrl: 'https://thegaze.example/icon.png',
      accentColor: '#1a2b3c',
    };
    await registry.putSource({ ...SOURCE, slug: 'zeta', ...branding });
    expect(await registry.getSource('zeta')).toEqual({ ...SOURCE, slug: 'zeta', ...branding });
    expect((await feeds.getSources(['zeta']))[0]).toEqual({ ...SOURCE, slug: 'zeta', ...branding });
    await registry.putSource({ ...SOURCE, slug: 'zeta' });
    expect(await registry.getSource('zeta')).toEqual({ ...SOURCE, slug: 'zeta' });
    // Partner profiles are kept as the list they were put with, and dropped with it.
    const profiles: Source['profiles'] = ['flipboard', 'msn'];
    await registry.putSource({ ...SOURCE, slug: 'zeta', profiles });
    expect(await registry.getSource('zeta')).toEqual({ ...SOURCE, slug: 'zeta', profiles });
    expect((await feeds.getSources(['zeta']))[0]).toEqual({ ...SOURCE, slug: 'zeta', profiles });
    expect((await registry.listSources()).find((s) => s.slug === 'zeta')?.profiles).toEqual(profiles);
    await registry.putSource({ ...SOURCE, slug: 'zeta' });
    expect(await registry.getSource('zeta')).toEqual({ ...SOURCE, slug: 'zeta' });
    const key: StoredKey = {
      keyId: 'k1',
      secretHash: 'x',
      sources: ['the-gaze'],
      label: 'desk',
      createdAt: SOURCE.createdAt,
    };
    await registry.putKey(key);
    await expect(registry.putKey(key)).rejects.toThrow();
    expect(await registry.getKey('k1')).toEqual(key);
    expect(await registry.revokeKey('k1', '2026-02-01T00:00:00.000Z')).toBe(true);
    expect(await registry.revokeKey('k1', '2026-03-01T00:00:00.000Z')).toBe(true);
    expect((await registry.getKey('k1'))?.revokedAt).toBe('2026-02-01T00:00:00.000Z');
    expect(await registry.revokeKey('nobody', '2026-02-01T00:00:00.000Z')).toBe(false);
    expect((await registry.listKeys()).map((k) => k.keyId)).toEqual(['k1']);
  });

  it('commits a publish state only from the revision it read, and records exactly what it is given', async () => {
    const { feeds } = await stores();
    expect(await feeds.readState('tags/x')).toEqual({ revision: 0 });
    expect(await feeds.commitState('tags/x', 0, { changedAt: 'a', label: 'X', count: 2 })).toBe(true);
    expect(await feeds.commitState('tags/x', 0, { changedAt: 'b' })).toBe(false);
    expect(await feeds.commitState('tags/x', 1, { changedAt: 'c', label: 'X' })).toBe(true);
    expect(await feeds.readState('tags/x')).toEqual({ revision: 2, changedAt: 'c', label: 'X' });
    expect(await feeds.commitState('sources/the-gaze/tags/y', 0, { changedAt: 'd' })).toBe(true);
    const states = await feeds.readStates(['tags/x', 'sources/the-gaze/tags/y', 'tags/none']);
    expect(Object.fromEntries(states)).toEqual({
      'tags/x': { revision: 2, changedAt: 'c', label: 'X' },
      'sources/the-gaze/tags/y': { revision: 1, changedAt: 'd' },
      'tags/none': { revision: 0 },
    });
  });

  it('keeps a news sitemap’s parts in its publish state, and removes them with a commit without them', async () => {
    const { feeds } = await stores();
    const document = 'sources/the-gaze/news-sitemap';
    expect(await feeds.commitState(document, 0, { changedAt: 'a', sitemap: { parts: 2 } })).toBe(true);
    expect(await feeds.readState(document)).toEqual({ revision: 1, changedAt: 'a', sitemap: { parts: 2 } });
    expect((await feeds.readStates([document])).get(document)).toEqual({
      revision: 1,
      changedAt: 'a',
      sitemap: { parts: 2 },
    });
    expect(await feeds.commitState(document, 1, { changedAt: 'b' })).toBe(true);
    expect(await feeds.readState(document)).toEqual({ revision: 2, changedAt: 'b' });
  });

  it('keeps a news sitemap’s entries per source, newest first from a time, a newer version never overwritten or deleted by an older', async () => {
    const { feeds } = await stores();
    const source = `sitemap-${Math.random().toString(36).slice(2, 8)}`;
    const entry = (id: string, publishedAt: string, version = 1, title = `Story ${id}`) => ({
      source,
      id,
      url: `https://thegaze.example/${id}?a=1&b=2`,
      title,
      publishedAt,
      version,
      expiresAt: 1_783_998_000,
    });
    const first = entry('id-1', '2026-07-10T10:00:00.000Z');
    const second = entry('id-2', '2026-07-10T11:00:00.000Z', 1, 'Второй & 中文 😀');
    const old = entry('id-0', '2026-07-08T09:00:00.000Z');
    await feeds.putSitemapEntries([first, second, old]);
    await feeds.putSitemapEntries([{ ...first, source: 'elsewhere', id: 'other' }]);
    expect(await feeds.readSitemapEntries(source, '2026-07-08T10:00:00.000Z', 10)).toEqual([second, first]);
    expect(await feeds.readSitemapEntries(source, '', 1)).toEqual([second]);
    // A correction replaces the entry; a late write of the older version does not.
    const corrected = { ...second, version: 2, title: 'Corrected' };
    await feeds.putSitemapEntries([corrected]);
    await feeds.putSitemapEntries([second]);
    expect(await feeds.readSitemapEntries(source, '2026-07-10T11:00:00.000Z', 10)).toEqual([corrected]);
    // A removal by an older version leaves a newer entry; one by its own version or later deletes it.
    await feeds.deleteSitemapEntries([{ source, id: 'id-2', publishedAt: second.publishedAt, version: 1 }]);
    expect(await feeds.readSitemapEntries(source, '2026-07-10T11:00:00.000Z', 10)).toEqual([corrected]);
    await feeds.deleteSitemapEntries([
      { source, id: 'id-2', publishedAt: second.publishedAt, version: 3 },
      { source, id: 'never', publishedAt: second.publishedAt, version: 1 },
    ]);
    expect(await feeds.readSitemapEntries(source, '', 10)).toEqual([first, old]);
  });

  it('reads spans of a feed and finds the closed archive page that holds an entry', async () => {
    const { articles, feeds } = await stores();
    const posted = [];
    for (let day = 1; day <= 6; day++) {
      const a = article(day, { tags: [{ label: 'Spans', slug: 'spans' }] });
      await articles.createArticle(a);
      posted.push(a);
    }
    const key = (a: Article) => `${a.publishedAt}#${a.id}`;
    const [k1, k2, k3, k4, , k6] = posted.map(key) as string[];
    const span = await feeds.readSpan('tags/spans', { after: k1 as string, before: k4 as string });
    expect(ids(span)).toEqual(ids(posted.slice(1, 3)));
    const through = await feeds.readSpan(
      'tags/spans',
      { after: '', before: k3 as string, throughBefore: true },
      2,
    );
    expect(ids(through)).toEqual(ids(posted.slice(0, 2)));
    expect(
      await feeds.commitState(
        'tags/spans/archive',
        0,
        { archivePages: 3 },
        {
          feed: 'tags/spans',
          spans: [
            { page: 1, after: '', through: k2 as string, closed: true },
            { page: 2, after: k2 as string, through: k4 as string, closed: true },
          ],
        },
      ),
    ).toBe(true);
    expect((await feeds.closedArchivePages('tags/spans')).map((p) => p.page)).toEqual([1, 2]);
    expect(await feeds.findArchivePage('tags/spans', k3 as string)).toEqual({
      page: 2,
      after: k2,
      through: k4,
      closed: true,
    });
    expect((await feeds.findArchivePage('tags/spans', k1 as string))?.page).toBe(1);
    expect(await feeds.findArchivePage('tags/spans', k6 as string)).toBeUndefined();
  });

  it('gives directory places once each, and keeps the listing of the latest revision', async () => {
    const { feeds } = await stores();
    expect(await feeds.placesTaken('tags')).toBe(0);
    expect(await feeds.takePlaces('tags', 3)).toBe(3);
    expect(await feeds.takePlaces('tags', 1)).toBe(4);
    expect(await feeds.placesTaken('tags')).toBe(4);
    const listing = (slug: string, place: number, label = slug) => ({ slug, label, place });
    await feeds.putListings([
      { directory: 'tags', listing: listing('b', 2), revision: 5 },
      { directory: 'tags', listing: listing('a', 1), revision: 1 },
      { directory: 'tags', listing: listing('c', 101), revision: 1 },
    ]);
    await feeds.putListings([{ directory: 'tags', listing: listing('b', 2, 'older'), revision: 4 }]);
    await feeds.putListings([{ directory: 'tags', listing: listing('a', 1, 'newer'), revision: 2 }]);
    expect(await feeds.readListings('tags', 1)).toEqual([listing('a', 1, 'newer'), listing('b', 2)]);
    expect(await feeds.readListings('tags', 2)).toEqual([listing('c', 101)]);
  });

  it('uploads a document only when its bytes or headers differ from what it is told, or finds, is stored', async () => {
    const { publisher } = await stores();
    const doc = (text: string): PublishableDocument => ({
      key: 'feeds/tags/contract/rss.xml',
      body: Buffer.from(text),
      contentType: 'application/rss+xml; charset=utf-8',
      cacheControl: 'public, max-age=300',
    });
    expect(await publisher.publish(doc('one'), null)).toBe(true);
    expect(await publisher.publish(doc('one'), digestOf(doc('one')))).toBe(false);
    // Not told: the bucket is asked.
    expect(await publisher.publish(doc('one'))).toBe(false);
    expect(await publisher.publish(doc('two'))).toBe(true);
    expect(await publisher.publish(doc('two'), digestOf(doc('one')))).toBe(true);
    // The same bytes with another Cache-Control (a new edge TTL) are a change too.
    const retimed = { ...doc('two'), cacheControl: 'public, max-age=300, s-maxage=30' };
    expect(await publisher.publish(retimed)).toBe(true);
    expect(await publisher.publish(retimed)).toBe(false);
  });

  it('keeps the renderers’ stamp of a state, and of each closed archive page in its index', async () => {
    const { feeds } = await stores();
    expect(
      await feeds.commitState(
        'tags/stamped/archive',
        0,
        { archivePages: 2, renderer: 3, rendererRevision: 1 },
        { feed: 'tags/stamped', spans: [{ page: 1, after: '', through: 'k1', closed: true, renderer: 3 }] },
      ),
    ).toBe(true);
    expect(await feeds.readState('tags/stamped/archive')).toEqual({
      revision: 1,
      archivePages: 2,
      renderer: 3,
      rendererRevision: 1,
    });
    expect(await feeds.closedArchivePages('tags/stamped')).toEqual([
      { page: 1, after: '', through: 'k1', closed: true, renderer: 3 },
    ]);
    expect((await feeds.findArchivePage('tags/stamped', 'k1'))?.renderer).toBe(3);
  });
}
