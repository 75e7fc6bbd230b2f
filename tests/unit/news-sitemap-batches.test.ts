/**
 * A source's news sitemap as batches keep it, over the in-memory adapters with the regenerator's clock in the
 * test's hands: a post, a correction, a retraction, a move to another source, expiry by the clock, a source edit,
 * past 1,000 entries an index, past 5,000 the oldest left out, concurrent batches, a failed publish; and that it
 * reads no feed (a batch writes one entry item per article change and queries the window once, whatever the source
 * holds).
 */
import { describe, expect, it } from 'vitest';
import { memoryAdapters } from '#shared/adapters/memory/index.ts';
import type { Article, Source } from '#shared/articles/model.ts';
import { type ArticleChange, changeOf } from '#shared/feeds/changes.ts';
import type { FeedStore, PublishableDocument } from '#shared/feeds/ports.ts';
import { ConsistentPublisher } from '#shared/feeds/publish.ts';
import { FeedRegenerator } from '#shared/feeds/regenerate.ts';
import { type PlannedSitemap, publishNewsSitemap } from '#shared/feeds/sitemap.ts';
import { SETTINGS, THE_GAZE } from '../support/feed-fixtures.ts';
import { parseXml } from '../support/feed-validation.ts';
import { storedArticle } from '../support/stored-article.ts';

const NEWS = 'http://www.google.com/schemas/sitemap-news/0.9';
const SITEMAP_KEY = (source: string) => `feeds/sources/${source}/news-sitemap.xml`;
const DAILY_PLANET: Source = {
  slug: 'daily-planet',
  name: 'Daily Planet',
  homepageUrl: 'https://planet.example/',
  description: 'Metropolis news',
  language: 'pt-BR',
  createdAt: '2025-02-01T00:00:00.000Z',
};
const START = Date.parse('2026-07-10T12:00:00.000Z');

/** A published article of the seed source, `hours` before `now`. */
function article(now: number, hours: number, overrides: Partial<Article> = {}): Article {
  const publishedAt = new Date(now - hours * 3600_000).toISOString();
  return storedArticle(1, { publishedAt, createdAt: publishedAt, updatedAt: publishedAt, ...overrides });
}

/** The regenerator over the in-memory adapters with a clock the test moves; its store counts the feed reads. */
async function pipeline(options: { size?: number } = {}) {
  const stores = memoryAdapters();
  await stores.registry.putSource(THE_GAZE);
  await stores.registry.putSource(DAILY_PLANET);
  const clock = { now: START };
  const calls: { name: string; args: unknown[] }[] = [];
  const store = new Proxy(stores.feeds, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      return typeof value === 'function'
        ? (...args: unknown[]) => {
            calls.push({ name: String(name), args });
            return value.apply(target, args);
          }
        : value;
    },
  }) as FeedStore;
  let fail = (_key: string) => false;
  const publisher = {
    publish: async (document: PublishableDocument, stored?: string | null) => {
      if (fail(document.key)) throw new Error(`injected failure for ${document.key}`);
      return stores.publisher.publish(document, stored);
    },
  };
  const settings = { ...SETTINGS, size: options.size ?? SETTINGS.size };
  const regenerator = () => new FeedRegenerator(store, publisher, settings, { now: () => clock.now });
  const main = regenerator();
  let record = 0;
  /** Writes an article as the API would and returns the stream's change for it. */
  const write = async (after: Article, before?: Article): Promise<ArticleChange> => {
    if (before) await stores.articles.replaceArticle(before, after);
    else await stores.articles.createArticle(after);
    return changeOf(`record-${record++}`, before, after) as ArticleChange;
  };
  /** The sitemap of a source as served: its URLs with their news elements, read strictly. */
  const sitemap = (source = 'the-gaze') => {
    const text = stores.publisher.text(SITEMAP_KEY(source));
    if (text === undefined) return undefined;
    const root = parseXml(text);
    expect(root.local).toBe('urlset');
    return root.children.map((url) => {
      const news = url.children.find((child) => child.uri === NEWS && child.local === 'news');
      const field = (local: string) =>
        news?.children.find((child) => child.local === local) ??
        news?.children[0]?.children.find((child) => child.local === local);
      return {
        loc: url.children[0]?.text,
        title: field('title')?.text,
        name: field('name')?.text,
        language: field('language')?.text,
      };
    });
  };
  return {
    ...stores,
    clock,
    calls,
    main,
    regenerator,
    write,
    sitemap,
    failOn: (predicate: (key: string) => boolean) => {
      fail = predicate;
    },
  };
}

describe('a source’s news sitemap, batch by batch', () => {
  it('lists a post with the source’s name and language, and follows a correction of its title', async () => {
    const p = await pipeline();
    const posted = article(p.clock.now, 1);
    expect((await p.main.regenerate([await p.write(posted)])).failedRecordIds).toEqual([]);
    expect(p.sitemap()).toEqual([{ loc: posted.url, title: posted.title, name: 'The Gaze', language: 'en' }]);
    const corrected = {
      ...posted,
      version: 2,
      title: 'Corrected & <clear>',
      updatedAt: new Date(p.clock.now).toISOString(),
    };
    await p.main.regenerate([await p.write(corrected, posted)]);
    expect(p.sitemap()).toEqual([
      { loc: posted.url, title: 'Corrected & <clear>', name: 'The Gaze', language: 'en' },
    ]);
    expect(p.publisher.objects.get(SITEMAP_KEY('the-gaze'))?.contentType).toBe(
      'application/xml; charset=utf-8',
    );
    expect(p.publisher.objects.get(SITEMAP_KEY('the-gaze'))?.cacheControl).toBe(
      'public, max-age=300, s-maxage=30',
    );
  });

  it('drops a retracted article and an expired one', async () => {
    const p = await pipeline();
    const [a, b, c] = [article(p.clock.now, 1), article(p.clock.now, 2), article(p.clock.now, 3)];
    await p.main.regenerate([
      await p.write(a as Article),
      await p.write(b as Article),
      await p.write(c as Article),
    ]);
    expect(p.sitemap()?.map((url) => url.loc)).toEqual([a?.url, b?.url, c?.url]);
    const at = new Date(p.clock.now).toISOString();
    const retracted: Article = {
      ...(a as Article),
      version: 2,
      status: 'retracted',
      retractedAt: at,
      updatedAt: at,
    };
    const expired: Article = {
      ...(c as Article),
      version: 2,
      status: 'expired',
      expiredAt: at,
      updatedAt: at,
    };
    await p.main.regenerate([await p.write(retracted, a), await p.write(expired, c)]);
    expect(p.sitemap()?.map((url) => url.loc)).toEqual([b?.url]);
  });

  it('moves an article that moved to another source, and leaves out one older than 48 hours or scheduled', async () => {
    const p = await pipeline();
    const posted = article(p.clock.now, 1);
    const old = article(p.clock.now, 49);
    const scheduled = article(p.clock.now, -2, { status: 'scheduled' });
    await p.main.regenerate([await p.write(posted), await p.write(old)]);
    expect(changeOf('x', undefined, scheduled)).toBeUndefined();
    expect(p.sitemap()?.map((url) => url.loc)).toEqual([posted.url]);
    const moved = {
      ...posted,
      version: 2,
      source: 'daily-planet',
      updatedAt: new Date(p.clock.now).toISOString(),
    };
    await p.main.regenerate([await p.write(moved, posted)]);
    expect(p.sitemap()).toEqual([]);
    expect(p.sitemap('daily-planet')).toEqual([
      { loc: posted.url, title: posted.title, name: 'Daily Planet', language: 'pt' },
    ]);
  });

  it('lets an article go once it is 48 hours old by the regenerator’s clock, at the source’s next batch', async () => {
    const p = await pipeline();
    const older = article(p.clock.now, 47);
    const newer = article(p.clock.now, 1);
    await p.main.regenerate([await p.write(older), await p.write(newer)]);
    expect(p.sitemap()).toHaveLength(2);
    p.clock.now += 2 * 3600_000;
    // A batch that touches the source with nothing about those two: the older has passed 48 hours.
    const another = article(p.clock.now, 0);
    await p.main.regenerate([await p.write(another)]);
    expect(p.sitemap()?.map((url) => url.loc)).toEqual([another.url, newer.url]);
  });

  it('follows an edit of the source’s name and language, with no article change', async () => {
    const p = await pipeline();
    const posted = article(p.clock.now, 1);
    await p.main.regenerate([await p.write(posted)]);
    await p.registry.putSource({ ...THE_GAZE, name: 'The Gaze Weekly', language: 'zh-Hant' });
    const result = await p.main.regenerate(
      [],
      [{ recordId: 'edit', slug: 'the-gaze', edited: { feeds: true, name: true } }],
    );
    expect(result.failedRecordIds).toEqual([]);
    expect(p.sitemap()).toEqual([
      { loc: posted.url, title: posted.title, name: 'The Gaze Weekly', language: 'zh-tw' },
    ]);
  });

  it('becomes an index past 1,000 entries, and a single file again once they fit', async () => {
    const p = await pipeline({ size: 5 });
    const posted = Array.from({ length: 1001 }, (_, i) => article(p.clock.now, 1 + i / 100));
    const changes: ArticleChange[] = [];
    for (const a of posted) changes.push(await p.write(a));
    expect((await p.main.regenerate(changes)).failedRecordIds).toEqual([]);
    const index = parseXml(p.publisher.text(SITEMAP_KEY('the-gaze')) ?? '');
    expect(index.local).toBe('sitemapindex');
    const files = index.children.map((child) => child.children[0]?.text);
    expect(files).toEqual([
      'https://feeds.example/feeds/sources/the-gaze/news-sitemap-1.xml',
      'https://feeds.example/feeds/sources/the-gaze/news-sitemap-2.xml',
    ]);
    const part = (n: number) =>
      parseXml(p.publisher.text(`feeds/sources/the-gaze/news-sitemap-${n}.xml`) ?? '');
    expect(part(1).children).toHaveLength(1000);
    expect(part(2).children.map((url) => url.children[0]?.text)).toEqual([posted[1000]?.url]);
    // Newest first: the first file starts with the newest article.
    expect(part(1).children[0]?.children[0]?.text).toBe(posted[0]?.url);
    const at = new Date(p.clock.now).toISOString();
    const last = posted[1000] as Article;
    await p.main.regenerate([
      await p.write({ ...last, version: 2, status: 'retracted', retractedAt: at, updatedAt: at }, last),
    ]);
    expect(p.sitemap()).toHaveLength(1000);
    expect(part(1).children).toHaveLength(0);
    expect(part(2).children).toHaveLength(0);
  });

  it('reads no feed for it, writes one item for the change and queries the window once, however many articles the source has', async () => {
    const p = await pipeline({ size: 50 });
    const seeded: ArticleChange[] = [];
    for (let i = 0; i < 40; i++) seeded.push(await p.write(article(p.clock.now, 2 + i)));
    await p.main.regenerate(seeded);
    p.calls.length = 0;
    const posted = article(p.clock.now, 0);
    const change = await p.write(posted);
    await p.main.regenerate([change]);
    const named = (name: string) => p.calls.filter((call) => call.name === name);
    // One newest-entries read per feed the change touched, as without a sitemap; no span read at all.
    expect(
      named('readEntries')
        .map((call) => call.args[0])
        .sort(),
    ).toEqual([...change.feeds].sort());
    expect(named('readSpan')).toEqual([]);
    // The sitemap's state came with the feeds' states, in the batch's one read of them.
    expect(named('readStates')).toHaveLength(1);
    expect(named('readStates')[0]?.args[0]).toContain('sources/the-gaze/news-sitemap');
    expect(named('readState').filter((call) => String(call.args[0]).includes('news-sitemap'))).toEqual([]);
    // Written: the post's entry, one item, and the sitemap's own small state; nothing of the other 40 articles.
    expect(named('putSitemapEntries').map((call) => call.args[0])).toEqual([
      [
        {
          source: 'the-gaze',
          id: posted.id,
          url: posted.url,
          title: posted.title,
          publishedAt: posted.publishedAt,
          version: 1,
          expiresAt: Date.parse('2026-07-13T12:00:00.000Z') / 1000,
        },
      ],
    ]);
    expect(named('deleteSitemapEntries')).toEqual([]);
    expect(
      named('commitState')
        .map((call) => call.args[0])
        .filter((document) => String(document).includes('news-sitemap')),
    ).toEqual(['sources/the-gaze/news-sitemap']);
    // Read: one query of the window, from 48 hours before the clock, after the write.
    expect(named('readSitemapEntries').map((call) => call.args)).toEqual([
      ['the-gaze', '2026-07-08T12:00:00.000Z', 5000],
    ]);
    const order = p.calls.map((call) => call.name);
    expect(order.indexOf('putSitemapEntries')).toBeLessThan(order.indexOf('readSitemapEntries'));
    expect(p.sitemap()).toHaveLength(41);
  });

  it('lists the newest 5,000 entries, leaving the oldest out', async () => {
    const p = await pipeline();
    const entries = Array.from({ length: 5001 }, (_, i) => ({
      source: 'the-gaze',
      id: `id-${String(i).padStart(5, '0')}`,
      url: `https://thegaze.example/${i}`,
      title: `Story ${i}`,
      publishedAt: new Date(p.clock.now - 1000 - i * 30_000).toISOString(),
      version: 1,
      expiresAt: 0,
    }));
    await p.feeds.putSitemapEntries(entries);
    const result = await p.main.regenerate(
      [],
      [{ recordId: 'edit', slug: 'the-gaze', edited: { feeds: true, name: true } }],
    );
    expect(result.failedRecordIds).toEqual([]);
    const index = parseXml(p.publisher.text(SITEMAP_KEY('the-gaze')) ?? '');
    expect(index.children).toHaveLength(5);
    const last = parseXml(p.publisher.text('feeds/sources/the-gaze/news-sitemap-5.xml') ?? '');
    expect(last.children).toHaveLength(1000);
    expect(last.children.at(-1)?.children[0]?.text).toBe('https://thegaze.example/4999');
  });

  it('loses no entry to concurrent batches of the same source', async () => {
    const p = await pipeline();
    const posts = Array.from({ length: 6 }, (_, i) => article(p.clock.now, i / 10));
    const changes: ArticleChange[] = [];
    for (const a of posts) changes.push(await p.write(a));
    // Six functions, each with its own batch, at once.
    const results = await Promise.all(changes.map((change) => p.regenerator().regenerate([change])));
    for (const result of results) expect(result.failedRecordIds).toEqual([]);
    // They did race: some commits found another batch's first, and each attempt that lost queried the entries again
    // (every batch had written its entry before its publish's first query).
    const commits = p.calls.filter(
      (call) => call.name === 'commitState' && call.args[0] === 'sources/the-gaze/news-sitemap',
    );
    expect(commits.length).toBeGreaterThan(changes.length);
    expect(p.calls.filter((call) => call.name === 'readSitemapEntries')).toHaveLength(commits.length);
    expect(p.calls.filter((call) => call.name === 'putSitemapEntries')).toHaveLength(changes.length);
    expect(p.sitemap()?.map((url) => url.loc)).toEqual(posts.map((a) => a.url));
  });

  it('never lets a publish that queried before another batch’s write commit last, even when that batch’s files looked unchanged', async () => {
    const p = await pipeline();
    const gate = () => {
      let open: () => void = () => undefined;
      const opened = new Promise<void>((resolve) => {
        open = resolve;
      });
      return { open, opened };
    };
    /** A batch's sitemap publish over the shared stores, with hooks around its query of the entries. */
    const publish = (
      plan: PlannedSitemap,
      hooks: { beforeQuery?: Promise<void>; afterQuery?: Promise<void>; wrote?: () => void } = {},
    ) => {
      const store = {
        putSitemapEntries: async (...args: Parameters<FeedStore['putSitemapEntries']>) => {
          await p.feeds.putSitemapEntries(...args);
          hooks.wrote?.();
        },
        deleteSitemapEntries: (...args: Parameters<FeedStore['deleteSitemapEntries']>) =>
          p.feeds.deleteSitemapEntries(...args),
        readSitemapEntries: async (...args: Parameters<FeedStore['readSitemapEntries']>) => {
          await hooks.beforeQuery;
          const entries = await p.feeds.readSitemapEntries(...args);
          await hooks.afterQuery;
          return entries;
        },
      };
      return publishNewsSitemap(
        {
          publishing: new ConsistentPublisher(p.feeds, p.publisher),
          store,
          settings: SETTINGS,
          sources: async (slugs) => new Map((await p.feeds.getSources(slugs)).map((s) => [s.slug, s])),
          now: () => p.clock.now,
        },
        plan,
      );
    };
    const posted = article(p.clock.now, 1, { title: 'A' });
    const change = (after: Article, before?: Article) => {
      const planned = changeOf(`r${after.version}`, before, after)?.sitemap ?? {};
      return {
        source: 'the-gaze',
        changes: [{ recordId: 'r', ...planned }],
        records: new Set<string>(),
        at: '',
      };
    };
    await publish(change(posted));
    const retitled = { ...posted, version: 2, title: 'B' };
    const back = { ...posted, version: 3, title: 'A' };
    // D writes title B and waits before its query; L (a republish) queries then, sees B, and waits to commit.
    const d = gate();
    const dWrote = gate();
    const l = gate();
    const dDone = publish(change(retitled, posted), { beforeQuery: d.opened, wrote: dWrote.open });
    await dWrote.opened;
    const lDone = publish(
      { source: 'the-gaze', changes: [], records: new Set(), at: '' },
      { afterQuery: l.opened },
    );
    await new Promise((resolve) => setTimeout(resolve, 10));
    // B writes title A back and publishes: its files are the ones already published, yet it commits.
    await publish(change(back, retitled));
    // D queries now (title A again), then L goes on with what it queried.
    d.open();
    await dDone;
    l.open();
    await lDone;
    expect(p.sitemap()?.map((url) => url.title)).toEqual(['A']);
    expect((await p.feeds.readState('sources/the-gaze/news-sitemap')).sitemap?.writes).toBe(3);
  });

  it('reports the records of a sitemap that failed to publish, and the retry publishes it', async () => {
    const p = await pipeline();
    const posted = article(p.clock.now, 1);
    const change = await p.write(posted);
    p.failOn((key) => key.endsWith('/news-sitemap.xml'));
    const result = await p.main.regenerate([change]);
    expect(result.failedRecordIds).toEqual([change.recordId]);
    expect(result.errors.map((error) => error.document)).toEqual(['sources/the-gaze/news-sitemap']);
    expect(p.sitemap()).toBeUndefined();
    p.failOn(() => false);
    expect((await p.main.regenerate([change])).failedRecordIds).toEqual([]);
    expect(p.sitemap()?.map((url) => url.loc)).toEqual([posted.url]);
  });
});
