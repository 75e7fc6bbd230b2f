import type { Article } from '../articles/model.ts';
import { type EntryKey, entryKey } from './archives.ts';
import { type FeedId, feedIdsOf } from './feed-ids.ts';
import type { WithdrawnStatus } from './model.ts';
import { withdrawalOf } from './withdrawals.ts';

/** What one write of an article changed: the feeds whose content it touched, and when. */
export interface ArticleChange {
  /** Identifies the write (the stream record), so a failure can be reported against it. */
  recordId: string;
  feeds: FeedId[];
  /** When the change happened, from the stored article (its `updatedAt`). */
  at: string;
  /** Where the write touched each feed: the entry's key, which an archive page holds once it has left the feed. */
  touched: { feed: FeedId; key: EntryKey }[];
  /** Set when the write retracted an article that was in these feeds. */
  retraction?: Tombstone;
  /**
   * What the news sitemaps (shared/feeds/sitemap.ts) need of the article as it was and as it is: a batch keeps them
   * from its changes alone, never by reading a feed. `after` absent: the article is gone (a delete); `before` absent:
   * it is new. Absent altogether in changes built by hand without it: the sitemaps then ignore the change.
   */
  sitemap?: { before?: SitemapArticle; after?: SitemapArticle };
  /**
   * The article as the write left it, when it is in feeds: its version's content is in the record, so a store that
   * keeps what it read of version items (shared/adapters/dynamodb/version-reader.ts) takes it from here instead.
   */
  written?: Article;
}

/** An article as a news sitemap lists it, and whether it is listed at all (status `published`). */
export interface SitemapArticle {
  id: string;
  source: string;
  /** The canonical URL, the sitemap's `<loc>`. */
  url: string;
  title: string;
  publishedAt: string;
  /** The article's version: a sitemap entry is written only over one of an older or equal version. */
  version: number;
  listed: boolean;
}

function sitemapArticleOf(article: Article): SitemapArticle {
  const { id, source, url, title, publishedAt, version } = article;
  return { id, source, url, title, publishedAt, version, listed: article.status === 'published' };
}

/** A source registered or edited: the catalogue and the source's tag directory name it. */
export interface SourceChange {
  recordId: string;
  slug: string;
  /**
   * What an edit changed of what feeds show: `feeds`, any of the name, homepage, description and language, which
   * the source's own feeds and archive pages show; `name`, the name, which feeds that mix sources show beside each
   * of its entries. Absent for a registration (no feed holds the source yet) and for an edit that changed neither.
   */
  edited?: { feeds: boolean; name: boolean };
}

/**
 * A withdrawn (retracted or expired) article, as Atom feeds announce it (RFC 6721 `at:deleted-entry`) and RSS and
 * JSON Feed keep its notice (shared/feeds/withdrawals.ts).
 */
export interface Tombstone {
  id: string;
  publishedAt: string;
  /** When it was retracted (or expired). */
  at: string;
  /** Why it left: absent in state recorded before expiry existed, which is a retraction. */
  status?: WithdrawnStatus;
  /** The article's link, which the RSS and JSON Feed notice keeps (absent in older state). */
  url?: string;
}

/**
 * The feeds a write touched, from the article as it was and as it is: every feed it was in (a dropped tag's
 * or an old source's feed loses it) and every feed it is in now. Undefined when nothing a feed shows changed.
 */
export function changeOf(recordId: string, before?: Article, after?: Article): ArticleChange | undefined {
  const wasListed = before?.status === 'published';
  const isListed = after?.status === 'published';
  if (!wasListed && !isListed) return undefined;
  const feeds = new Set<FeedId>([
    ...(wasListed ? feedIdsOf(before) : []),
    ...(isListed ? feedIdsOf(after) : []),
  ]);
  const at = (after ?? before)?.updatedAt ?? '';
  const touched = [
    ...(wasListed ? feedIdsOf(before).map((feed) => ({ feed, key: entryKey(before) })) : []),
    ...(isListed ? feedIdsOf(after).map((feed) => ({ feed, key: entryKey(after) })) : []),
  ];
  const change: ArticleChange = {
    recordId,
    feeds: [...feeds],
    at,
    touched,
    sitemap: {
      ...(before ? { before: sitemapArticleOf(before) } : {}),
      ...(after ? { after: sitemapArticleOf(after) } : {}),
    },
  };
  if (isListed) change.written = after;
  const withdrawal = wasListed ? withdrawalOf(before, after, at) : undefined;
  if (withdrawal) change.retraction = withdrawal;
  return change;
}
