/**
 * The regenerate function started afresh for a batch (as Lambda starts a cold instance, which the cost bench prices
 * beside a warm one): it holds nothing from the batch before, reads what it needs, and publishes the same feeds.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Article } from '#shared/articles/model.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

const seed = JSON.parse(readFileSync(new URL('../fixtures/seed-article.json', import.meta.url), 'utf8'));

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ feedSize: 3 });
});
afterAll(async () => {
  await stack?.stop();
});

async function post(n: number): Promise<Article> {
  const response = await stack.call('POST', '/articles', {
    ...seed,
    title: `Cold story number ${n}`,
    url: `https://thegaze.example/cold/${n}`,
    tags: ['Cold starts'],
    publishedAt: `2025-07-0${n}T09:00:00Z`,
  });
  expect(response.status).toBe(201);
  await stack.settle();
  return response.body as Article;
}

describe('a cold regenerate function', () => {
  it('publishes every entry of the window, reading the content it does not hold, batch after batch', async () => {
    const warm = [await post(1), await post(2)];
    stack.coldRegenerator(true);
    const batches = stack.regeneration.batches;
    const cold = [await post(3), await post(4)];
    expect(stack.regeneration.batches).toBeGreaterThanOrEqual(batches + 2);
    const json = JSON.parse((await stack.object('feeds/tags/cold-starts/feed.json')) ?? '{}') as {
      items: { id: string; title: string; content_html: string }[];
    };
    // Three entries a feed: the newest three, two of them written while a warm instance ran, each with its content.
    expect(json.items.map((item) => item.title)).toEqual(
      [cold[1], cold[0], warm[1]].map((article) => article?.title),
    );
    for (const item of json.items) expect(item.content_html.length).toBeGreaterThan(500);
    stack.coldRegenerator(false);
    const last = await post(5);
    const rss = (await stack.object('feeds/tags/cold-starts/rss.xml')) ?? '';
    expect(rss).toContain(last.title);
    expect(rss).not.toContain(warm[1]?.title);
  });
});
