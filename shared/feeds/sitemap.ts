import type { Source } from '../articles/model.ts';
import { forEachConcurrently } from '../pool.ts';
import { urlPath } from '../slug.ts';
import type { ArticleChange, SitemapArticle, SourceChange } from './changes.ts';
import type { DocumentState, FeedStore, SitemapState } from './ports.ts';
import { type ConsistentPublisher, documentOf, feedCacheControl } from './publish.ts';
import { MAX_LOC_CHARS, renderNewsSitemap } from './render/news-sitemap.ts';
import type { FeedSettings } from './settings.ts';

/**
 * Each source's Google News sitemap (`feeds/sources/{source}/news-sitemap.xml`), kept incrementally in hourly
 * buckets: the entries of the articles published in one hour (UTC) live in the publish state of the document
 * `sources/{source}/news-sitemap/{yyyy-mm-ddThh}` (DocumentState.sitemap.entries). A batch applies what its changes
 * say of the articles as they were and as they are (ArticleChange.sitemap) to the bucket of each one's publication
 * hour (and takes it out of the bucket of its old hour or source), and commits each bucket it changed with the
 * revision check, so racing batches never lose each other's entries: its writes are those buckets, whatever the
 * source published. No feed, membership or article is read for it.
 *
 * It then renders the sitemap from the 49 buckets of the window (the hour 48 hours ago through the current one),
 * read together, eventually consistent, and publishes its files through {@link ConsistentPublisher} under the
 * sitemap's own small state, `sources/{source}/news-sitemap` (the files' digests, how many numbered files, and the
 * revision of each bucket it rendered). A publish that reads a bucket older than the revision the sitemap's state
 * records reads it again, strongly consistent; a batch renders the buckets it committed at least at the revisions
 * it committed. Whichever publish commits the sitemap last has so rendered every bucket commit that finished before
 * it read the sitemap's state, and a batch whose bucket commit came later commits the sitemap after it (its own
 * revisions differ from the recorded ones), or fails and is delivered again.
 *
 * What it lists: the source's listed (published) articles published within the last 48 hours by the regenerator's
 * clock, newest first. An entry leaves when its article is retracted, expires, moves to another source, or is older
 * than 48 hours at a batch that touches the source. An idle source's sitemap keeps entries past 48 hours until its
 * next batch: each entry's `news:publication_date` tells a crawler its age. Buckets older than the window are never
 * read or written again; the table deletes them (TTL) a day after they leave it.
 */

/** How far back a Google News sitemap reaches: articles published in the last two days. */
export const NEWS_SITEMAP_WINDOW_MS = 48 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;
/** How long a bucket is kept once its hour has ended: the window, and a day more (DynamoDB's TTL then deletes it). */
const BUCKET_KEPT_MS = NEWS_SITEMAP_WINDOW_MS + 24 * HOUR_MS;
/** Tries of one bucket's commit against other batches' before the batch's records are reported failed. */
const BUCKET_ATTEMPTS = 6;

/**
 * The most one hourly bucket's entries may take, serialized as JSON (an upper bound of what DynamoDB counts for the
 * list), well within DynamoDB's 400 KB item. At about 230 bytes an entry (a 36-character id, an 80-character URL
 * and title, a date), that is about 1,300 articles published in ONE hour; at the API's limits (2,048-character URLs,
 * 300-character titles in a 4-byte script) about 90. An hour that holds more keeps its newest entries and drops its
 * oldest beyond the budget from the sitemap (they stay in the source's feeds). A bucket's size is the write units
 * of its commit (1 per KB): a batch writes the hours its articles were published in, never the whole window.
 */
export const SITEMAP_BUCKET_BUDGET_BYTES = 300_000;

type StoredEntry = NonNullable<SitemapState['entries']>[number];

/** The publish state's document of a source's news sitemap: its files' digests and its buckets' revisions. */
export const newsSitemapDocument = (source: string) => `sources/${source}/news-sitemap`;
/** The hour (UTC) of a time, `yyyy-mm-ddThh`: the bucket an article published then is kept in. */
export const newsSitemapHour = (time: string | number) => new Date(time).toISOString().slice(0, 13);
/** The publish state's document of one hourly bucket of a source's news sitemap. */
export const newsSitemapBucket = (source: string, hour: string) => `${newsSitemapDocument(source)}/${hour}`;
/** The S3 folder of a source's news sitemap files. */
export const newsSitemapFolder = (source: string) => `feeds/sources/${source}/`;

/** The hours of the window at `now`, oldest first: 49, from the one 48 hours ago (partly in it) to the current one. */
export function newsSitemapHours(now: number): string[] {
  const first = Math.floor((now - NEWS_SITEMAP_WINDOW_MS) / HOUR_MS);
  const last = Math.floor(now / HOUR_MS);
  return Array.from({ length: last - first + 1 }, (_, i) => newsSitemapHour((first + i) * HOUR_MS));
}

/** When the table may delete a bucket (TTL, seconds): a day after its hour has left the window. */
export const bucketExpiry = (hour: string) =>
  Math.ceil((Date.parse(`${hour}:00:00.000Z`) + HOUR_MS + BUCKET_KEPT_MS) / 1000);

/** A source's sitemap work in a batch: what the batch's changes said of its articles, and whose records they were. */
export interface PlannedSitemap {
  source: string;
  changes: { recordId: string; before?: SitemapArticle; after?: SitemapArticle }[];
  records: Set<string>;
  /** The newest change applied ('' for a source edit alone): the sitemap's last change, its index's `lastmod`. */
  at: string;
}

/**
 * The sitemaps a batch touches: the source of every article that was or is listed (the old source too when one
 * moved), and every source whose edit its sitemap shows (name, language: any edit its feeds show is planned; an edit
 * that leaves the sitemap's bytes as they were uploads nothing).
 */
export function planSitemaps(
  changes: readonly ArticleChange[],
  sourceChanges: readonly SourceChange[] = [],
): Map<string, PlannedSitemap> {
  const plans = new Map<string, PlannedSitemap>();
  const planOf = (source: string) => {
    const known = plans.get(source) ?? { source, changes: [], records: new Set<string>(), at: '' };
    plans.set(source, known);
    return known;
  };
  for (const change of changes) {
    const { before, after } = change.sitemap ?? {};
    const sources = new Set<string>();
    if (before?.listed) sources.add(before.source);
    if (after?.listed) sources.add(after.source);
    for (const source of sources) {
      const plan = planOf(source);
      plan.changes.push({
        recordId: change.recordId,
        ...(before ? { before } : {}),
        ...(after ? { after } : {}),
      });
      plan.records.add(change.recordId);
      if (change.at > plan.at) plan.at = change.at;
    }
  }
  for (const change of sourceChanges) if (change.edited) planOf(change.slug).records.add(change.recordId);
  return plans;
}

type PlannedChange = PlannedSitemap['changes'][number];

/** Newest first, then by id: the sitemap's order, and each bucket's. */
const newestFirst = (a: StoredEntry, b: StoredEntry) =>
  a[3] < b[3] ? 1 : a[3] > b[3] ? -1 : a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;

/**
 * The buckets a source's planned changes touch at `now`, each with its changes in their order: for an article of
 * this source as it was, the hour it leaves; as it is, the hour it enters (the same one, but for a new publication
 * time). Hours before the window are left alone: no publish reads them again.
 */
export function sitemapBuckets(plan: PlannedSitemap, now: number): Map<string, PlannedChange[]> {
  const first = newsSitemapHours(now)[0] ?? '';
  const buckets = new Map<string, PlannedChange[]>();
  for (const change of plan.changes) {
    const hours = new Set<string>();
    for (const article of [change.before, change.after])
      if (article && article.source === plan.source) hours.add(newsSitemapHour(article.publishedAt));
    for (const hour of hours) {
      if (hour < first) continue;
      const list = buckets.get(hour) ?? [];
      list.push(change);
      buckets.set(hour, list);
    }
  }
  return buckets;
}

/**
 * One hourly bucket's entries after a batch's changes: an article listed in this source and published in this hour
 * is added or replaced (a corrected title, a new URL); any other state of it (retracted, expired, moved to another
 * source or hour, gone) takes it out. `seeds` (entries a release that kept them in one item left) are added unless
 * the bucket has them. Newest first, cut to {@link SITEMAP_BUCKET_BUDGET_BYTES}, oldest dropped.
 */
export function applyBucketChanges(
  entries: readonly StoredEntry[],
  changes: readonly PlannedChange[],
  source: string,
  hour: string,
  seeds: readonly StoredEntry[] = [],
): StoredEntry[] {
  const byId = new Map<string, StoredEntry>(entries.map((entry) => [entry[0], entry]));
  for (const seed of seeds) if (!byId.has(seed[0])) byId.set(seed[0], seed);
  for (const { before, after } of changes) {
    const id = after?.id ?? before?.id;
    if (id === undefined) continue;
    byId.delete(id);
    // A URL the sitemap protocol refuses in a <loc> is left out rather than making the file invalid.
    if (
      after?.listed &&
      after.source === source &&
      newsSitemapHour(after.publishedAt) === hour &&
      after.url.length < MAX_LOC_CHARS
    )
      byId.set(id, [after.id, after.url, after.title, after.publishedAt]);
  }
  const kept = [...byId.values()].sort(newestFirst);
  let bytes = 2;
  for (let i = 0; i < kept.length; i++) {
    bytes += Buffer.byteLength(JSON.stringify(kept[i])) + 1;
    if (bytes > SITEMAP_BUCKET_BUDGET_BYTES) return kept.slice(0, i);
  }
  return kept;
}

/**
 * The sitemap's entries at `now` from its buckets' entries: those published within the window, newest first, each
 * article once (one whose publication time moved is in two buckets between their two commits: the newer is kept).
 */
export function sitemapEntriesAt(buckets: Iterable<readonly StoredEntry[]>, now: number): StoredEntry[] {
  const cutoff = new Date(now - NEWS_SITEMAP_WINDOW_MS).toISOString();
  const entries: StoredEntry[] = [];
  for (const bucket of buckets) for (const entry of bucket) if (entry[3] >= cutoff) entries.push(entry);
  const seen = new Set<string>();
  return entries.sort(newestFirst).filter((entry) => !seen.has(entry[0]) && Boolean(seen.add(entry[0])));
}

export interface SitemapDeps {
  publishing: ConsistentPublisher;
  store: Pick<FeedStore, 'readState' | 'readStates' | 'commitState'>;
  settings: FeedSettings;
  /** The registered sources among `slugs` (the batch's cache: a source its feeds render is read once). */
  sources: (slugs: string[]) => Promise<Map<string, Source>>;
  /** The regenerator's clock: the end of the 48-hour window. */
  now: () => number;
}

/** A bucket as a publish knows it: its revision and its entries. */
interface Bucket {
  revision: number;
  entries: StoredEntry[];
}

const sameEntries = (a: readonly StoredEntry[], b: readonly StoredEntry[]) =>
  JSON.stringify(a) === JSON.stringify(b);

/**
 * Applies a bucket's changes to its state and commits it if they changed it, with the revision check: a commit that
 * finds another batch's first applies the changes again to the newer state. Returns the bucket as committed.
 */
async function commitBucket(
  deps: SitemapDeps,
  source: string,
  hour: string,
  changes: readonly PlannedChange[],
  seeds: readonly StoredEntry[],
  known?: DocumentState,
): Promise<Bucket> {
  const document = newsSitemapBucket(source, hour);
  let state = known ?? (await deps.store.readState(document));
  for (let attempt = 1; attempt <= BUCKET_ATTEMPTS; attempt++) {
    const before = state.sitemap?.entries ?? [];
    const entries = applyBucketChanges(before, changes, source, hour, seeds);
    if (sameEntries(entries, before)) return { revision: state.revision, entries };
    const next = { sitemap: { entries }, expiresAt: bucketExpiry(hour) };
    if (await deps.store.commitState(document, state.revision, next))
      return { revision: state.revision + 1, entries };
    state = await deps.store.readState(document);
  }
  throw new Error(`${document} kept changing while it was committed`);
}

/**
 * Applies a source's planned changes to the buckets they touch, then renders the sitemap from its window's buckets
 * and publishes the files whose bytes changed, through the revision-checked publisher. `known`: the states as the
 * batch read them (the sitemap's and its touched buckets', strongly consistent), by document. Returns the keys
 * uploaded.
 */
export async function publishNewsSitemap(
  deps: SitemapDeps,
  plan: PlannedSitemap,
  known: ReadonlyMap<string, DocumentState> = new Map(),
): Promise<string[]> {
  const { publishing, settings, store } = deps;
  const document = newsSitemapDocument(plan.source);
  const folder = newsSitemapFolder(plan.source);
  const control = feedCacheControl(settings);
  const now = deps.now();
  const hours = newsSitemapHours(now);
  const first = hours[0] ?? '';
  const sitemapState = known.get(document) ?? (await store.readState(document));
  // Entries a release that kept them all in the sitemap's own state left there: each goes to its bucket once.
  const seeds = new Map<string, StoredEntry[]>();
  for (const entry of sitemapState.sitemap?.entries ?? []) {
    const hour = newsSitemapHour(entry[3]);
    if (hour >= first) seeds.set(hour, [...(seeds.get(hour) ?? []), entry]);
  }
  const changes = sitemapBuckets(plan, now);
  for (const hour of seeds.keys()) if (!changes.has(hour)) changes.set(hour, []);
  const committed = new Map<string, Bucket>();
  await Promise.all(
    [...changes].map(async ([hour, list]) => {
      const bucket = newsSitemapBucket(plan.source, hour);
      committed.set(
        hour,
        await commitBucket(deps, plan.source, hour, list, seeds.get(hour) ?? [], known.get(bucket)),
      );
    }),
  );
  const { keys } = await publishing.publish(
    document,
    async (state) => {
      const source = (await deps.sources([plan.source])).get(plan.source);
      if (!source) throw new Error(`source ${plan.source} is not registered`);
      const recorded = state.sitemap?.hours ?? {};
      // The window's hours, and any later one a bucket was committed for (an article dated ahead of this clock).
      const wanted = [
        ...new Set([
          ...hours,
          ...Object.keys(recorded).filter((hour) => hour >= first),
          ...[...committed.keys()].filter((hour) => hour >= first),
        ]),
      ];
      const read = await store.readStates(
        wanted.map((hour) => newsSitemapBucket(plan.source, hour)),
        { consistent: false },
      );
      const buckets = new Map<string, Bucket>();
      const take = (hour: string, bucket: Bucket) => {
        if (bucket.revision >= (buckets.get(hour)?.revision ?? 0)) buckets.set(hour, bucket);
      };
      const bucketOf = (state: DocumentState | undefined): Bucket => ({
        revision: state?.revision ?? 0,
        entries: state?.sitemap?.entries ?? [],
      });
      for (const hour of wanted) {
        take(hour, bucketOf(read.get(newsSitemapBucket(plan.source, hour))));
        const own = committed.get(hour);
        if (own) take(hour, own);
      }
      // A bucket read older than the sitemap's last publish rendered it is read again, strongly consistent.
      const behind = wanted.filter((hour) => (buckets.get(hour)?.revision ?? 0) < (recorded[hour] ?? 0));
      if (behind.length) {
        const again = await store.readStates(behind.map((hour) => newsSitemapBucket(plan.source, hour)));
        for (const hour of behind) take(hour, bucketOf(again.get(newsSitemapBucket(plan.source, hour))));
      }
      const entries = sitemapEntriesAt(
        [...buckets.values()].map((bucket) => bucket.entries),
        now,
      );
      const revisions: Record<string, number> = {};
      for (const hour of [...buckets.keys()].sort()) {
        const revision = buckets.get(hour)?.revision ?? 0;
        if (revision) revisions[hour] = revision;
      }
      // The later of two ISO 8601 UTC times (they sort as strings).
      const changedAt = [state.changedAt ?? '', plan.at].sort()[1] ?? '';
      const { files, parts } = renderNewsSitemap(
        { name: source.name, language: source.language },
        entries.map(([, url, title, publishedAt]) => ({ url, title, publishedAt })),
        {
          folderUrl: settings.baseUrl + urlPath(folder),
          lastmod: changedAt || source.createdAt,
          ...(state.sitemap?.parts ? { previousParts: state.sitemap.parts } : {}),
        },
      );
      return {
        documents: files.map((file) =>
          documentOf(
            { key: folder + file.name, contentType: 'application/xml; charset=utf-8' },
            file.text,
            control,
          ),
        ),
        next: {
          ...(changedAt ? { changedAt } : {}),
          sitemap: { hours: revisions, ...(parts ? { parts } : {}) },
        },
      };
    },
    sitemapState,
  );
  return keys;
}

/** What publishing a batch's sitemaps did, for the batch's result: the keys uploaded, or the error and its records. */
export type SitemapOutcome =
  | { document: string; keys: string[] }
  | { document: string; error: unknown; records: Set<string> };

/** Publishes every sitemap a batch planned, a few at once; each failure is reported with the records it carried. */
export async function publishNewsSitemaps(
  deps: SitemapDeps,
  plans: ReadonlyMap<string, PlannedSitemap>,
  states: ReadonlyMap<string, DocumentState>,
  concurrency: number,
): Promise<SitemapOutcome[]> {
  const outcomes: SitemapOutcome[] = [];
  await forEachConcurrently([...plans.values()], concurrency, async (plan) => {
    const document = newsSitemapDocument(plan.source);
    try {
      outcomes.push({ document, keys: await publishNewsSitemap(deps, plan, states) });
    } catch (error) {
      outcomes.push({ document, error, records: plan.records });
    }
  });
  return outcomes;
}

/**
 * The states a batch reads for its sitemaps with its feeds' states (strongly consistent): each planned sitemap's
 * own, and the buckets its changes touch at `now`.
 */
export function sitemapStateDocuments(plans: ReadonlyMap<string, PlannedSitemap>, now: number): string[] {
  return [...plans.values()].flatMap((plan) => [
    newsSitemapDocument(plan.source),
    ...[...sitemapBuckets(plan, now).keys()].map((hour) => newsSitemapBucket(plan.source, hour)),
  ]);
}

/** The sitemap states among a batch's states (`documents`, from {@link sitemapStateDocuments}), taken out of them. */
export function takeSitemapStates(
  states: Map<string, DocumentState>,
  documents: readonly string[],
): Map<string, DocumentState> {
  const taken = new Map<string, DocumentState>();
  for (const document of documents) {
    const state = states.get(document);
    if (state) taken.set(document, state);
    states.delete(document);
  }
  return taken;
}
