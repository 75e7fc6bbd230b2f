/**
 * A source's Google News sitemap against rules written from its specifications: the sitemap protocol 0.9
 * (sitemaps.org: sitemap.xsd, siteindex.xsd; `<loc>` under 2,048 characters, entity-escaped, UTF-8) and Google's
 * news extension (sitemap-news.xsd and "News sitemaps" in Google Search Central: `news:publication` with `name`
 * and `language`, then `publication_date` and `title`; an ISO 639 code, `zh-cn` or `zh-tw`; a W3C datetime; at
 * most 1,000 `news:news` a file, an index past that; articles of the last two days only). The schema is checked by
 * hand (element order, cardinality, namespaces, value patterns) on a strict parse (saxes), and a property checks that
 * any text in any script renders well-formed XML whose values come back as they went in.
 */
import fc from 'fast-check';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { memoryAdapters } from '#shared/adapters/memory/index.ts';
import type { FeedStore } from '#shared/feeds/ports.ts';
import {
  NEWS_SITEMAP_URLS_PER_FILE,
  type NewsSitemapEntry,
  newsLanguage,
  renderNewsSitemap,
  renderNewsUrlset,
  w3cDatetime,
} from '#shared/feeds/render/news-sitemap.ts';
import {
  distinctEntries,
  NEWS_SITEMAP_MAX_ENTRIES,
  NEWS_SITEMAP_WINDOW_MS,
  type PlannedSitemap,
  sitemapEntryExpiry,
  sitemapWrites,
} from '#shared/feeds/sitemap.ts';
import { stripXmlInvalid } from '#shared/text.ts';
import { parseXml, type XmlElement } from '../support/feed-validation.ts';

const SITEMAP = 'http://www.sitemaps.org/schemas/sitemap/0.9';
const NEWS = 'http://www.google.com/schemas/sitemap-news/0.9';
/** sitemap-news.xsd: `zh-cn`, `zh-tw`, or an ISO 639 code of two or three letters. */
const LANGUAGE = /^(zh-cn|zh-tw|[a-z]{2,3})$/;
/** W3C Datetime, complete date plus hours, minutes and seconds (and a fraction), with a time zone designator. */
const W3C_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const NOW = Date.parse('2026-07-10T12:00:00.000Z');
const FOLDER = 'https://feeds.example/feeds/sources/the-gaze/';
const PUBLICATION = { name: 'The Gaze & Co <News>', language: 'en-GB' };

/** `hours` hours before NOW, as an ISO time. */
const ago = (hours: number) => new Date(NOW - hours * 3600_000).toISOString();

const entry = (n: number, publishedAt = ago(n / 100)): NewsSitemapEntry => ({
  url: `https://thegaze.example/stories/${n}`,
  title: `Story ${n}`,
  publishedAt,
});

const only = (element: XmlElement, uri: string, local: string) => {
  const found = element.children.filter((child) => child.uri === uri && child.local === local);
  expect(found, `${element.path}: one ${local}`).toHaveLength(1);
  return found[0] as XmlElement;
};

const declaresUtf8 = (xml: string) =>
  expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);

/** Checks a urlset as sitemap.xsd and sitemap-news.xsd describe it, and returns its URLs' values. */
function checkUrlset(xml: string) {
  declaresUtf8(xml);
  expect(xml).toMatch(new RegExp(`^[^]*?<urlset xmlns="${SITEMAP}" xmlns:news="${NEWS}">`));
  const root = parseXml(xml);
  expect([root.uri, root.local]).toEqual([SITEMAP, 'urlset']);
  expect(root.children.length).toBeLessThanOrEqual(NEWS_SITEMAP_URLS_PER_FILE);
  return root.children.map((url) => {
    expect([url.uri, url.local], url.path).toEqual([SITEMAP, 'url']);
    // sitemap.xsd: loc first (lastmod, changefreq and priority are optional and not used); the extension after.
    expect(url.children.map((child) => `${child.uri} ${child.local}`)).toEqual([
      `${SITEMAP} loc`,
      `${NEWS} news`,
    ]);
    const loc = only(url, SITEMAP, 'loc').text;
    expect(new URL(loc).protocol).toMatch(/^https?:$/);
    expect(loc.length).toBeLessThan(2048);
    const news = only(url, NEWS, 'news');
    // sitemap-news.xsd: publication, (access, genres,) publication_date, title, (keywords, stock_tickers).
    expect(news.children.map((child) => `${child.uri} ${child.local}`)).toEqual([
      `${NEWS} publication`,
      `${NEWS} publication_date`,
      `${NEWS} title`,
    ]);
    const publication = only(news, NEWS, 'publication');
    expect(publication.children.map((child) => `${child.uri} ${child.local}`)).toEqual([
      `${NEWS} name`,
      `${NEWS} language`,
    ]);
    const language = only(publication, NEWS, 'language').text;
    expect(language).toMatch(LANGUAGE);
    const date = only(news, NEWS, 'publication_date').text;
    expect(date).toMatch(W3C_DATETIME);
    return {
      loc,
      name: only(publication, NEWS, 'name').text,
      language,
      date,
      title: only(news, NEWS, 'title').text,
    };
  });
}

/** Checks a sitemap index as siteindex.xsd describes it, and returns the files it names. */
function checkIndex(xml: string): string[] {
  declaresUtf8(xml);
  const root = parseXml(xml);
  expect([root.uri, root.local]).toEqual([SITEMAP, 'sitemapindex']);
  return root.children.map((sitemap) => {
    expect([sitemap.uri, sitemap.local]).toEqual([SITEMAP, 'sitemap']);
    expect(sitemap.children.map((child) => child.local)).toEqual(['loc', 'lastmod']);
    expect(only(sitemap, SITEMAP, 'lastmod').text).toMatch(W3C_DATETIME);
    return only(sitemap, SITEMAP, 'loc').text;
  });
}

const render = (entries: readonly NewsSitemapEntry[], previousParts?: number) =>
  renderNewsSitemap(PUBLICATION, entries, {
    folderUrl: FOLDER,
    lastmod: ago(0),
    ...(previousParts ? { previousParts } : {}),
  });

describe('a news sitemap file', () => {
  it('lists each entry with the news elements, in the schema’s order, in the order given', () => {
    const { files, parts } = render([entry(1), entry(2)]);
    expect(parts).toBe(0);
    expect(files.map((file) => file.name)).toEqual(['news-sitemap.xml']);
    const urls = checkUrlset(files[0]?.text ?? '');
    expect(urls).toEqual([
      {
        loc: 'https://thegaze.example/stories/1',
        name: 'The Gaze & Co <News>',
        language: 'en',
        date: `${ago(0.01).slice(0, 19)}Z`,
        title: 'Story 1',
      },
      expect.objectContaining({ loc: 'https://thegaze.example/stories/2' }),
    ]);
  });

  it('is an empty urlset when there is nothing recent (Google: an empty news sitemap causes no problem)', () => {
    const { files } = render([]);
    expect(checkUrlset(files[0]?.text ?? '')).toEqual([]);
  });

  it('escapes titles, names and URLs, apostrophes in a loc included, and drops characters XML forbids', () => {
    const hostile: NewsSitemapEntry = {
      title: 'AT&T <b>"quotes"</b> & \u0001 controls \uD800 ]]>',
      url: 'https://thegaze.example/a?x=1&y=\'2\'&z="3"<>',
      publishedAt: ago(1),
    };
    const text = renderNewsUrlset(PUBLICATION, [hostile]);
    expect(text).toContain(
      '<loc>https://thegaze.example/a?x=1&amp;y=&apos;2&apos;&amp;z=&quot;3&quot;&lt;&gt;</loc>',
    );
    const [url] = checkUrlset(text);
    expect(url?.loc).toBe('https://thegaze.example/a?x=1&y=\'2\'&z="3"<>');
    expect(url?.title).toBe('AT&T <b>"quotes"</b> &  controls  ]]>');
    expect(url?.name).toBe('The Gaze & Co <News>');
  });

  it('writes W3C datetimes in UTC to the second', () => {
    expect(w3cDatetime('2026-03-05T10:15:00.123Z')).toBe('2026-03-05T10:15:00Z');
    expect(w3cDatetime('2026-03-05T10:15:00.123Z')).toMatch(W3C_DATETIME);
  });

  it('gives the language as Google News asks for it, from the source’s BCP 47 tag', () => {
    const cases: [string, string][] = [
      ['en', 'en'],
      ['en-GB', 'en'],
      ['pt-BR', 'pt'],
      ['ar', 'ar'],
      ['haw', 'haw'],
      ['zh', 'zh-cn'],
      ['zh-Hans', 'zh-cn'],
      ['zh-CN', 'zh-cn'],
      ['zh-SG', 'zh-cn'],
      ['zh-Hant', 'zh-tw'],
      ['zh-TW', 'zh-tw'],
      ['zh-HK', 'zh-tw'],
      ['zh-Hant-HK', 'zh-tw'],
      ['zh-Hans-HK', 'zh-cn'],
      ['', 'und'],
    ];
    for (const [tag, code] of cases) expect(newsLanguage(tag), tag).toBe(code);
    fc.assert(
      fc.property(fc.string(), (tag) => {
        expect(newsLanguage(tag)).toMatch(LANGUAGE);
      }),
    );
  });

  it('renders the same bytes from the same entries (no clock inside)', () => {
    const entries = [entry(1), entry(2)];
    expect(render(entries)).toEqual(render(entries));
  });
});

describe('more than 1,000 entries', () => {
  it('become an index of files of at most 1,000 each, newest first, every entry in exactly one', () => {
    const entries = Array.from({ length: 2345 }, (_, n) => entry(n));
    const { files, parts } = render(entries);
    expect(parts).toBe(3);
    expect(files.map((file) => file.name)).toEqual([
      'news-sitemap.xml',
      'news-sitemap-1.xml',
      'news-sitemap-2.xml',
      'news-sitemap-3.xml',
    ]);
    expect(checkIndex(files[0]?.text ?? '')).toEqual([
      `${FOLDER}news-sitemap-1.xml`,
      `${FOLDER}news-sitemap-2.xml`,
      `${FOLDER}news-sitemap-3.xml`,
    ]);
    const listed = files.slice(1).map((file) => checkUrlset(file.text));
    expect(listed.map((urls) => urls.length)).toEqual([1000, 1000, 345]);
    expect(listed.flat().map((url) => url.loc)).toEqual(entries.map((e) => e.url));
  });

  it('is a single urlset again once the entries fit, the numbered files emptied and named by nothing', () => {
    const { files, parts } = render([entry(1)], 2);
    expect(parts).toBe(0);
    expect(files.map((file) => file.name)).toEqual([
      'news-sitemap.xml',
      'news-sitemap-1.xml',
      'news-sitemap-2.xml',
    ]);
    expect(checkUrlset(files[0]?.text ?? '')).toHaveLength(1);
    expect(checkUrlset(files[1]?.text ?? '')).toEqual([]);
    expect(checkUrlset(files[2]?.text ?? '')).toEqual([]);
  });

  it('stays an index at exactly 1,000 + 1 and a urlset at exactly 1,000', () => {
    expect(render(Array.from({ length: 1000 }, (_, n) => entry(n))).parts).toBe(0);
    expect(render(Array.from({ length: 1001 }, (_, n) => entry(n))).parts).toBe(2);
  });
});

describe('the kept entries', () => {
  const listed = (n: number, publishedAt: string, source = 'the-gaze', version = 1) => ({
    recordId: `r${n}`,
    after: {
      id: `id-${String(n).padStart(5, '0')}`,
      source,
      url: `https://thegaze.example/${n}`,
      title: `Story ${n}`,
      publishedAt,
      version,
      listed: true,
    },
  });

  /** Applies changes as a batch does: the plan's entry writes, to a store. */
  const apply = async (
    feeds: FeedStore,
    changes: PlannedSitemap['changes'],
    source = 'the-gaze',
    now = NOW,
  ) => {
    const { puts, deletes } = sitemapWrites({ source, changes, records: new Set(), at: '' }, now);
    await feeds.putSitemapEntries(puts);
    await feeds.deleteSitemapEntries(deletes);
  };
  /** The sitemap's entries at `now`, as a render reads them. */
  const read = async (feeds: FeedStore, now = NOW, source = 'the-gaze') =>
    distinctEntries(
      await feeds.readSitemapEntries(
        source,
        new Date(now - NEWS_SITEMAP_WINDOW_MS).toISOString(),
        NEWS_SITEMAP_MAX_ENTRIES,
      ),
    );
  const ids = async (feeds: FeedStore, now = NOW, source = 'the-gaze') =>
    (await read(feeds, now, source)).map((entry) => entry.id);

  it('are one item per article change, each kept a day past the window', () => {
    const { puts, deletes } = sitemapWrites(
      { source: 'the-gaze', changes: [listed(1, ago(1))], records: new Set(), at: '' },
      NOW,
    );
    expect(deletes).toEqual([]);
    expect(puts).toEqual([
      {
        source: 'the-gaze',
        id: 'id-00001',
        url: 'https://thegaze.example/1',
        title: 'Story 1',
        publishedAt: ago(1),
        version: 1,
        expiresAt: Date.parse('2026-07-13T11:00:00.000Z') / 1000,
      },
    ]);
    expect(sitemapEntryExpiry('2026-07-10T11:00:00.500Z')).toBe(
      Date.parse('2026-07-13T11:00:01.000Z') / 1000,
    );
    expect(NEWS_SITEMAP_MAX_ENTRIES).toBe(5 * NEWS_SITEMAP_URLS_PER_FILE);
  });

  it('hold the source’s listed articles of the last 48 hours by the clock, newest first', async () => {
    const { feeds } = memoryAdapters();
    const tooLong = listed(7, ago(4));
    tooLong.after.url = `https://thegaze.example/${'x'.repeat(2048)}`;
    const changes: PlannedSitemap['changes'] = [
      listed(1, ago(47.9)),
      listed(2, ago(48.1)),
      listed(3, ago(1)),
      listed(4, ago(2), 'daily-planet'),
      { ...listed(5, ago(3)), after: { ...listed(5, ago(3)).after, listed: false } },
      listed(6, ago(49.5)),
      tooLong,
    ];
    // Only this source's listed articles within the window are written, a URL a <loc> refuses left out.
    const { puts } = sitemapWrites({ source: 'the-gaze', changes, records: new Set(), at: '' }, NOW);
    expect(puts.map((entry) => entry.id)).toEqual(['id-00001', 'id-00003']);
    await apply(feeds, changes);
    expect(await ids(feeds)).toEqual(['id-00003', 'id-00001']);
    // An hour later the oldest has left, with no change to it.
    expect(await ids(feeds, NOW + 3600_000)).toEqual(['id-00003']);
    expect(NEWS_SITEMAP_WINDOW_MS).toBe(48 * 3600_000);
  });

  it('follow a correction, and lose a retracted, moved or deleted article', async () => {
    const { feeds } = memoryAdapters();
    await apply(feeds, [listed(1, ago(1)), listed(2, ago(2))]);
    const corrected = listed(1, ago(1), 'the-gaze', 2);
    corrected.after.title = 'Corrected';
    await apply(feeds, [{ ...corrected, before: listed(1, ago(1)).after }]);
    expect((await read(feeds)).map((entry) => entry.title)).toEqual(['Corrected', 'Story 2']);
    // A late delivery of the older version changes nothing.
    await apply(feeds, [listed(1, ago(1))]);
    expect((await read(feeds)).map((entry) => entry.title)).toEqual(['Corrected', 'Story 2']);
    const moved = { ...listed(1, ago(1), 'daily-planet', 3), before: corrected.after };
    await apply(feeds, [moved]);
    await apply(feeds, [moved], 'daily-planet');
    expect(await ids(feeds)).toEqual(['id-00002']);
    expect(await ids(feeds, NOW, 'daily-planet')).toEqual(['id-00001']);
    const deleted = { recordId: 'r9', before: listed(2, ago(2)).after };
    await apply(feeds, [deleted]);
    expect(await ids(feeds)).toEqual([]);
  });

  it('follow a new publication time: the old key deleted, the new one written, in one batch to their net effect', async () => {
    const { feeds } = memoryAdapters();
    const posted = listed(2, ago(2));
    const redated = { ...listed(2, ago(5), 'the-gaze', 2), before: posted.after };
    const { puts, deletes } = sitemapWrites(
      { source: 'the-gaze', changes: [posted, redated], records: new Set(), at: '' },
      NOW,
    );
    expect(puts.map((entry) => [entry.publishedAt, entry.version])).toEqual([[ago(5), 2]]);
    expect(deletes).toEqual([{ source: 'the-gaze', id: 'id-00002', publishedAt: ago(2), version: 2 }]);
    await apply(feeds, [posted]);
    await apply(feeds, [redated]);
    expect((await read(feeds)).map((entry) => entry.publishedAt)).toEqual([ago(5)]);
    // An older version left under the old key (a late delivery) is not listed beside the newer.
    await apply(feeds, [posted]);
    expect((await feeds.readSitemapEntries('the-gaze', '', 10)).map((entry) => entry.version)).toEqual([
      1, 2,
    ]);
    expect((await read(feeds)).map((entry) => [entry.publishedAt, entry.version])).toEqual([[ago(5), 2]]);
  });
});

describe('any text in any script', () => {
  const parser = new XMLParser({
    ignoreAttributes: false,
    parseTagValue: false,
    trimValues: false,
    processEntities: true,
    isArray: (name) => name === 'url',
  });
  /** What a parser gives back of a text: the characters XML can carry, line ends as XML reads them. */
  const asRead = (value: string) => stripXmlInvalid(value).replace(/\r\n?/g, '\n');
  const text = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc.string({ unit: 'grapheme', maxLength: 60 }),
    fc.string({ unit: fc.constantFrom(...'&<>"\'];\r\n\t\u0000\uFFFE中文العربيةहिन्दी😀é'), maxLength: 30 }),
  );

  it('renders well-formed XML whose titles, URLs and names round-trip', () => {
    fc.assert(
      fc.property(
        text,
        fc.array(fc.record({ title: text, path: text }), { minLength: 1, maxLength: 5 }),
        (name, items) => {
          const entries = items.map((item, i) => ({
            url: `https://thegaze.example/${item.path}`,
            title: item.title,
            publishedAt: ago(i),
          }));
          const xml = renderNewsUrlset({ name, language: 'zh-Hant' }, entries);
          parseXml(xml); // strict: throws on anything ill-formed
          const urls = parser.parse(xml).urlset.url as Record<string, unknown>[];
          expect(urls).toHaveLength(entries.length);
          urls.forEach((url, i) => {
            const news = url['news:news'] as Record<string, Record<string, unknown>>;
            expect(url.loc).toBe(asRead(entries[i]?.url ?? ''));
            expect(news['news:title'] ?? '').toBe(asRead(entries[i]?.title ?? ''));
            expect(news['news:publication']?.['news:name'] ?? '').toBe(asRead(name));
            expect(news['news:publication']?.['news:language']).toBe('zh-tw');
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});
