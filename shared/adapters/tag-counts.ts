import type { Article } from '../articles/model.ts';

/** How one write moves a source's count of articles for one tag, and the label to keep (absent when it left). */
export interface TagCountChange {
  source: string;
  tag: string;
  delta: number;
  label?: string;
}

/**
 * What a write from `before` to `after` does to the per-tag article counts the stores keep exact: +1 for a tag an
 * article gains within its source, -1 for one it loses, and the label refreshed where it changed. Nothing for a
 * tag the write leaves as it was.
 */
export function tagCountChanges(before: Article | undefined, after: Article): TagCountChange[] {
  const listed = (article: Article | undefined) =>
    new Map(
      article?.status === 'published'
        ? article.tags.map((tag) => [`${article.source}\n${tag.slug}`, tag.label])
        : [],
    );
  const was = listed(before);
  const is = listed(after);
  const changes: TagCountChange[] = [];
  for (const key of new Set([...was.keys(), ...is.keys()])) {
    const delta = (is.has(key) ? 1 : 0) - (was.has(key) ? 1 : 0);
    const label = is.get(key);
    if (delta === 0 && label === was.get(key)) continue;
    const [source = '', tag = ''] = key.split('\n');
    changes.push({ source, tag, delta, ...(label === undefined ? {} : { label }) });
  }
  return changes;
}
