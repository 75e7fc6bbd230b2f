import type { FeedEntry } from '../model.ts';
import { escapeXml } from './xml.ts';

/** How far back a Google News sitemap reaches: articles published in the last two days. */
export const NEWS_SITEMAP_WINDOW_MS = 48 * 60 * 60 * 1000;
/** `<url>` elements one news sitemap file holds at most; past that the next file, and an index of them all. */
export const NEWS_SITEMAP_URLS_PER_FILE = 1000;
/** The longest `<loc>` the sitemap protocol allows. */
const MAX_LOC_LENGTH = 2048;

const SITEMAP_NS = 'http://www.sitemaps.org/schemas/sitemap/0.9';
const NEWS_NS = 'http://www.google.com/schemas/sitemap-news/0.9';

/** What a news sitemap says of its publication: the source's name and language. */
export interface NewsPublication {
  name: string;
  /** The source's language as registered (a BCP 47 tag such as `en`, `en-GB`, `zh-Hant`). */
  language: string;
}

/** One file of a source's news sitemap: its name beside `news-sitemap.xml` and its text. */
export interface NewsSitemapFile {
  name: string;
  text: string;
}

/**
 * The language as Google News asks for it: the ISO 639 code (`en` for `en-GB`), except Chinese, which is `zh-cn`
 * (Simplified) or `zh-tw` (Traditional: the Hant script, or Taiwan, Hong Kong or Macau without a script).
 */
export function newsLanguage(tag: string): string {
  const [primary = '', ...rest] = tag.toLowerCase().split(/[-_]/);
  if (primary !== 'zh') return primary;
  if (rest.includes('hant')) return 'zh-tw';
  if (rest.includes('hans')) return 'zh-cn';
  return rest.some((subtag) => subtag === 'tw' || subtag === 'hk' || subtag === 'mo') ? 'zh-tw' : 'zh-cn';
}

/** A W3C datetime to the second, in UTC (`2026-03-05T10:15:00Z`). */
export function w3cDatetime(iso: string): string {
  return `${new Date(iso).toISOString().slice(0, 19)}Z`;
}

/** The entries a news sitemap lists: published within the window before `referenceTime`, newest first. */
export function newsSitemapEntries(entries: readonly FeedEntry[], referenceTime: string): FeedEntry[] {
  const cutoff = new Date(Date.parse(referenceTime) - NEWS_SITEMAP_WINDOW_MS).toISOString();
  return entries
    .filter((entry) => entry.publishedAt >= cutoff && entry.url.length < MAX_LOC_LENGTH)
    .sort((a, b) =>
      a.publishedAt < b.publishedAt ? 1 : a.publishedAt > b.publishedAt ? -1 : a.id < b.id ? -1 : 1,
    );
}

/** A URL as the sitemap protocol wants it: entity-escaped, apostrophes included. */
const loc = (url: string) => escapeXml(url).replaceAll("'", '&apos;');

/** One `urlset` of the news sitemap. */
function urlset(publication: NewsPublication, entries: readonly FeedEntry[]): string {
  const name = escapeXml(publication.name);
  const language = escapeXml(newsLanguage(publication.language));
  const parts = [
    '<?xml version="1.0" encoding="UTF-8"?>\n',
    `<urlset xmlns="${SITEMAP_NS}" xmlns:news="${NEWS_NS}">\n`,
  ];
  for (const entry of entries)
    parts.push(
      '<url>\n',
      `<loc>${loc(entry.url)}</loc>\n`,
      '<news:news>\n',
      `<news:publication><news:name>${name}</news:name><news:language>${language}</news:language></news:publication>\n`,
      `<news:publication_date>${w3cDatetime(entry.publishedAt)}</news:publication_date>\n`,
      `<news:title>${escapeXml(entry.title)}</news:title>\n`,
      '</news:news>\n',
      '</url>\n',
    );
  parts.push('</urlset>\n');
  return parts.join('');
}

/** The name of the `n`th file (from 1): `news-sitemap.xml`, then `news-sitemap-2.xml`, … */
export const newsSitemapFileName = (n: number) => (n === 1 ? 'news-sitemap.xml' : `news-sitemap-${n}.xml`);
export const NEWS_SITEMAP_INDEX = 'news-sitemap-index.xml';

/**
 * A source's Google News sitemap: the articles published within the 48 hours before `referenceTime`, newest first,
 * 1,000 to a file (`news-sitemap.xml`, `news-sitemap-2.xml`, …), and, once there is more than one file, an index of
 * them (`news-sitemap-index.xml`; `baseUrl` is the folder the files are in). Pure: the reference time is data
 * (the batch's own time), never a clock. `files`: at least this many files (empty ones after the last), so that a
 * sitemap that shrank overwrites the files it no longer needs (empty, and out of the index) rather than leaving
 * stale ones behind; the caller records `needed` for next time.
 */
export function renderNewsSitemap(
  publication: NewsPublication,
  entries: readonly FeedEntry[],
  referenceTime: string,
  options: { baseUrl: string; files?: number },
): { files: NewsSitemapFile[]; needed: number } {
  const listed = newsSitemapEntries(entries, referenceTime);
  const needed = Math.max(1, Math.ceil(listed.length / NEWS_SITEMAP_URLS_PER_FILE));
  const count = Math.max(needed, options.files ?? 1);
  const files: NewsSitemapFile[] = [];
  const indexed: string[] = [];
  for (let n = 1; n <= count; n++) {
    const slice = listed.slice((n - 1) * NEWS_SITEMAP_URLS_PER_FILE, n * NEWS_SITEMAP_URLS_PER_FILE);
    files.push({ name: newsSitemapFileName(n), text: urlset(publication, slice) });
    if (n <= needed) indexed.push(newsSitemapFileName(n));
  }
  if (count > 1) {
    const lastmod = w3cDatetime(referenceTime);
    const index = [
      '<?xml version="1.0" encoding="UTF-8"?>\n',
      `<sitemapindex xmlns="${SITEMAP_NS}">\n`,
      ...indexed.map(
        (name) =>
          `<sitemap><loc>${loc(options.baseUrl + name)}</loc><lastmod>${lastmod}</lastmod></sitemap>\n`,
      ),
      '</sitemapindex>\n',
    ];
    files.push({ name: NEWS_SITEMAP_INDEX, text: index.join('') });
  }
  return { files, needed };
}
