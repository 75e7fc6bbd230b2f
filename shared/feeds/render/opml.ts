import type { Catalogue, DirectoryPage } from '../catalogue.ts';
import type { FeedUrls } from '../model.ts';
import { directoryTitle } from './directory-html.ts';
import { rfc822, escapeXml as x } from './xml.ts';

interface OpmlFeed {
  text: string;
  description: string;
  feeds: FeedUrls;
  htmlUrl: string;
  language: string;
}

function head(title: string, ownerName: string, dateModified?: string): string[] {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>\n',
    '<opml version="2.0">\n<head>\n',
    `<title>${x(title)}</title>\n`,
    dateModified ? `<dateModified>${rfc822(dateModified)}</dateModified>\n` : '',
    `<ownerName>${x(ownerName)}</ownerName>\n`,
    '<docs>http://opml.org/spec2.opml</docs>\n',
    '</head>\n<body>\n',
  ];
}

/** A feed's outline, by its RSS URL (`type="rss"` covers any feed format). */
function feedOutline(feed: OpmlFeed): string {
  return (
    `<outline type="rss" version="RSS2" text="${x(feed.text)}" title="${x(feed.text)}"` +
    ` description="${x(feed.description)}" xmlUrl="${x(feed.feeds.rss)}" htmlUrl="${x(feed.htmlUrl)}"` +
    ` language="${x(feed.language)}"/>\n`
  );
}

/** An OPML 2.0 inclusion: readers that import the document fetch the one it names in its place. */
function includeOutline(text: string, url: string): string {
  return `<outline type="include" text="${x(text)}" url="${x(url)}"/>\n`;
}

/**
 * OPML 2.0 of the top catalogue: the feed of everything, then one group per source with its feed and its tag
 * directory included (`type="include"`), then the cross-source tag directory included. Pure: `dateModified` is the
 * latest source registration, never the clock, so the same catalogue gives the same bytes.
 */
export function renderOpml(catalogue: Catalogue): string {
  const index = `${catalogue.baseUrl}feeds/index.html`;
  const parts = head(`${catalogue.publisherName}: every feed`, catalogue.publisherName, catalogue.updated);
  parts.push(
    '<outline text="Everything" title="Everything">\n',
    feedOutline({
      text: `${catalogue.publisherName}: all articles`,
      description: `Every article from every source of ${catalogue.publisherName}`,
      feeds: catalogue.all,
      htmlUrl: index,
      language: catalogue.language,
    }),
    '</outline>\n',
  );
  for (const source of catalogue.sources) {
    parts.push(
      `<outline text="${x(source.name)}" title="${x(source.name)}">\n`,
      feedOutline({
        text: source.name,
        description: source.description,
        feeds: source.feeds,
        htmlUrl: source.homepageUrl,
        language: source.language,
      }),
      includeOutline(`Tags of ${source.name}`, source.tags.opml),
      '</outline>\n',
    );
  }
  parts.push(
    '<outline text="Tags across every source" title="Tags across every source">\n',
    includeOutline('Tags across every source', catalogue.tags.opml),
    '</outline>\n',
    '</body>\n</opml>\n',
  );
  return parts.join('');
}

/**
 * OPML 2.0 of one directory page: each tag feed of the page, then the next page included. No `dateModified`, so the
 * bytes change only when the page's tags do.
 */
export function renderDirectoryOpml(page: DirectoryPage): string {
  const parts = head(directoryTitle(page), page.publisherName);
  const index = `${page.baseUrl}feeds/index.html`;
  for (const tag of page.tags) {
    parts.push(
      feedOutline(
        page.source
          ? {
              text: `${page.source.name}: ${tag.label}`,
              description: `Articles from ${page.source.name} tagged “${tag.label}”`,
              feeds: tag.feeds,
              htmlUrl: page.source.homepageUrl,
              language: page.source.language,
            }
          : {
              text: `${page.publisherName}: ${tag.label}`,
              description: `Articles tagged “${tag.label}” from every source of ${page.publisherName}`,
              feeds: tag.feeds,
              htmlUrl: index,
              language: page.language,
            },
      ),
    );
  }
  if (page.next) parts.push(includeOutline(`${directoryTitle(page)}: more tags`, page.next.opml));
  // OPML's body holds at least one outline: a page with no tag yet says so in a plain one.
  else if (page.tags.length === 0) parts.push('<outline text="No tags yet"/>\n');
  parts.push('</body>\n</opml>\n');
  return parts.join('');
}
