import type { Article, Source } from '#shared/articles/model.ts';
import { toSlug } from '#shared/slug.ts';

import { seeded } from '../local/seeded.ts';

export { seeded };

const SENTENCES = [
  'The White House has confirmed that the president asked whether the strikes could go ahead — a question raised during a call on July 4.',
  '“Make them feel the pain,” the president reportedly said, according to two people familiar with the conversation.',
  'Officials at the Ministry of Trade & Industry declined to comment on the figures, citing “ongoing talks.”',
  'The council’s vote — 7 to 2 — came after a four-hour session that ran well past midnight.',
  'Analysts at Smith & Wesson Research said the numbers were “broadly in line” with what markets had expected.',
  'Residents told reporters they had waited “for years” for the bridge to reopen; the works finished two weeks early.',
  'The company’s shares fell 4.2% in early trading, erasing most of the week’s gains.',
  'In a statement, the mayor’s office said it would “review every option” before the budget deadline in September.',
  'The report, which runs to 340 pages, cites data from 2019 to 2024 — the longest series of its kind.',
  'Critics say the plan does too little, too late; supporters call it “the first serious step in a decade.”',
  'Health officials urged caution: the new variant accounts for about one in five cases, up from one in twenty.',
  'The minister’s spokesperson said the talks were “constructive & forward-looking,” without giving details.',
] as const;

const TAGS = [
  'Ukraine',
  'Russia',
  'Donald Trump',
  'NATO',
  'Economy',
  'Climate',
  'Health',
  'Elections',
  'Markets',
  'Energy',
  'Europe',
  'Technology',
] as const;

const OUTLETS = [
  { name: 'Newsweek', url: 'https://www.newsweek.com/' },
  { name: 'The Financial Times', url: 'https://www.ft.com/' },
  { name: 'The Washington Post', url: 'https://www.washingtonpost.com/' },
  { name: 'Reuters', url: 'https://www.reuters.com/' },
  { name: 'Associated Press', url: 'https://apnews.com/' },
] as const;

export const BENCH_SOURCES: readonly Source[] = [
  {
    slug: 'the-gaze',
    name: 'The Gaze',
    homepageUrl: 'https://thegaze.example/',
    description: 'News and analysis from The Gaze',
    language: 'en',
    createdAt: '2025-01-01T00:00:00.000Z',
  },
  {
    slug: 'daily-planet',
    name: 'Daily Planet',
    homepageUrl: 'https://dailyplanet.example/',
    description: 'Metropolis news & views',
    language: 'en-US',
    createdAt: '2025-01-02T00:00:00.000Z',
  },
];

const hex = (next: () => number, length: number) =>
  Array.from({ length }, () => Math.floor(next() * 16).toString(16)).join('');

/** A UUID v4-shaped id from the generator. */
export function seededUuid(next: () => number): string {
  return `${hex(next, 8)}-${hex(next, 4)}-4${hex(next, 3)}-a${hex(next, 3)}-${hex(next, 12)}`;
}

/** HTML of about `bytes` UTF-8 bytes in paragraphs, already sanitised (so `&` appears as `&amp;`). */
function body(next: () => number, bytes: number): string {
  let html = '';
  while (Buffer.byteLength(html) < bytes) {
    const sentences = Array.from(
      { length: 2 + Math.floor(next() * 3) },
      () => SENTENCES[Math.floor(next() * SENTENCES.length)] as string,
    );
    const paragraph = sentences.join(' ').replaceAll('&', '&amp;');
    html +=
      next() < 0.2
        ? `<p>${paragraph} <a href="https://www.reuters.com/world/${hex(next, 6)}">Read more</a>.</p>`
        : `<p>${paragraph}</p>`;
  }
  return html;
}

/**
 * `count` realistic published articles: about 2.5 KB of HTML each with curly quotes, em dashes and `&`, a plain
 * summary, 2-5 tags, 1-3 cited outlets and an image on most; one per source alternately, newest first, an hour
 * apart. Seeded, so every run renders the same bytes.
 */
export function benchArticles(
  count: number,
  seed = 7,
  newest = Date.parse('2025-07-16T09:30:00Z'),
): Article[] {
  const next = seeded(seed);
  return Array.from({ length: count }, (_, i) => {
    const source = BENCH_SOURCES[i % BENCH_SOURCES.length] as Source;
    const id = seededUuid(next);
    const first = SENTENCES[Math.floor(next() * SENTENCES.length)] as string;
    const tagCount = 2 + Math.floor(next() * 4);
    const labels = [
      ...new Set(Array.from({ length: tagCount }, () => TAGS[Math.floor(next() * TAGS.length)])),
    ];
    const outlets = OUTLETS.slice(0, 1 + Math.floor(next() * 3));
    const publishedAt = new Date(newest - i * 3_600_000).toISOString();
    const updatedAt = next() < 0.2 ? new Date(newest - i * 3_600_000 + 600_000).toISOString() : publishedAt;
    const image =
      next() < 0.7
        ? { url: `${source.homepageUrl}images/${hex(next, 10)}.jpg`, alt: 'A “photo” — caption' }
        : undefined;
    return {
      id,
      status: 'published',
      version: 1,
      source: source.slug,
      title: `${first.slice(0, 70).trim()} (${i + 1})`,
      url: `${source.homepageUrl}news/${i + 1}-${hex(next, 8)}`,
      contentHtml: body(next, 2_500),
      summary: first,
      author: { name: `${source.name} newsroom` },
      tags: (labels as string[]).map((label) => ({ label, slug: toSlug(label) })),
      citations: outlets.map((outlet) => ({ ...outlet })),
      ...(image ? { image } : {}),
      publishedAt,
      createdAt: publishedAt,
      updatedAt,
    } satisfies Article;
  });
}
