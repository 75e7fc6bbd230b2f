import type { Article } from '../articles/model.ts';
import type { ArticleSummary, DueIndex } from '../articles/ports.ts';
import { SUMMARY_FIELDS } from './dynamodb/layout.ts';

/** An entry an article keeps in one of the lifecycle's time-ordered indexes. */
export interface DueEntryOf {
  index: DueIndex;
  at: string;
  /** The entry's sort key, `{at}#{id}`: time-ordered, one per article and time. */
  key: string;
}

/**
 * The due entries an article holds, as both stores keep them (layout.ts): a scheduled article is in `schedule` at
 * its publication time; a published one with an expiry is in `expiry` at that time; any other has none.
 */
export function dueEntriesOf(article: Article | undefined): DueEntryOf[] {
  const entry = (index: DueIndex, at: string): DueEntryOf => ({ index, at, key: `${at}#${article?.id}` });
  if (article?.status === 'scheduled') return [entry('schedule', article.publishedAt)];
  if (article?.status === 'published' && article.expiresAt) return [entry('expiry', article.expiresAt)];
  return [];
}

/** What a write from `before` to `after` does to the indexes: the entries it removes and those it adds. */
export function dueEntryChanges(
  before: Article | undefined,
  after: Article,
): { remove: DueEntryOf[]; add: DueEntryOf[] } {
  const name = (entry: DueEntryOf) => `${entry.index}\n${entry.key}`;
  const was = dueEntriesOf(before);
  const is = dueEntriesOf(after);
  const kept = new Set(is.map(name));
  const had = new Set(was.map(name));
  return {
    remove: was.filter((entry) => !kept.has(name(entry))),
    add: is.filter((entry) => !had.has(name(entry))),
  };
}

/** The upper bound of the entries due at or before `until`, as a sort key. */
export const dueUntilKey = (until: string) => `${until}#\uffff`;

/** What the scheduled listing shows of each article still scheduled (one released since the query is left out). */
export function scheduledSummaries(articles: readonly (Article | undefined)[]): ArticleSummary[] {
  return articles
    .filter((article): article is Article => article?.status === 'scheduled')
    .map((article) => {
      const summary: Record<string, unknown> = { status: article.status };
      for (const field of [...SUMMARY_FIELDS, 'expiresAt'] as const)
        if (article[field] !== undefined) summary[field] = article[field];
      return summary as ArticleSummary;
    });
}
