import { createHash } from 'node:crypto';
import type { Source } from '../articles/model.ts';
import { urlPath } from '../slug.ts';
import { type FeedId, feedIdFor } from './feed-ids.ts';
import type { FeedBranding, FeedChannel, FeedUrls } from './model.ts';
import type { FeedSettings } from './settings.ts';

/** What a feed id says: which source and which tag it holds, if any. */
export function parseFeedId(feed: FeedId): { source?: string; tag?: string } {
  const match = /^(?:sources\/([a-z0-9-]+))?\/?(?:tags\/([^/]+))?$/u.exec(feed === 'all' ? '' : feed);
  if (!match) throw new Error(`not a feed id: ${feed}`);
  return { ...(match[1] ? { source: match[1] } : {}), ...(match[2] ? { tag: match[2] } : {}) };
}

/** The public URLs of a feed's three documents and of its page. */
export function feedUrls(settings: FeedSettings, feed: FeedId): FeedUrls {
  const base = `${settings.baseUrl}feeds/${urlPath(feed)}/`;
  return {
    rss: `${base}rss.xml`,
    atom: `${base}atom.xml`,
    json: `${base}feed.json`,
    page: `${base}index.html`,
  };
}

/**
 * S3 keys of a feed's documents, or of an archive's (`folder` is the path under `feeds/`), with their media
 * types. The page is what a browser gets at any of the three feed URLs (see shared/feeds/serving.ts).
 */
export function feedObjects(folder: string) {
  return {
    rss: { key: `feeds/${folder}/rss.xml`, contentType: 'application/rss+xml; charset=utf-8' },
    atom: { key: `feeds/${folder}/atom.xml`, contentType: 'application/atom+xml; charset=utf-8' },
    json: { key: `feeds/${folder}/feed.json`, contentType: 'application/feed+json; charset=utf-8' },
    page: { key: `feeds/${folder}/index.html`, contentType: 'text/html; charset=utf-8' },
  } as const;
}

export const tagIndexKey = (source: string) => `feeds/sources/${source}/tags.json`;

/**
 * A feed's identity as a name-based UUID (RFC 9562 version 5) of its path: stable across deployments and
 * domain changes, so a reader never sees the same feed as a new one.
 */
export function feedUrn(feed: FeedId): string {
  const hash = createHash('sha1').update(`feed-pipeline:feeds/${feed}`).digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface ChannelContext {
  settings: FeedSettings;
  /** Registered sources by slug. */
  sources: ReadonlyMap<string, Source>;
  /** The display label of the feed's tag, when it has one. */
  tagLabel?: string | undefined;
  /** Time of the feed's last change. */
  updated: string;
}

/** A source's branding for its feeds, or nothing when it has none (so its feeds render as without it). */
function brandingOf(source: Source): { branding?: FeedBranding } {
  const { logoUrl, iconUrl, accentColor } = source;
  if (!logoUrl && !iconUrl && !accentColor) return {};
  return {
    branding: {
      ...(logoUrl ? { logoUrl } : {}),
      ...(iconUrl ? { iconUrl } : {}),
      ...(accentColor ? { accentColor } : {}),
    },
  };
}

/** Describes a feed: its title, links, language and author, from the registered source and the deployment. */
export function describeFeed(feed: FeedId, context: ChannelContext): FeedChannel {
  const { settings } = context;
  const { source: sourceSlug, tag } = parseFeedId(feed);
  const source = sourceSlug ? context.sources.get(sourceSlug) : undefined;
  if (sourceSlug && !source) throw new Error(`source ${sourceSlug} is not registered`);
  const label = tag ? (context.tagLabel ?? tag) : undefined;
  // The catalogue page: CloudFront serves no directory index, so name the file.
  const site = `${settings.baseUrl}feeds/index.html`;
  const base = {
    id: feed,
    urn: feedUrn(feed),
    urls: feedUrls(settings, feed),
    updated: context.updated,
    ttlMinutes: settings.ttlMinutes,
    catalogueUrl: site,
    hubs: settings.hubs,
    tagFeeds: (slug: string) =>
      feedUrls(settings, feedIdFor({ ...(source ? { source: source.slug } : {}), tag: slug })),
  };
  if (source) {
    return {
      ...base,
      title: label ? `${source.name}: ${label}` : source.name,
      description: label ? `Articles from ${source.name} tagged “${label}”` : source.description,
      homePageUrl: source.homepageUrl,
      language: source.language,
      author: { name: source.name, url: source.homepageUrl },
      ...brandingOf(source),
    };
  }
  const sources: Record<string, { name: string; rssUrl: string; urn: string }> = {};
  for (const [slug, registered] of context.sources) {
    const feed = feedIdFor({ source: slug });
    sources[slug] = { name: registered.name, rssUrl: feedUrls(settings, feed).rss, urn: feedUrn(feed) };
  }
  return {
    ...base,
    title: label ? `${settings.publisherName}: ${label}` : `${settings.publisherName}: all articles`,
    description: label
      ? `Articles tagged “${label}” from every source of ${settings.publisherName}`
      : `Every article from every source of ${settings.publisherName}`,
    homePageUrl: site,
    language: settings.language,
    author: { name: settings.publisherName, url: site },
    sources,
  };
}
