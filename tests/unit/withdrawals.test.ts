/**
 * Kills that reach every reader: a retracted or expired article is announced in every format for as long as it
 * could still be in the feed's window (an Atom tombstone; in RSS and JSON Feed a notice kept in the item's place,
 * same id and link, dated by the withdrawal, with `dcterms:valid` in the past, or
 * `_withdrawn`), and never with its text. The notices come on top of the feed's entries and never push one out.
 */
import { parseJsonFeed as parseJsonWithFeedsmith, parseRssFeed } from 'feedsmith';
import { describe, expect, it } from 'vitest';
import { memoryAdapters } from '#shared/adapters/memory/index.ts';
import type { Article } from '#shared/articles/model.ts';
import { parseSubmission } from '#shared/articles/submission.ts';
import { changeOf } from '#shared/feeds/changes.ts';
import { describeFeed } from '#shared/feeds/channel.ts';
import type { FeedChannel, FeedEntry, Withdrawal } from '#shared/feeds/model.ts';
import { FeedRegenerator } from '#shared/feeds/regenerate.ts';
import { renderAtom } from '#shared/feeds/render/atom.ts';
import { renderFeedPage } from '#shared/feeds/render/feed-page.ts';
import { renderJsonFeed } from '#shared/feeds/render/json-feed.ts';
import { renderRss } from '#shared/feeds/render/rss.ts';
import { feedItems, WITHDRAWAL_NOTICES, withdrawalOf } from '#shared/feeds/withdrawals.ts';
import { Registry } from '#shared/registry.ts';
import seed from '../fixtures/seed-article.json' with { type: 'json' };
import { SETTINGS, THE_GAZE } from '../support/feed-fixtures.ts';
import { parseAllFormats } from '../support/feed-validation.ts';

const NOW = Date.parse('2025-07-20T12:00:00Z');
const SOURCES = new Map([[THE_GAZE.slug, THE_GAZE]]);
const id = (n: number) => `30000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function entry(n: number, publishedAt: string): FeedEntry {
  const {
    correction: _none,
    publishedAt: _at,
    ...content
  } = parseSubmission(
    { ...structuredClone(seed), title: `Story ${n}`, url: `https://thegaze.example/news/${n}` },
    NOW,
  );
  return { ...content, id: id(n), publishedAt, updatedAt: publishedAt };
}

function channelWith(withdrawn: Withdrawal[]): FeedChannel {
  const channel = describeFeed('sources/the-gaze', {
    settings: SETTINGS,
    sources: SOURCES,
    updated: '2025-07-20T11:00:00.000Z',
  });
  channel.tombstones = withdrawn.map((w) => ({ ref: `urn:uuid:${w.id}`, when: w.at }));
  channel.withdrawn = withdrawn;
  return channel;
}

const ENTRIES = [entry(3, '2025-07-20T10:00:00.000Z'), entry(1, '2025-07-20T08:00:00.000Z')];
const RETRACTED: Withdrawal = {
  id: id(2),
  status: 'retracted',
  at: '2025-07-20T09:30:00.250Z',
  url: 'https://thegaze.example/news/2',
};
const EXPIRED: Withdrawal = { id: id(4), status: 'expired', at: '2025-07-20T10:45:00.000Z' };

describe('the renderers', () => {
  const channel = channelWith([EXPIRED, RETRACTED]);
  const docs = {
    rss: renderRss(channel, ENTRIES),
    atom: renderAtom(channel, ENTRIES),
    json: renderJsonFeed(channel, ENTRIES),
  };

  it('keep the notice in the item’s place in RSS, with the same guid, a new pubDate and dcterms:valid, and no media:status', () => {
    expect(docs.rss).toContain(' xmlns:dcterms="http://purl.org/dc/terms/"');
    expect(docs.rss).toContain(
      [
        '<item>',
        '<title>Article retracted</title>',
        '<link>https://thegaze.example/news/2</link>',
        `<guid isPermaLink="false">urn:uuid:${id(2)}</guid>`,
        '<pubDate>Sun, 20 Jul 2025 09:30:00 GMT</pubDate>',
        '<atom:updated>2025-07-20T09:30:00.250Z</atom:updated>',
        '<description>This article has been retracted by its publisher and is no longer available.</description>',
        '<content:encoded><![CDATA[<p>This article has been retracted by its publisher and is no longer available.</p>]]></content:encoded>',
        '<dcterms:modified>2025-07-20T09:30:00.250Z</dcterms:modified>',
        '<dcterms:valid>2025-07-20T09:30:00.250Z</dcterms:valid>',
        '</item>',
      ].join('\n'),
    );
    // An expiry has its own words; a withdrawal recorded without a link has none.
    expect(docs.rss).toContain(
      `<title>Article expired</title>\n<guid isPermaLink="false">urn:uuid:${id(4)}</guid>`,
    );
    // media:status is the SmartNews profile's alone (tests/unit/profiles.test.ts): the W3C validator knows it not.
    expect(docs.rss).not.toContain('media:status');
  });

  it('place each notice by its time, on top of the entries, in RSS and JSON Feed alike', () => {
    const order = [id(4), id(3), id(2), id(1)].map((n) => `urn:uuid:${n}`);
    expect([...docs.rss.matchAll(/<guid isPermaLink="false">([^<]+)<\/guid>/g)].map((m) => m[1])).toEqual(
      order,
    );
    expect(JSON.parse(docs.json).items.map((item: { id: string }) => item.id)).toEqual(order);
    expect(feedItems(ENTRIES, [EXPIRED, RETRACTED]).filter((item) => item.entry)).toHaveLength(
      ENTRIES.length,
    );
  });

  it('add _withdrawn to the JSON Feed item, with the notice as content_text and nothing of the article', () => {
    const json = JSON.parse(docs.json);
    expect(json.items[0]).toEqual({
      id: `urn:uuid:${id(4)}`,
      title: 'Article expired',
      content_text: WITHDRAWAL_NOTICES.expired.notice,
      date_published: EXPIRED.at,
      date_modified: EXPIRED.at,
      _withdrawn: { status: 'expired', at: EXPIRED.at, reason: WITHDRAWAL_NOTICES.expired.notice },
    });
    expect(json.items[2]).toMatchObject({ url: RETRACTED.url, _withdrawn: { status: 'retracted' } });
  });

  it('stay valid in every format (strict XML, the JSON Feed 1.1 schema) and announce the same withdrawals', () => {
    const parsed = parseAllFormats(docs);
    for (const feed of [parsed.rss, parsed.atom, parsed.json]) {
      expect(feed.items.map((item) => item.id)).toEqual(ENTRIES.map((e) => `urn:uuid:${e.id}`));
      expect(feed.withdrawn.map((w) => w.id).sort()).toEqual([`urn:uuid:${id(2)}`, `urn:uuid:${id(4)}`]);
    }
    expect(parsed.json.withdrawn.find((w) => w.id.endsWith(id(2)))).toEqual({
      id: `urn:uuid:${id(2)}`,
      at: RETRACTED.at,
      status: 'retracted',
      link: RETRACTED.url,
    });
  });

  it('are read back by a third-party parser: dcterms:valid and the JSON Feed notice', () => {
    const rss = parseRssFeed(docs.rss);
    const notice = rss.items?.find((item) => item.guid?.value === `urn:uuid:${id(2)}`);
    expect(notice?.title).toBe('Article retracted');
    expect(notice?.dcterms?.valid).toEqual([RETRACTED.at]);
    expect(notice?.dcterms?.modified).toEqual([RETRACTED.at]);
    expect(notice?.pubDate).toBe('Sun, 20 Jul 2025 09:30:00 GMT');
    expect(notice?.link).toBe(RETRACTED.url);
    // Live items carry no expiry.
    expect(
      rss.items?.find((item) => item.guid?.value === `urn:uuid:${id(1)}`)?.dcterms?.valid,
    ).toBeUndefined();
    // feedsmith keeps JSON Feed's own fields only: it reads the notice in the item's place, by the same id.
    const json = parseJsonWithFeedsmith(JSON.parse(docs.json));
    expect(json.items?.[2]).toMatchObject({
      id: `urn:uuid:${id(2)}`,
      url: RETRACTED.url,
      content_text: WITHDRAWAL_NOTICES.retracted.notice,
      date_modified: RETRACTED.at,
    });
  });

  it('leave a feed without withdrawals as it was: no dcterms namespace, no notice', () => {
    const plain = channelWith([]);
    delete plain.tombstones;
    delete plain.withdrawn;
    expect(renderRss(plain, ENTRIES)).not.toContain('dcterms');
    expect(renderRss(plain, ENTRIES)).not.toContain('media:status');
    expect(renderJsonFeed(plain, ENTRIES)).not.toContain('_withdrawn');
    expect(renderFeedPage(plain, ENTRIES)).not.toContain('Withdrawn');
  });

  it('show a withdrawn line on the feed’s page, under the item’s anchor, without its headline', () => {
    const page = renderFeedPage(channel, ENTRIES);
    expect(page).toContain('Withdrawn lately');
    expect(page).toContain(`<li id="item-${id(2)}"><p class="muted"><strong>Article retracted</strong>`);
    expect(page).toContain(WITHDRAWAL_NOTICES.expired.notice);
    expect(page).not.toContain('Story 2');
  });
});

describe('the status a withdrawal is modelled on', () => {
  const before = {
    ...entry(5, '2025-07-20T09:00:00.000Z'),
    status: 'published',
    version: 1,
    createdAt: '2025-07-20T09:00:00.000Z',
  } as Article;

  it('is a retraction at retractedAt, or an expiry at expiredAt, with the article’s link', () => {
    const retracted = { ...before, status: 'retracted', retractedAt: '2025-07-20T10:00:00.000Z' } as Article;
    expect(withdrawalOf(before, retracted, 'x')).toEqual({
      id: before.id,
      publishedAt: before.publishedAt,
      url: before.url,
      at: '2025-07-20T10:00:00.000Z',
      status: 'retracted',
    });
    const expired = {
      ...before,
      status: 'expired',
      expiredAt: '2025-07-20T11:00:00.000Z',
    } as Article;
    expect(withdrawalOf(before, expired, 'x')).toMatchObject({
      status: 'expired',
      at: '2025-07-20T11:00:00.000Z',
    });
  });

  it('falls back on the write’s time when the status’s own time is absent, and is nothing for other writes', () => {
    const expired = {
      ...before,
      status: 'expired',
      updatedAt: '2025-07-20T12:00:00.000Z',
    } as Article;
    expect(changeOf('r', before, expired)?.retraction).toMatchObject({
      status: 'expired',
      at: '2025-07-20T12:00:00.000Z',
    });
    expect(withdrawalOf(before, { ...before, version: 2 }, 'x')).toBeUndefined();
    expect(withdrawalOf(before, undefined, 'x')).toBeUndefined();
  });
});

describe('a feed, through the regenerator', () => {
  /** A feed of two entries at most, so that the window moves after two more articles. */
  async function pipeline() {
    const stores = memoryAdapters();
    await new Registry(stores.registry).addSource({
      slug: 'the-gaze',
      name: THE_GAZE.name,
      homepageUrl: THE_GAZE.homepageUrl,
      description: THE_GAZE.description,
    });
    const regenerator = new FeedRegenerator(stores.feeds, stores.publisher, { ...SETTINGS, size: 2 });
    let record = 0;
    const write = async (before: Article | undefined, after: Article) => {
      if (before) await stores.articles.replaceArticle(before, after);
      else await stores.articles.createArticle(after);
      const change = changeOf(`r${record++}`, before, after);
      const result = await regenerator.regenerate(change ? [change] : []);
      expect(result.errors).toEqual([]);
    };
    const text = (key: string) => {
      const object = stores.publisher.objects.get(key);
      return object ? Buffer.from(object.body).toString('utf8') : '';
    };
    const feed = (name: string) =>
      parseAllFormats({
        rss: text(`feeds/${name}/rss.xml`),
        atom: text(`feeds/${name}/atom.xml`),
        json: text(`feeds/${name}/feed.json`),
      });
    return { write, feed, text, stores };
  }
  const article = (n: number, hour: number): Article => {
    const at = `2025-07-20T${String(hour).padStart(2, '0')}:00:00.000Z`;
    return { ...entry(n, at), status: 'published', version: 1, createdAt: at } as Article;
  };

  it('announces a retraction in every format while the article would be in the window, then drops it', async () => {
    const { write, feed, text } = await pipeline();
    const a = article(1, 1);
    const b = article(2, 2);
    await write(undefined, a);
    await write(undefined, b);
    const retracted: Article = {
      ...b,
      status: 'retracted',
      version: 2,
      updatedAt: '2025-07-20T02:30:00.000Z',
      retractedAt: '2025-07-20T02:30:00.000Z',
    };
    await write(b, retracted);
    // The notice comes on top of the window: a newer article leaves the feed holding two live entries and it.
    await write(undefined, article(3, 3));
    let parsed = feed('sources/the-gaze');
    for (const format of [parsed.rss, parsed.atom, parsed.json]) {
      expect(format.items.map((item) => item.id)).toEqual([`urn:uuid:${id(3)}`, `urn:uuid:${id(1)}`]);
      expect(format.withdrawn.map((w) => w.id)).toEqual([`urn:uuid:${id(2)}`]);
    }
    expect(parsed.rss.withdrawn[0]).toMatchObject({ status: 'retracted', link: b.url });
    // Never the withdrawn text, in any document.
    for (const key of ['rss.xml', 'atom.xml', 'feed.json', 'index.html'])
      expect(text(`feeds/sources/the-gaze/${key}`)).not.toContain('Story 2');
    // Once the window has moved past the article, no format announces it any more.
    await write(undefined, article(4, 4));
    parsed = feed('sources/the-gaze');
    for (const format of [parsed.rss, parsed.atom, parsed.json]) expect(format.withdrawn).toEqual([]);
    expect(text('feeds/sources/the-gaze/rss.xml')).not.toContain('dcterms');
  });

  it('announces an expiry with its own status, and keeps a corrected item’s id while moving its updated time', async () => {
    const { write, feed } = await pipeline();
    const a = article(1, 1);
    await write(undefined, a);
    const corrected: Article = {
      ...a,
      version: 2,
      title: 'Story 1, corrected',
      updatedAt: '2025-07-20T01:10:00.000Z',
    };
    await write(a, corrected);
    let parsed = feed('sources/the-gaze');
    for (const format of [parsed.rss, parsed.atom, parsed.json]) {
      expect(format.items[0]).toMatchObject({
        id: `urn:uuid:${a.id}`,
        title: 'Story 1, corrected',
        updated: '2025-07-20T01:10:00.000Z',
      });
      expect(format.items[0]?.published.slice(0, 19)).toBe('2025-07-20T01:00:00');
    }
    const expired = {
      ...corrected,
      status: 'expired',
      version: 3,
      updatedAt: '2025-07-20T05:00:00.000Z',
      expiredAt: '2025-07-20T05:00:00.000Z',
    } as Article;
    await write(corrected, expired);
    parsed = feed('sources/the-gaze');
    for (const format of [parsed.rss, parsed.atom, parsed.json]) {
      expect(format.items).toEqual([]);
      expect(format.withdrawn).toMatchObject([{ id: `urn:uuid:${a.id}` }]);
    }
    expect(parsed.rss.withdrawn[0]?.status).toBe('expired');
    expect(parsed.json.withdrawn[0]).toMatchObject({ status: 'expired', at: '2025-07-20T05:00:00.000Z' });
  });
});
