import type { Source } from '../../articles/model.ts';
import type { FeedId } from '../feed-ids.ts';
import type { FeedChannel, FeedEntry } from '../model.ts';
import type { PublishableDocument } from '../ports.ts';
import { documentOf } from '../publish.ts';
import type { FeedSettings } from '../settings.ts';
import { PROFILES } from './index.ts';
import { profileObjects, profileRssUrl, renderProfile, reportJson } from './render.ts';

/**
 * The partner documents of one of a source's feeds (its own, or a tag's within it): for each profile the source
 * lists, the profile's RSS and its report, published in the same group as the feed's public documents, so they
 * change together and unchanged ones are not uploaded (their digests). Feeds that mix sources, and archive pages,
 * have none.
 */
export function profileDocuments(
  feed: FeedId,
  source: Source | undefined,
  channel: FeedChannel,
  entries: readonly FeedEntry[],
  settings: FeedSettings,
  cacheControl: string,
): PublishableDocument[] {
  const documents: PublishableDocument[] = [];
  for (const name of source?.profiles ?? []) {
    const profile = PROFILES[name];
    // A name a newer release wrote, unknown to this one: skipped, never a failed feed.
    if (!profile) continue;
    const objects = profileObjects(name, feed);
    const { rss, report } = renderProfile(profile, channel, entries, profileRssUrl(settings, name, feed));
    documents.push(
      documentOf(objects.rss, rss, cacheControl),
      documentOf(objects.report, reportJson(report), cacheControl),
    );
  }
  return documents;
}
