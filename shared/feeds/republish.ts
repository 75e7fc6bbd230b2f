import { forEachConcurrently } from '../pool.ts';
import { type Day, dayOf } from './archives.ts';
import { CROSS_SOURCE_TAGS, pagesFor, sourceTagsDirectory } from './directory.ts';
import { ALL_FEED, type FeedId, feedIdFor } from './feed-ids.ts';
import type { FeedStore } from './ports.ts';
import type { FeedRegenerator } from './regenerate.ts';

export interface RepublishResult {
  feeds: number;
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
    for (const row of await store.readTagRows(source)) {
      feeds.add(feedIdFor({ source, tag: row.slug }));
      feeds.add(feedIdFor({ tag: row.slug }));
    }
  }
  const result: RepublishResult = { feeds: 0, archives: 0, directoryPages: 0, uploaded: 0 };
  await forEachConcurrently([...feeds].sort(), CONCURRENCY, async (feed) => {
    // Awaited first: `total += await …` would read the total before the wait, and lose the other workers' adds.
    const { keys } = await regenerator.publishFeed(feed, '');
    result.uploaded += keys.length;
    result.feeds++;
    if (options.archives) {
      // From the newest day back, one day at a time: each archive names the day before it.
      const [newest] = await store.readEntries(feed, 1);
      let day: Day | undefined = newest ? dayOf(newest.publishedAt) : undefined;
      while (day) {
        const published = await regenerator.publishArchive(feed, day, '');
        result.uploaded += published.keys.length;
        result.archives++;
        day = published.prev;
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
