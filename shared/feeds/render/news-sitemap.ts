import { escapeXml } from './xml.ts';

/**
 * A source's Google News sitemap (developers.google.com/search/docs/crawling-indexing/sitemaps/news-sitemap), built on
 * the sitemap protocol 0.9 (sitemaps.org): `<urlset>` of `<url>`, each a `<loc>` and the news extension's
 * `<news:news>` with its publication (name, language), publication date and title, in the order its schema
 * (sitemap-news.xsd) gives them. Pure: the same entries render the same bytes, no clock inside.
 */

/** `<url>` elements one file holds at most (Google News: 1,000 `news:news` per sitemap); past that, an index. */
export const NEWS_SITEMAP_URLS_PER_FILE = 1000;
/** The sitemap protocol's limit: a `<loc>` is shorter than 2,048 characters. */
export const MAX_LOC_CHARS = 2048;
/** The file a source's news sitemap is published as: a `<urlset>`, or past 1,000 URLs a `<sitemapindex>`. */
export const NEWS_SITEMAP_FILE = 'news-sitemap.xml';
/** The `n`th file (from 1) an index names: `news-sitemap-1.xml`, `news-sitemap-2.xml`, … */
export const newsSitemapPart = (n: number) => `news-sitemap-${n}.xml`;

const SITEMAP_NS = 'http://www.sitemaps.org/schemas/sitemap/0.9';
const NEWS_NS = 'http://www.google.com/schemas/sitemap-news/0.9';
const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** One article of a news sitemap. */
export interface NewsSitemapEntry {
  url: string;
  /** Plain text (the API removes markup from titles). */
  title: string;
  publishedAt: string;
}

/** What a news sitemap says of its publication: the source's name and language. */
export interface NewsPublication {
  name: string;
  /** The source's language as registered, a BCP 47 tag (`en`, `pt-BR`, `zh-Hant`). */
  language: string;
}

/** One file of a news sitemap: its name in the source's folder and its text. */
export interface NewsSitemapFile {
  name: string;
  text: string;
}

/**
 * The language as Google News asks for it: an ISO 639 code of two or three letters (the tag's primary subtag,
 * `pt` for `pt-BR`), except Chinese, which is `zh-cn` (Simplified) or `zh-tw` (Traditional: the Hant script, or,
 * without a script, Taiwan, Hong Kong or Macau). A tag with no such primary subtag is `und` (undetermined).
 */
export function newsLanguage(tag: string): string {
  const [primary = '', ...rest] = tag.toLowerCase().split(/[-_]/);
  if (!/^[a-z]{2,3}$/.test(primary)) return 'und';
  if (primary !== 'zh') return primary;
  if (rest.includes('hant')) return 'zh-tw';
  if (rest.includes('hans')) return 'zh-cn';
  return rest.some((subtag) => subtag === 'tw' || subtag === 'hk' || subtag === 'mo') ? 'zh-tw' : 'zh-cn';
}

/** A W3C datetime (complete date plus hours, minutes and seconds) in UTC: `2026-03-05T10:15:00Z`. */
export function w3cDatetime(iso: string): string {
  return `${new Date(iso).toISOString().slice(0, 19)}Z`;
}

/** A URL as the sitemap protocol wants it: entity-escaped, apostrophes included. */
const loc = (url: string) => escapeXml(url).replaceAll("'", '&apos;');

/** One `<urlset>`: the entries in the order given. An empty one is what a source with no recent article has. */
export function renderNewsUrlset(publication: NewsPublication, entries: readonly NewsSitemapEntry[]): string {
  const name = escapeXml(publication.name);
  const language = newsLanguage(publication.language);
  const parts = [DECLARATION, `<urlset xmlns="${SITEMAP_NS}" xmlns:news="${NEWS_NS}">\n`];
  for (const entry of entries)
    parts.push(
      `<url><loc>${loc(entry.url)}</loc><news:news>`,
      `<news:publication><news:name>${name}</news:name><news:language>${language}</news:language></news:publication>`,
      `<news:publication_date>${w3cDatetime(entry.publishedAt)}</news:publication_date>`,
      `<news:title>${escapeXml(entry.title)}</news:title></news:news></url>\n`,
    );
  parts.push('</urlset>\n');
  return parts.join('');
}

/** A `<sitemapindex>` of the given files' URLs, each with the same `lastmod`. */
export function renderSitemapIndex(urls: readonly string[], lastmod: string): string {
  const parts = [DECLARATION, `<sitemapindex xmlns="${SITEMAP_NS}">\n`];
  for (const url of urls)
    parts.push(`<sitemap><loc>${loc(url)}</loc><lastmod>${w3cDatetime(lastmod)}</lastmod></sitemap>\n`);
  parts.push('</sitemapindex>\n');
  return parts.join('');
}

/**
 * A source's news sitemap from its entries, newest first: up to 1,000, `news-sitemap.xml` is the `<urlset>`; past
 * that, `news-sitemap.xml` is a `<sitemapindex>` of `news-sitemap-1.xml`, `news-sitemap-2.xml`, …, 1,000 entries each,
 * newest first (the first file holds the newest 1,000, the one a crawler wants first; under a window that slides
 * by the hour, no order keeps a file's contents still). `folderUrl` is the public URL of the folder the files are
 * in; `lastmod` the sitemap's last change, the index's `lastmod`. `previousParts`: the numbered files the last
 * publish had; those no longer needed are written again as empty `<urlset>`s and named by no index, so that a
 * sitemap that shrank leaves no stale articles behind. Returns the files and how many numbered ones are in use.
 */
export function renderNewsSitemap(
  publication: NewsPublication,
  entries: readonly NewsSitemapEntry[],
  options: { folderUrl: string; lastmod: string; previousParts?: number },
): { files: NewsSitemapFile[]; parts: number } {
  const parts =
    entries.length > NEWS_SITEMAP_URLS_PER_FILE ? Math.ceil(entries.length / NEWS_SITEMAP_URLS_PER_FILE) : 0;
  const files: NewsSitemapFile[] = [];
  if (!parts) files.push({ name: NEWS_SITEMAP_FILE, text: renderNewsUrlset(publication, entries) });
  else {
    const names = Array.from({ length: parts }, (_, i) => newsSitemapPart(i + 1));
    files.push({
      name: NEWS_SITEMAP_FILE,
      text: renderSitemapIndex(
        names.map((name) => options.folderUrl + name),
        options.lastmod,
      ),
    });
    names.forEach((name, i) => {
      const slice = entries.slice(i * NEWS_SITEMAP_URLS_PER_FILE, (i + 1) * NEWS_SITEMAP_URLS_PER_FILE);
      files.push({ name, text: renderNewsUrlset(publication, slice) });
    });
  }
  for (let n = parts + 1; n <= (options.previousParts ?? 0); n++)
    files.push({ name: newsSitemapPart(n), text: renderNewsUrlset(publication, []) });
  return { files, parts };
}
