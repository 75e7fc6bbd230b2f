import type { Article, Source } from '../../articles/model.ts';
import type { DueIndex, IdempotencyRecord, StoredKey } from '../../articles/ports.ts';
import type { ArchiveSpan } from '../../feeds/archives.ts';
import type { Listing } from '../../feeds/directory.ts';
import type { FeedId } from '../../feeds/feed-ids.ts';
import type { DocumentState, SitemapEntry } from '../../feeds/ports.ts';

/**
 * What the in-memory adapters share, as the DynamoDB adapters share one table: articles and their versions, feed
 * memberships, sources and keys, idempotency records, tag counts, publish states, the archive page index, the
 * directory counters and listings. For fast tests of the use cases, held to the DynamoDB adapters' behaviour by
 * the contract suites in `tests/contract/`. Everything goes in and comes out as a copy, as it does through a
 * database.
 */
export class MemoryTable {
  readonly articles = new Map<string, Article>();
  /** Versions of each article by number. */
  readonly versions = new Map<string, Map<number, Article>>();
  /**
   * Each feed's memberships by entry key (`{publishedAt}#{id}`): the entry's fields, or a thin membership's fields
   * and the pointer to its version (memberships.ts).
   */
  readonly memberships = new Map<FeedId, Map<string, Record<string, unknown>>>();
  readonly sources = new Map<string, Source>();
  readonly keys = new Map<string, StoredKey>();
  /** By `{scope}\n{key}`; `expiresAt` kept to the second, as the table's TTL attribute keeps it. */
  readonly idempotency = new Map<string, IdempotencyRecord>();
  /** Each source's external ids (`{source}\n{externalId}`): the id of the article that holds it, never released. */
  readonly externalIds = new Map<string, string>();
  /** By source, then tag: the articles that carry it and its label. */
  readonly tagCounts = new Map<string, Map<string, { articles: number; label?: string }>>();
  readonly states = new Map<string, DocumentState>();
  /** Each feed's closed archive pages by the key of their last entry. */
  readonly archivePages = new Map<FeedId, Map<string, ArchiveSpan>>();
  readonly places = new Map<string, number>();
  /** The lifecycle's time-ordered indexes, by `{at}#{id}`: the article's id and source. */
  readonly due = new Map<DueIndex, Map<string, { id: string; source: string }>>();
  /** By `{directory}#{page}`, then tag. */
  readonly listings = new Map<string, Map<string, { listing: Listing; revision: number }>>();
  /** Each source's news sitemap entries by `{publishedAt}#{id}`. */
  readonly sitemapEntries = new Map<string, Map<string, SitemapEntry>>();
}

export const copy = <T>(value: T): T => structuredClone(value);

/** Map values in the order of their keys, as a DynamoDB query returns a partition's items. */
export function byKey<T>(map: ReadonlyMap<string, T> | undefined, descending = false): T[] {
  const keys = [...(map?.keys() ?? [])].sort();
  if (descending) keys.reverse();
  return keys.map((key) => map?.get(key) as T);
}
