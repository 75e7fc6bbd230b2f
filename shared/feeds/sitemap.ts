import type { Source } from '../articles/model.ts';
import { forEachConcurrently } from '../pool.ts';
import { urlPath } from '../slug.ts';
import type { ArticleChange, SitemapArticle, SourceChange } from './changes.ts';
import type { DocumentState, FeedStore, SitemapEntry, SitemapEntryRemoval } from './ports.ts';
import { type ConsistentPublisher, documentOf, feedCacheControl } from './publish.ts';
import { MAX_LOC_CHARS, NEWS_SITEMAP_URLS_PER_FILE, renderNewsSitemap } from './render/news-sitemap.ts';
import type { FeedSettings } from './settings.ts';

/**
 * Each source's Google News sitemap (`feeds/sources/{source}/news-sitemap.xml`), kept incrementally as one small
 * item per entry (FeedStore's sitemap entries: a partition per source, keyed `{publishedAt}#{id}`). A batch applies
 * what its changes say of the articles as they were and as they are (ArticleChange.sitemap): it puts the entry of an
 * article listed in the source (unless a newer version of it is stored), and deletes the old key of one withdrawn,
 * moved to another source, or re-dated. Its writes are one small item per article change, whatever the source holds;
 * no feed, membership or article is read for it.
 *
 * It then renders the sitemap from one strongly consistent Query of the source's entries published within the window
 * (newest first, at most {@link NEWS_SITEMAP_MAX_ENTRIES}) and publishes its files through
 * {@link ConsistentPublisher} under the sitemap's own small state, `sources/{source}/news-sitemap` (the files'
 * digests, how many numbered files), so files whose bytes did not change are not uploaded.
 *
 * Why racing batches lose nothing: each batch writes its entries BEFORE its publish, and every attempt of a publish
 * queries the entries AFTER reading the sitemap's state and commits only if that state's revision is still the one
 * it read. Take the publish that commits last, and any batch B whose entry writes finished: B's own publish commits
 * too (or fails, and its records are delivered again). If B's commit is that last one, its query followed its
 * writes. If it came earlier, the last publish read a state at least as new as B's commit (its revision check
 * passed), so its query came after B's commit, hence after B's writes. Either way the last files hold B's entries;
 * a publish that loses the race reads the state again and queries again. This needs B's publish to COMMIT, even
 * when its files come out as the state last recorded them (the publisher then skips the commit): another publish
 * that queried before B's writes could otherwise commit after it, with files that lack them. So a publish that
 * wrote entries bumps a counter in the sitemap's state (`sitemap.writes`), and its state never looks unchanged.
 *
 * What it lists: the source's listed (published) articles published within the last 48 hours by the regenerator's
 * clock, newest first. An entry leaves when its article is retracted, expires, moves to another source, or is older
 * than 48 hours at a batch that touches the source. An idle source's sitemap keeps entries past 48 hours until its
 * next batch: each entry's `news:publication_date` tells a crawler its age. Entries older than the window are never
 * read again; the table deletes them (TTL) a day after they leave it.
 *
 * The entries were once kept in hourly buckets of publish state (and before that in the sitemap's own state); those
 * formats never left development, so no deployment holds them and nothing migrates them.
 */

/** How far back a Google News sitemap reaches: articles published in the last two days. */
export const NEWS_SITEMAP_WINDOW_MS = 48 * 60 * 60 * 1000;
/** How long an entry is kept past the window before the table deletes it (TTL): a day. */
const ENTRY_KEPT_PAST_WINDOW_MS = 24 * 60 * 60 * 1000;
/**
 * The most entries a sitemap lists: 5 files of 1,000. A source that published more in 48 hours (over 100 an hour)
 * lists its newest 5,000; the older ones are left out of the sitemap (they stay in the source's feeds). An entry
 * weighs about 300 bytes as DynamoDB counts it (measured with the bench's titles and URLs): 5,000 are about 1.5 MB,
 * two Query pages and about 370 read units strongly consistent; 150 are about 12 units.
 */
export const NEWS_SITEMAP_MAX_ENTRIES = 5 * NEWS_SITEMAP_URLS_PER_FILE;

/** The publish state's document of a source's news sitemap: its files' digests and how many numbered files. */
export const newsSitemapDocument = (source: string) => `sources/${source}/news-sitemap`;
/** The S3 folder of a source's news sitemap files. */
export const newsSitemapFolder = (source: string) => `feeds/sources/${source}/`;

/** When the table may delete an entry (TTL, seconds): a day after its publication time has left the window. */
export const sitemapEntryExpiry = (publishedAt: string) =>
  Math.ceil((Date.parse(publishedAt) + NEWS_SITEMAP_WINDOW_MS + ENTRY_KEPT_PAST_WINDOW_MS) / 1000);

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

/**
 * The entry writes of a source's planned changes at `now`, one per article change: for an article listed in this
 * source (with a URL a `<loc>` accepts) and published within the window, its entry; for one that was listed here
 * under another key (withdrawn, moved to another source, re-dated), the removal of that key, with the version of the
 * change that took it out. Several changes of one article in a batch come to their net effect, so that no two
 * writes of one key race each other. Keys before the window are left alone: no render reads them again.
 */
export function sitemapWrites(
  plan: PlannedSitemap,
  now: number,
): { puts: SitemapEntry[]; deletes: SitemapEntryRemoval[] } {
  const cutoff = new Date(now - NEWS_SITEMAP_WINDOW_MS).toISOString();
  const puts = new Map<string, SitemapEntry>();
  const deletes = new Map<string, SitemapEntryRemoval>();
  const keyOf = (article: Pick<SitemapArticle, 'publishedAt' | 'id'>) =>
    `${article.publishedAt}#${article.id}`;
  for (const { before, after } of plan.changes) {
    const put =
      after?.listed &&
      after.source === plan.source &&
      after.url.length < MAX_LOC_CHARS &&
      after.publishedAt >= cutoff
        ? after
        : undefined;
    if (
      before?.listed &&
      before.source === plan.source &&
      before.publishedAt >= cutoff &&
      !(put && keyOf(put) === keyOf(before))
    ) {
      const key = keyOf(before);
      puts.delete(key);
      const { source, id, publishedAt } = before;
      deletes.set(key, { source, id, publishedAt, version: after?.version ?? before.version });
    }
    if (put) {
      const key = keyOf(put);
      deletes.delete(key);
      const { source, id, url, title, publishedAt, version } = put;
      puts.set(key, {
        source,
        id,
        url,
        title,
        publishedAt,
        version,
        expiresAt: sitemapEntryExpiry(publishedAt),
      });
    }
  }
  return { puts: [...puts.values()], deletes: [...deletes.values()] };
}

/**
 * The sitemap's entries from those read, newest first: each article once. A late write may leave an older
 * version of an article under another key (its publication time moved): the newest version is kept.
 */
export function distinctEntries(entries: readonly SitemapEntry[]): SitemapEntry[] {
  const newest = new Map<string, SitemapEntry>();
  for (const entry of entries)
    if ((newest.get(entry.id)?.version ?? -1) < entry.version) newest.set(entry.id, entry);
  return entries.filter((entry) => newest.get(entry.id) === entry);
}

export interface SitemapDeps {
  publishing: ConsistentPublisher;
  store: Pick<FeedStore, 'putSitemapEntries' | 'deleteSitemapEntries' | 'readSitemapEntries'>;
  settings: FeedSettings;
  /** The registered sources among `slugs` (the batch's cache: a source its feeds render is read once). */
  sources: (slugs: string[]) => Promise<Map<string, Source>>;
  /** The regenerator's clock: the end of the 48-hour window. */
  now: () => number;
}

/**
 * Writes a source's planned entry changes, then renders the sitemap from its window's entries and publishes the
 * files whose bytes changed, through the revision-checked publisher (see the top of this module for why the writes
 * come first). `known`: the sitemap's state as the batch read it (strongly consistent), by document. Returns the
 * keys uploaded.
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
  const since = new Date(now - NEWS_SITEMAP_WINDOW_MS).toISOString();
  const { puts, deletes } = sitemapWrites(plan, now);
  const wrote = puts.length + deletes.length > 0;
  await Promise.all([
    puts.length ? store.putSitemapEntries(puts) : undefined,
    deletes.length ? store.deleteSitemapEntries(deletes) : undefined,
  ]);
  const { keys } = await publishing.publish(
    document,
    async (state) => {
      const source = (await deps.sources([plan.source])).get(plan.source);
      if (!source) throw new Error(`source ${plan.source} is not registered`);
      // Queried on every attempt, after its state was read: what makes racing batches safe.
      const entries = distinctEntries(
        await store.readSitemapEntries(plan.source, since, NEWS_SITEMAP_MAX_ENTRIES),
      );
      // The later of two ISO 8601 UTC times (they sort as strings).
      const changedAt = [state.changedAt ?? '', plan.at].sort()[1] ?? '';
      // A publish that wrote entries always commits (see the top of this module).
      const writes = (state.sitemap?.writes ?? 0) + (wrote ? 1 : 0);
      const { files, parts } = renderNewsSitemap({ name: source.name, language: source.language }, entries, {
        folderUrl: settings.baseUrl + urlPath(folder),
        lastmod: changedAt || source.createdAt,
        ...(state.sitemap?.parts ? { previousParts: state.sitemap.parts } : {}),
      });
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
          ...(parts || writes
            ? { sitemap: { ...(parts ? { parts } : {}), ...(writes ? { writes } : {}) } }
            : {}),
        },
      };
    },
    known.get(document),
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

/** The states a batch reads for its sitemaps with its feeds' states (strongly consistent): each planned sitemap's. */
export function sitemapStateDocuments(plans: ReadonlyMap<string, PlannedSitemap>): string[] {
  return [...plans.values()].map((plan) => newsSitemapDocument(plan.source));
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
