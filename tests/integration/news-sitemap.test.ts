/**
 * A source's Google News sitemap through the local stack: a post adds its article, a correction its new title, a
 * retraction takes it out; articles older than 48 hours and scheduled ones are never in it.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Article } from '#shared/articles/model.ts';
import { parseXml } from '../support/feed-validation.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

const seed = JSON.parse(readFileSync(new URL('../fixtures/seed-article.json', import.meta.url), 'utf8'));
const KEY = 'feeds/sources/the-gaze/news-sitemap.xml';
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

/** The sitemap's URLs and titles, read strictly. */
async function sitemap(): Promise<Map<string, string>> {
  const text = await stack.object(KEY);
  if (text === undefined) throw new Error(`${KEY} is not published`);
  const root = parseXml(text);
  expect(root.local).toBe('urlset');
  const urls = new Map<string, string>();
  for (const url of root.children) {
    const loc = url.children.find((child) => child.local === 'loc')?.text ?? '';
    const news = url.children.find((child) => child.uri === NEWS && child.local === 'news');
    urls.set(loc, news?.children.find((child) => child.local === 'title')?.text ?? '');
  }
  return urls;
}

describe('the news sitemap', () => {
  let recent: Article;

  it('lists a new article of the last 48 hours, and neither an older nor a scheduled one', async () => {
    await post('old', hoursFromNow(-72));
    await post('scheduled', hoursFromNow(2));
    recent = await post('recent', hoursFromNow(-1));
    const urls = await sitemap();
    expect(urls.get('https://thegaze.example/sitemap/recent')).toBe('Sitemap story recent');
    expect(urls.has('https://thegaze.example/sitemap/old')).toBe(false);
    expect(urls.has('https://thegaze.example/sitemap/scheduled')).toBe(false);
    const response = await fetch(`${stack.feedsUrl}sources/the-gaze/news-sitemap.xml`);
    expect(response.headers.get('content-type')).toBe('application/xml; charset=utf-8');
  });

  it('follows a correction', async () => {
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
