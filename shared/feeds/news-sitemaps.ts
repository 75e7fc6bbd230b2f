import type { Source } from '../articles/model.ts';
import { feedIdFor } from './feed-ids.ts';
import type { DocumentState, FeedStore } from './ports.ts';
import { type ConsistentPublisher, documentOf, feedCacheControl } from './publish.ts';
import {
  NEWS_SITEMAP_URLS_PER_FILE,
  NEWS_SITEMAP_WINDOW_MS,
  renderNewsSitemap,
} from './render/news-sitemap.ts';
import type { FeedSettings } from './settings.ts';

/** Files of a source's news sitemap at most: past 5,000 articles in 48 hours only the newest are listed. */
const MAX_FILES = 5;
const MAX_URLS = MAX_FILES * NEWS_SITEMAP_URLS_PER_FILE;
/** Above every entry key (they begin with a year). */
const AFTER_EVERY_KEY = '~';

/** The publish state of a source's news sitemap: `changedAt` is its reference time, `count` its files. */
export const newsSitemapDocument = (source: string) => `sources/${source}/news-sitemap`;
export const newsSitemapFolder = (source: string) => `feeds/sources/${source}/`;

/**
 * Publishes a source's Google News sitemap (`feeds/sources/{source}/news-sitemap.xml`, more files and an index past
 * 1,000 articles) through the revision-checked publisher, uploading only the files whose bytes changed.
 *
 * `referenceTime` is the batch's own time (its newest change of the source), the end of the 48-hour window: the
 * renderer takes no clock. '' (a source edit with no article change) keeps the time of the last render, so an edit
 * of the name or language moves nothing else. The sitemap is rendered again by every batch that touches the source
 * (a post, correction, retraction, expiry, release or edit); nothing else refreshes it, so an idle source's sitemap
 * keeps articles past 48 hours until its next batch. The release sweep does not refresh it: that would read every
 * source's memberships every minute, a cost that grows with the deployment rather than with what changed, for
 * nothing a crawler needs: an idle source has nothing new to find, and each entry's `news:publication_date` tells
 * a crawler its age, so Google News passes over those older than two days.
 *
 * The read is bounded: the source feed's memberships from 48 hours before the reference time on (one Query),
 * at most {@link MAX_URLS}; a source with more in 48 hours is read newest first up to that.
 */
export async function publishNewsSitemap(
  deps: { store: FeedStore; publishing: ConsistentPublisher; settings: FeedSettings },
  source: Source,
  referenceTime: string,
  known?: DocumentState,
): Promise<string[]> {
  const { store, publishing, settings } = deps;
  const feed = feedIdFor({ source: source.slug });
  const folder = newsSitemapFolder(source.slug);
  const { keys } = await publishing.publish(
    newsSitemapDocument(source.slug),
    async (state) => {
      const reference = referenceTime > (state.changedAt ?? '') ? referenceTime : (state.changedAt ?? '');
      if (!reference) return { documents: [], next: {} };
      const cutoff = new Date(Date.parse(reference) - NEWS_SITEMAP_WINDOW_MS).toISOString();
      let entries = await store.readSpan(feed, { after: cutoff, before: AFTER_EVERY_KEY }, MAX_URLS + 1);
      if (entries.length > MAX_URLS) entries = await store.readEntries(feed, MAX_URLS);
      const { files, needed } = renderNewsSitemap(
        { name: source.name, language: source.language },
        entries,
        reference,
        { baseUrl: settings.baseUrl + folder, files: state.count },
      );
      const control = feedCacheControl(settings);
      return {
        documents: files.map((file) =>
          documentOf(
            { key: folder + file.name, contentType: 'application/xml; charset=utf-8' },
            file.text,
            control,
          ),
        ),
        next: { changedAt: reference, count: needed },
      };
    },
    known,
  );
  return keys;
}
