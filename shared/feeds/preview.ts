import type { Article, Source } from '../articles/model.ts';
import { describeFeed } from './channel.ts';
import { withCorrectionNotes } from './corrections.ts';
import { feedIdFor } from './feed-ids.ts';
import type { FeedFormat } from './model.ts';
import { renderAtom } from './render/atom.ts';
import { renderJsonFeed } from './render/json-feed.ts';
import { renderRss } from './render/rss.ts';
import type { FeedSettings } from './settings.ts';

export const PREVIEW_FORMATS: readonly FeedFormat[] = ['rss', 'atom', 'json'];

const MEDIA_TYPES: Record<FeedFormat, string> = {
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
};

/**
 * How an article looks in its source's feed, in one format, whatever its status: a whole feed document of the
 * source's channel holding that one item, rendered by the same renderers as the feeds. A whole document rather than
 * the bare item, because an RSS `<item>` or an Atom `<entry>` alone is not a well-formed document (its `content:`,
 * `dc:`, `media:` and `atom:` prefixes are declared on the feed's root) and no validator, feed reader or browser
 * takes one; a one-item feed is what editors paste into a validator or open in a reader, and the item inside it is
 * byte for byte the one the feeds carry. Dated by the article's own last change, as its feed would be.
 */
export function renderPreview(
  article: Article,
  source: Source,
  settings: FeedSettings,
  format: FeedFormat,
): { contentType: string; body: string } {
  const channel = describeFeed(feedIdFor({ source: source.slug }), {
    settings,
    sources: new Map([[source.slug, source]]),
    updated: article.updatedAt,
  });
  const entries = [withCorrectionNotes(article)];
  const body =
    format === 'rss'
      ? renderRss(channel, entries)
      : format === 'atom'
        ? renderAtom(channel, entries)
        : renderJsonFeed(channel, entries);
  return { contentType: MEDIA_TYPES[format], body };
}
