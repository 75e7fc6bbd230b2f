import type { Catalogue } from '../catalogue.ts';
import type { FeedUrls } from '../model.ts';
import { rfc822, escapeXml as x } from './xml.ts';

interface OpmlFeed {
  text: string;
  description: string;
  feeds: FeedUrls;
  htmlUrl: string;
  language: string;
}

/**
 * OPML 2.0: every feed once (by its RSS URL; `type="rss"` covers any feed format), grouped by source, then a
 * group for everything and one for the tags across sources. Pure: `dateModified` is the catalogue's newest
 * change, never the clock, so the same catalogue gives the same bytes.
 */
export function renderOpml(catalogue: Catalogue): string {
  const index = `${catalogue.baseUrl}feeds/index.html`;
  const parts: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>\n',
    '<opml version="2.0">\n<head>\n',
    `<title>${x(catalogue.publisherName)}: every feed</title>\n`,
    `<dateModified>${rfc822(catalogue.updated)}</dateModified>\n`,
    `<ownerName>${x(catalogue.publisherName)}</ownerName>\n`,
    '<docs>http://opml.org/spec2.opml</docs>\n',
    '</head>\n<body>\n',
  ];
  const group = (text: string, feeds: OpmlFeed[]) => {
    parts.push(`<outline text="${x(text)}" title="${x(text)}">\n`);
    for (const feed of feeds) {
      parts.push(
        `<outline type="rss" version="RSS2" text="${x(feed.text)}" title="${x(feed.text)}"`,
        ` description="${x(feed.description)}" xmlUrl="${x(feed.feeds.rss)}" htmlUrl="${x(feed.htmlUrl)}"`,
        ` language="${x(feed.language)}"/>\n`,
      );
    }
    parts.push('</outline>\n');
  };
  group('Everything', [
    {
      text: `${catalogue.publisherName}: all articles`,
      description: `Every article from every source of ${catalogue.publisherName}`,
      feeds: catalogue.all,
      htmlUrl: index,
      language: catalogue.language,
    },
  ]);
  for (const source of catalogue.sources) {
    group(source.name, [
      {
        text: source.name,
        description: source.description,
        feeds: source.feeds,
        htmlUrl: source.homepageUrl,
        language: source.language,
      },
      ...source.tags.map((tag) => ({
        text: `${source.name}: ${tag.label}`,
        description: `Articles from ${source.name} tagged “${tag.label}”`,
        feeds: tag.feeds,
        htmlUrl: source.homepageUrl,
        language: source.language,
      })),
    ]);
  }
  if (catalogue.tags.length > 0) {
    group(
      'Tags across every source',
      catalogue.tags.map((tag) => ({
        text: `${catalogue.publisherName}: ${tag.label}`,
        description: `Articles tagged “${tag.label}” from every source of ${catalogue.publisherName}`,
        feeds: tag.feeds,
        htmlUrl: index,
        language: catalogue.language,
      })),
    );
  }
  parts.push('</body>\n</opml>\n');
  return parts.join('');
}
