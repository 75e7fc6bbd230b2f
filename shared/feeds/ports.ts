import { createHash } from 'node:crypto';
import type { Article, Source } from '../articles/model.ts';
import type { ArchiveSpan, EntryKey } from './archives.ts';
import type { Tombstone } from './changes.ts';
import type { DirectoryId, Listing } from './directory.ts';
import type { FeedId } from './feed-ids.ts';
import type { FeedEntry } from './model.ts';

/** What the pipeline remembers of a published document (a feed's three formats, or a tag index). */
export interface DocumentState {
  /** Bumped by every publish; a publish commits only if no other one committed since it read. */
  revision: number;
  /** Time of the document's last change. */
  changedAt?: string;
  /** A tag feed's label, for when the feed has emptied. */
  label?: string;
  /** Publication time of the feed's newest entry. */
  newestPublishedAt?: string;
  /** Articles retracted while they were in the feed's window, still announced as deleted. */
  tombstones?: Tombstone[];
  /** A feed's archive pages, the open one included (shared/feeds/archives.ts); absent while it has none. */
  archivePages?: number;
  /** Where the open archive page starts: the last key of the page before it (exclusive), '' for the first. */
  archiveAfter?: string;
  /** Where the open archive page ends: the key of the feed's oldest entry (exclusive). */
  archiveBefore?: string;
  /** A tag feed's place in its directory (shared/feeds/directory.ts), once it has had an entry. */
  place?: number;
  /** Articles that carry a source's tag, as last listed. */
  count?: number;
  /** A source's news sitemap (shared/feeds/sitemap.ts): how many numbered files its last publish had. */
  sitemap?: SitemapState;
  /**
   * A digest of each object as last published, by key: a publish uploads only what differs, with no request to the
   * bucket. Absent for documents published before digests were kept: the bucket is asked once.
   */
  digests?: Record<string, string>;
  /** The revision whose commit recorded `digests`: they are trusted only while it is still the revision. */
  digestsRevision?: number;
  /** The renderers' version (render/version.ts) of the last publish: an older one means the bytes are stale. */
  renderer?: number;
  /**
   * The revision whose commit recorded `renderer`: a commit by a release from before stamps leaves the stamp behind,
   * and the document is then stale whatever the stamp says.
   */
  rendererRevision?: number;
}

/**
 * What a news sitemap's own publish state keeps beside its files' digests (shared/feeds/sitemap.ts): how many
 * numbered files its last publish had (absent while it fits one file), and how many publishes wrote entries
 * (`writes`: each of them changes the state, so it commits under the revision check even when its files come out
 * unchanged). Its entries are items of their own ({@link SitemapEntry}).
 */
export interface SitemapState {
  parts?: number;
  writes?: number;
}

/**
 * One article of a source's news sitemap, stored as an item of its own (a partition per source, keyed by
 * `{publishedAt}#{id}`): what the sitemap shows of it, the article's version (a write over a newer one is dropped)
 * and when the table may delete it (`expiresAt`, seconds since the epoch: DynamoDB's TTL, a day after the entry has
 * left the 48-hour window).
 */
export interface SitemapEntry {
  source: string;
  id: string;
  url: string;
  title: string;
  publishedAt: string;
  version: number;
  expiresAt: number;
}

/** The key of a sitemap entry, and the version of the change that takes it out. */
export type SitemapEntryRemoval = Pick<SitemapEntry, 'source' | 'id' | 'publishedAt' | 'version'>;

export interface FeedStore {
  /** Every registered source: for the catalogue, which changes only with them, and for republishing. */
  listSources(): Promise<Source[]>;
  /** The registered sources among `slugs` (a batch reads those its feeds name, never every source). */
  getSources(slugs: readonly string[]): Promise<Source[]>;
  /**
   * Articles as a batch's records carry them: a store that reads entries' content from version items may keep
   * theirs rather than read them (shared/adapters/dynamodb/version-reader.ts).
   */
  rememberVersions?(articles: readonly Article[]): void;
  /** The newest `limit` entries of a feed, newest first: one query, whatever the size of the table. */
  readEntries(feed: FeedId, limit: number): Promise<FeedEntry[]>;
  /**
   * The entries of a feed with keys after `after` ('' for the first) and before `before` (or up to and including
   * it, with `throughBefore`), oldest first, at most `limit`.
   */
  readSpan(
    feed: FeedId,
    span: { after: EntryKey; before: EntryKey; throughBefore?: boolean },
    limit?: number,
  ): Promise<FeedEntry[]>;
  /**
   * Every closed archive page of a feed, oldest first: for republishing, and for a batch only for the feeds of a
   * source whose edit they show, never for article writes.
   */
  closedArchivePages(feed: FeedId): Promise<ArchiveSpan[]>;
  /** The closed archive page whose span holds an entry key, if any. */
  findArchivePage(feed: FeedId, key: EntryKey): Promise<ArchiveSpan | undefined>;
  readState(document: string): Promise<DocumentState>;
  /** The states of many documents at once (a batch's feeds), by document; one never published has revision 0. */
  readStates(documents: readonly string[]): Promise<Map<string, DocumentState>>;
  /**
   * Records a publish; false when another publish of the document committed after `expectedRevision` was read.
   * With `closedPages`, the index of those archive pages is written in the same transaction.
   */
  commitState(
    document: string,
    expectedRevision: number,
    next: Omit<DocumentState, 'revision'>,
    closedPages?: { feed: FeedId; spans: readonly ArchiveSpan[] },
  ): Promise<boolean>;
  /**
   * The slug of every tag of a source that still has articles: for republishing, and for a batch only to re-render
   * an edited source's feeds, never for article writes.
   */
  readTagSlugs(source: string): Promise<string[]>;
  /** Articles that carry a tag of a source (kept exact by the writes). */
  tagCount(source: string, tag: string): Promise<number>;
  /**
   * Gives the next `count` places in a directory (counted from 1) and returns the last of them. Places are never
   * reused; a lost race leaves a gap.
   */
  takePlaces(directory: DirectoryId, count: number): Promise<number>;
  /** How many places a directory has given. */
  placesTaken(directory: DirectoryId): Promise<number>;
  /**
   * Records tags' listings, each unless one recorded from a later revision of its feed is already there. A batch
   * records all its listings at once; at most one per directory and tag.
   */
  putListings(listings: readonly ListingWrite[]): Promise<void>;
  /** The listings of one page of a directory. */
  readListings(directory: DirectoryId, page: number): Promise<Listing[]>;
  /**
   * Writes news sitemap entries, each unless the one stored under its key has a newer version (a late delivery
   * of an older record never overwrites a newer entry). One small item each.
   */
  putSitemapEntries(entries: readonly SitemapEntry[]): Promise<void>;
  /** Deletes news sitemap entries by key, each unless the one stored has a newer version than the removal's. */
  deleteSitemapEntries(removals: readonly SitemapEntryRemoval[]): Promise<void>;
  /**
   * A source's news sitemap entries published at or after `since` (an ISO time), newest first, at most `limit`:
   * one strongly consistent Query of the source's partition (read on past DynamoDB's 1 MB pages).
   */
  readSitemapEntries(source: string, since: string, limit: number): Promise<SitemapEntry[]>;
}

/** A tag's listing as a publish of its feed at `revision` recorded it. */
export interface ListingWrite {
  directory: DirectoryId;
  listing: Listing;
  revision: number;
}

/**
 * Hands the public URLs of the feed documents a batch changed to whatever tells WebSub hubs, off the publish path:
 * a hub that is slow or down never holds up the next batch.
 */
export interface ChangeAnnouncer {
  announce(topics: readonly string[]): Promise<void>;
}

/** A document ready to publish. */
export interface PublishableDocument {
  key: string;
  body: Buffer;
  contentType: string;
  cacheControl: string;
}

export interface DocumentPublisher {
  /**
   * Stores the document unless the bucket already holds these exact bytes; true when it uploaded. `stored` is the
   * digest of what the bucket holds, when the caller knows it (null: nothing); when undefined the bucket is asked.
   */
  publish(document: PublishableDocument, stored?: string | null): Promise<boolean>;
}

/**
 * The digest a publish compares (and the bucket's object metadata records), in hex: SHA-256 of the document's
 * headers and bytes, so a change of Content-Type or Cache-Control alone (a new edge TTL) is published too.
 */
export function digestOf(
  document: Pick<PublishableDocument, 'body' | 'contentType' | 'cacheControl'>,
): string {
  return createHash('sha256')
    .update(`${document.contentType}\n${document.cacheControl}\n`)
    .update(document.body)
    .digest('hex');
}
