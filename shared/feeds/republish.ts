import { forEachConcurrently } from '../pool.ts';
import { CROSS_SOURCE_TAGS, pagesFor, sourceTagsDirectory } from './directory.ts';
import { ALL_FEED, type FeedId, feedIdFor } from './feed-ids.ts';
import type { FeedStore } from './ports.ts';
import type { FeedRegenerator } from './regenerate.ts';

export interface RepublishResult {
  feeds: number;
  /** Archive pages rendered: each feed's open page, and with `archives` every closed page. */
  archives: number;
  /** Pages of the tag directories (each an HTML page, an OPML and, for a source's tags, a JSON tag index). */
  directoryPages: number;
  /** Objects uploaded: only those whose bytes changed. */
  uploaded: number;
}

/** Feeds republished at once. */
const CONCURRENCY = 8;

/**
 * Renders every feed (with its page), every page of the tag directories and the catalogue again from stored state, and
 * with `archives` every archive day too, publishing only what changed. For operators after a deploy that changes
 * how documents render (such as the pages that feeds gained, or a new public base URL), so that every document
 * follows at once instead of at its next write. Its work grows with the deployment, so no batch ever calls it;
 * an unchanged deployment uploads nothing, because the same state renders the same bytes.
 */
export async function republishEverything(
  regenerator: FeedRegenerator,
  store: FeedStore,
  options: { archives: boolean; progress?: (done: string) => void },
): Promise<RepublishResult> {
  const sources = (await store.listSources()).map((source) => source.slug);
  const feeds = new Set<FeedId>([ALL_FEED]);
  for (const source of sources) {
    feeds.add(feedIdFor({ source }));
    for (const tag of await store.readTagSlugs(source)) {
      feeds.add(feedIdFor({ source, tag }));
      feeds.add(feedIdFor({ tag }));
    }
  }
  const result: RepublishResult = { feeds: 0, archives: 0, directoryPages: 0, uploaded: 0 };
  await forEachConcurrently([...feeds].sort(), CONCURRENCY, async (feed) => {
    // Awaited first: `total += await …` would read the total before the wait, and lose the other workers' adds.
    // The feed renders its open archive page with it (and closes pages that are full).
    const { keys, archived } = await regenerator.publishFeed(feed, '');
    result.uploaded += keys.length + archived.keys.length;
    result.feeds++;
    result.archives += archived.pages;
    if (options.archives) {
      for (const span of await store.closedArchivePages(feed)) {
        const uploaded = await regenerator.publishClosedPage(feed, span, '');
        result.uploaded += uploaded.length;
        result.archives++;
      }
    }
    options.progress?.(feed);
  });
  // After the feeds, which gave every listed tag its place.
  for (const directory of [CROSS_SOURCE_TAGS, ...sources.map(sourceTagsDirectory)]) {
    const pages = pagesFor(await store.placesTaken(directory));
    for (let page = 1; page <= pages; page++) {
      const uploaded = await regenerator.publishDirectoryPage(directory, page);
      result.uploaded += uploaded.length;
      result.directoryPages++;
    }
  }
  const catalogue = await regenerator.publishCatalogue();
  result.uploaded += catalogue.length;
  return result;
}
