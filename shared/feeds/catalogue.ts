import type { Source } from '../articles/model.ts';
import { feedUrls } from './channel.ts';
import {
  CROSS_SOURCE_TAGS,
  type DirectoryId,
  directoryKeys,
  directorySource,
  type Listing,
  sourceTagsDirectory,
} from './directory.ts';
import { ALL_FEED, feedIdFor } from './feed-ids.ts';
import type { FeedUrls } from './model.ts';
import type { PublishableDocument } from './ports.ts';
import { documentOf, feedCacheControl } from './publish.ts';
import { renderDirectoryHtml } from './render/directory-html.ts';
import { renderIndexHtml } from './render/index-html.ts';
import { renderDirectoryOpml, renderOpml } from './render/opml.ts';
import { renderTagIndex } from './render/tag-index.ts';
import type { FeedSettings } from './settings.ts';

/**
 * Discovery documents, in two levels so that no batch rebuilds a list of the whole deployment:
 * - the catalogue (`feeds/index.html`, `feeds/opml.xml`) lists the feed of everything and every source, and links
 *   each tag directory; it changes only when a source is registered or edited;
 * - the tag directories (shared/feeds/directory.ts), paged, list the tag feeds; a post re-renders the page of each
 *   tag it touched.
 * The OPML includes each directory (OPML 2.0 `type="include"`), and each directory page the next, so a reader that
 * imports `feeds/opml.xml` reaches every feed.
 */

/** Where one page of a tag directory is published: its public URLs. */
export interface DirectoryLinks {
  html: string;
  opml: string;
  /** The JSON tag index, for a source's tags. */
  json?: string;
}

/** A tag with articles and its feed URLs, as a directory page lists it. */
export interface CatalogueTag {
  slug: string;
  label: string;
  /** Articles that carry the tag, for a source's tags. */
  count?: number;
  newestPublishedAt?: string;
  feeds: FeedUrls;
}

export interface CatalogueSource {
  slug: string;
  name: string;
  homepageUrl: string;
  description: string;
  language: string;
  feeds: FeedUrls;
  /** The first page of the source's tag directory. */
  tags: DirectoryLinks;
}

/** The top of the catalogue: the feed of everything, every source, and the directories of tags. */
export interface Catalogue {
  publisherName: string;
  /** Public base URL the `feeds/` paths are served under, ending in `/`. */
  baseUrl: string;
  /** Language of the feeds that mix sources (and of the index page). */
  language: string;
  /** The latest registration among the sources (ISO 8601 UTC): the same sources always give the same bytes. */
  updated: string;
  all: FeedUrls;
  /** By name, then slug. */
  sources: CatalogueSource[];
  /** The first page of the cross-source tag directory. */
  tags: DirectoryLinks;
}

/** One page of a tag directory. */
export interface DirectoryPage {
  directory: DirectoryId;
  publisherName: string;
  baseUrl: string;
  /** The source whose tags these are; absent for the cross-source directory. */
  source?: Omit<CatalogueSource, 'tags'>;
  language: string;
  /** From 1. */
  page: number;
  links: DirectoryLinks;
  previous?: DirectoryLinks;
  next?: DirectoryLinks;
  /** The tags of this page that have articles: most used first in a source's, by label across sources. */
  tags: CatalogueTag[];
}

/** Where the top discovery documents live under the bucket (and the public base URL). */
export const CATALOGUE_KEYS = {
  index: 'feeds/index.html',
  opml: 'feeds/opml.xml',
} as const;

/** The public URLs of one page of a directory. */
export function directoryLinks(settings: FeedSettings, directory: DirectoryId, page: number): DirectoryLinks {
  const keys = directoryKeys(directory, page);
  return {
    html: settings.baseUrl + keys.html,
    opml: settings.baseUrl + keys.opml,
    ...(keys.json ? { json: settings.baseUrl + keys.json } : {}),
  };
}

function describeSource(settings: FeedSettings, source: Source): Omit<CatalogueSource, 'tags'> {
  return {
    slug: source.slug,
    name: source.name,
    homepageUrl: source.homepageUrl,
    description: source.description,
    language: source.language,
    feeds: feedUrls(settings, feedIdFor({ source: source.slug })),
  };
}

/** The top catalogue of every registered source. Pure and sorted: the same sources in any order give the same one. */
export function buildCatalogue(settings: FeedSettings, sources: readonly Source[]): Catalogue {
  const listed = [...sources].sort(
    (a, b) =>
      compare(a.name.toLowerCase(), b.name.toLowerCase()) ||
      compare(a.name, b.name) ||
      compare(a.slug, b.slug),
  );
  let updated = '';
  for (const source of listed) if (source.createdAt > updated) updated = source.createdAt;
  return {
    publisherName: settings.publisherName,
    baseUrl: settings.baseUrl,
    language: settings.language,
    updated: updated || '1970-01-01T00:00:00.000Z',
    all: feedUrls(settings, ALL_FEED),
    sources: listed.map((source) => ({
      ...describeSource(settings, source),
      tags: directoryLinks(settings, sourceTagsDirectory(source.slug), 1),
    })),
    tags: directoryLinks(settings, CROSS_SOURCE_TAGS, 1),
  };
}

/**
 * One page of a directory from its listings (those of tags whose feeds have emptied are left out). Pure and sorted:
 * the same listings in any order give the same page.
 */
export function buildDirectoryPage(
  settings: FeedSettings,
  directory: DirectoryId,
  page: number,
  pages: number,
  listings: readonly Listing[],
  source?: Source,
): DirectoryPage {
  if (directorySource(directory) !== source?.slug)
    throw new Error(`directory ${directory} needs its own source`);
  const tags = listings
    .filter((listing) => listing.newestPublishedAt !== undefined && (listing.count ?? 1) > 0)
    .map(
      (listing): CatalogueTag => ({
        slug: listing.slug,
        label: listing.label,
        ...(source ? { count: listing.count ?? 0 } : {}),
        ...(listing.newestPublishedAt ? { newestPublishedAt: listing.newestPublishedAt } : {}),
        feeds: feedUrls(
          settings,
          feedIdFor({ ...(source ? { source: source.slug } : {}), tag: listing.slug }),
        ),
      }),
    )
    .sort((a, b) => (b.count ?? 0) - (a.count ?? 0) || compare(a.label, b.label) || compare(a.slug, b.slug));
  return {
    directory,
    publisherName: settings.publisherName,
    baseUrl: settings.baseUrl,
    ...(source ? { source: describeSource(settings, source) } : {}),
    language: source?.language ?? settings.language,
    page,
    links: directoryLinks(settings, directory, page),
    ...(page > 1 ? { previous: directoryLinks(settings, directory, page - 1) } : {}),
    ...(page < pages ? { next: directoryLinks(settings, directory, page + 1) } : {}),
    tags,
  };
}

/** OPML goes out as `text/x-opml`, the type feed readers and OPML exporters use (the format has no registered one). */
const OPML_TYPE = 'text/x-opml; charset=utf-8';

/**
 * The top discovery documents, the index page and the OPML, with the feeds' Cache-Control: a browser offers the
 * OPML as a file to import instead of showing an XML tree, and programs read it whatever its type.
 */
export function catalogueDocuments(catalogue: Catalogue, settings: FeedSettings): PublishableDocument[] {
  const cacheControl = feedCacheControl(settings);
  return [
    documentOf(
      { key: CATALOGUE_KEYS.index, contentType: 'text/html; charset=utf-8' },
      renderIndexHtml(catalogue),
      cacheControl,
    ),
    documentOf({ key: CATALOGUE_KEYS.opml, contentType: OPML_TYPE }, renderOpml(catalogue), cacheControl),
  ];
}

/** One directory page's documents: its HTML page, its OPML and, for a source's tags, its JSON tag index. */
export function directoryDocuments(page: DirectoryPage, settings: FeedSettings): PublishableDocument[] {
  const cacheControl = feedCacheControl(settings);
  const keys = directoryKeys(page.directory, page.page);
  return [
    documentOf(
      { key: keys.html, contentType: 'text/html; charset=utf-8' },
      renderDirectoryHtml(page),
      cacheControl,
    ),
    documentOf({ key: keys.opml, contentType: OPML_TYPE }, renderDirectoryOpml(page), cacheControl),
    ...(keys.json
      ? [
          documentOf(
            { key: keys.json, contentType: 'application/json; charset=utf-8' },
            renderTagIndex(page),
            cacheControl,
          ),
        ]
      : []),
  ];
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
