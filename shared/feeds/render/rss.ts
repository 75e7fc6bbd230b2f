import { entryUrn, type FeedChannel, type FeedEntry } from '../model.ts';
import { historyLinks } from './history.ts';
import { cdata, escapeTextAsHtml, imageType, rfc822, escapeText as t, escapeXml as x } from './xml.ts';

/** RSS 2.0, with the content, Dublin Core, Atom and Media RSS modules. Pure: the same input gives the same bytes. */
export function renderRss(channel: FeedChannel, entries: readonly FeedEntry[]): string {
  const parts: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>\n',
    '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/"',
    ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/"',
    channel.history?.archive ? ' xmlns:fh="http://purl.org/syndication/history/1.0"' : '',
    '>\n<channel>\n',
    `<title>${t(channel.title)}</title>\n`,
    `<link>${x(channel.homePageUrl)}</link>\n`,
    `<description>${t(channel.description)}</description>\n`,
    `<language>${x(channel.language)}</language>\n`,
    `<atom:link href="${x(channel.urls.rss)}" rel="self" type="application/rss+xml"/>\n`,
    ...channel.hubs.map((hub) => `<atom:link href="${x(hub)}" rel="hub"/>\n`),
    ...historyLinks(channel, 'rss').map(
      ([rel, href]) => `<atom:link href="${x(href)}" rel="${rel}" type="application/rss+xml"/>\n`,
    ),
    channel.history?.archive ? '<fh:archive/>\n' : '',
    `<lastBuildDate>${rfc822(channel.updated)}</lastBuildDate>\n`,
    `<ttl>${channel.ttlMinutes}</ttl>\n`,
    '<generator>feed-pipeline</generator>\n',
  ];
  for (const entry of entries) {
    parts.push(
      '<item>\n',
      `<title>${t(entry.title)}</title>\n`,
      `<link>${x(entry.url)}</link>\n`,
      `<guid isPermaLink="false">${entryUrn(entry.id)}</guid>\n`,
      `<pubDate>${rfc822(entry.publishedAt)}</pubDate>\n`,
      `<atom:updated>${entry.updatedAt}</atom:updated>\n`,
      // The summary is plain text, and an item's description holds HTML.
      `<description>${escapeTextAsHtml(entry.summary)}</description>\n`,
      `<content:encoded>${cdata(entry.contentHtml)}</content:encoded>\n`,
    );
    if (entry.author) parts.push(`<dc:creator>${t(entry.author.name)}</dc:creator>\n`);
    for (const tag of entry.tags) {
      const domain = channel.tagFeeds ? ` domain="${x(channel.tagFeeds(tag.slug).rss)}"` : '';
      parts.push(`<category${domain}>${t(tag.label)}</category>\n`);
    }
    const source = channel.sources?.[entry.source];
    if (source) parts.push(`<source url="${x(source.rssUrl)}">${t(source.name)}</source>\n`);
    if (entry.image) {
      const type = imageType(entry.image.url);
      parts.push(
        `<media:content url="${x(entry.image.url)}" medium="image"${type ? ` type="${type}"` : ''}`,
        entry.image.alt
          ? `>\n<media:description type="plain">${t(entry.image.alt)}</media:description>\n</media:content>\n`
          : '/>\n',
      );
    }
    parts.push('</item>\n');
  }
  parts.push('</channel>\n</rss>\n');
  return parts.join('');
}
