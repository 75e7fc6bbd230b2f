/**
 * Articles big and small against DynamoDB Local: their memberships are written thin, each as small as DynamoDB itself
 * counts it, their feeds carry their whole content, byte for byte what fat memberships render, and a warm store reads
 * each version item once.
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBClient, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbArticleStore } from '#shared/adapters/dynamodb/article-store.ts';
import { itemBytes, writeUnits } from '#shared/adapters/dynamodb/capacity.ts';
import { DynamoDbFeedStore } from '#shared/adapters/dynamodb/feed-store.ts';
import { feedPartition, REGENERATE_TABLE_ACCESS } from '#shared/adapters/dynamodb/layout.ts';
import { CONTENT_POINTER } from '#shared/adapters/dynamodb/memberships.ts';
import { DynamoDbRegistryStore } from '#shared/adapters/dynamodb/registry-store.ts';
import { MemoryDocumentPublisher } from '#shared/adapters/memory/index.ts';
import type { Article } from '#shared/articles/model.ts';
import { type ArticleChange, changeOf } from '#shared/feeds/changes.ts';
import { FeedRegenerator } from '#shared/feeds/regenerate.ts';
import { ensureTable } from '../../local/table.ts';
import { SETTINGS, THE_GAZE } from '../support/feed-fixtures.ts';
import { storedArticle, tagsOf } from '../support/stored-article.ts';

let raw: DynamoDBClient;
/** The partitions each BatchGetItem of the regenerator names, one list a request. */
const batchGets: string[][] = [];
beforeAll(() => {
  raw = new DynamoDBClient({
    endpoint: inject('dynamodbEndpoint'),
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  raw.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'BatchGetItemCommand') {
        // The document client's input, before or after marshalling: `pk` a string or `{ S }`.
        const input = args.input as { RequestItems: Record<string, { Keys: { pk: unknown }[] }> };
        const pk = ({ pk }: { pk: unknown }) =>
          typeof pk === 'string' ? pk : String((pk as { S?: string }).S);
        batchGets.push(Object.values(input.RequestItems).flatMap((request) => request.Keys.map(pk)));
      }
      return next(args);
    },
    { step: 'initialize', name: 'recordBatchGets' },
  );
});
afterAll(() => raw?.destroy());

/** The stores over a table of their own, memberships thin (or fat up to `fatMaxBytes`, as earlier releases wrote them). */
async function stores(fatMaxBytes = 0) {
  const tableName = `memberships-${randomBytes(6).toString('hex')}`;
  await ensureTable(raw, tableName, { stream: false });
  const client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  const registry = new DynamoDbRegistryStore(client, tableName);
  await registry.putSource(THE_GAZE);
  return {
    tableName,
    articles: new DynamoDbArticleStore(client, tableName, fatMaxBytes),
    feeds: new DynamoDbFeedStore(client, tableName, registry),
  };
}

/** HTML of exactly `bytes` bytes (at least 7). */
const html = (bytes: number) =>
  `<p>${'All the words of a wire story. '.repeat(Math.ceil(bytes / 31)).slice(0, Math.max(0, bytes - 7))}</p>`;

/** 60 articles of 100 KB, 20 KB and 3 KB in turn (past the feed's 50, so the open archive page has some too). */
const ARTICLES: Article[] = Array.from({ length: 60 }, (_, i) =>
  storedArticle(1 + (i % 28), {
    title: `Wire story ${i}`,
    contentHtml: html([100 * 1024, 20 * 1024, 3 * 1024][i % 3] as number),
    tags: tagsOf('Wire'),
    author: { name: 'Wire desk' },
    citations: [{ name: 'Reuters', url: 'https://www.reuters.com/' }],
    publishedAt: new Date(Date.parse('2026-07-01T00:00:00Z') + i * 60_000).toISOString(),
  }),
);
const FEEDS = ['all', 'sources/the-gaze', 'tags/wire', 'sources/the-gaze/tags/wire'];

/**
 * Every document the regenerator publishes for ARTICLES out of `feeds`: from changes that carry the articles, as a
 * batch's records do (`written`), or, as by default here, from changes without them, so the store reads the content.
 */
async function publish(feeds: DynamoDbFeedStore, carried = false): Promise<Record<string, string>> {
  const publisher = new MemoryDocumentPublisher();
  const changes = ARTICLES.map((a, i) => {
    const { written, ...change } = changeOf(`record-${i}`, undefined, a) as ArticleChange;
    return carried ? { ...change, written } : change;
  });
  const result = await new FeedRegenerator(feeds, publisher, SETTINGS).regenerate(changes);
  expect(result.failedRecordIds).toEqual([]);
  return Object.fromEntries(
    [...publisher.objects].map(([key, object]) => [key, object.body.toString('utf8')]),
  );
}

describe('memberships in DynamoDB', () => {
  it('are thin, each under 1 KB as DynamoDB counts it, and their feeds carry every byte of content', async () => {
    const thin = await stores();
    for (const article of ARTICLES) await thin.articles.createArticle(article);

    for (const feed of FEEDS) {
      let start: Record<string, never> | undefined;
      let count = 0;
      do {
        const page = await raw.send(
          new QueryCommand({
            TableName: thin.tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': { S: feedPartition(feed) } },
            ExclusiveStartKey: start,
          }),
        );
        for (const stored of page.Items ?? []) {
          count++;
          const item = unmarshall(stored);
          const article = ARTICLES.find((a) => a.id === item.id) as Article;
          const bytes = itemBytes(item);
          expect(bytes, `${feed} ${item.sk}`).toBeLessThanOrEqual(1024);
          expect(item).not.toHaveProperty('contentHtml');
          expect(item.title).toBe(article.title);
          expect(item[CONTENT_POINTER]).toBe('version#000001');
          // DynamoDB's own count of the item, by writing it again as it is: 1 unit per KB, as itemBytes says.
          const { ConsumedCapacity } = await raw.send(
            new PutItemCommand({ TableName: thin.tableName, Item: stored, ReturnConsumedCapacity: 'TOTAL' }),
          );
          expect(ConsumedCapacity?.CapacityUnits).toBe(writeUnits(bytes, false));
          expect(ConsumedCapacity?.CapacityUnits).toBe(1);
        }
        start = page.LastEvaluatedKey as Record<string, never> | undefined;
      } while (start);
      expect(count, feed).toBe(ARTICLES.length);
    }

    batchGets.length = 0;
    const documents = await publish(thin.feeds);
    // The feed's 50 newest entries, each with its whole content; the 100 KB ones read from their version items.
    const json = JSON.parse(documents['feeds/all/feed.json'] ?? '{}') as {
      items: { content_html: string }[];
    };
    expect(json.items).toHaveLength(50);
    for (const [i, article] of ARTICLES.slice(-50).reverse().entries())
      expect(json.items[i]?.content_html).toContain(article.contentHtml);
    const rss = documents['feeds/all/rss.xml'] ?? '';
    expect(rss).toContain(ARTICLES.at(-3)?.contentHtml);
    // Each BatchGetItem names article partitions only or none (IAM grants them apart), and the deployment grants it.
    const contents = batchGets.filter((partitions) => partitions.some((pk) => pk.startsWith('article#')));
    expect(contents.length).toBeGreaterThan(0);
    for (const partitions of contents) {
      expect(partitions.every((pk) => pk.startsWith('article#'))).toBe(true);
      expect(partitions.length).toBeLessThanOrEqual(100);
    }
    expect(REGENERATE_TABLE_ACCESS.entryContents).toEqual({
      actions: ['BatchGetItem'],
      partitions: ['article#*'],
    });

    // The same store again, warm: every version item was read once, and none is read again (the bytes are the
    // same, so nothing is uploaded).
    batchGets.length = 0;
    expect(await publish(thin.feeds)).toEqual({});
    expect(batchGets.filter((partitions) => partitions.some((pk) => pk.startsWith('article#')))).toEqual([]);
    // A store of its own (a cold function) reads each version item once, whatever the number of feeds it is in.
    batchGets.length = 0;
    const cold = new DynamoDbFeedStore(
      DynamoDBDocumentClient.from(raw),
      thin.tableName,
      new DynamoDbRegistryStore(DynamoDBDocumentClient.from(raw), thin.tableName),
    );
    expect(await publish(cold)).toEqual({});
    const read = batchGets.flat().filter((pk) => pk.startsWith('article#'));
    expect(new Set(read).size).toBe(ARTICLES.length);
    expect(read).toHaveLength(ARTICLES.length);

    // Changes that carry the articles, as a batch's records do: no version item is read, and the bytes are those
    // of the content read from the table.
    const again = await stores();
    for (const article of ARTICLES) await again.articles.createArticle(article);
    batchGets.length = 0;
    expect(await publish(again.feeds, true)).toEqual(documents);
    expect(batchGets.flat().filter((pk) => pk.startsWith('article#'))).toEqual([]);

    // The same articles with every membership fat, as earlier releases wrote them: the same bytes in every document.
    const fat = await stores(Number.POSITIVE_INFINITY);
    for (const article of ARTICLES) await fat.articles.createArticle(article);
    expect(await publish(fat.feeds)).toEqual(documents);
  });
});
