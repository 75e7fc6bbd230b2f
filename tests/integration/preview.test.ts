/**
 * `GET /articles/{id}/preview` through the local stack's API, served by the preview function behind the editor-key
 * authorizer: the article as its source's feed renders it, in a one-item feed document of each format, private to
 * the editor; and the same keys, scopes and errors as `GET /articles/{id}`.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '#shared/adapters/dynamodb/client.ts';
import { DynamoDbRegistryStore } from '#shared/adapters/dynamodb/registry-store.ts';
import { Registry } from '#shared/registry.ts';
import { parseAtom, parseJsonFeed, parseRss } from '../support/feed-validation.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

const seed = JSON.parse(readFileSync(new URL('../fixtures/seed-article.json', import.meta.url), 'utf8'));

let stack: TestStack;
let planetKey: string;
let id: string;

beforeAll(async () => {
  stack = await startTestStack();
  const registry = new Registry(
    new DynamoDbRegistryStore(createDocumentClient({ endpoint: stack.dynamodbEndpoint }), stack.tableName),
  );
  await registry.addSource({
    slug: 'daily-planet',
    name: 'Daily Planet',
    homepageUrl: 'https://planet.example/',
  });
  planetKey = (await registry.createKey(['daily-planet'], 'planet desk')).key;
  const posted = await stack.call('POST', '/articles', seed);
  expect(posted.status).toBe(201);
  id = posted.body.id;
  await stack.settle();
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

function preview(path: string, key: string | null = stack.editorKey) {
  return fetch(`${stack.apiUrl}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
}

describe('GET /articles/{id}/preview', () => {
  it('answers the item as the feeds render it, in a one-item feed of each format, never cached publicly', async () => {
    const feed = (await stack.object('feeds/sources/the-gaze/rss.xml')) ?? '';
    for (const [format, type, parse] of [
      ['rss', 'application/rss+xml', parseRss],
      ['atom', 'application/atom+xml', parseAtom],
      ['json', 'application/feed+json', parseJsonFeed],
    ] as const) {
      const response = await preview(`/articles/${id}/preview?format=${format}`);
      const text = await response.text();
      expect(response.status, text).toBe(200);
      expect(response.headers.get('content-type')).toBe(`${type}; charset=utf-8`);
      expect(response.headers.get('cache-control')).toBe('private, no-store');
      expect(response.headers.get('etag')).toBe('"1"');
      const parsed = parse(text);
      expect(parsed.items).toHaveLength(1);
      expect(parsed.items[0]?.id).toBe(`urn:uuid:${id}`);
      expect(parsed.items[0]?.title).toBe(seed.title);
    }
    // The RSS item is the one the source's feed carries, byte for byte.
    const rss = await (await preview(`/articles/${id}/preview?format=rss`)).text();
    const item = (xml: string) => /<item>[\s\S]*<\/item>/.exec(xml)?.[0];
    expect(item(rss)).toBeDefined();
    expect(item(rss)).toBe(item(feed));
  });

  it('needs an editor key, in scope, for an article that exists, and a known format', async () => {
    const problem = async (response: Response, status: number) => {
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.headers.get('cache-control')).toBe('no-store');
      return (await response.json()) as { errors?: unknown };
    };
    await problem(await preview(`/articles/${id}/preview?format=rss`, null), 401);
    await problem(await preview(`/articles/${id}/preview?format=rss`, 'fpk_0000000000000000_nope'), 401);
    await problem(await preview(`/articles/${id}/preview?format=rss`, planetKey), 403);
    await problem(await preview('/articles/00000000-0000-4000-8000-000000000000/preview?format=rss'), 404);
    await problem(await preview('/articles/not-an-id/preview?format=rss'), 404);
    for (const query of ['', '?format=html', '?format=rss&format=atom']) {
      const body = await problem(await preview(`/articles/${id}/preview${query}`), 422);
      expect(body.errors).toEqual([expect.objectContaining({ field: 'format', in: 'query' })]);
    }
  });
});
