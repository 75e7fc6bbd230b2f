/**
 * Whether an imported article still says what its feed item says: the item's submission is normalised as the
 * API normalises it (the same `parseSubmission`: sanitised HTML, folded text, tag labels), then compared field by
 * field with the stored article, so that running an import again corrects only what really changed.
 */
import type { Article } from '#shared/articles/model.ts';
import { parseSubmission } from '#shared/articles/submission.ts';
import type { SubmissionBody } from './types.ts';

/** The fields of a stored article the comparison reads. */
export type StoredArticle = Pick<
  Article,
  'title' | 'url' | 'contentHtml' | 'summary' | 'author' | 'tags' | 'image' | 'publishedAt'
>;

/**
 * The names of the fields whose stored value differs from what `body` would store, in a fixed order; empty when
 * none does. A body the API would refuse is compared as sent.
 */
export function changedFields(stored: StoredArticle, body: SubmissionBody, now = Date.now()): string[] {
  const { externalId: _, ...content } = body;
  let wanted: {
    title: string;
    url: string;
    contentHtml: string;
    summary?: string;
    author?: { name: string };
    tags: { label: string }[] | string[];
    image?: { url: string; alt?: string };
    publishedAt?: string;
  };
  try {
    wanted = parseSubmission(content, now);
  } catch {
    wanted = { ...content, tags: content.tags ?? [] };
  }
  const label = (tag: { label: string } | string) => (typeof tag === 'string' ? tag : tag.label);
  const checks: [string, unknown, unknown][] = [
    ['title', stored.title, wanted.title],
    ['url', stored.url, wanted.url],
    ['contentHtml', stored.contentHtml, wanted.contentHtml],
    ['summary', stored.summary ?? '', wanted.summary ?? ''],
    ['author', stored.author?.name ?? '', wanted.author?.name ?? ''],
    ['tags', (stored.tags ?? []).map(label).join('\n'), wanted.tags.map(label).join('\n')],
    ['image', imageKey(stored.image), imageKey(wanted.image)],
  ];
  // A feed without a date leaves the article's own; with one, it is the feed's to say.
  if (body.publishedAt)
    checks.push(['publishedAt', stored.publishedAt, wanted.publishedAt ?? body.publishedAt]);
  return checks.filter(([, was, now]) => was !== now).map(([field]) => field);
}

function imageKey(image: { url: string; alt?: string } | undefined): string {
  return image ? `${image.url}\n${image.alt ?? ''}` : '';
}
