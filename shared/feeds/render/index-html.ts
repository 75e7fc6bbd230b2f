import type { Catalogue } from '../catalogue.ts';
import type { FeedUrls } from '../model.ts';
import { directionOf, formatLinks, htmlPage, isWebUrl, timeElement } from './page.ts';
import { escapeXml as x } from './xml.ts';

/**
 * `feeds/index.html`: the feed of everything and every source's feed, each with a `<link rel="alternate">` per
 * format so browsers and readers can discover them, and a link to each tag directory. It lists no tags itself, so it
 * changes only when a source does. Self-contained (inline CSS, no script, no external asset). Pure: the same
 * catalogue gives the same bytes.
 */
export function renderIndexHtml(catalogue: Catalogue): string {
  const publisher = catalogue.publisherName;
  const opml = `${catalogue.baseUrl}feeds/opml.xml`;
  const alternates: { title: string; feeds: FeedUrls }[] = [
    { title: `${publisher}: all articles`, feeds: catalogue.all },
    ...catalogue.sources.map((source) => ({ title: source.name, feeds: source.feeds })),
  ];
  const body: string[] = [
    `<h1>${x(publisher)}: news feeds</h1>\n`,
    '<div class="how">\n',
    '<p><strong>How to subscribe.</strong> Copy the link of a feed below (RSS, Atom or JSON Feed: they carry the ',
    'same articles) and paste it into your feed reader. Most readers also find the feeds when you give them the ',
    'address of this page.</p>\n',
    `<p>Every feed at once, tags included, for importing into a reader: <a href="${x(opml)}" type="text/x-opml">opml.xml</a> (OPML).</p>\n`,
    '</div>\n',
    '<h2>Everything</h2>\n<ul class="feeds">\n',
    row('All articles from every source', catalogue.all),
    '</ul>\n',
    `<p><a href="${x(catalogue.tags.html)}">Tags across every source</a></p>\n`,
    '<h2>Sources</h2>\n',
  ];
  if (catalogue.sources.length === 0) body.push('<p>No sources yet.</p>\n');
  for (const source of catalogue.sources) {
    const name = isWebUrl(source.homepageUrl)
      ? `<a href="${x(source.homepageUrl)}">${x(source.name)}</a>`
      : x(source.name);
    body.push(
      `<section class="source" id="source-${x(source.slug)}" lang="${x(source.language)}" dir="${directionOf(source.language)}">\n`,
      `<h3>${name}</h3>\n`,
      source.description ? `<p class="muted">${x(source.description)}</p>\n` : '',
      '<ul class="feeds">\n',
      row(`Everything from ${source.name}`, source.feeds),
      '</ul>\n',
      `<p><a href="${x(source.tags.html)}">Tags of ${x(source.name)}</a></p>\n`,
      '</section>\n',
    );
  }
  body.push(`<p class="muted">Last change: ${timeElement(catalogue.updated)}.</p>\n`);

  return htmlPage({
    language: catalogue.language,
    title: `${publisher}: news feeds`,
    description: `Every news feed of ${publisher}, by source and tag, in RSS, Atom and JSON Feed`,
    alternates,
    body,
  });
}

/** A feed's row: its name, linking its page, and its three formats. */
export function row(name: string, feeds: FeedUrls, note?: string): string {
  const detail = note ? ` <span class="muted">${x(note)}</span>` : '';
  return `<li><span class="name"><a href="${x(feeds.page)}">${x(name)}</a>${detail}</span><span class="formats">${formatLinks(feeds)}</span></li>\n`;
}
