import type { DirectoryPage } from '../catalogue.ts';

/**
 * A source's JSON tag index (`feeds/sources/{source}/tags.json`, then `tags-2.json`…): the tags of one directory
 * page with their counts, newest publication and feed URLs, most used first. Past the first page of tags,
 * `next_url` names the next page, as JSON Feed pages do; a source with fewer tags than a page holds gets the one
 * document it always had.
 */
export function renderTagIndex(page: DirectoryPage): string {
  if (!page.source) throw new Error('only a source has a JSON tag index');
  const index = {
    source: { slug: page.source.slug, name: page.source.name, home_page_url: page.source.homepageUrl },
    tags: page.tags.map((tag) => ({
      label: tag.label,
      slug: tag.slug,
      count: tag.count ?? 0,
      ...(tag.newestPublishedAt ? { newest_published_at: tag.newestPublishedAt } : {}),
      feeds: { rss: tag.feeds.rss, atom: tag.feeds.atom, json: tag.feeds.json },
    })),
    ...(page.page > 1 ? { page: page.page } : {}),
    ...(page.next?.json ? { next_url: page.next.json } : {}),
  };
  return `${JSON.stringify(index, null, 1)}\n`;
}
