import type { Source } from '../../articles/model.ts';
import type { ArchiveSpan, EntryKey } from '../../feeds/archives.ts';
import { type DirectoryId, type Listing, pageOf } from '../../feeds/directory.ts';
import type { FeedId } from '../../feeds/feed-ids.ts';
import type { FeedEntry } from '../../feeds/model.ts';
import {
  type DocumentPublisher,
  type DocumentState,
  digestOf,
  type FeedStore,
  type ListingWrite,
  type PublishableDocument,
  type SitemapEntry,
  type SitemapEntryRemoval,
} from '../../feeds/ports.ts';
import { contentKeyOf, withContent } from '../dynamodb/memberships.ts';
import { byKey, copy, type MemoryTable } from './table.ts';

/** The number of the version a thin membership points to (`version#000003`: 3). */
const versionOf = (sk: string) => Number(sk.slice(sk.indexOf('#') + 1));

/** What the regenerator reads and records, in memory. */
export class MemoryFeedStore implements FeedStore {
  constructor(private readonly table: MemoryTable) {}

  async listSources(): Promise<Source[]> {
    return byKey(this.table.sources).map(copy);
  }

  async getSources(slugs: readonly string[]): Promise<Source[]> {
    return [...new Set(slugs)].flatMap((slug) => {
      const source = this.table.sources.get(slug);
      return source ? [copy(source)] : [];
    });
  }

  async readEntries(feed: FeedId, limit: number): Promise<FeedEntry[]> {
    return this.entries(feed, true).slice(0, limit);
  }

  async readSpan(
    feed: FeedId,
    span: { after: EntryKey; before: EntryKey; throughBefore?: boolean },
    limit = Number.POSITIVE_INFINITY,
  ): Promise<FeedEntry[]> {
    return this.entries(feed, false)
      .filter((entry) => {
        const key = `${entry.publishedAt}#${entry.id}`;
        return key > span.after && (span.throughBefore ? key <= span.before : key < span.before);
      })
      .slice(0, limit);
  }

  async closedArchivePages(feed: FeedId): Promise<ArchiveSpan[]> {
    return byKey(this.table.archivePages.get(feed)).map(copy);
  }

  async findArchivePage(feed: FeedId, key: EntryKey): Promise<ArchiveSpan | undefined> {
    const page = byKey(this.table.archivePages.get(feed)).find((span) => span.through >= key);
    return page && key > page.after ? copy(page) : undefined;
  }

  async readState(document: string): Promise<DocumentState> {
    const state = this.table.states.get(document);
    return state ? copy(state) : { revision: 0 };
  }

  async readStates(documents: readonly string[]): Promise<Map<string, DocumentState>> {
    return new Map(await Promise.all(documents.map(async (d) => [d, await this.readState(d)] as const)));
  }

  async commitState(
    document: string,
    expectedRevision: number,
    next: Omit<DocumentState, 'revision'>,
    closedPages?: { feed: FeedId; spans: readonly ArchiveSpan[] },
  ): Promise<boolean> {
    if ((this.table.states.get(document)?.revision ?? 0) !== expectedRevision) return false;
    const defined = Object.entries(next).filter(([, value]) => value !== undefined);
    this.table.states.set(document, { ...copy(Object.fromEntries(defined)), revision: expectedRevision + 1 });
    if (closedPages?.spans.length) {
      const pages = this.table.archivePages.get(closedPages.feed) ?? new Map<string, ArchiveSpan>();
      for (const span of closedPages.spans) pages.set(span.through, { ...copy(span), closed: true });
      this.table.archivePages.set(closedPages.feed, pages);
    }
    return true;
  }

  async readTagSlugs(source: string): Promise<string[]> {
    const counts = this.table.tagCounts.get(source);
    return [...(counts?.keys() ?? [])].sort().filter((slug) => (counts?.get(slug)?.articles ?? 0) > 0);
  }

  async tagCount(source: string, tag: string): Promise<number> {
    return this.table.tagCounts.get(source)?.get(tag)?.articles ?? 0;
  }

  async takePlaces(directory: DirectoryId, count: number): Promise<number> {
    const places = (this.table.places.get(directory) ?? 0) + count;
    this.table.places.set(directory, places);
    return places;
  }

  async placesTaken(directory: DirectoryId): Promise<number> {
    return this.table.places.get(directory) ?? 0;
  }

  async putListings(listings: readonly ListingWrite[]): Promise<void> {
    for (const { directory, listing, revision } of listings) {
      const page = `${directory}#${pageOf(listing.place)}`;
      const listed =
        this.table.listings.get(page) ?? new Map<string, { listing: Listing; revision: number }>();
      const current = listed.get(listing.slug);
      // A listing recorded from a later revision of the tag's feed stands.
      if (!current || current.revision <= revision)
        listed.set(listing.slug, { listing: copy(listing), revision });
      this.table.listings.set(page, listed);
    }
  }

  async readListings(directory: DirectoryId, page: number): Promise<Listing[]> {
    return byKey(this.table.listings.get(`${directory}#${page}`)).map(({ listing }) => copy(listing));
  }

  async putSitemapEntries(entries: readonly SitemapEntry[]): Promise<void> {
    for (const entry of entries) {
      const stored = this.sitemapEntries(entry.source);
      const key = `${entry.publishedAt}#${entry.id}`;
      // An entry of a newer version stands.
      if ((stored.get(key)?.version ?? 0) <= entry.version) stored.set(key, copy(entry));
    }
  }

  async deleteSitemapEntries(removals: readonly SitemapEntryRemoval[]): Promise<void> {
    for (const removal of removals) {
      const stored = this.sitemapEntries(removal.source);
      const key = `${removal.publishedAt}#${removal.id}`;
      if ((stored.get(key)?.version ?? 0) <= removal.version) stored.delete(key);
    }
  }

  async readSitemapEntries(source: string, since: string, limit: number): Promise<SitemapEntry[]> {
    const stored = this.table.sitemapEntries.get(source);
    return [...(stored?.keys() ?? [])]
      .filter((key) => key >= since)
      .sort()
      .reverse()
      .slice(0, limit)
      .map((key) => copy(stored?.get(key) as SitemapEntry));
  }

  private sitemapEntries(source: string): Map<string, SitemapEntry> {
    const stored = this.table.sitemapEntries.get(source) ?? new Map<string, SitemapEntry>();
    this.table.sitemapEntries.set(source, stored);
    return stored;
  }

  /**
   * A feed's entries, as the table's memberships project them, newest first or oldest first; a thin membership
   * made whole from the version it points to, as the DynamoDB adapter reads it.
   */
  private entries(feed: FeedId, newestFirst: boolean): FeedEntry[] {
    return byKey(this.table.memberships.get(feed), newestFirst).map((item) => {
      const key = contentKeyOf(item);
      const version = key && this.table.versions.get(String(item.id))?.get(versionOf(key.sk));
      if (key && !version)
        throw new Error(`A thin membership points to ${key.pk} ${key.sk}, which is not there`);
      const entry = version ? withContent(item, version as unknown as Record<string, unknown>) : item;
      return { citations: [], tags: [], ...copy(entry) } as unknown as FeedEntry;
    });
  }
}

/** The feeds bucket, in memory: each object's bytes, media type, Cache-Control and SHA-256. */
export class MemoryDocumentPublisher implements DocumentPublisher {
  readonly objects = new Map<string, PublishableDocument & { sha256: string }>();

  async publish(document: PublishableDocument, stored?: string | null): Promise<boolean> {
    const hash = digestOf(document);
    const previous = stored === undefined ? this.objects.get(document.key)?.sha256 : stored;
    if (previous === hash) return false;
    this.objects.set(document.key, { ...document, body: Buffer.from(document.body), sha256: hash });
    return true;
  }

  /** An object's text, if there is one. */
  text(key: string): string | undefined {
    return this.objects.get(key)?.body.toString('utf8');
  }
}
