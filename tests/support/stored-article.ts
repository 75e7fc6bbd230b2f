import type { Article } from '#shared/articles/model.ts';

let serial = 0;

/** A stored article of the seed source with a fresh id, published at 08:00 UTC on `day` of July 2026. */
export function storedArticle(day: number, overrides: Partial<Article> = {}): Article {
  serial++;
  const publishedAt = `2026-07-${String(day).padStart(2, '0')}T08:00:00.${String(serial % 1000).padStart(3, '0')}Z`;
  return {
    id: `00000000-0000-4000-8000-${String(serial).padStart(12, '0')}`,
    source: 'the-gaze',
    title: `Story ${serial}`,
    url: `https://thegaze.example/${serial}`,
    contentHtml: `<p>Story ${serial}</p>`,
    summary: `Summary ${serial}`,
    tags: [{ label: 'Harbour', slug: 'harbour' }],
    citations: [],
    status: 'published',
    version: 1,
    publishedAt,
    createdAt: publishedAt,
    updatedAt: publishedAt,
    ...overrides,
  };
}

/** The tags of `labels`, each with its lower-cased label as slug. */
export const tagsOf = (...labels: string[]) => labels.map((label) => ({ label, slug: label.toLowerCase() }));
