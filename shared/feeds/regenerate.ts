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
import { buildCatalogue, catalogueDocuments } from './catalogue.ts';
import type { ArticleChange, Tombstone } from './changes.ts';
import { describeFeed, feedObjects, feedUrls, parseFeedId, tagIndexKey } from './channel.ts';
import { withCorrectionNotes } from './corrections.ts';
import { type FeedId, feedIdFor } from './feed-ids.ts';
import { entryUrn, type FeedChannel, type FeedEntry } from './model.ts';
import type { DocumentPublisher, DocumentState, FeedStore, PublishableDocument } from './ports.ts';
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

export interface RegenerationResult {
  /** Records whose feeds could not all be published: the stream delivers them again. */
  failedRecordIds: string[];
  /** Feeds rendered (each in three formats), tag indexes, and the catalogue (once per batch). */
  rendered: number;
  /** Daily archives rendered (each in three formats). */
  archived: number;
  /** Objects uploaded: only those whose bytes changed. */
  uploaded: number;
  /** Public URLs of the feed documents whose bytes changed: the topics to announce to WebSub hubs. */
  changedTopics: string[];
  errors: { document: string; error: unknown }[];
}

interface Planned {
  at: string;
  records: Set<string>;
  tombstones: Tombstone[];
}

/** Tombstones a feed keeps at most, newest retraction first. */
const MAX_TOMBSTONES = 50;

/**
 * Regenerates every feed and tag index a batch of changes touched, each once, however many changes touched it.
 * A feed that fails is reported through the records that touched it; the others still publish.
 */
export class FeedRegenerator {
  constructor(
    private readonly store: FeedStore,
    private readonly publisher: DocumentPublisher,
    private readonly settings: FeedSettings,
  ) {}

  async regenerate(changes: readonly ArticleChange[]): Promise<RegenerationResult> {
    const feeds = new Map<FeedId, Planned>();
    const indexes = new Map<string, Planned>();
    const archives = new Map<string, Planned>();
    for (const change of changes) {
      for (const feed of change.feeds) plan(feeds, feed, change);
      for (const source of change.sources) plan(indexes, source, change);
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
    if (feeds.size === 0 && indexes.size === 0) return result;
    const sources = new Map((await this.store.listSources()).map((source) => [source.slug, source]));
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
    // Feeds first: a tag index reads what the source's tag feeds just recorded.
    await forEachConcurrently([...feeds], CONCURRENCY, ([feed, planned]) =>
      attempt(feed, planned, () => this.publishFeed(feed, planned.at, sources, planned.tombstones)),
    );
    await forEachConcurrently([...indexes], CONCURRENCY, ([source, planned]) =>
      attempt(tagIndexKey(source), planned, () => this.publishTagIndex(source, sources)),
    );
    // The catalogue (index page, OPML) lists every source's tags: once per batch that touched any.
    if (indexes.size) {
      const everyRecord: Planned = {
        at: '',
        records: new Set(changes.map((c) => c.recordId)),
        tombstones: [],
      };
      await attempt('catalogue', everyRecord, () => this.publishCatalogue(sources));
    }
    // Daily archives of what changed; a day that appeared or emptied changes its neighbours' links too.
    const neighbours = new Map<string, Planned>();
    await forEachConcurrently([...archives], CONCURRENCY, ([key, planned]) =>
      attempt(key, planned, async () => {
        const [feed = '', day = ''] = key.split('|');
        const published = await this.publishArchive(feed, day, planned.at, sources);
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
        return (await this.publishArchive(feed, day, planned.at, sources)).keys;
      }),
    );
    result.failedRecordIds = [...failed];
    return result;
  }

  /** Renders a feed from stored state and publishes what changed; returns the keys of the objects uploaded. */
  async publishFeed(
    feed: FeedId,
    changedAt: string,
    sources: ReadonlyMap<string, Source>,
    retracted: readonly Tombstone[] = [],
  ): Promise<string[]> {
    const { tag } = parseFeedId(feed);
    return this.publishConsistently(feed, async (state) => {
      const entries = (await this.store.readEntries(feed, this.settings.size)).map(withCorrectionNotes);
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
      const next = {
        changedAt: updated,
        ...(label ? { label } : {}),
        ...(entries[0] ? { newestPublishedAt: entries[0].publishedAt } : {}),
        ...(tombstones.length ? { tombstones } : {}),
      };
      return { documents, next };
    });
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
    sources: ReadonlyMap<string, Source>,
  ): Promise<{ keys: string[]; linksChanged: boolean; prev?: Day; next?: Day }> {
    const { tag } = parseFeedId(feed);
    let linksChanged = false;
    let around: { prev?: Day; next?: Day } = {};
    const keys = await this.publishConsistently(archiveDocument(feed, day), async (state) => {
      const [entries, neighbours] = await Promise.all([
        this.store.readDay(feed, day).then((list) => list.map(withCorrectionNotes)),
        this.store.neighbourDays(feed, day),
      ]);
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

  /** Publishes `feeds/index.html` and `feeds/opml.xml` from every source's tag rows. */
  async publishCatalogue(sources: ReadonlyMap<string, Source>): Promise<string[]> {
    return this.publishConsistently('catalogue', async () => {
      const rows = new Map(
        await Promise.all(
          [...sources.keys()].map(async (slug) => [slug, await this.store.readTagRows(slug)] as const),
        ),
      );
      const catalogue = buildCatalogue(this.settings, [...sources.values()], rows);
      return { documents: catalogueDocuments(catalogue, this.settings), next: {} };
    });
  }

  /** Renders `feeds/sources/{source}/tags.json`: each tag of the source, most used first. */
  async publishTagIndex(source: string, sources: ReadonlyMap<string, Source>): Promise<string[]> {
    const registered = sources.get(source);
    if (!registered) throw new Error(`source ${source} is not registered`);
    return this.publishConsistently(`sources/${source}/tags.json`, async () => {
      const rows = await this.store.readTagRows(source);
      rows.sort((a, b) => b.count - a.count || compare(a.label, b.label) || compare(a.slug, b.slug));
      const index = {
        source: { slug: registered.slug, name: registered.name, home_page_url: registered.homepageUrl },
        tags: rows.map((row) => {
          const urls = feedUrls(this.settings, feedIdFor({ source, tag: row.slug }));
          return {
            label: row.label,
            slug: row.slug,
            count: row.count,
            ...(row.newestPublishedAt ? { newest_published_at: row.newestPublishedAt } : {}),
            feeds: { rss: urls.rss, atom: urls.atom, json: urls.json },
          };
        }),
      };
      const documents = [
        this.document(
          { key: tagIndexKey(source), contentType: 'application/json; charset=utf-8' },
          `${JSON.stringify(index, null, 1)}\n`,
        ),
      ];
      return { documents, next: {} };
    });
  }

  /**
   * Publishes a document group so that a slower regeneration that read older state never leaves its bytes in
   * place of newer ones: upload what differs from the bucket, then commit the document's revision only if no
   * other publish committed since this one read it; if one did, start over from fresh state. Whoever commits
   * last read the newest state, and anyone who uploaded stale bytes fails to commit and publishes again.
   */
  private async publishConsistently(
    document: string,
    build: (state: DocumentState) => Promise<{
      documents: PublishableDocument[];
      next: Omit<DocumentState, 'revision'>;
    }>,
  ): Promise<string[]> {
    const uploadedKeys = new Set<string>();
    for (let attempt = 1; attempt <= PUBLISH_ATTEMPTS; attempt++) {
      const state = await this.store.readState(document);
      const { documents, next } = await build(state);
      const uploaded = await Promise.all(documents.map((doc) => this.publisher.publish(doc)));
      documents.forEach((doc, i) => {
        if (uploaded[i]) uploadedKeys.add(doc.key);
      });
      // Nothing written: nothing of anyone else's can have been overwritten.
      if (!uploaded.some(Boolean)) return [...uploadedKeys];
      if (await this.store.commitState(document, state.revision, next)) return [...uploadedKeys];
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

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
