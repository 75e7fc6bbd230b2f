import { type ArchiveSpan, archiveDocument } from './archives.ts';
import {
  CROSS_SOURCE_TAGS,
  type DirectoryId,
  directoryDocument,
  pagesFor,
  sourceTagsDirectory,
} from './directory.ts';
import { ALL_FEED, type FeedId, feedIdFor } from './feed-ids.ts';
import type { DocumentState, FeedStore } from './ports.ts';
import type { FeedRegenerator } from './regenerate.ts';
import { RENDERER_VERSION, renderedByAnotherRelease } from './render/version.ts';
import { newsSitemapDocument } from './sitemap.ts';

export interface RepublishResult {
  feeds: number;
  /** Archive pages rendered: the open page of each feed rendered, and closed pages. */
  archives: number;
  /** Pages of the tag directories (each an HTML page, an OPML and, for a source's tags, a JSON tag index). */
  directoryPages: number;
  /** Sources' news sitemaps, each rendered from its own state (shared/feeds/sitemap.ts). */
  sitemaps: number;
  /** Objects uploaded: only those whose bytes changed. */
  uploaded: number;
  /** Documents planned: feeds, closed archive pages, directory pages and the catalogue. */
  total: number;
  /** Of those, the ones an interrupted run had finished, skipped by this one. */
  resumed: number;
  /** False when the run was stopped (its signal) before it finished: a rerun resumes from its checkpoint. */
  complete: boolean;
}

/**
 * Where a republish keeps the documents it has finished, so that a rerun after an interruption (Ctrl-C, a crash)
 * continues where it stopped. Only a run of the same scope may resume one: the caller keys it.
 */
export interface RepublishCheckpoint {
  /** The tasks an interrupted run finished (empty for a new run). */
  finished(): Promise<ReadonlySet<string>>;
  /** Records a finished task: a rerun skips it. */
  record(task: string): Promise<void>;
  /** The run finished: the next one starts over. */
  clear(): Promise<void>;
}

export interface RepublishProgress {
  /** Tasks finished, those a resumed run skipped included. */
  done: number;
  total: number;
  uploaded: number;
  /** The task just finished. */
  task?: string;
}

export interface RepublishOptions {
  /** Every closed archive page too; without it a feed's open page only (in `stale` mode, every stale page). */
  archives?: boolean;
  /**
   * Only documents whose publish state says another release's renderers rendered them (render/version.ts), closed
   * archive pages included. Found from the states alone: nothing is rendered to find them.
   */
  stale?: boolean;
  /** One source's documents: its feed and its tags' feeds within it, their archives, its tag directory. */
  source?: string;
  checkpoint?: RepublishCheckpoint;
  progress?: (progress: RepublishProgress) => void;
  /** Stops the run: no task starts after it, the ones under way finish and are recorded. */
  signal?: AbortSignal;
  /** Documents rendered at once (8). */
  concurrency?: number;
}

/** Documents republished at once. */
const CONCURRENCY = 8;

type Task =
  | { kind: 'feed'; feed: FeedId }
  | { kind: 'closed'; feed: FeedId; span: ArchiveSpan }
  | { kind: 'directory'; directory: DirectoryId; page: number }
  | { kind: 'sitemap'; source: string }
  | { kind: 'catalogue' };

/** A task's name in a checkpoint: stable from one run to the next. */
export function taskName(task: Task): string {
  switch (task.kind) {
    case 'feed':
      return `feed ${task.feed}`;
    case 'closed':
      return `archive ${archiveDocument(task.feed, task.span.page)}`;
    case 'directory':
      return `directory ${directoryDocument(task.directory, task.page)}`;
    case 'sitemap':
      return `sitemap ${task.source}`;
    case 'catalogue':
      return 'catalogue';
  }
}

/**
 * Renders documents again from stored state and publishes what changed: every feed (with its page and its open
 * archive page), every page of the tag directories and the catalogue, with `archives` every closed archive page too;
 * or one source's; or, `stale`, only the documents rendered by another release's renderers. For operators after a
 * deploy that changes how documents render (and for `npm start` when it finds the renderers' stamp changed), so that
 * every document follows at once instead of at its next write; some never have another. Its work grows with the
 * deployment, so no batch ever calls it; an unchanged deployment uploads nothing, because the same state renders the
 * same bytes. Pace it by handing the regenerator and this a paced store and publisher (pacing.ts).
 */
export async function republishEverything(
  regenerator: FeedRegenerator,
  store: FeedStore,
  options: RepublishOptions,
): Promise<RepublishResult> {
  const sources = await sourcesOf(store, options.source);
  const plan = await planned(store, sources, options);
  const finished = (await options.checkpoint?.finished()) ?? new Set<string>();
  const result: RepublishResult = {
    feeds: 0,
    archives: 0,
    directoryPages: 0,
    sitemaps: 0,
    uploaded: 0,
    total:
      plan.feeds.length +
      plan.closed.length +
      plan.pages.length +
      plan.sitemaps.length +
      plan.catalogue.length,
    resumed: 0,
    complete: false,
  };
  let done = 0;
  const report = (task?: string) =>
    options.progress?.({ done, total: result.total, uploaded: result.uploaded, ...(task ? { task } : {}) });
  for (const task of [...plan.feeds, ...plan.closed, ...plan.pages, ...plan.sitemaps, ...plan.catalogue]) {
    if (finished.has(taskName(task))) result.resumed++;
  }
  done = result.resumed;
  report();

  const runPhase = async (tasks: readonly Task[]) => {
    let next = 0;
    let failure: { error: unknown } | undefined;
    const worker = async () => {
      while (next < tasks.length && !failure) {
        if (options.signal?.aborted) return;
        const task = tasks[next++] as Task;
        const name = taskName(task);
        if (finished.has(name)) continue;
        try {
          await run(regenerator, task, result);
          await options.checkpoint?.record(name);
        } catch (error) {
          failure ??= { error };
          return;
        }
        done++;
        report(name);
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(options.concurrency ?? CONCURRENCY, tasks.length) }, worker),
    );
    if (failure) throw failure.error;
    // Stopped before it started every task, or not at all.
    return next >= tasks.length;
  };

  // Feeds first: they give every listed tag its place, and close archive pages.
  if (!(await runPhase(plan.feeds)) || !(await runPhase(plan.closed))) return result;
  // A feed that took its first place may have opened a directory page: it is rendered too.
  const pages = [...plan.pages];
  for (const directory of plan.directories) {
    const known = plan.pageCounts.get(directory) ?? 0;
    const now = pagesFor(await store.placesTaken(directory));
    for (let page = known + 1; page <= now; page++) pages.push({ kind: 'directory', directory, page });
    result.total += Math.max(0, now - known);
  }
  if (!(await runPhase(pages)) || !(await runPhase(plan.sitemaps)) || !(await runPhase(plan.catalogue)))
    return result;
  await options.checkpoint?.clear();
  result.complete = true;
  return result;
}

async function sourcesOf(store: FeedStore, source: string | undefined): Promise<string[]> {
  if (source === undefined) return (await store.listSources()).map((found) => found.slug);
  if (!(await store.getSources([source])).length) throw new Error(`source ${source} is not registered`);
  return [source];
}

interface Plan {
  feeds: Task[];
  closed: Task[];
  pages: Task[];
  sitemaps: Task[];
  catalogue: Task[];
  directories: DirectoryId[];
  /** Pages of each directory when the plan was made. */
  pageCounts: Map<DirectoryId, number>;
}

/**
 * What a run renders. In `stale` mode it reads only states: the feeds' and their archives' (a hundred a request),
 * the closed pages' of feeds that have any (their index carries the stamp of the renderers that closed them, for
 * pages never rendered since), the directory pages' and the catalogue's.
 */
async function planned(
  store: FeedStore,
  sources: readonly string[],
  options: RepublishOptions,
): Promise<Plan> {
  const feeds = new Set<FeedId>(options.source === undefined ? [ALL_FEED] : []);
  for (const source of sources) {
    feeds.add(feedIdFor({ source }));
    for (const tag of await store.readTagSlugs(source)) {
      feeds.add(feedIdFor({ source, tag }));
      if (options.source === undefined) feeds.add(feedIdFor({ tag }));
    }
  }
  const sorted = [...feeds].sort();
  const directories =
    options.source === undefined
      ? [CROSS_SOURCE_TAGS, ...sources.map(sourceTagsDirectory)]
      : [sourceTagsDirectory(options.source)];
  const pageCounts = new Map<DirectoryId, number>();
  for (const directory of directories)
    pageCounts.set(directory, pagesFor(await store.placesTaken(directory)));
  const pageTasks: Task[] = directories.flatMap((directory) =>
    Array.from({ length: pageCounts.get(directory) ?? 0 }, (_, i) => ({
      kind: 'directory' as const,
      directory,
      page: i + 1,
    })),
  );
  const catalogue: Task[] = options.source === undefined ? [{ kind: 'catalogue' }] : [];
  const sitemaps: Task[] = sources.map((source) => ({ kind: 'sitemap', source }));

  if (!options.stale) {
    const closed: Task[] = [];
    if (options.archives) {
      for (const feed of sorted)
        for (const span of await store.closedArchivePages(feed)) closed.push({ kind: 'closed', feed, span });
    }
    return {
      feeds: sorted.map((feed) => ({ kind: 'feed', feed })),
      closed,
      pages: pageTasks,
      sitemaps,
      catalogue,
      directories,
      pageCounts,
    };
  }

  const states = await store.readStates([...sorted, ...sorted.map((feed) => `${feed}/archive`)]);
  const state = (document: string): DocumentState => states.get(document) ?? { revision: 0 };
  const staleFeeds = sorted.filter(
    (feed) =>
      renderedByAnotherRelease(state(feed)) ||
      (Boolean(state(feed).archivePages) && renderedByAnotherRelease(state(`${feed}/archive`))),
  );
  const closed: Task[] = [];
  for (const feed of sorted) {
    if ((state(feed).archivePages ?? 0) < 2) continue;
    const spans = await store.closedArchivePages(feed);
    const own = await store.readStates(spans.map((span) => archiveDocument(feed, span.page)));
    for (const span of spans) {
      const page = own.get(archiveDocument(feed, span.page)) ?? { revision: 0 };
      const stale = page.revision ? renderedByAnotherRelease(page) : span.renderer !== RENDERER_VERSION;
      if (stale) closed.push({ kind: 'closed', feed, span });
    }
  }
  const documentOf = (task: Task) =>
    task.kind === 'directory'
      ? directoryDocument(task.directory, task.page)
      : task.kind === 'sitemap'
        ? newsSitemapDocument(task.source)
        : 'catalogue';
  const others = await store.readStates([...pageTasks, ...sitemaps, ...catalogue].map(documentOf));
  const staleOther = (task: Task) =>
    renderedByAnotherRelease(others.get(documentOf(task)) ?? { revision: 0 });
  return {
    feeds: staleFeeds.map((feed) => ({ kind: 'feed', feed })),
    closed,
    pages: pageTasks.filter(staleOther),
    sitemaps: sitemaps.filter(staleOther),
    catalogue: catalogue.filter(staleOther),
    directories,
    pageCounts,
  };
}

async function run(regenerator: FeedRegenerator, task: Task, result: RepublishResult): Promise<void> {
  switch (task.kind) {
    case 'feed': {
      // The feed renders its open archive page with it (and closes pages that are full). Awaited first:
      // `total += await …` would read the total before the wait, and lose the other workers' adds.
      const { keys, archived } = await regenerator.publishFeed(task.feed, '');
      result.uploaded += keys.length + archived.keys.length;
      result.feeds++;
      result.archives += archived.pages;
      return;
    }
    case 'closed': {
      const uploaded = await regenerator.publishClosedPage(task.feed, task.span, '');
      result.uploaded += uploaded.length;
      result.archives++;
      return;
    }
    case 'directory': {
      const uploaded = await regenerator.publishDirectoryPage(task.directory, task.page);
      result.uploaded += uploaded.length;
      result.directoryPages++;
      return;
    }
    case 'sitemap': {
      const uploaded = await regenerator.publishNewsSitemap(task.source);
      result.uploaded += uploaded.length;
      result.sitemaps++;
      return;
    }
    case 'catalogue': {
      const uploaded = await regenerator.publishCatalogue();
      result.uploaded += uploaded.length;
      return;
    }
  }
}
