import type { DirectoryPage } from '../catalogue.ts';
import { row } from './index-html.ts';
import { chromeAttributes, htmlPage } from './page.ts';
import { escapeXml as x } from './xml.ts';

/** The title of a directory: whose tags it lists. */
export function directoryTitle(page: DirectoryPage): string {
  const whose = page.source ? page.source.name : `${page.publisherName}, every source`;
  return page.page > 1 ? `Tags of ${whose} (page ${page.page})` : `Tags of ${whose}`;
}

/**
 * One page of a tag directory for people: each tag's feed, linking its page, in three formats, with a
 * `<link rel="alternate">` each, and links to the neighbouring pages and the catalogue. Counts and times are left out
 * (the JSON tag index has them), so the page changes only when a tag is listed, relabelled or emptied. Pure.
 */
export function renderDirectoryHtml(page: DirectoryPage): string {
  const title = directoryTitle(page);
  const en = chromeAttributes(page.language);
  // In a right-to-left page the heading is English words around the source's name: the name is isolated.
  const heading =
    en && page.source ? x(title).replace(x(page.source.name), `<bdi>${x(page.source.name)}</bdi>`) : x(title);
  const name = (label: string) => (page.source ? `${page.source.name}: ${label}` : label);
  const nav: string[] = [];
  if (page.previous) nav.push(`<a href="${x(page.previous.html)}" rel="prev">Previous tags</a>`);
  if (page.next) nav.push(`<a href="${x(page.next.html)}" rel="next">More tags</a>`);
  nav.push(`<a href="${x(page.baseUrl)}feeds/index.html">Every feed</a>`);
  const body: string[] = [
    `<h1${en}>${heading}</h1>\n`,
    `<div class="how"${en}>\n`,
    '<p>Each tag has its own feed. Copy the link of one into your feed reader, or import ',
    `<a href="${x(page.links.opml)}" type="text/x-opml">this list as OPML</a>.</p>\n`,
    '</div>\n',
  ];
  if (page.source) {
    body.push(
      '<ul class="feeds">\n',
      row(`Everything from ${page.source.name}`, page.source.feeds),
      '</ul>\n',
    );
  }
  body.push(`<h2${en}>Tags</h2>\n`);
  if (page.tags.length === 0) body.push(`<p${en}>No tags on this page yet.</p>\n`);
  else
    body.push(
      '<ul class="feeds" dir="auto">\n',
      ...page.tags.map((tag) => row(tag.label, tag.feeds)),
      '</ul>\n',
    );
  body.push(`<nav class="pages"${en}>${nav.join('\n')}</nav>\n`);
  return htmlPage({
    language: page.language,
    title,
    description: title,
    alternates: page.tags.map((tag) => ({ title: name(tag.label), feeds: tag.feeds })),
    body,
  });
}
