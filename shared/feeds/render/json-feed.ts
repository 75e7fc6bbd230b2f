import { entryUrn, type FeedChannel, type FeedEntry, type Withdrawal } from '../model.ts';
import { feedItems, WITHDRAWAL_NOTICES, withdrawalUrn } from '../withdrawals.ts';
import { historyLinks } from './history.ts';

/**
 * JSON Feed 1.1, with the extensions `_citations`, `_source`, `_archive` and `_withdrawn`. Pure: the same input gives
 * the same bytes (keys in a fixed order).
 */
export function renderJsonFeed(channel: FeedChannel, entries: readonly FeedEntry[]): string {
  const feed = {
    version: 'https://jsonfeed.org/version/1.1',
    title: channel.title,
    home_page_url: channel.homePageUrl,
    feed_url: channel.urls.json,
    ...(channel.hubs.length ? { hubs: channel.hubs.map((url) => ({ type: 'WebSub', url })) } : {}),
    // JSON Feed's own paging: next_url leads to older items, here the next archive back.
    ...(channel.history?.prevArchive ? { next_url: channel.history.prevArchive.json } : {}),
    ...(channel.history
      ? {
          _archive: Object.fromEntries(
            historyLinks(channel, 'json').map(([rel, href]) => [rel.replace('-', '_'), href]),
          ),
        }
      : {}),
    description: channel.description,
    // A source's square icon, as the feed's icon and its favicon (a wide logo suits neither).
    ...(channel.branding?.iconUrl
      ? { icon: channel.branding.iconUrl, favicon: channel.branding.iconUrl }
      : {}),
    language: channel.language,
    authors: [{ name: channel.author.name, url: channel.author.url }],
    items: feedItems(entries, channel.withdrawn).map(({ entry, withdrawal }) => {
      if (withdrawal) return withdrawnItem(withdrawal);
      const source = channel.sources?.[entry.source];
      return {
        id: entryUrn(entry.id),
        url: entry.url,
        title: entry.title,
        summary: entry.summary,
        content_html: entry.contentHtml,
        ...(entry.image ? { image: entry.image.url } : {}),
        date_published: entry.publishedAt,
        date_modified: entry.updatedAt,
        ...(entry.author ? { authors: [jsonAuthor(entry.author)] } : {}),
        ...(entry.tags.length ? { tags: entry.tags.map((tag) => tag.label) } : {}),
        ...(entry.citations.length ? { _citations: { outlets: entry.citations } } : {}),
        ...(source ? { _source: { name: source.name, feed_url: source.rssUrl } } : {}),
      };
    }),
  };
  return `${JSON.stringify(feed, null, 1)}\n`;
}

function jsonAuthor(author: NonNullable<FeedEntry['author']>): { name: string; url?: string } {
  return author.url ? { name: author.name, url: author.url } : { name: author.name };
}

/**
 * The notice of a withdrawn article, in the item's place (same id and url): a notice instead of its text, dated by
 * the withdrawal as the RSS item is, and the `_withdrawn` extension saying why and since when.
 */
function withdrawnItem(withdrawal: Withdrawal) {
  const { title, notice } = WITHDRAWAL_NOTICES[withdrawal.status];
  return {
    id: withdrawalUrn(withdrawal),
    ...(withdrawal.url ? { url: withdrawal.url } : {}),
    title,
    content_text: notice,
    date_published: withdrawal.at,
    date_modified: withdrawal.at,
    _withdrawn: { status: withdrawal.status, at: withdrawal.at, reason: notice },
  };
}
