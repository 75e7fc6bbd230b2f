import type { Source } from '../articles/model.ts';
import { forEachConcurrently } from '../pool.ts';
import { urlPath } from '../slug.ts';
import { ArchivePublisher } from './archive-publisher.ts';
import {
  type ArchiveSpan,
  archiveDocument,
  archiveUrls,
  type EntryKey,
  entryKey,
  isArchiveKey,
} from './archives.ts';
import { buildCatalogue, buildDirectoryPage, catalogueDocuments, directoryDocuments } from './catalogue.ts';
import type { ArticleChange, SourceChange, Tombstone } from './changes.ts';
import { describeFeed, feedObjects, parseFeedId } from './channel.ts';
import { withCorrectionNotes } from './corrections.ts';
import {
  CROSS_SOURCE_TAGS,
  type DirectoryId,
  directoryDocument,
  directoryOf,
  directorySource,
  pageOf,
  pagesFor,
  sourceTagsDirectory,
} from './directory.ts';
import { feedDocuments, labelOf, latest } from './feed-documents.ts';
import { ALL_FEED, type FeedId, feedIdFor } from './feed-ids.ts';
import { PlaceGiver, SourceCache } from './lookups.ts';
import { entryUrn, type FeedChannel, type FeedEntry } from './model.ts';
import type {
  DocumentPublisher,
  DocumentState,
  FeedStore,
  ListingWrite,
  PublishableDocument,
} from './ports.ts';
import { profileDocuments } from './profiles/documents.ts';
import { ConsistentPublisher, feedCacheControl } from './publish.ts';
import type { FeedSettings } from './settings.ts';
import {
  planSitemaps,
  publishNewsSitemap,
  publishNewsSitemaps,
  type SitemapDeps,
  sitemapStateDocuments,
  takeSitemapStates,
} from './sitemap.ts';
import { withdrawalsOf } from './withdrawals.ts';

/**
 * Keys of feed documents (as opposed to tag indexes): what WebSub subscribers follow. Partner profiles' feeds are
 * private (feeds/partners/), and no public hub is told of them.
 */
const FEED_DOCUMENT = /^feeds\/(?!partners\/).+\/(rss\.xml|atom\.xml|feed\.json)$/;
/** Feeds regenerated at once within a batch. */
const CONCURRENCY = 8;

export interface RegenerationResult {
  /** Records whose feeds could not all be published: the stream delivers them again. */
  failedRecordIds: string[];
  /** Feeds rendered (each in three formats and a page), directory pages, and the catalogue. */
  rendered: number;
  /** Archive pages rendered (each in three formats and a page): a feed's open page, pages it closed or touched. */
  archived: number;
  /** Objects uploaded: only those whose bytes changed. */
  uploaded: number;
  /** Public URLs of the feed documents whose bytes changed: the topics to announce to WebSub hubs. */
  changedTopics: string[];
  errors: { document: string; error: unknown }[];
}

export interface RegeneratorOptions {
  /**
   * Compare each document with the bucket (a HEAD per object) instead of the digests recorded at its last publish:
   * for republishing after the bucket was changed by hand. A batch never needs it.
   */
  checkBucket?: boolean;
  /** The clock the source cache expires by (tests). */
  now?: () => number;
}

/** What publishing a feed did: the objects it uploaded, and where its tag is listed, if it has one. */
export interface FeedPublished {
  keys: string[];
  /** Archive pages this publish rendered (shared/feeds/archives.ts), and what it uploaded of them. */
  archived: { pages: number; keys: string[] };
  /** `opened`: the tag took the first place of a new page, so the page before gains a link to it. */
  listed?: { directory: DirectoryId; page: number; opened: boolean };
  /** The tag's listing as this publish left it, to record before its directory page is rendered. */
  listing?: ListingWrite;
}

interface Planned {
  at: string;
  records: Set<string>;
  tombstones: Tombstone[];
  /** Keys of the entries the changes touched in the feed: an archive page that holds one is rendered again. */
  keys: EntryKey[];
}

/** Tombstones a feed keeps at most, newest retraction first. */
const MAX_TOMBSTONES = 50;

/**
 * Regenerates every feed a batch of changes touched, each once, however many changes touched it, then the directory
 * page of each tag it touched, and the archive days it touched. Nothing here reads or renders a list of every
 * source, tag or day: a batch costs what it changed. A feed that fails is reported through the records that touched
 * it; the others still publish.
 */
export class FeedRegenerator {
  private readonly sources: SourceCache;
  private readonly places: PlaceGiver;
  private readonly publishing: ConsistentPublisher;
  private readonly archives: ArchivePublisher;
  private readonly now: () => number;

  constructor(
    private readonly store: FeedStore,
    publisher: DocumentPublisher,
    private readonly settings: FeedSettings,
    options: RegeneratorOptions = {},
  ) {
    this.sources = new SourceCache(store, options.now);
    this.places = new PlaceGiver(store);
    this.publishing = new ConsistentPublisher(store, publisher, options);
    this.archives = new ArchivePublisher(store, this.publishing, settings, this.sources);
    this.now = options.now ?? Date.now;
  }

  async regenerate(
    changes: readonly ArticleChange[],
    sourceChanges: readonly SourceChange[] = [],
  ): Promise<RegenerationResult> {
    this.store.rememberVersions?.(changes.flatMap((change) => change.written ?? []));
    const feeds = new Map<FeedId, Planned>();
    for (const change of changes) {
      for (const feed of change.feeds) plan(feeds, feed, change);
      for (const { feed, key } of change.touched) {
        const keys = feeds.get(feed)?.keys;
        if (keys && !keys.includes(key)) keys.push(key);
      }
    }
    const result: RegenerationResult = {
      failedRecordIds: [],
      rendered: 0,
      archived: 0,
      uploaded: 0,
      changedTopics: [],
      errors: [],
    };
    const failed = new Set<string>();
    const attempt = async (document: string, planned: Planned, run: () => Promise<string[]>) => {
      try {
        const uploaded = await run();
        result.uploaded += uploaded.length;
        // A feed (its archive pages are counted by its publish), a directory page or the catalogue.
        result.rendered++;
        for (const key of uploaded) {
          // A topic is the feed's URL as it declares it (`rel="self"`): a key in another script percent-encoded.
          if (FEED_DOCUMENT.test(key) && !isArchiveKey(key))
            result.changedTopics.push(this.settings.baseUrl + urlPath(key));
        }
      } catch (error) {
        result.errors.push({ document, error });
        for (const record of planned.records) failed.add(record);
      }
    };
    // A source that changed is read again, and its directory and the catalogue, which name it, follow. An edit of what
    // its feeds show re-renders its feeds too (planned with the batch's feeds), and their closed archive pages.
    const editedFeeds: { feed: FeedId; recordId: string }[] = [];
    const pages = new Map<string, Planned & { directory: DirectoryId; page: number }>();
    const planPage = (directory: DirectoryId, page: number, planned: Planned) => {
      const key = directoryDocument(directory, page);
      const known = pages.get(key) ?? { ...planned, records: new Set<string>(), directory, page };
      for (const record of planned.records) known.records.add(record);
      pages.set(key, known);
    };
    // Every source read afresh, once per batch: another function may have re-rendered an edit since this one cached it.
    this.sources.forgetAll();
    if (sourceChanges.length) {
      const records: Planned = {
        at: '',
        records: new Set(sourceChanges.map((c) => c.recordId)),
        tombstones: [],
        keys: [],
      };
      await attempt('catalogue', records, () => this.publishCatalogue());
      for (const change of sourceChanges) {
        const directory = sourceTagsDirectory(change.slug);
        try {
          const pageCount = pagesFor(await this.store.placesTaken(directory));
          const one: Planned = { at: '', records: new Set([change.recordId]), tombstones: [], keys: [] };
          for (let page = 1; page <= pageCount; page++) planPage(directory, page, one);
          if (change.edited) editedFeeds.push(...(await this.planSourceEdit(change, feeds)));
        } catch (error) {
          // Only this record is delivered again; the rest of the batch goes on.
          result.errors.push({ document: directory, error });
          failed.add(change.recordId);
        }
      }
      planPage(CROSS_SOURCE_TAGS, 1, records);
    }
    // News sitemaps (shared/feeds/sitemap.ts): their states are read with the feeds' and taken out of them.
    const sitemaps = planSitemaps(changes, sourceChanges);
    const sitemapDocuments = sitemapStateDocuments(sitemaps);
    // The states of the batch's feeds in a few reads instead of one each (a feed that another publish commits in
    // between reads its own again). Without them, each feed reads its own.
    const known = await this.store
      .readStates([...feeds.keys(), ...sitemapDocuments])
      .catch(() => new Map<string, DocumentState>());
    const sitemapStates = takeSitemapStates(known, sitemapDocuments);
    // Places for the tags new to their directories, one counter update per directory rather than one per tag.
    const newTags = new Map<DirectoryId, number>();
    for (const [feed, state] of known) {
      const directory = directoryOf(feed);
      if (directory && state.place === undefined) newTags.set(directory, (newTags.get(directory) ?? 0) + 1);
    }
    await Promise.all(
      [...newTags].map(([directory, count]) => this.places.reserve(directory, count).catch(() => undefined)),
    );
    const listings: { write: ListingWrite; planned: Planned }[] = [];
    // Feeds first, each with its archive: a directory page reads the listings their publishes record. The places
    // reserved and not taken are let go with the phase (gaps in their pages).
    try {
      await forEachConcurrently([...feeds], CONCURRENCY, ([feed, planned]) =>
        attempt(feed, planned, async () => {
          const touched = planned.keys;
          const published = await this.renderFeed(
            feed,
            planned.at,
            planned.tombstones,
            touched,
            known.get(feed),
          );
          result.archived += published.archived.pages;
          result.uploaded += published.archived.keys.length;
          const listed = published.listed;
          if (listed) {
            planPage(listed.directory, listed.page, planned);
            if (listed.opened) planPage(listed.directory, listed.page - 1, planned);
          }
          if (published.listing) listings.push({ write: published.listing, planned });
          return published.keys;
        }),
      );
    } finally {
      this.places.release();
    }
    try {
      await this.store.putListings(listings.map((listing) => listing.write));
    } catch (error) {
      result.errors.push({ document: 'listings', error });
      for (const { planned } of listings) for (const record of planned.records) failed.add(record);
    }
    // The closed archive pages of an edited source's own feeds: each names the source (after the feeds, which may
    // have closed pages of their own). Those of feeds that mix sources keep the name they were rendered with.
    const closedPages: { feed: FeedId; span: ArchiveSpan; recordId: string }[] = [];
    await forEachConcurrently(editedFeeds, CONCURRENCY, async ({ feed, recordId }) => {
      try {
        for (const span of await this.store.closedArchivePages(feed))
          closedPages.push({ feed, span, recordId });
      } catch (error) {
        result.errors.push({ document: `${feed}/archive`, error });
        failed.add(recordId);
      }
    });
    await forEachConcurrently(closedPages, CONCURRENCY, async ({ feed, span, recordId }) => {
      try {
        const keys = await this.publishClosedPage(feed, span, '');
        result.archived++;
        result.uploaded += keys.length;
      } catch (error) {
        result.errors.push({ document: archiveDocument(feed, span.page), error });
        failed.add(recordId);
      }
    });
    await forEachConcurrently([...pages.values()], CONCURRENCY, (planned) =>
      attempt(directoryDocument(planned.directory, planned.page), planned, () =>
        this.publishDirectoryPage(planned.directory, planned.page),
      ),
    );
    // Each touched source's news sitemap, from its state and the batch's changes: counted in `uploaded` only.
    const outcomes = await publishNewsSitemaps(this.sitemapDeps(), sitemaps, sitemapStates, CONCURRENCY);
    for (const outcome of outcomes) {
      if ('keys' in outcome) result.uploaded += outcome.keys.length;
      else {
        result.errors.push({ document: outcome.document, error: outcome.error });
        for (const record of outcome.records) failed.add(record);
      }
    }
    result.failedRecordIds = [...failed];
    return result;
  }

  /** A source's news sitemap rendered again from its own state, with no change (republishing; shared/feeds/sitemap.ts). */
  async publishNewsSitemap(source: string): Promise<string[]> {
    return publishNewsSitemap(this.sitemapDeps(), { source, changes: [], records: new Set(), at: '' });
  }

  private sitemapDeps(): SitemapDeps {
    return {
      publishing: this.publishing,
      store: this.store,
      settings: this.settings,
      sources: (slugs) => this.sources.named(slugs),
      now: this.now,
    };
  }

  /**
   * Plans the feeds an edit of a source re-renders, undated (an edit is no new entry: `updated` stays the newest
   * entry's change): with any shown field, the source's feed and its tags' feeds within it, whose pages name it
   * (their closed archive pages follow, from the feeds this returns); with the name, also `all` and the tags' feeds
   * across sources, whose entries of this source carry it. One read of the source's tags: the work grows with the
   * source's feeds, never with the deployment. Feeds that mix sources are rendered (their window and open archive
   * page) but uploaded only where the name shows, by their digests.
   */
  private async planSourceEdit(
    change: SourceChange,
    feeds: Map<FeedId, Planned>,
  ): Promise<{ feed: FeedId; recordId: string }[]> {
    const { slug, recordId } = change;
    const tags = await this.store.readTagSlugs(slug);
    const own = [feedIdFor({ source: slug }), ...tags.map((tag) => feedIdFor({ source: slug, tag }))];
    const mixed = change.edited?.name ? [ALL_FEED, ...tags.map((tag) => feedIdFor({ tag }))] : [];
    for (const feed of [...own, ...mixed]) {
      const planned = feeds.get(feed) ?? { at: '', records: new Set<string>(), tombstones: [], keys: [] };
      planned.records.add(recordId);
      feeds.set(feed, planned);
    }
    return own.map((feed) => ({ feed, recordId }));
  }

  /**
   * Renders a feed from stored state and publishes what changed. A tag feed is also listed in its directory: it
   * takes a place there with its first entry, and records its label, count and newest entry at every publish.
   */
  async publishFeed(
    feed: FeedId,
    changedAt: string,
    retracted: readonly Tombstone[] = [],
    touched: readonly EntryKey[] = [],
  ): Promise<FeedPublished> {
    const published = await this.renderFeed(feed, changedAt, retracted, touched);
    if (published.listing) await this.store.putListings([published.listing]);
    return published;
  }

  /** {@link publishFeed} but for the listing, which it returns for the caller to record (a batch records all at once). */
  private async renderFeed(
    feed: FeedId,
    changedAt: string,
    retracted: readonly Tombstone[],
    touched: readonly EntryKey[],
    known?: DocumentState,
  ): Promise<FeedPublished> {
    const { source, tag } = parseFeedId(feed);
    const directory = directoryOf(feed);
    let placedNow = false;
    let archived: FeedPublished['archived'] = { pages: 0, keys: [] };
    let attempts = 0;
    const published = await this.publishing.publish(
      feed,
      async (state) => {
        // A publish that lost its commit to another reads the sources afresh: the other may have rendered an edit.
        if (attempts++ > 0) this.sources.forgetAll();
        // One entry past the window says whether anything has left it, and so whether the feed needs an archive.
        const read = await this.store.readEntries(feed, this.settings.size + 1);
        const entries = read.slice(0, this.settings.size).map(withCorrectionNotes);
        const oldest = entries[entries.length - 1];
        // The archive first, so that the feed links its newest page.
        let archivePages = state.archivePages ?? 0;
        if (read.length > entries.length || archivePages > 0) {
          const before = oldest ? entryKey(oldest) : '';
          const archive = await this.archives.publish(feed, before, changedAt, touched);
          archived = { pages: archived.pages + archive.rendered, keys: [...archived.keys, ...archive.keys] };
          archivePages = archive.pages;
        }
        const sources = await this.sources.named(source ? [source] : entries.map((entry) => entry.source));
        const updated = latest(state.changedAt, changedAt, ...entries.map((entry) => entry.updatedAt));
        const label = tag ? (labelOf(entries, tag) ?? state.label) : undefined;
        const tombstones = keptTombstones(
          [...(state.tombstones ?? []), ...retracted],
          entries,
          this.settings.size,
        );
        const channel = describeFeed(feed, { settings: this.settings, sources, tagLabel: label, updated });
        if (tombstones.length) {
          channel.tombstones = tombstones.map((t) => ({ ref: entryUrn(t.id), when: t.at }));
          // RSS, JSON Feed and the page keep a notice in the item's place for as long as Atom keeps the tombstone.
          channel.withdrawn = withdrawalsOf(tombstones);
        }
        // From the newest archive page a reader walks back through every entry that has left the feed. People get the
        // same link as "Older articles".
        const older = archivePages ? archiveUrls(this.settings, feed, archivePages) : undefined;
        if (older) channel.history = { archive: false, prevArchive: older };
        const documents = feedDocuments(
          feedObjects(feed),
          channel,
          entries,
          { older },
          feedCacheControl(this.settings),
        );
        // The partner profiles the source lists: their feeds and reports change with the public documents.
        if (source) documents.push(...this.profiled(feed, sources.get(source), channel, entries, state));
        // A tag's place in its directory is taken once, with its first entry, and kept for good.
        const place =
          state.place ?? (directory && entries.length ? await this.places.take(directory) : undefined);
        placedNow = state.place === undefined && place !== undefined;
        // A feed that holds all its entries counts its articles itself; a longer one asks the writes' counter.
        const count =
          source && tag
            ? read.length <= this.settings.size
              ? read.length
              : await this.store.tagCount(source, tag)
            : undefined;
        const next = {
          changedAt: updated,
          ...(label ? { label } : {}),
          ...(entries[0] ? { newestPublishedAt: entries[0].publishedAt } : {}),
          ...(tombstones.length ? { tombstones } : {}),
          ...(place !== undefined ? { place } : {}),
          ...(count !== undefined ? { count } : {}),
          ...(archivePages ? { archivePages } : {}),
        };
        return { documents, next };
      },
      known,
    );
    const { place, label, count, newestPublishedAt } = published.state;
    if (!directory || !tag || place === undefined) return { keys: published.keys, archived };
    // Recorded after the commit, from the committed revision: a slower publish of older state cannot overwrite it.
    const listing: ListingWrite = {
      directory,
      listing: {
        slug: tag,
        label: label ?? tag,
        place,
        ...(count !== undefined ? { count } : {}),
        ...(newestPublishedAt ? { newestPublishedAt } : {}),
      },
      revision: published.revision,
    };
    const page = pageOf(place);
    // A tag new to a later page: the page before it links the next one once it exists (planning it for every new
    // place, not only the page's first, heals a link whose first place went to a publish that failed).
    const opened = placedNow && page > 1;
    return { keys: published.keys, archived, listed: { directory, page, opened }, listing };
  }

  /** Renders one closed archive page again from its span: after one of its articles was corrected or retracted. */
  publishClosedPage(feed: FeedId, span: ArchiveSpan, changedAt: string): Promise<string[]> {
    return this.archives.publishClosedPage(feed, span, changedAt);
  }

  /**
   * Publishes `feeds/index.html` and `feeds/opml.xml`, which list every source (and link the tag directories):
   * only when a source was registered or edited, and when republishing.
   */
  async publishCatalogue(): Promise<string[]> {
    const { keys } = await this.publishing.publish('catalogue', async () => {
      const catalogue = buildCatalogue(this.settings, await this.store.listSources());
      return { documents: catalogueDocuments(catalogue, this.settings), next: {} };
    });
    return keys;
  }

  /** Publishes one page of a tag directory: its HTML page, its OPML and, for a source's tags, its JSON tag index. */
  async publishDirectoryPage(directory: DirectoryId, page: number): Promise<string[]> {
    const slug = directorySource(directory);
    const { keys } = await this.publishing.publish(directoryDocument(directory, page), async () => {
      // The source read afresh, not from the cache: a page renders its name, and another warm instance may
      // not have heard of an edit yet (one small read per page, a few per batch).
      const [listings, places, sources] = await Promise.all([
        this.store.readListings(directory, page),
        this.store.placesTaken(directory),
        slug ? this.store.getSources([slug]) : Promise.resolve([]),
      ]);
      const source = sources.find((candidate) => candidate.slug === slug);
      if (slug && !source) throw new Error(`source ${slug} is not registered`);
      const built = buildDirectoryPage(this.settings, directory, page, pagesFor(places), listings, source);
      return { documents: directoryDocuments(built, this.settings), next: {} };
    });
    return keys;
  }

  /**
   * A source's feed as the partner profiles it lists have it, and as those it listed once have it still (their
   * documents are among the feed's last published ones): see shared/feeds/profiles/documents.ts.
   */
  private profiled(
    feed: FeedId,
    source: Source | undefined,
    channel: FeedChannel,
    entries: readonly FeedEntry[],
    state: DocumentState,
  ): PublishableDocument[] {
    const published = Object.keys(state.digests ?? {});
    const control = feedCacheControl(this.settings);
    return profileDocuments(feed, source, channel, entries, this.settings, control, published);
  }
}

function plan(map: Map<string, Planned>, key: string, change: ArticleChange): void {
  const planned = map.get(key) ?? { at: change.at, records: new Set<string>(), tombstones: [], keys: [] };
  planned.at = latest(planned.at, change.at);
  planned.records.add(change.recordId);
  if (change.retraction) planned.tombstones.push(change.retraction);
  map.set(key, planned);
}

/**
 * The retractions and expiries a feed still announces: those of articles that would still be in its window
 * (published no earlier than its oldest entry, when the window is full) and are not back in it, at most
 * {@link MAX_TOMBSTONES}, newest first. The window is that of the live entries alone: announcements come on top of
 * them and never push one out.
 */
function keptTombstones(candidates: Tombstone[], entries: readonly FeedEntry[], size: number): Tombstone[] {
  const oldest = entries.length >= size ? entries[entries.length - 1]?.publishedAt : undefined;
  const live = new Set(entries.map((entry) => entry.id));
  const byId = new Map<string, Tombstone>();
  for (const tombstone of candidates)
    if ((!oldest || tombstone.publishedAt >= oldest) && !live.has(tombstone.id))
      byId.set(tombstone.id, tombstone);
  return [...byId.values()]
    .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : a.id < b.id ? -1 : 1))
    .slice(0, MAX_TOMBSTONES);
}
