import type { feedObjects } from './channel.ts';
import type { FeedChannel, FeedEntry } from './model.ts';
import type { PublishableDocument } from './ports.ts';
import { documentOf } from './publish.ts';
import { renderAtom } from './render/atom.ts';
import { type FeedPageOptions, renderFeedPage } from './render/feed-page.ts';
import { renderJsonFeed } from './render/json-feed.ts';
import { renderRss } from './render/rss.ts';

/** A feed's or an archive's documents: RSS, Atom and JSON Feed, and the page browsers get, from one state. */
export function feedDocuments(
  objects: ReturnType<typeof feedObjects>,
  channel: FeedChannel,
  entries: readonly FeedEntry[],
  page: FeedPageOptions,
  cacheControl: string,
): PublishableDocument[] {
  return [
    documentOf(objects.rss, renderRss(channel, entries), cacheControl),
    documentOf(objects.atom, renderAtom(channel, entries), cacheControl),
    documentOf(objects.json, renderJsonFeed(channel, entries), cacheControl),
    documentOf(objects.page, renderFeedPage(channel, entries, page), cacheControl),
  ];
}

/** The label of a tag slug as the entries carry it (a feed keeps it in its state for when it has emptied). */
export function labelOf(entries: readonly FeedEntry[], slug: string): string | undefined {
  for (const entry of entries) {
    const tag = entry.tags.find((candidate) => candidate.slug === slug);
    if (tag) return tag.label;
  }
  return undefined;
}

/** The latest of some ISO 8601 UTC times (they compare as strings). */
export function latest(...times: (string | undefined)[]): string {
  let max = '';
  for (const time of times) if (time && time > max) max = time;
  return max || '1970-01-01T00:00:00.000Z';
}
