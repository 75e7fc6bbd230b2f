import { urlPath } from '../slug.ts';
import type { FeedId } from './feed-ids.ts';
import type { FeedUrls } from './model.ts';
import type { FeedSettings } from './settings.ts';

/**
 * RFC 5005 archived feeds, in pages of at most as many entries as the feed holds. A feed keeps its newest N
 * entries; the entries that have left it are archived in order, oldest first: page 1, page 2, … The newest page is
 * open: it holds what left the feed since the last page closed, and it closes once it would pass N entries, so a
 * page never grows with a day's volume. A closed page changes only when one of its articles is corrected or
 * retracted (or an article backdated into its span joins it), and is cached for a day. A feed that still holds every
 * entry has no archive. Each page links the page before it (`prev-archive`), a closed page the one after it
 * (`next-archive`, known when it closes), and each the current feed (`current`); the current feed links the newest
 * page, so a partner that was away walks back and recovers every item exactly once.
 */
export type ArchivePage = number;

/**
 * Where an entry sits in its feed: its membership's sort key, `{publishedAt}#{id}`. Keys order entries by
 * publication, and a page is a span of keys.
 */
export type EntryKey = string;

export const entryKey = (entry: { publishedAt: string; id: string }): EntryKey =>
  `${entry.publishedAt}#${entry.id}`;

/** One page of a feed's archive: the entries with keys after `after` and up to `through` (before, while open). */
export interface ArchiveSpan {
  page: ArchivePage;
  /** Exclusive; '' for the first page. */
  after: EntryKey;
  /** Inclusive for a closed page; exclusive for the open one (the oldest entry of the feed). */
  through: EntryKey;
  closed: boolean;
  /**
   * The renderers' version (render/version.ts) that rendered a closed page as it closed, kept in the page index: a
   * page closes under its feed's archive state and has no state of its own until it is rendered again.
   */
  renderer?: number;
}

export function archiveUrls(settings: FeedSettings, feed: FeedId, page: ArchivePage): FeedUrls {
  const base = `${settings.baseUrl}feeds/${urlPath(feed)}/archive/${page}/`;
  return {
    rss: `${base}rss.xml`,
    atom: `${base}atom.xml`,
    json: `${base}feed.json`,
    page: `${base}index.html`,
  };
}

/** The publish-state name of an archive page (beside the feed's own). */
export const archiveDocument = (feed: FeedId, page: ArchivePage) => `${feed}/archive/${page}`;

/** Whether an object key is an archive document rather than a current feed. */
export const isArchiveKey = (key: string) => /\/archive\/[0-9-]+\//.test(key);

/** Closed pages change only when one of their articles is corrected or retracted: cache them long. */
export const CLOSED_ARCHIVE_CACHE_CONTROL = 'public, max-age=86400, stale-while-revalidate=86400';
