/**
 * The Google News sitemap renderer against a checklist written from the sitemap protocol 0.9 (sitemaps.org, its
 * schema sitemap.xsd and siteindex.xsd) and Google's news extension (sitemap-news.xsd and its documentation). The
 * schema check is written by hand here (element order, cardinality, namespaces and value patterns of those
 * schemas), on top of strict XML parsing (tests/support/feed-validation.ts).
 */
import { describe, expect, it } from 'vitest';
import type { FeedEntry } from '#shared/feeds/model.ts';
import {
  NEWS_SITEMAP_URLS_PER_FILE,
  newsLanguage,
  renderNewsSitemap,
} from '#shared/feeds/render/news-sitemap.ts';
import { parseXml, type XmlElement } from '../support/feed-validation.ts';

const SITEMAP = 'http://www.sitemaps.org/schemas/sitemap/0.9';
const NEWS = 'http://www.google.com/schemas/sitemap-news/0.9';
/** sitemap-news.xsd: `zh-cn`, `zh-tw` or an ISO 639 code of two or three letters. */
const LANGUAGE = /^(zh-cn|zh-tw|[a-z]{2,3})$/;
/** W3C Datetime (the complete date plus hours, minutes and seconds, with a time zone designator). */
const W3C_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const REFERENCE = '2026-03-10T12:00:00.000Z';
const BASE = 'https://feeds.example/feeds/sources/the-gaze/';
const PUBLICATION = { name: 'The Gaze & Co <News>', language: 'en-GB' };

function entry(n: number, publishedAt: string, extra: Partial<FeedEntry> = {}): FeedEntry {
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    source: 'the-gaze',
    title: `Story ${n}`,
    url: `https://thegaze.example/stories/${n}`,
    contentHtml: '<p>Text</p>',
    summary: 'Summary',
    author: 'Reporter',
    tags: [],
    citations: [],
    publishedAt,
    updatedAt: publishedAt,
    ...extra,
  } as FeedEntry;
}

/** `hours` hours before the reference time. */
const ago = (hours: number) => new Date(Date.parse(REFERENCE) - hours * 3600_000).toISOString();

const only = (element: XmlElement, uri: string, local: string) => {
  const found = element.children.filter((child) => child.uri === uri && child.local === local);
  expect(found, `${element.path}: one ${local}`).toHaveLength(1);
  return found[0] as XmlElement;
};

/** Checks a urlset as sitemap.xsd and sitemap-news.xsd describe it, and returns its URLs' fields. */
function checkUrlset(xml: string) {
  expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
  const root = parseXml(xml);
  expect([root.uri, root.local]).toEqual([SITEMAP, 'urlset']);
  expect(root.children.length).toBeLessThanOrEqual(NEWS_SITEMAP_URLS_PER_FILE);
  return root.children.map((url) => {
    expect([url.uri, url.local], url.path).toEqual([SITEMAP, 'url']);
    // sitemap.xsd: loc first; the news extension's element after it.
    expect(url.children.map((child) => `${child.uri} ${child.local}`)).toEqual([
      `${SITEMAP} loc`,
      `${NEWS} news`,
    ]);
    const loc = only(url, SITEMAP, 'loc').text;
    expect(new URL(loc).protocol).toMatch(/^https?:$/);
    expect(loc.length).toBeLessThan(2048);
    const news = only(url, NEWS, 'news');
    // sitemap-news.xsd: publication, (access, genres,) publication_date, title, in this order.
    expect(news.children.map((child) => `${child.uri} ${child.local}`)).toEqual([
      `${NEWS} publication`,
      `${NEWS} publication_date`,
      `${NEWS} title`,
    ]);
    const publication = only(news, NEWS, 'publication');
    expect(publication.children.map((child) => child.local)).toEqual(['name', 'language']);
    const language = only(publication, NEWS, 'language').text;
    expect(language).toMatch(LANGUAGE);
    const date = only(news, NEWS, 'publication_date').text;
    expect(date).toMatch(W3C_DATETIME);
    const title = only(news, NEWS, 'title').text;
    expect(title.length).toBeGreaterThan(0);
    return { loc, name: only(publication, NEWS, 'name').text, language, date, title };
  });
}

describe('the Google News sitemap', () => {
  it('lists the articles of the last 48 hours, newest first, with the news elements', () => {
    const entries = [entry(1, ago(1)), entry(2, ago(47.9)), entry(3, ago(48.1)), entry(4, ago(200))];
    const { files, needed } = renderNewsSitemap(PUBLICATION, entries, REFERENCE, { baseUrl: BASE });
    expect(needed).toBe(1);
    expect(files.map((file) => file.name)).toEqual(['news-sitemap.xml']);
    const urls = checkUrlset(files[0]?.text ?? '');
    expect(urls.map((url) => url.loc)).toEqual([
      'https://thegaze.example/stories/1',
      'https://thegaze.example/stories/2',
    ]);
    expect(urls[0]).toMatchObject({ name: 'The Gaze & Co <News>', language: 'en', title: 'Story 1' });
    expect(urls[0]?.date).toBe(`${ago(1).slice(0, 19)}Z`);
  });

  it('declares both namespaces on the urlset', () => {
    const text = renderNewsSitemap(PUBLICATION, [entry(1, ago(1))], REFERENCE, { baseUrl: BASE }).files[0]
      ?.text;
    expect(text).toContain(`<urlset xmlns="${SITEMAP}" xmlns:news="${NEWS}">`);
  });

  it('escapes titles, names and URLs (ampersands and apostrophes in a loc included)', () => {
    const hostile = entry(1, ago(1), {
      title: 'AT&T <b>"quotes"</b> & \u0001 controls',
      url: "https://thegaze.example/a?x=1&y='2'",
    });
    const text = renderNewsSitemap(PUBLICATION, [hostile], REFERENCE, { baseUrl: BASE }).files[0]?.text ?? '';
    expect(text).toContain('<loc>https://thegaze.example/a?x=1&amp;y=&apos;2&apos;</loc>');
    const [url] = checkUrlset(text);
    expect(url?.loc).toBe("https://thegaze.example/a?x=1&y='2'");
    expect(url?.title).toBe('AT&T <b>"quotes"</b> &  controls');
  });

  it('splits past 1,000 URLs into more files and an index of them', () => {
    const entries = Array.from({ length: 2345 }, (_, n) => entry(n, ago(n / 100)));
    const { files, needed } = renderNewsSitemap(PUBLICATION, entries, REFERENCE, { baseUrl: BASE });
    expect(needed).toBe(3);
    expect(files.map((file) => file.name)).toEqual([
      'news-sitemap.xml',
      'news-sitemap-2.xml',
      'news-sitemap-3.xml',
      'news-sitemap-index.xml',
    ]);
    const counts = files.slice(0, 3).map((file) => checkUrlset(file.text).length);
    expect(counts).toEqual([1000, 1000, 345]);
    // Newest first across files.
    expect(checkUrlset(files[1]?.text ?? '')[0]?.loc).toBe('https://thegaze.example/stories/1000');
    const index = parseXml(files[3]?.text ?? '');
    expect([index.uri, index.local]).toEqual([SITEMAP, 'sitemapindex']);
    const locs = index.children.map((sitemap) => {
      expect([sitemap.uri, sitemap.local]).toEqual([SITEMAP, 'sitemap']);
      expect(only(sitemap, SITEMAP, 'lastmod').text).toMatch(W3C_DATETIME);
      return only(sitemap, SITEMAP, 'loc').text;
    });
    expect(locs).toEqual([
      `${BASE}news-sitemap.xml`,
      `${BASE}news-sitemap-2.xml`,
      `${BASE}news-sitemap-3.xml`,
    ]);
  });

  it('empties the files a shrunk sitemap no longer needs and drops them from its index', () => {
    const { files, needed } = renderNewsSitemap(PUBLICATION, [entry(1, ago(1))], REFERENCE, {
      baseUrl: BASE,
      files: 2,
    });
    expect(needed).toBe(1);
    expect(files.map((file) => file.name)).toEqual([
      'news-sitemap.xml',
      'news-sitemap-2.xml',
      'news-sitemap-index.xml',
    ]);
    expect(checkUrlset(files[1]?.text ?? '')).toEqual([]);
    expect(files[2]?.text).not.toContain('news-sitemap-2.xml');
  });

  it('renders the same bytes from the same input, with no clock', () => {
    const entries = [entry(1, ago(1)), entry(2, ago(2))];
    const render = () => renderNewsSitemap(PUBLICATION, entries, REFERENCE, { baseUrl: BASE });
    expect(render()).toEqual(render());
  });

  it('gives the language as Google News asks for it', () => {
    expect(newsLanguage('en')).toBe('en');
    expect(newsLanguage('en-GB')).toBe('en');
    expect(newsLanguage('ar')).toBe('ar');
    expect(newsLanguage('zh')).toBe('zh-cn');
    expect(newsLanguage('zh-Hans')).toBe('zh-cn');
    expect(newsLanguage('zh-CN')).toBe('zh-cn');
    expect(newsLanguage('zh-Hant')).toBe('zh-tw');
    expect(newsLanguage('zh-TW')).toBe('zh-tw');
    expect(newsLanguage('zh-HK')).toBe('zh-tw');
    for (const tag of ['en', 'fr-CA', 'zh-Hant-HK', 'haw']) expect(newsLanguage(tag)).toMatch(LANGUAGE);
  });
});
