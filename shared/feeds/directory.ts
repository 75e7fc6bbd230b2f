import { parseFeedId } from './channel.ts';
import type { FeedId } from './feed-ids.ts';

/**
 * Tag directories: the lists of tag feeds a reader browses and imports. There is one per source
 * (`sources/{source}/tags`, its tags) and one across sources (`tags`). A directory is paged by the order in which its
 * tags were first listed: the first {@link LISTING_PAGE_SIZE} tags fill page 1, the next ones page 2, and so on, and a
 * tag keeps its place for good. A post that touches a tag therefore re-renders the one page that lists it, never a
 * list of every tag: the work is bounded by the page size, whatever the number of tags.
 *
 * Each page is published as an HTML page (`index.html`, `index-2.html`, …), an OPML outline (`opml.xml`,
 * `opml-2.xml`, …, each including the next with `type="include"`), and for a source's tags the JSON tag index
 * (`feeds/sources/{source}/tags.json`, then `tags-2.json`, … linked by `next_url`). Slugs never contain a dot, so
 * these names never collide with a tag's folder.
 */
export type DirectoryId = string;

/** Tags per page: a page is re-rendered whole when one of its tags changes. */
export const LISTING_PAGE_SIZE = 100;

/** The cross-source tag directory. */
export const CROSS_SOURCE_TAGS: DirectoryId = 'tags';

export const sourceTagsDirectory = (source: string): DirectoryId => `sources/${source}/tags`;

/** The directory a tag feed is listed in; undefined for feeds without a tag. */
export function directoryOf(feed: FeedId): DirectoryId | undefined {
  const { source, tag } = parseFeedId(feed);
  if (!tag) return undefined;
  return source ? sourceTagsDirectory(source) : CROSS_SOURCE_TAGS;
}

/** The source a directory belongs to, if it is a source's. */
export function directorySource(directory: DirectoryId): string | undefined {
  return /^sources\/([a-z0-9-]+)\/tags$/.exec(directory)?.[1];
}

/** The page of a tag's place in its directory (places count from 1). */
export const pageOf = (place: number) => Math.floor((place - 1) / LISTING_PAGE_SIZE) + 1;

/** How many pages the first `places` places fill. */
export const pagesFor = (places: number) => (places > 0 ? pageOf(places) : 1);

const numbered = (page: number) => (page === 1 ? '' : `-${page}`);

/** The S3 keys (paths under the public base URL) of one page of a directory, in each of its renderings. */
export function directoryKeys(directory: DirectoryId, page: number) {
  const source = directorySource(directory);
  return {
    html: `feeds/${directory}/index${numbered(page)}.html`,
    opml: `feeds/${directory}/opml${numbered(page)}.xml`,
    ...(source ? { json: `feeds/sources/${source}/tags${numbered(page)}.json` } : {}),
  };
}

/** The publish-state name of a directory page. `:` never appears in a feed id, so it names no feed. */
export const directoryDocument = (directory: DirectoryId, page: number) => `directory:${directory}:${page}`;

/** A tag as its directory lists it: written by each publish of the tag's feed. */
export interface Listing {
  slug: string;
  label: string;
  /** The tag's place in its directory, from 1: it fixes the page. */
  place: number;
  /** Articles that carry the tag, for a source's tags (cross-source tags are not counted). */
  count?: number;
  /** Publication time of the feed's newest entry; absent once the feed has emptied (it is then not shown). */
  newestPublishedAt?: string;
}
