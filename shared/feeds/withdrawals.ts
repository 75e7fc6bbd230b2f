import type { Article } from '../articles/model.ts';
import type { Tombstone } from './changes.ts';
import { entryUrn, type FeedEntry, type Withdrawal, type WithdrawnStatus } from './model.ts';

/**
 * What readers are told of an article that left the feeds for good, by the status that took it out: a short title
 * and notice (never the article's own text) and the word the SmartNews profile gives as `media:status reason`.
 */
export const WITHDRAWAL_NOTICES: Readonly<Record<WithdrawnStatus, { title: string; notice: string }>> = {
  retracted: {
    title: 'Article retracted',
    notice: 'This article has been retracted by its publisher and is no longer available.',
  },
  expired: {
    title: 'Article expired',
    notice: 'This article has expired and is no longer available from its publisher.',
  },
};

/**
 * The withdrawal a write made, if it took a listed article out of the feeds for good: a retraction
 * (`retractedAt`) or an expiry (`expiredAt`), each dated by its own time, or the write's when the field is absent.
 * Undefined for any other write.
 */
export function withdrawalOf(before: Article, after: Article | undefined, at: string): Tombstone | undefined {
  const base = { id: before.id, publishedAt: before.publishedAt, url: before.url };
  if (after?.status === 'retracted') return { ...base, at: after.retractedAt ?? at, status: 'retracted' };
  if (after?.status === 'expired') return { ...base, at: after.expiredAt ?? at, status: 'expired' };
  return undefined;
}

/**
 * The withdrawals a feed still announces, from the tombstones it keeps, newest first: a tombstone recorded before
 * tombstones carried a status is a retraction, and one without a URL is announced without a link.
 */
export function withdrawalsOf(tombstones: readonly Tombstone[]): Withdrawal[] {
  return tombstones.map((tombstone) => ({
    id: tombstone.id,
    status: tombstone.status ?? 'retracted',
    at: tombstone.at,
    ...(tombstone.url ? { url: tombstone.url } : {}),
  }));
}

/** One item of an RSS feed, a JSON Feed or a feed's page: a live entry, or the notice of a withdrawn article. */
export type FeedItem =
  | { entry: FeedEntry; withdrawal?: undefined }
  | { withdrawal: Withdrawal; entry?: undefined };

/**
 * A feed's items, newest first: its entries (newest publication first) with each withdrawal placed by the time it
 * was withdrawn, which is the date the notice carries. Withdrawals come on top of the entries: they never take a
 * live entry's place in the window. A withdrawal of an article that is in the entries (it came back) is dropped.
 */
export function feedItems(
  entries: readonly FeedEntry[],
  withdrawals: readonly Withdrawal[] = [],
): FeedItem[] {
  const live = new Set(entries.map((entry) => entry.id));
  const pending = withdrawals
    .filter((withdrawal) => !live.has(withdrawal.id))
    .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : a.id < b.id ? -1 : 1));
  const items: FeedItem[] = [];
  let next = 0;
  for (const entry of entries) {
    while (next < pending.length && (pending[next] as Withdrawal).at >= entry.publishedAt)
      items.push({ withdrawal: pending[next++] as Withdrawal });
    items.push({ entry });
  }
  while (next < pending.length) items.push({ withdrawal: pending[next++] as Withdrawal });
  return items;
}

/** The stable identifier a withdrawal's notice carries: the article's own, so readers and partners match it. */
export const withdrawalUrn = (withdrawal: Withdrawal): string => entryUrn(withdrawal.id);
