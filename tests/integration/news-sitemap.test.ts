/**
 * A source's Google News sitemap through the local stack (DynamoDB Local and its stream, the S3 server, the feed
 * server): a post appears in it, a correction changes its title, a retraction takes it out; an article older than
 * 48 hours and a scheduled one never appear.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Article } from '#shared/articles/model.ts';
import { parseXml } from '../support/feed-validation.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

const seed = JSON.parse(readFileSync(new URL('../fixtures/seed-article.json', import.meta.url), 'utf8'));
const NEWS = 'http://www.google.com/schemas/sitemap-news/0.9';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

const hoursFromNow = (hours: number) => new Date(Date.now() + hours * 3600_000).toISOString();

async function post(slug: string, publishedAt: string): Promise<Article> {
  const response = await stack.call('POST', '/articles', {
    ...seed,
    title: `Sitemap story ${slug}`,
    url: `https://thegaze.example/sitemap/${slug}`,
    tags: ['Sitemaps'],
    publishedAt,
  });
  expect(response.status).toBe(201);
  await stack.settle();
  return response.body as Article;
}

/** The sitemap as the local feed server serves it: its URLs and their titles, read strictly. */
async function sitemap(): Promise<Map<string, string>> {
  const response = await fetch(`${stack.feedsUrl}sources/the-gaze/news-sitemap.xml`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/xml; charset=utf-8');
  const root = parseXml(await response.text());
  expect(root.local).toBe('urlset');
  const urls = new Map<string, string>();
  for (const url of root.children) {
    const loc = url.children.find((child) => child.local === 'loc')?.text ?? '';
    const news = url.children.find((child) => child.uri === NEWS && child.local === 'news');
    urls.set(loc, news?.children.find((child) => child.local === 'title')?.text ?? '');
  }
  return urls;
}

describe('the news sitemap on the local stack', () => {
  let recent: Article;

  it('lists a new article of the last 48 hours, and neither an older nor a scheduled one', async () => {
    await post('old', hoursFromNow(-72));
    await post('scheduled', hoursFromNow(2));
    recent = await post('recent', hoursFromNow(-1));
    const urls = await sitemap();
    expect(urls.get('https://thegaze.example/sitemap/recent')).toBe('Sitemap story recent');
    expect(urls.has('https://thegaze.example/sitemap/old')).toBe(false);
    expect(urls.has('https://thegaze.example/sitemap/scheduled')).toBe(false);
  });

  it('follows a correction of the title', async () => {
    const response = await stack.call(
      'PUT',
      `/articles/${recent.id}`,
      {
        ...seed,
        title: 'Sitemap story corrected',
        url: recent.url,
        tags: ['Sitemaps'],
        publishedAt: recent.publishedAt,
      },
      { 'if-match': '"1"' },
    );
    expect(response.status).toBe(200);
    await stack.settle();
    expect((await sitemap()).get('https://thegaze.example/sitemap/recent')).toBe('Sitemap story corrected');
  });

  it('drops a retracted article', async () => {
    expect((await stack.call('DELETE', `/articles/${recent.id}`)).status).toBe(204);
    await stack.settle();
    expect((await sitemap()).has('https://thegaze.example/sitemap/recent')).toBe(false);
  });
});
