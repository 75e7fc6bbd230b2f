import type { Source } from '../articles/model.ts';
import { forEachConcurrently } from '../pool.ts';
import { urlPath } from '../slug.ts';
import type { ArticleChange, SitemapArticle, SourceChange } from './changes.ts';
import type { DocumentState, SitemapState } from './ports.ts';
import { type ConsistentPublisher, documentOf, feedCacheControl } from './publish.ts';
import { MAX_LOC_CHARS, renderNewsSitemap } from './render/news-sitemap.ts';
import type { FeedSettings } from './settings.ts';

/**
 * Each source's Google News sitemap (`feeds/sources/{source}/news-sitemap.xml`), kept incrementally: its entries
 * live in the publish state of the document `sources/{source}/news-sitemap` (DocumentState.sitemap), and each batch
 * applies to them what its changes say of the articles as they were and as they are (ArticleChange.sitemap). No
 * feed, membership or article is read for it: a batch's work for a sitemap is one state (read with the batch's
 * other states), its changes, and a render bounded by {@link SITEMAP_STATE_BUDGET_BYTES}, whatever the deployment
 * holds. The revision check of {@link ConsistentPublisher} makes concurrent batches apply their changes one after
 * the other, so none loses another's entry.
 *
 * What it lists: the source's listed (published) articles published within the last 48 hours by the regenerator's
 * clock, newest first. An entry leaves when its article is retracted, expires, moves to another source, or is older
 * than 48 hours at a batch that touches the source. An idle source's sitemap keeps entries past 48 hours until its
 * next batch: each entry's `news:publication_date` tells a crawler its age.
 */

/** How far back a Google News sitemap reaches: articles published in the last two days. */
export const NEWS_SITEMAP_WINDOW_MS = 48 * 60 * 60 * 1000;

/**
 * The most a sitemap's entries may take, serialized as JSON (an upper bound of what DynamoDB counts for the list), so
 * that its state stays well within DynamoDB's 400 KB item with its digests beside it. At about 230 bytes an entry
 * (a 36-character id, an 80-character URL and title, a date), that is about 1,300 articles; at the API's limits
 * (2,048-character URLs, 300-character titles in a 4-byte script) about 90. A source that publishes more than that
 * in 48 hours has its oldest entries leave the sitemap early, newest kept; they stay in its feeds. The state is
 * written by every batch that touches the source, so its size is also the write units of that commit (1 per KB).
 */
export const SITEMAP_STATE_BUDGET_BYTES = 300_000;

type StoredEntry = NonNullable<SitemapState['entries']>[number];

/** The publish state's document of a source's news sitemap. */
export const newsSitemapDocument = (source: string) => `sources/${source}/news-sitemap`;
/** The S3 folder of a source's news sitemap files. */
export const newsSitemapFolder = (source: string) => `feeds/sources/${source}/`;

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
 * A sitemap's entries after a batch's changes, at `now`: an article listed in this source and published within the
 * window is added or replaced (a corrected title, a new URL); any other state of it (retracted, expired, moved, gone)
 * takes it out. Then entries older than the window leave, the rest newest first, cut to the byte budget.
 */
export function applySitemapChanges(
  entries: readonly StoredEntry[],
  changes: PlannedSitemap['changes'],
  source: string,
  now: number,
): StoredEntry[] {
  const byId = new Map<string, StoredEntry>(entries.map((entry) => [entry[0], entry]));
  for (const { before, after } of changes) {
    const id = after?.id ?? before?.id;
    if (id === undefined) continue;
    byId.delete(id);
    // A URL the sitemap protocol refuses in a <loc> is left out rather than making the file invalid.
    if (after?.listed && after.source === source && after.url.length < MAX_LOC_CHARS)
      byId.set(id, [after.id, after.url, after.title, after.publishedAt]);
  }
  const cutoff = new Date(now - NEWS_SITEMAP_WINDOW_MS).toISOString();
  const kept = [...byId.values()]
    .filter((entry) => entry[3] >= cutoff)
    .sort((a, b) => (a[3] < b[3] ? 1 : a[3] > b[3] ? -1 : a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let bytes = 2;
  for (let i = 0; i < kept.length; i++) {
    bytes += Buffer.byteLength(JSON.stringify(kept[i])) + 1;
    if (bytes > SITEMAP_STATE_BUDGET_BYTES) return kept.slice(0, i);
  }
  return kept;
}

export interface SitemapDeps {
  publishing: ConsistentPublisher;
  settings: FeedSettings;
  /** The registered sources among `slugs` (the batch's cache: a source its feeds render is read once). */
  sources: (slugs: string[]) => Promise<Map<string, Source>>;
  /** The regenerator's clock: the end of the 48-hour window. */
  now: () => number;
}

/**
 * Applies a source's planned changes to its sitemap state and publishes the files whose bytes changed, through the
 * revision-checked publisher: a publish that loses its commit to another batch's applies its changes again to the
 * newer state. `known`: the state as the batch read it. Returns the keys uploaded.
 */
export async function publishNewsSitemap(
  deps: SitemapDeps,
  plan: PlannedSitemap,
  known?: DocumentState,
): Promise<string[]> {
  const { publishing, settings } = deps;
  const folder = newsSitemapFolder(plan.source);
  const control = feedCacheControl(settings);
  const { keys } = await publishing.publish(
    newsSitemapDocument(plan.source),
    async (state) => {
      const source = (await deps.sources([plan.source])).get(plan.source);
      if (!source) throw new Error(`source ${plan.source} is not registered`);
      const entries = applySitemapChanges(
        state.sitemap?.entries ?? [],
        plan.changes,
        plan.source,
        deps.now(),
      );
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
          sitemap: { entries, ...(parts ? { parts } : {}) },
        },
      };
    },
    known,
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
      outcomes.push({ document, keys: await publishNewsSitemap(deps, plan, states.get(document)) });
    } catch (error) {
      outcomes.push({ document, error, records: plan.records });
    }
  });
  return outcomes;
}

/** The sitemap states among a batch's states, taken out of them (the rest are its feeds'). */
export function takeSitemapStates(
  states: Map<string, DocumentState>,
  plans: ReadonlyMap<string, PlannedSitemap>,
): Map<string, DocumentState> {
  const taken = new Map<string, DocumentState>();
  for (const source of plans.keys()) {
    const document = newsSitemapDocument(source);
    const state = states.get(document);
    if (state) taken.set(document, state);
    states.delete(document);
  }
  return taken;
}
