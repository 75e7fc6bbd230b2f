import { memoryAdapters } from '#shared/adapters/memory/index.ts';
import type { Article, Source } from '#shared/articles/model.ts';
import { type ArticleChange, changeOf } from '#shared/feeds/changes.ts';
import { FeedRegenerator } from '#shared/feeds/regenerate.ts';
import type { FeedSettings } from '#shared/feeds/settings.ts';
import { SETTINGS, THE_GAZE } from './feed-fixtures.ts';

export const DAILY_PLANET: Source = {
  slug: 'daily-planet',
  name: 'Daily Planet & <Sons>',
  homepageUrl: 'https://planet.example/',
  description: 'Metropolis "news"',
  language: 'en-US',
  createdAt: '2025-02-01T00:00:00.000Z',
};

/** A source written right to left: its pages set the page's own English words left to right. */
export const AL_AKHBAR: Source = {
  slug: 'al-akhbar',
  name: 'الأخبار',
  homepageUrl: 'https://akhbar.example/',
  description: 'أخبار المدينة',
  language: 'ar',
  createdAt: '2025-03-01T00:00:00.000Z',
};

/** `Élections 2026` -> `elections-2026`. */
const slugOf = (label: string) =>
  label
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-');

/** An article with a fixed id and dates: the same bytes in every run, whatever ran before. */
export function fixtureArticle(
  n: number,
  source: string,
  tags: string[],
  overrides: Partial<Article> = {},
): Article {
  const publishedAt = `2026-03-${String(1 + (n % 28)).padStart(2, '0')}T${String(n % 24).padStart(2, '0')}:15:00.000Z`;
  return {
    id: `10000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    source,
    title: `Story ${n} <b>&amp;</b> "quotes"`,
    url: `https://${source}.example/stories/${n}`,
    contentHtml: `<p>Body of story ${n} with <a href="https://example.com/?a=1&amp;b=2">a link</a> ]]> and more.</p>`,
    summary: `Summary ${n} — ünïcødé`,
    author: { name: `Writer ${n % 3}` },
    tags: tags.map((label) => ({ label, slug: slugOf(label) })),
    citations: n % 2 ? [{ name: 'Wire', url: 'https://wire.example/' }] : [],
    ...(n % 4 === 0 ? { image: { url: `https://img.example/${n}.jpg`, alt: `Picture ${n}` } } : {}),
    status: 'published',
    version: 1,
    publishedAt,
    createdAt: publishedAt,
    updatedAt: publishedAt,
    ...overrides,
  };
}

/**
 * A small deployment over the in-memory adapters, published batch by batch as the stream would: three sources (one
 * written right to left, with a tag in Arabic script), tags
 * shared across them, feeds of three entries so that some have closed and open archive pages, a correction with a
 * note and a retraction (a tombstone). Every input is fixed, so it renders the same bytes in every run.
 */
export async function fixtureDeployment(settings: Partial<FeedSettings> = {}) {
  const stores = memoryAdapters();
  await stores.registry.putSource(THE_GAZE);
  await stores.registry.putSource(DAILY_PLANET);
  await stores.registry.putSource(AL_AKHBAR);
  const feedSettings: FeedSettings = { ...SETTINGS, size: 3, ...settings };
  const regenerator = new FeedRegenerator(stores.feeds, stores.publisher, feedSettings);
  const articles: Article[] = [];
  let record = 0;
  const publish = async (change: ArticleChange | undefined) => {
    if (!change) return;
    const result = await regenerator.regenerate([change]);
    if (result.errors.length) throw new Error(`fixture publish failed: ${String(result.errors[0]?.error)}`);
  };
  for (let n = 1; n <= 14; n++) {
    const source = n % 3 === 0 ? DAILY_PLANET.slug : THE_GAZE.slug;
    const tags = [n % 2 ? 'Harbour' : 'Tides', ...(n % 5 === 0 ? ['Élections 2026'] : [])];
    const article = fixtureArticle(n, source, tags);
    await stores.articles.createArticle(article);
    articles.push(article);
    await publish(changeOf(`r${record++}`, undefined, article));
  }
  // Two articles in Arabic, tagged in Arabic script (a slug in its own letters) and with a shared tag.
  for (const n of [15, 16]) {
    const article = fixtureArticle(n, AL_AKHBAR.slug, [], {
      title: `خبر ${n}`,
      summary: `ملخص الخبر ${n}`,
      author: { name: 'مراسل' },
      tags: [
        { label: 'العربية', slug: 'العربية' },
        { label: 'Harbour', slug: 'harbour' },
      ],
    });
    await stores.articles.createArticle(article);
    articles.push(article);
    await publish(changeOf(`r${record++}`, undefined, article));
  }
  const corrected: Article = {
    ...(articles[1] as Article),
    version: 2,
    title: 'Corrected headline',
    updatedAt: '2026-04-01T10:00:00.000Z',
    corrections: [{ version: 2, at: '2026-04-01T10:00:00.000Z', note: 'The date was wrong & <fixed>.' }],
  };
  await stores.articles.replaceArticle(articles[1] as Article, corrected);
  await publish(changeOf(`r${record++}`, articles[1], corrected));
  const retracted: Article = {
    ...(articles[12] as Article),
    version: 2,
    status: 'retracted',
    updatedAt: '2026-04-02T10:00:00.000Z',
    retractedAt: '2026-04-02T10:00:00.000Z',
  };
  await stores.articles.replaceArticle(articles[12] as Article, retracted);
  await publish(changeOf(`r${record++}`, articles[12], retracted));
  return { ...stores, regenerator, settings: feedSettings };
}
