import type { Catalogue, CatalogueTag } from '../catalogue.ts';
import type { FeedUrls } from '../model.ts';
import { escapeXml as x } from './xml.ts';

/** The three formats of every feed, in the order the page offers them, with their discovery media types. */
const FORMATS = [
  { key: 'rss', name: 'RSS', type: 'application/rss+xml' },
  { key: 'atom', name: 'Atom', type: 'application/atom+xml' },
  { key: 'json', name: 'JSON Feed', type: 'application/feed+json' },
] as const;

/**
 * Inline only (the page loads nothing): readable from a 320 px phone to a desktop, light or dark as the reader
 * prefers. The page's CSP allows inline styles and nothing else.
 */
const STYLE = `
:root{color-scheme:light dark;--fg:#1b1b1b;--muted:#5a5a5a;--bg:#fdfdfc;--card:#f1f0ec;--link:#0b57a4;--line:#d8d6cf}
@media (prefers-color-scheme:dark){:root{--fg:#ececec;--muted:#a8a8a8;--bg:#161616;--card:#222;--link:#8cc4ff;--line:#3a3a3a}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;-webkit-text-size-adjust:100%}
main{max-width:48rem;margin:0 auto;padding:1rem 1rem 3rem}
h1{font-size:1.6rem;line-height:1.2;margin:.5rem 0 1rem}
h2{font-size:1.25rem;margin:2rem 0 .75rem;padding-bottom:.25rem;border-bottom:1px solid var(--line)}
h3{font-size:1.1rem;margin:0}
a{color:var(--link)}
p{margin:.5rem 0}
.muted{color:var(--muted);font-size:.9rem}
.how{background:var(--card);border-radius:.5rem;padding:.75rem 1rem}
.how code{overflow-wrap:anywhere}
section.source{background:var(--card);border-radius:.5rem;padding:.75rem 1rem;margin:1rem 0}
ul{list-style:none;margin:.5rem 0 0;padding:0}
li{display:flex;flex-wrap:wrap;align-items:baseline;gap:.25rem .75rem;padding:.4rem 0;border-top:1px solid var(--line)}
li:first-child{border-top:0}
.name{flex:1 1 12rem;overflow-wrap:anywhere}
.formats{display:flex;gap:.75rem;white-space:nowrap}
.formats a{display:inline-block;padding:.1rem 0}
`
  .trim()
  .replace(/\n/g, '');

/**
 * `feeds/index.html`: every feed of the deployment, grouped by source, with a `<link rel="alternate">` per feed and
 * format so browsers and readers can discover them. Self-contained (inline CSS, no script, no external asset).
 * Pure: the same catalogue gives the same bytes.
 */
export function renderIndexHtml(catalogue: Catalogue): string {
  const publisher = catalogue.publisherName;
  const opml = `${catalogue.baseUrl}feeds/opml.xml`;
  const discovery: string[] = [];
  const discover = (title: string, feeds: FeedUrls) => {
    for (const format of FORMATS) {
      discovery.push(
        `<link rel="alternate" type="${format.type}" title="${x(`${title} (${format.name})`)}" href="${x(feeds[format.key])}">\n`,
      );
    }
  };
  discover(`${publisher}: all articles`, catalogue.all);
  for (const source of catalogue.sources) {
    discover(source.name, source.feeds);
    for (const tag of source.tags) discover(`${source.name}: ${tag.label}`, tag.feeds);
  }
  for (const tag of catalogue.tags) discover(`${publisher}: ${tag.label}`, tag.feeds);

  const body: string[] = [
    `<h1>${x(publisher)}: news feeds</h1>\n`,
    '<div class="how">\n',
    '<p><strong>How to subscribe.</strong> Copy the link of a feed below (RSS, Atom or JSON Feed: they carry the ',
    'same articles) and paste it into your feed reader. Most readers also find the feeds when you give them the ',
    'address of this page.</p>\n',
    `<p>Every feed at once, for importing into a reader: <a href="${x(opml)}" type="text/x-opml">opml.xml</a> (OPML).</p>\n`,
    '</div>\n',
    '<h2>Everything</h2>\n<ul>\n',
    row(`All articles from every source`, undefined, catalogue.all),
    '</ul>\n',
    '<h2>Sources</h2>\n',
  ];
  if (catalogue.sources.length === 0) body.push('<p>No sources yet.</p>\n');
  for (const source of catalogue.sources) {
    const name = isWebUrl(source.homepageUrl)
      ? `<a href="${x(source.homepageUrl)}">${x(source.name)}</a>`
      : x(source.name);
    body.push(
      `<section class="source" id="source-${x(source.slug)}" lang="${x(source.language)}">\n`,
      `<h3>${name}</h3>\n`,
      source.description ? `<p class="muted">${x(source.description)}</p>\n` : '',
      '<ul>\n',
      row(`Everything from ${source.name}`, undefined, source.feeds),
      ...source.tags.map((tag) => tagRow(tag)),
      '</ul>\n</section>\n',
    );
  }
  if (catalogue.tags.length > 0) {
    body.push(
      '<h2>Tags across every source</h2>\n<ul>\n',
      ...catalogue.tags.map((tag) => tagRow(tag)),
      '</ul>\n',
    );
  }
  body.push(
    `<p class="muted">Last change: <time datetime="${x(catalogue.updated)}">${x(readableTime(catalogue.updated))}</time>.</p>\n`,
  );

  return [
    '<!DOCTYPE html>\n',
    `<html lang="${x(catalogue.language)}">\n<head>\n`,
    '<meta charset="utf-8">\n',
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
    `<title>${x(publisher)}: news feeds</title>\n`,
    `<meta name="description" content="${x(`Every news feed of ${publisher}, by source and tag, in RSS, Atom and JSON Feed`)}">\n`,
    ...discovery,
    `<style>${STYLE}</style>\n`,
    '</head>\n<body>\n<main>\n',
    ...body,
    '</main>\n</body>\n</html>\n',
  ].join('');
}

function tagRow(tag: CatalogueTag): string {
  return row(tag.label, `${tag.count} ${tag.count === 1 ? 'article' : 'articles'}`, tag.feeds);
}

function row(name: string, note: string | undefined, feeds: FeedUrls): string {
  const links = FORMATS.map(
    (format) => `<a href="${x(feeds[format.key])}" type="${format.type}">${format.name}</a>`,
  ).join(' ');
  const detail = note ? ` <span class="muted">${x(note)}</span>` : '';
  return `<li><span class="name">${x(name)}${detail}</span><span class="formats">${links}</span></li>\n`;
}

/** `2025-07-16 09:30 UTC`, from an ISO 8601 UTC time; the data decides, never the clock. */
function readableTime(iso: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return match ? `${match[1]} ${match[2]} UTC` : iso;
}

function isWebUrl(value: string): boolean {
  return /^https?:\/\//i.test(value);
}
