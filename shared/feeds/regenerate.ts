import type { Source } from '../articles/model.ts';
import { forEachConcurrently } from '../pool.ts';
import {
  archiveDocument,
  archiveUrls,
  CLOSED_ARCHIVE_CACHE_CONTROL,
  type Day,
  dayOf,
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
  LISTING_PAGE_SIZE,
  pageOf,
  pagesFor,
  sourceTagsDirectory,
} from './directory.ts';
import type { FeedId } from './feed-ids.ts';
import { entryUrn, type FeedChannel, type FeedEntry } from './model.ts';
import {
  type DocumentPublisher,
  type DocumentState,
  digestOf,
  type FeedStore,
  type PublishableDocument,
} from './ports.ts';
import { renderAtom } from './render/atom.ts';
import { type FeedPageOptions, renderFeedPage } from './render/feed-page.ts';
import { renderJsonFeed } from './render/json-feed.ts';
import { renderRss } from './render/rss.ts';
import type { FeedSettings } from './settings.ts';

/** How often a publish that found another one committed in between starts over from fresh state. */
const PUBLISH_ATTEMPTS = 6;
/** Keys of feed documents (as opposed to tag indexes): what WebSub subscribers follow. */
const FEED_DOCUMENT = /^feeds\/.+\/(rss\.xml|atom\.xml|feed\.json)$/;
/** Feeds regenerated at once within a batch. */
const CONCURRENCY = 8;
/** How long a warm function trusts a source it read: a source edit also clears it (see regenerate). */
const SOURCE_TTL_MS = 60_000;

export interface RegenerationResult {
  /** Records whose feeds could not all be published: the stream delivers them again. */
  failedRecordIds: string[];
  /** Feeds rendered (each in three formats and a page), directory pages, and the catalogue. */
  rendered: number;
  /** Daily archives rendered (each in three formats and a page). */
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
  /** `opened`: the tag took the first place of a new page, so the page before gains a link to it. */
  listed?: { directory: DirectoryId; page: number; opened: boolean };
}

interface Planned {
  at: string;
  records: Set<string>;
  tombstones: Tombstone[];
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
  private readonly sources = new Map<string, { source: Source; until: number }>();
  private readonly now: () => number;

  constructor(
    private readonly store: FeedStore,
    private readonly publisher: DocumentPublisher,
    private readonly settings: FeedSettings,
    private readonly options: RegeneratorOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  async regenerate(
    changes: readonly ArticleChange[],
    sourceChanges: readonly SourceChange[] = [],
  ): Promise<RegenerationResult> {
    const feeds = new Map<FeedId, Planned>();
    const archives = new Map<string, Planned>();
    for (const change of changes) {
      for (const feed of change.feeds) plan(feeds, feed, change);
      for (const archive of change.archives) plan(archives, archive, change);
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
        if (document.includes('|')) result.archived++;
        else result.rendered++;
        for (const key of uploaded) {
          if (FEED_DOCUMENT.test(key) && !isArchiveKey(key))
            result.changedTopics.push(this.settings.baseUrl + key);
        }
      } catch (error) {
        result.errors.push({ document, error });
        for (const record of planned.records) failed.add(record);
      }
    };
    // A source that changed is read again, and its directory and the catalogue, which name it, follow.
    const pages = new Map<string, Planned & { directory: DirectoryId; page: number }>();
    const planPage = (directory: DirectoryId, page: number, planned: Planned) => {
      const key = directoryDocument(directory, page);
      const known = pages.get(key) ?? { ...planned, records: new Set<string>(), directory, page };
      for (const record of planned.records) known.records.add(record);
      pages.set(key, known);
    };
    for (const change of sourceChanges) this.sources.delete(change.slug);
    if (sourceChanges.length) {
      const records: Planned = {
        at: '',
        records: new Set(sourceChanges.map((c) => c.recordId)),
        tombstones: [],
      };
      await attempt('catalogue', records, () => this.publishCatalogue());
      for (const change of sourceChanges) {
        const directory = sourceTagsDirectory(change.slug);
        const pageCount = pagesFor(await this.store.placesTaken(directory));
        const one: Planned = { at: '', records: new Set([change.recordId]), tombstones: [] };
        for (let page = 1; page <= pageCount; page++) planPage(directory, page, one);
      }
      planPage(CROSS_SOURCE_TAGS, 1, records);
    }
    // Feeds first: a directory page reads the listings their publishes just recorded.
    await forEachConcurrently([...feeds], CONCURRENCY, ([feed, planned]) =>
      attempt(feed, planned, async () => {
        const published = await this.publishFeed(feed, planned.at, planned.tombstones);
        const listed = published.listed;
        if (listed) {
          planPage(listed.directory, listed.page, planned);
          if (listed.opened) planPage(listed.directory, listed.page - 1, planned);
        }
        return published.keys;
      }),
    );
    await forEachConcurrently([...pages.values()], CONCURRENCY, (planned) =>
      attempt(directoryDocument(planned.directory, planned.page), planned, () =>
        this.publishDirectoryPage(planned.directory, planned.page),
      ),
    );
    // Daily archives of what changed; a day that appeared or emptied changes its neighbours' links too.
    const neighbours = new Map<string, Planned>();
    await forEachConcurrently([...archives], CONCURRENCY, ([key, planned]) =>
      attempt(key, planned, async () => {
        const [feed = '', day = ''] = key.split('|');
        const published = await this.publishArchive(feed, day, planned.at);
        if (published.linksChanged) {
          for (const other of [published.prev, published.next]) {
            const otherKey = other ? `${feed}|${other}` : undefined;
            if (otherKey && !archives.has(otherKey)) neighbours.set(otherKey, planned);
          }
        }
        return published.keys;
      }),
    );
    await forEachConcurrently([...neighbours], CONCURRENCY, ([key, planned]) =>
      attempt(key, planned, async () => {
        const [feed = '', day = ''] = key.split('|');
        return (await this.publishArchive(feed, day, planned.at)).keys;
      }),
    );
    result.failedRecordIds = [...failed];
    return result;
  }

  /**
   * The registered sources among `slugs`, from a cache a warm function keeps for a minute (a source edit clears its
   * entry): a batch reads the sources its feeds name, never every source.
   */
  private async sourcesNamed(slugs: Iterable<string>): Promise<Map<string, Source>> {
    const now = this.now();
    const found = new Map<string, Source>();
    const missing = new Set<string>();
    for (const slug of slugs) {
      const cached = this.sources.get(slug);
      if (cached && cached.until > now) found.set(slug, cached.source);
      else missing.add(slug);
    }
    if (missing.size) {
      for (const source of await this.store.getSources([...missing])) {
        this.sources.set(source.slug, { source, until: now + SOURCE_TTL_MS });
        found.set(source.slug, source);
      }
    }
    return found;
  }

  /**
   * Renders a feed from stored state and publishes what changed. A tag feed is also listed in its directory: it
   * takes a place there with its first entry, and records its label, count and newest entry at every publish.
   */
  async publishFeed(
    feed: FeedId,
    changedAt: string,
    retracted: readonly Tombstone[] = [],
  ): Promise<FeedPublished> {
    const { source, tag } = parseFeedId(feed);
    const directory = directoryOf(feed);
    let placedNow = false;
    const published = await this.publishConsistently(feed, async (state) => {
      const entries = (await this.store.readEntries(feed, this.settings.size)).map(withCorrectionNotes);
      const sources = await this.sourcesNamed(source ? [source] : entries.map((entry) => entry.source));
      const updated = latest(state.changedAt, changedAt, ...entries.map((entry) => entry.updatedAt));
      const label = tag ? (labelOf(entries, tag) ?? state.label) : undefined;
      const tombstones = keptTombstones(
        [...(state.tombstones ?? []), ...retracted],
        entries,
        this.settings.size,
      );
      const channel = describeFeed(feed, { settings: this.settings, sources, tagLabel: label, updated });
      if (tombstones.length)
        channel.tombstones = tombstones.map((t) => ({ ref: entryUrn(t.id), when: t.at }));
      // The newest archive holds the newest entry's day: from there a reader can walk back through them all.
      if (entries[0]) {
        channel.history = {
          archive: false,
          prevArchive: archiveUrls(this.settings, feed, dayOf(entries[0].publishedAt)),
        };
      }
      // Older articles, for people: the archive of the oldest day the feed shows, which links the days before.
      const oldest = entries[entries.length - 1];
      const older = oldest ? archiveUrls(this.settings, feed, dayOf(oldest.publishedAt)) : undefined;
      const documents = this.renderings(feedObjects(feed), channel, entries, { older });
      // A tag's place in its directory is taken once, with its first entry, and kept for good.
      const place =
        state.place ?? (directory && entries.length ? await this.store.takePlace(directory) : undefined);
      placedNow = state.place === undefined && place !== undefined;
      const count = source && tag ? await this.store.tagCount(source, tag) : undefined;
      const next = {
        changedAt: updated,
        ...(label ? { label } : {}),
        ...(entries[0] ? { newestPublishedAt: entries[0].publishedAt } : {}),
        ...(tombstones.length ? { tombstones } : {}),
        ...(place !== undefined ? { place } : {}),
        ...(count !== undefined ? { count } : {}),
      };
      return { documents, next };
    });
    const { place, label, count, newestPublishedAt } = published.state;
    if (!directory || !tag || place === undefined) return { keys: published.keys };
    // Recorded after the commit, from the committed revision: a slower publish of older state cannot overwrite it.
    await this.store.putListing(
      directory,
      {
        slug: tag,
        label: label ?? tag,
        place,
        ...(count !== undefined ? { count } : {}),
        ...(newestPublishedAt ? { newestPublishedAt } : {}),
      },
      published.revision,
    );
    const page = pageOf(place);
    const opened = placedNow && page > 1 && (place - 1) % LISTING_PAGE_SIZE === 0;
    return { keys: published.keys, listed: { directory, page, opened } };
  }

  /**
   * Renders the archive of one day of a feed in three formats: every entry published that day, linked to
   * the nearest days with entries and to the current feed. A day before the feed's newest is closed: its
   * archive changes only when one of its articles does, and is cached for a day.
   */
  async publishArchive(
    feed: FeedId,
    day: Day,
    changedAt: string,
  ): Promise<{ keys: string[]; linksChanged: boolean; prev?: Day; next?: Day }> {
    const { source, tag } = parseFeedId(feed);
    let linksChanged = false;
    let around: { prev?: Day; next?: Day } = {};
    const { keys } = await this.publishConsistently(archiveDocument(feed, day), async (state) => {
      const [entries, neighbours] = await Promise.all([
        this.store.readDay(feed, day).then((list) => list.map(withCorrectionNotes)),
        this.store.neighbourDays(feed, day),
      ]);
      const sources = await this.sourcesNamed(source ? [source] : entries.map((entry) => entry.source));
      around = neighbours;
      linksChanged = state.revision === 0 || entries.length === 0;
      const updated = latest(state.changedAt, changedAt, ...entries.map((entry) => entry.updatedAt));
      const label = tag ? (labelOf(entries, tag) ?? state.label) : undefined;
      const channel = describeFeed(feed, { settings: this.settings, sources, tagLabel: label, updated });
      const current = channel.urls;
      const feedTitle = channel.title;
      channel.urls = archiveUrls(this.settings, feed, day);
      channel.title = `${feedTitle} (archive ${day})`;
      channel.history = {
        archive: true,
        current,
        ...(neighbours.prev ? { prevArchive: archiveUrls(this.settings, feed, neighbours.prev) } : {}),
        ...(neighbours.next ? { nextArchive: archiveUrls(this.settings, feed, neighbours.next) } : {}),
      };
      // Closed once a later day has entries: the neighbours query already says so.
      const closed = neighbours.next !== undefined;
      const documents = this.renderings(
        feedObjects(archiveDocument(feed, day)),
        channel,
        entries,
        { archive: { day, feedTitle } },
        closed ? CLOSED_ARCHIVE_CACHE_CONTROL : undefined,
      );
      return { documents, next: { changedAt: updated, ...(label ? { label } : {}) } };
    });
    return { keys, linksChanged, ...around };
  }

  /**
   * Publishes `feeds/index.html` and `feeds/opml.xml`, which list every source (and link the tag directories):
   * only when a source was registered or edited, and when republishing.
   */
  async publishCatalogue(): Promise<string[]> {
    const { keys } = await this.publishConsistently('catalogue', async () => {
      const catalogue = buildCatalogue(this.settings, await this.store.listSources());
      return { documents: catalogueDocuments(catalogue, this.settings), next: {} };
    });
    return keys;
  }

  /** Publishes one page of a tag directory: its HTML page, its OPML and, for a source's tags, its JSON tag index. */
  async publishDirectoryPage(directory: DirectoryId, page: number): Promise<string[]> {
    const slug = directorySource(directory);
    const { keys } = await this.publishConsistently(directoryDocument(directory, page), async () => {
      const [listings, places, sources] = await Promise.all([
        this.store.readListings(directory, page),
        this.store.placesTaken(directory),
        this.sourcesNamed(slug ? [slug] : []),
      ]);
      const source = slug ? sources.get(slug) : undefined;
      if (slug && !source) throw new Error(`source ${slug} is not registered`);
      const built = buildDirectoryPage(this.settings, directory, page, pagesFor(places), listings, source);
      return { documents: directoryDocuments(built, this.settings), next: {} };
    });
    return keys;
  }

  /**
   * Publishes a document group so that a slower regeneration that read older state never leaves its bytes in
   * place of newer ones: upload what differs from what was last published, then commit the document's revision only
   * if no other publish committed since this one read it; if one did, start over from fresh state. Whoever commits
   * last read the newest state, and anyone who uploaded stale bytes fails to commit and publishes again, checking
   * the bucket itself for what it uploaded. The state records each object's digest, so finding an unchanged
   * document costs no request to the bucket.
   */
  private async publishConsistently(
    document: string,
    build: (state: DocumentState) => Promise<{
      documents: PublishableDocument[];
      next: Omit<DocumentState, 'revision' | 'digests'>;
    }>,
  ): Promise<{ keys: string[]; revision: number; state: Omit<DocumentState, 'revision'> }> {
    const uploadedKeys = new Set<string>();
    for (let attempt = 1; attempt <= PUBLISH_ATTEMPTS; attempt++) {
      const state = await this.store.readState(document);
      const built = await build(state);
      const digests: Record<string, string> = {};
      for (const doc of built.documents) digests[doc.key] = digestOf(doc.body);
      // What the bucket holds, as far as the state knows: unknown (ask the bucket) for a document published before
      // digests were kept, and for one this publish uploaded in an attempt that then lost the race.
      const stored = (key: string) =>
        this.options.checkBucket || !state.digests || uploadedKeys.has(key)
          ? undefined
          : (state.digests[key] ?? null);
      const uploaded = await Promise.all(
        built.documents.map((doc) => this.publisher.publish(doc, stored(doc.key))),
      );
      built.documents.forEach((doc, i) => {
        if (uploaded[i]) uploadedKeys.add(doc.key);
      });
      const next = { ...built.next, digests };
      // Nothing written and nothing new to record: nothing of anyone else's can have been overwritten.
      if (!uploaded.some(Boolean) && sameState(state, next))
        return { keys: [...uploadedKeys], revision: state.revision, state: next };
      if (await this.store.commitState(document, state.revision, next))
        return { keys: [...uploadedKeys], revision: state.revision + 1, state: next };
    }
    throw new Error(`${document} kept changing while it was published`);
  }

  /** A feed's or an archive's documents: RSS, Atom and JSON Feed, and the page browsers get, from one state. */
  private renderings(
    objects: ReturnType<typeof feedObjects>,
    channel: FeedChannel,
    entries: readonly FeedEntry[],
    page: FeedPageOptions,
    cacheControl?: string,
  ): PublishableDocument[] {
    return [
      this.document(objects.rss, renderRss(channel, entries), cacheControl),
      this.document(objects.atom, renderAtom(channel, entries), cacheControl),
      this.document(objects.json, renderJsonFeed(channel, entries), cacheControl),
      this.document(objects.page, renderFeedPage(channel, entries, page), cacheControl),
    ];
  }

  private document(
    object: { key: string; contentType: string },
    text: string,
    cacheControl?: string,
  ): PublishableDocument {
    return {
      key: object.key,
      body: Buffer.from(text, 'utf8'),
      contentType: object.contentType,
      cacheControl:
        cacheControl ?? `public, max-age=${this.settings.ttlMinutes * 60}, stale-while-revalidate=60`,
    };
  }
}

function plan(map: Map<string, Planned>, key: string, change: ArticleChange): void {
  const planned = map.get(key) ?? { at: change.at, records: new Set<string>(), tombstones: [] };
  planned.at = latest(planned.at, change.at);
  planned.records.add(change.recordId);
  if (change.retraction) planned.tombstones.push(change.retraction);
  map.set(key, planned);
}

/**
 * The retractions a feed still announces: those of articles that would still be in its window (published no
 * earlier than its oldest entry, when the window is full), at most {@link MAX_TOMBSTONES}, newest first.
 */
function keptTombstones(candidates: Tombstone[], entries: readonly FeedEntry[], size: number): Tombstone[] {
  const oldest = entries.length >= size ? entries[entries.length - 1]?.publishedAt : undefined;
  const byId = new Map<string, Tombstone>();
  for (const tombstone of candidates)
    if (!oldest || tombstone.publishedAt >= oldest) byId.set(tombstone.id, tombstone);
  return [...byId.values()]
    .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : a.id < b.id ? -1 : 1))
    .slice(0, MAX_TOMBSTONES);
}

function labelOf(entries: readonly FeedEntry[], slug: string): string | undefined {
  for (const entry of entries) {
    const tag = entry.tags.find((candidate) => candidate.slug === slug);
    if (tag) return tag.label;
  }
  return undefined;
}

/** The latest of some ISO 8601 UTC times (they compare as strings). */
function latest(...times: (string | undefined)[]): string {
  let max = '';
  for (const time of times) if (time && time > max) max = time;
  return max || '1970-01-01T00:00:00.000Z';
}

/** Whether a publish would record nothing new: every field the same, whatever the order of map keys. */
function sameState(state: DocumentState, next: Omit<DocumentState, 'revision'>): boolean {
  const { revision: _revision, ...recorded } = state;
  return stableJson(recorded) === stableJson(next);
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}
