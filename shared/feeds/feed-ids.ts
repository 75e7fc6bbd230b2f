import type { ArticleContent } from '../articles/model.ts';

/**
 * A feed is named by its path under `feeds/`: `all`, `sources/{source}`, `tags/{tag}` or
 * `sources/{source}/tags/{tag}`. Slugs never contain `/`, so the name is unambiguous.
 */
export type FeedId = string;

export const ALL_FEED: FeedId = 'all';

export function feedIdFor(filter: { source?: string; tag?: string }): FeedId {
  if (filter.source && filter.tag) return `sources/${filter.source}/tags/${filter.tag}`;
  if (filter.source) return `sources/${filter.source}`;
  if (filter.tag) return `tags/${filter.tag}`;
  return ALL_FEED;
}

/** Every feed an article belongs to: everything, its source, each of its tags, each tag within its source. */
export function feedIdsOf(article: Pick<ArticleContent, 'source' | 'tags'>): FeedId[] {
  return [
    ALL_FEED,
    feedIdFor({ source: article.source }),
    ...article.tags.map((tag) => feedIdFor({ tag: tag.slug })),
    ...article.tags.map((tag) => feedIdFor({ source: article.source, tag: tag.slug })),
  ];
}
