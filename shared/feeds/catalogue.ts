import type { Source } from '../articles/model.ts';
import { feedUrls } from './channel.ts';
import { ALL_FEED, feedIdFor } from './feed-ids.ts';
import type { FeedUrls } from './model.ts';
import type { PublishableDocument, TagRow } from './ports.ts';
import { renderIndexHtml } from './render/index-html.ts';
import { renderOpml } from './render/opml.ts';
import type { FeedSettings } from './settings.ts';

/** A tag with articles, within one source or summed over every source, and its three feed URLs. */
export interface CatalogueTag {
  slug: string;
  label: string;
  /** Articles that carry the tag (within the source, or in every source). */
  count: number;
  feeds: FeedUrls;
}

export interface CatalogueSource {
  slug: string;
  name: string;
  homepageUrl: string;
  description: string;
  language: string;
  feeds: FeedUrls;
  /** Most used first. */
  tags: CatalogueTag[];
}

/** Every feed the deployment publishes, grouped by source: what the index page and the OPML list. */
export interface Catalogue {
  publisherName: string;
  /** Public base URL the `feeds/` paths are served under, ending in `/`. */
  baseUrl: string;
  /** Language of the feeds that mix sources (and of the index page). */
  language: string;
  /**
   * The newest change among the inputs (ISO 8601 UTC): the latest publication time of any tag's newest article,
   * or source registration, so that the same inputs always give the same documents.
   */
  updated: string;
  all: FeedUrls;
  /** By name, then slug. */
  sources: CatalogueSource[];
  /** Cross-source tag feeds, counts summed over the sources; most used first. */
  tags: CatalogueTag[];
}

/** Where the discovery documents live under the bucket (and the public base URL). */
export const CATALOGUE_KEYS = {
  index: 'feeds/index.html',
  opml: 'feeds/opml.xml',
} as const;

/**
 * The catalogue of every registered source and every tag that still has articles. Pure and sorted: the same
 * sources and rows, in any order, give the same catalogue.
 */
export function buildCatalogue(
  settings: FeedSettings,
  sources: readonly Source[],
  rowsBySource: ReadonlyMap<string, readonly TagRow[]>,
): Catalogue {
  let updated = '';
  const later = (time: string | undefined) => {
    if (time && time > updated) updated = time;
  };
  const across = new Map<string, { count: number; labels: Map<string, number> }>();
  const listed = [...sources].sort(
    (a, b) =>
      compare(a.name.toLowerCase(), b.name.toLowerCase()) ||
      compare(a.name, b.name) ||
      compare(a.slug, b.slug),
  );
  const catalogueSources = listed.map((source): CatalogueSource => {
    later(source.createdAt);
    const rows = rowsBySource.get(source.slug) ?? [];
    const tags = rows
      .filter((row) => row.count > 0)
      .map((row): CatalogueTag => {
        later(row.newestPublishedAt);
        const total = across.get(row.slug) ?? { count: 0, labels: new Map<string, number>() };
        total.count += row.count;
        total.labels.set(row.label, (total.labels.get(row.label) ?? 0) + row.count);
        across.set(row.slug, total);
        return {
          slug: row.slug,
          label: row.label,
          count: row.count,
          feeds: feedUrls(settings, feedIdFor({ source: source.slug, tag: row.slug })),
        };
      })
      .sort(byUse);
    return {
      slug: source.slug,
      name: source.name,
      homepageUrl: source.homepageUrl,
      description: source.description,
      language: source.language,
      feeds: feedUrls(settings, feedIdFor({ source: source.slug })),
      tags,
    };
  });
  const tags = [...across].map(([slug, total]): CatalogueTag => {
    // Sources may spell a tag differently: the spelling most articles use, then the first in code-point order.
    const [label = slug] = [...total.labels].sort((a, b) => b[1] - a[1] || compare(a[0], b[0]))[0] ?? [];
    return { slug, label, count: total.count, feeds: feedUrls(settings, feedIdFor({ tag: slug })) };
  });
  return {
    publisherName: settings.publisherName,
    baseUrl: settings.baseUrl,
    language: settings.language,
    updated: updated || '1970-01-01T00:00:00.000Z',
    all: feedUrls(settings, ALL_FEED),
    sources: catalogueSources,
    tags: tags.sort(byUse),
  };
}

/**
 * The discovery documents: the index page and the OPML catalogue, with the feeds' Cache-Control. OPML goes out
 * as `text/x-opml`, the type feed readers and OPML exporters use (the format has no registered one): a browser
 * offers it as a file to import instead of showing an XML tree, and programs read it whatever its type.
 */
export function catalogueDocuments(catalogue: Catalogue, settings: FeedSettings): PublishableDocument[] {
  const cacheControl = `public, max-age=${settings.ttlMinutes * 60}, stale-while-revalidate=60`;
  const document = (key: string, contentType: string, text: string): PublishableDocument => ({
    key,
    body: Buffer.from(text, 'utf8'),
    contentType,
    cacheControl,
  });
  return [
    document(CATALOGUE_KEYS.index, 'text/html; charset=utf-8', renderIndexHtml(catalogue)),
    document(CATALOGUE_KEYS.opml, 'text/x-opml; charset=utf-8', renderOpml(catalogue)),
  ];
}

function byUse(a: CatalogueTag, b: CatalogueTag): number {
  return b.count - a.count || compare(a.label, b.label) || compare(a.slug, b.slug);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
