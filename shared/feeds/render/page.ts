import type { FeedUrls } from '../model.ts';
import { escapeXml as x } from './xml.ts';

/**
 * What the pages a browser gets are made of: the catalogue (`feeds/index.html`) and the page of every feed and
 * archive (`…/index.html`, also served at the feed's own URLs to browsers). They run no script and load nothing:
 * one inline style sheet, which the pages' Content-Security-Policy allows and nothing else (serving.ts).
 */

/** The three formats of every feed, in the order pages offer them, with their discovery media types. */
export const FORMATS = [
  { key: 'rss', name: 'RSS', type: 'application/rss+xml' },
  { key: 'atom', name: 'Atom', type: 'application/atom+xml' },
  { key: 'json', name: 'JSON Feed', type: 'application/feed+json' },
] as const;

/**
 * Readable from a 320 px phone to a desktop, light or dark as the reader prefers, left-to-right or right-to-left
 * (logical properties only). Written once for every page, so a browser caches nothing but each page.
 */
const STYLE = `
:root{color-scheme:light dark;--fg:#1b1b1b;--muted:#5a5a5a;--bg:#fdfdfc;--card:#f1f0ec;--link:#0b57a4;--line:#d8d6cf;--accent:#b34700}
@media (prefers-color-scheme:dark){:root{--fg:#ececec;--muted:#a8a8a8;--bg:#161616;--card:#222;--link:#8cc4ff;--line:#3a3a3a;--accent:#ffa463}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;-webkit-text-size-adjust:100%}
main{max-width:48rem;margin:0 auto;padding:1rem 1rem 3rem}
.kicker{margin:.5rem 0 0;color:var(--accent);font-weight:600;font-size:.85rem;letter-spacing:.04em;text-transform:uppercase}
h1{font-size:1.6rem;line-height:1.2;margin:.25rem 0 .75rem;overflow-wrap:anywhere}
h2{font-size:1.25rem;margin:2rem 0 .75rem;padding-bottom:.25rem;border-bottom:1px solid var(--line)}
h3{font-size:1.1rem;line-height:1.3;margin:0 0 .25rem;overflow-wrap:anywhere}
a{color:var(--link)}
p{margin:.5rem 0}
.muted{color:var(--muted);font-size:.9rem}
.how{background:var(--card);border-inline-start:4px solid var(--accent);border-radius:.5rem;padding:.75rem 1rem;margin:1rem 0}
code{font:.9rem/1.4 ui-monospace,Menlo,Consolas,monospace;overflow-wrap:anywhere}
.urls{margin:.5rem 0}
.urls dt{font-weight:600;margin-top:.5rem}
.urls dd{margin:.25rem 0 0}
.url{display:block;padding:.4rem .5rem;border:1px solid var(--line);border-radius:.25rem;background:var(--bg);user-select:all}
section.source{background:var(--card);border-radius:.5rem;padding:.75rem 1rem;margin:1rem 0}
ul,ol{list-style:none;margin:.5rem 0 0;padding:0}
li{border-top:1px solid var(--line)}
li:first-child{border-top:0}
.feeds li{display:flex;flex-wrap:wrap;align-items:baseline;gap:.25rem .75rem;padding:.4rem 0}
.items li{padding:.9rem 0}
.name{flex:1 1 12rem;overflow-wrap:anywhere}
.formats{display:flex;gap:.75rem;white-space:nowrap}
.formats a{display:inline-block;padding:.1rem 0}
nav.pages{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;margin:1.5rem 0 0}
`
  .trim()
  .replace(/\n/g, '');

/** Languages written right to left (BCP 47 primary subtags), for the pages' `dir`. */
const RIGHT_TO_LEFT = new Set([
  'ar',
  'arc',
  'ckb',
  'dv',
  'fa',
  'he',
  'ks',
  'ku',
  'ps',
  'sd',
  'syr',
  'ug',
  'ur',
  'yi',
]);

/**
 * The attributes of the page's own words (always English) on a page in another direction: in a right-to-left page
 * they are set left to right, so `Tags:` or `is published` are not reordered around the source's text; nothing in
 * a left-to-right page, whose bytes stay as they were.
 */
export function chromeAttributes(language: string): string {
  return directionOf(language) === 'rtl' ? ' lang="en" dir="ltr"' : '';
}

/** `rtl` for a language written right to left (`ar`, `he-IL`, `fa`…), otherwise `ltr`. */
export function directionOf(language: string): 'ltr' | 'rtl' {
  const primary = language.trim().toLowerCase().split(/[-_]/)[0] ?? '';
  return RIGHT_TO_LEFT.has(primary) ? 'rtl' : 'ltr';
}

export interface PageParts {
  language: string;
  title: string;
  description?: string | undefined;
  /** Feeds the page declares with `<link rel="alternate">`, for readers given the page's address. */
  alternates: { title: string; feeds: FeedUrls }[];
  /** The page's `<main>`, already escaped. */
  body: readonly string[];
}

/** A whole page: HTML5, UTF-8, a viewport, the page's language and direction, the shared inline style. */
export function htmlPage(parts: PageParts): string {
  const discovery: string[] = [];
  for (const { title, feeds } of parts.alternates) {
    for (const format of FORMATS) {
      discovery.push(
        `<link rel="alternate" type="${format.type}" title="${x(`${title} (${format.name})`)}" href="${x(feeds[format.key])}">\n`,
      );
    }
  }
  return [
    '<!DOCTYPE html>\n',
    `<html lang="${x(parts.language)}" dir="${directionOf(parts.language)}">\n<head>\n`,
    '<meta charset="utf-8">\n',
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
    `<title>${x(parts.title)}</title>\n`,
    parts.description ? `<meta name="description" content="${x(parts.description)}">\n` : '',
    ...discovery,
    `<style>${STYLE}</style>\n`,
    '</head>\n<body>\n<main>\n',
    ...parts.body,
    '</main>\n</body>\n</html>\n',
  ].join('');
}

/** The RSS, Atom and JSON Feed links of a feed, as a page shows them. */
export function formatLinks(feeds: FeedUrls): string {
  return FORMATS.map(
    (format) => `<a href="${x(feeds[format.key])}" type="${format.type}">${format.name}</a>`,
  ).join(' ');
}

/** `<time>` of an ISO 8601 UTC time, read as `2025-07-16 09:30 UTC`: the data decides, never the clock. */
export function timeElement(iso: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return `<time datetime="${x(iso)}">${x(match ? `${match[1]} ${match[2]} UTC` : iso)}</time>`;
}

/** Whether a URL may be linked from a page: only web addresses, never `javascript:` or `data:`. */
export function isWebUrl(value: string): boolean {
  return /^https?:\/\//i.test(value);
}
