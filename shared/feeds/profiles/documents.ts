import type { Source } from '../../articles/model.ts';
import type { FeedId } from '../feed-ids.ts';
import type { FeedChannel, FeedEntry } from '../model.ts';
import type { PublishableDocument } from '../ports.ts';
import { documentOf } from '../publish.ts';
import type { FeedSettings } from '../settings.ts';
import { PROFILES } from './index.ts';
import { PROFILE_NAMES } from './names.ts';
import { profileObjects, profileRssUrl, renderProfile, reportJson } from './render.ts';

/**
 * The partner documents of one of a source's feeds (its own, or a tag's within it): for each profile the source
 * lists, the profile's RSS and its report, published in the same group as the feed's public documents, so they
 * change together and unchanged ones are not uploaded (their digests). Feeds that mix sources, and archive pages,
 * have none.
 *
 * A profile the source no longer lists, whose documents this feed published before (`published`, the keys of its
 * last publish), keeps a feed of withdrawal notices only: a partner still polling it gets no new article, but still
 * learns of every retraction and expiry of what it may hold (SmartNews deletes nothing that merely leaves a feed).
 * Listing the profile again brings its articles back.
 */
export function profileDocuments(
  feed: FeedId,
  source: Source | undefined,
  channel: FeedChannel,
  entries: readonly FeedEntry[],
  settings: FeedSettings,
  cacheControl: string,
  published: readonly string[] = [],
): PublishableDocument[] {
  const listed = new Set<string>(source?.profiles ?? []);
  const documents: PublishableDocument[] = [];
  for (const name of PROFILE_NAMES) {
    const objects = profileObjects(name, feed);
    const retired = !listed.has(name);
    if (retired && !published.includes(objects.rss.key)) continue;
    const { rss, report } = renderProfile(
      PROFILES[name],
      channel,
      retired ? [] : entries,
      profileRssUrl(settings, name, feed),
      retired ? [RETIRED] : [],
    );
    documents.push(
      documentOf(objects.rss, rss, cacheControl),
      documentOf(objects.report, reportJson(report), cacheControl),
    );
  }
  return documents;
}

const RETIRED = {
  field: 'profile',
  reason:
    'the source no longer lists this profile: its feed carries only the notices of withdrawn articles (source update --profiles adds it again)',
};
