import { entryUrn, type FeedChannel, type FeedEntry } from '../model.ts';
import { historyLinks } from './history.ts';
import { cdata, imageType, escapeText as t, escapeXml as x } from './xml.ts';

/** Atom 1.0 (RFC 4287). Pure: the same input gives the same bytes. */
export function renderAtom(channel: FeedChannel, entries: readonly FeedEntry[]): string {
  const parts: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>\n',
    `<feed xmlns="http://www.w3.org/2005/Atom"${channel.tombstones?.length ? ' xmlns:at="http://purl.org/atompub/tombstones/1.0"' : ''}${channel.history?.archive ? ' xmlns:fh="http://purl.org/syndication/history/1.0"' : ''} xml:lang="${x(channel.language)}">\n`,
    `<id>${x(channel.urn)}</id>\n`,
    `<title>${t(channel.title)}</title>\n`,
    `<subtitle>${t(channel.description)}</subtitle>\n`,
    `<updated>${channel.updated}</updated>\n`,
    `<author><name>${t(channel.author.name)}</name><uri>${x(channel.author.url)}</uri></author>\n`,
    `<link rel="self" type="application/atom+xml" href="${x(channel.urls.atom)}"/>\n`,
    ...channel.hubs.map((hub) => `<link rel="hub" href="${x(hub)}"/>\n`),
    ...historyLinks(channel, 'atom').map(
      ([rel, href]) => `<link rel="${rel}" type="application/atom+xml" href="${x(href)}"/>\n`,
    ),
    channel.history?.archive ? '<fh:archive/>\n' : '',
    `<link rel="alternate" type="text/html" href="${x(channel.homePageUrl)}"/>\n`,
    '<generator>feed-pipeline</generator>\n',
    // A source's square icon and its logo (RFC 4287 4.2.5 and 4.2.8).
    channel.branding?.iconUrl ? `<icon>${x(channel.branding.iconUrl)}</icon>\n` : '',
    channel.branding?.logoUrl ? `<logo>${x(channel.branding.logoUrl)}</logo>\n` : '',
  ];
  for (const entry of entries) {
    parts.push(
      '<entry>\n',
      `<id>${entryUrn(entry.id)}</id>\n`,
      `<title>${t(entry.title)}</title>\n`,
      `<link rel="alternate" type="text/html" href="${x(entry.url)}"/>\n`,
      `<published>${entry.publishedAt}</published>\n`,
      `<updated>${entry.updatedAt}</updated>\n`,
    );
    if (entry.author) {
      parts.push(
        `<author><name>${t(entry.author.name)}</name>`,
        entry.author.email ? `<email>${x(entry.author.email)}</email>` : '',
        entry.author.url ? `<uri>${x(entry.author.url)}</uri>` : '',
        '</author>\n',
      );
    }
    for (const tag of entry.tags) {
      const scheme = channel.tagFeeds ? ` scheme="${x(channel.tagFeeds(tag.slug).rss)}"` : '';
      parts.push(`<category term="${x(tag.slug)}" label="${t(tag.label)}"${scheme}/>\n`);
    }
    for (const citation of entry.citations) {
      if (citation.url)
        parts.push(`<link rel="related" href="${x(citation.url)}" title="${t(citation.name)}"/>\n`);
    }
    if (entry.image) {
      const type = imageType(entry.image.url);
      parts.push(`<link rel="enclosure" href="${x(entry.image.url)}"${type ? ` type="${type}"` : ''}/>\n`);
    }
    const source = channel.sources?.[entry.source];
    if (source) {
      parts.push(
        // The source feed as it was when this entry last changed: that change was then the source feed's newest, so
        // the feed's updated time was the entry's own (RFC 4287 4.2.11 asks for it). Reading the source feed's
        // current time from its state instead would make every feed that mixes sources depend on every source's
        // latest article: each article would re-render every mixed feed holding an older one of its source.
        `<source><id>${source.urn}</id><title>${t(source.name)}</title><updated>${entry.updatedAt}</updated><link rel="self" type="application/rss+xml" href="${x(source.rssUrl)}"/></source>\n`,
      );
    }
    parts.push(
      `<summary>${t(entry.summary)}</summary>\n`,
      `<content type="html">${cdata(entry.contentHtml)}</content>\n`,
      '</entry>\n',
    );
  }
  for (const tombstone of channel.tombstones ?? []) {
    parts.push(`<at:deleted-entry ref="${x(tombstone.ref)}" when="${tombstone.when}"/>\n`);
  }
  parts.push('</feed>\n');
  return parts.join('');
}
