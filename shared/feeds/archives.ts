import type { FeedId } from './feed-ids.ts';
import type { FeedUrls } from './model.ts';
import type { FeedSettings } from './settings.ts';

/**
 * RFC 5005 archived feeds: alongside each feed, one archive document per calendar day (UTC, by publication
 * time) and format, holding every published article of that day. Days rather than months keep the cost of
 * re-rendering the open archive of a busy feed (such as `all`) bounded by a day's volume. Archives link to each other
 * (`prev-archive`, `next-archive`) and to the current feed (`current`), and the current feed links its newest
 * archive, so a partner that was away can walk back and recover every item.
 */
export type Day = string;

/** The day (`YYYY-MM-DD`, UTC) of an ISO 8601 time. */
export function dayOf(iso: string): Day {
  return iso.slice(0, 10);
}

export function archiveUrls(settings: FeedSettings, feed: FeedId, day: Day): FeedUrls {
  const base = `${settings.baseUrl}feeds/${feed}/archive/${day}/`;
  return {
    rss: `${base}rss.xml`,
    atom: `${base}atom.xml`,
    json: `${base}feed.json`,
    page: `${base}index.html`,
  };
}

/** The publish-state name of an archive (beside the feed's own). */
export const archiveDocument = (feed: FeedId, day: Day) => `${feed}/archive/${day}`;

/** Whether an object key is an archive document rather than a current feed. */
export const isArchiveKey = (key: string) => /\/archive\/\d{4}-\d{2}-\d{2}\//.test(key);

/** Archives of a closed day change only when an article in them is corrected or retracted: cache them long. */
export const CLOSED_ARCHIVE_CACHE_CONTROL = 'public, max-age=86400, stale-while-revalidate=86400';
