import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { type AttributeValue, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler } from '#functions/articles/handler.ts';
import { ARTICLE_ROUTES } from '#functions/articles/routes.ts';
import * as authorizer from '#functions/authorizer/handler.ts';
import { DynamoDbArticleStore } from '#shared/adapters/dynamodb/article-store.ts';
import { createDocumentClient } from '#shared/adapters/dynamodb/client.ts';
import { DynamoDbFeedStore } from '#shared/adapters/dynamodb/feed-store.ts';
import { DynamoDbRegistryStore } from '#shared/adapters/dynamodb/registry-store.ts';
import { S3DocumentPublisher } from '#shared/adapters/s3/document-publisher.ts';
import type { Article } from '#shared/articles/model.ts';
import { ArticleService } from '#shared/articles/service.ts';
import { type ArticleChange, changeOf } from '#shared/feeds/changes.ts';
import type { DocumentPublisher, PublishableDocument } from '#shared/feeds/ports.ts';
import { FeedRegenerator } from '#shared/feeds/regenerate.ts';
import { feedSettingsFromEnv } from '#shared/feeds/settings.ts';
import { LocalHttpApi } from '../../local/api-server.ts';
import { freePort, startDynamoDbLocal } from '../../local/dynamodb-local.ts';
import { startStack } from '../../local/stack.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

const seed = JSON.parse(readFileSync(new URL('../fixtures/seed-article.json', import.meta.url), 'utf8'));
const silent = new Logger({ logLevel: 'SILENT' });

async function tableKeys(endpoint: string, tableName: string): Promise<string[]> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
  });
  const keys: string[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: tableName, ExclusiveStartKey: start, ConsistentRead: true }),
    );
    for (const item of page.Items ?? []) keys.push(`${item.pk?.S}|${item.sk?.S}|${JSON.stringify(item)}`);
    start = page.LastEvaluatedKey;
  } while (start);
  client.destroy();
  return keys.sort();
}

describe('DynamoDB Local killed and restarted under the local stack', () => {
  it('answers 503 with Retry-After while the store is down, then recovers without a restart of the stack', async () => {
    const dbPath = await mkdtemp(join(tmpdir(), 'feed-pipeline-db-'));
    const stateDir = await mkdtemp(join(tmpdir(), 'feed-pipeline-state-'));
    const port = await freePort();
    let db = await startDynamoDbLocal({ dbPath, port });
    const stack = await startStack({
      port: 0,
      stateDir,
      inMemory: true,
      batchWindowMs: 50,
      dynamodb: { endpoint: db.endpoint, tableName: 'faults' },
    });
    const post = (title: string) =>
      fetch(`${stack.apiUrl}/articles`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.editorKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ...seed, title }),
      });
    try {
      expect((await post('Before the outage')).status).toBe(201);
      await stack.poller.drained();
      await db.stop();

      const down = await post('During the outage');
      expect(down.status).toBe(503);
      expect(Number(down.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(down.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      // Readers are not affected: the feeds are served from the bucket.
      expect((await fetch(`${stack.feedsUrl}all/rss.xml`)).status).toBe(200);

      db = await startDynamoDbLocal({ dbPath, port });
      let status = 0;
      let article: Article | undefined;
      for (let attempt = 0; attempt < 40 && status !== 201; attempt++) {
        const response = await post('After the outage');
        status = response.status;
        if (status === 201) article = (await response.json()) as Article;
        else await new Promise((r) => setTimeout(r, 250));
      }
      expect(status).toBe(201);
      // The stream poller picks up again too: the new article reaches the feed.
      let feed = '';
      for (let attempt = 0; attempt < 80 && !feed.includes(article?.id ?? '?'); attempt++) {
        feed = await (await fetch(`${stack.feedsUrl}all/feed.json`)).text();
        if (!feed.includes(article?.id ?? '?')) await new Promise((r) => setTimeout(r, 250));
      }
      expect(feed).toContain(article?.id);
      expect(feed).toContain('Before the outage');
    } finally {
      await stack.stop();
      await db.stop();
      await rm(dbPath, { recursive: true, force: true });
      await rm(stateDir, { recursive: true, force: true });
    }
  }, 90_000);
});

describe('faults on the write path', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ streamPoller: false });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('answers a throttled transaction with 503 and Retry-After, and writes nothing', async () => {
    const client = createDocumentClient({ endpoint: stack.dynamodbEndpoint });
    // DynamoDB Local never throttles: inject the error a busy table gives, after the SDK's own retries.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'TransactWriteItemsCommand') {
          throw Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), {
            name: 'ThrottlingException',
            $metadata: { httpStatusCode: 400 },
          });
        }
        return next(args);
      },
      { step: 'initialize', name: 'injectThrottling' },
    );
    const registry = new DynamoDbRegistryStore(client, stack.tableName);
    const api = new LocalHttpApi(
      ARTICLE_ROUTES,
      createHandler({
        articles: new ArticleService(new DynamoDbArticleStore(client, stack.tableName), registry),
        logger: silent,
      }),
      authorizer.createHandler(
        authorizer.depsFromEnv({
          TABLE_NAME: stack.tableName,
          DYNAMODB_ENDPOINT: stack.dynamodbEndpoint,
          AUTH_CACHE_TTL_SECONDS: '0',
        }),
      ),
    );
    const url = await api.listen(0);
    try {
      const before = await tableKeys(stack.dynamodbEndpoint, stack.tableName);
      const response = await fetch(`${url}/articles`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.editorKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(seed),
      });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('2');
      expect(await tableKeys(stack.dynamodbEndpoint, stack.tableName)).toEqual(before);
    } finally {
      await api.close();
    }
  });

  it('lets exactly one of ten concurrent corrections of one version win, with nothing half-written', async () => {
    const created = (await stack.call('POST', '/articles', { ...seed, tags: ['Contested'] })).body as Article;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        stack.call(
          'PUT',
          `/articles/${created.id}`,
          { ...seed, title: `Correction ${i}`, tags: [`Variant ${i}`] },
          {
            'if-match': '"1"',
          },
        ),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412 || s === 409)).toHaveLength(9);
    const winner = results.find((r) => r.status === 200)?.body as Article;
    const stored = (await stack.call('GET', `/articles/${created.id}`)).body as Article;
    expect(stored).toEqual(winner);
    expect(stored.version).toBe(2);
    // Exactly the winner's memberships exist, and the tag counts agree with them.
    const keys = await tableKeys(stack.dynamodbEndpoint, stack.tableName);
    const memberships = keys
      .filter((key) => key.split('|')[1]?.endsWith(`#${created.id}`))
      .map((key) => key.split('|')[0]);
    const winningTag = stored.tags[0]?.slug ?? '';
    expect(memberships.sort()).toEqual(
      [
        'feed#all',
        'feed#sources/the-gaze',
        `feed#tags/${winningTag}`,
        `feed#sources/the-gaze/tags/${winningTag}`,
      ].sort(),
    );
    const counts = keys.filter((key) => key.startsWith('tagcount#the-gaze|'));
    const countOf = (slug: string) =>
      Number(
        JSON.parse(
          counts
            .find((key) => key.startsWith(`tagcount#the-gaze|${slug}|`))
            ?.split('|')
            .slice(2)
            .join('|') ?? '{}',
        ).articles?.N ?? 0,
      );
    expect(countOf('contested')).toBe(0);
    expect(countOf(winningTag)).toBe(1);
  });
});

describe('faults on the publish path', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ streamPoller: false });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('ends with feeds identical to a clean run when a batch dies midway and is delivered again', async () => {
    const changes: ArticleChange[] = [];
    for (let i = 0; i < 12; i++) {
      const article = (
        await stack.call('POST', '/articles', {
          ...seed,
          url: `https://thegaze.example/crash/${i}`,
          tags: [`Crash ${i % 3}`, 'Crash All'],
        })
      ).body as Article;
      const change = changeOf(`record-${i}`, undefined, article);
      if (change) changes.push(change);
    }
    const dynamo = createDocumentClient({ endpoint: stack.dynamodbEndpoint });
    const store = new DynamoDbFeedStore(
      dynamo,
      stack.tableName,
      new DynamoDbRegistryStore(dynamo, stack.tableName),
    );
    const settings = feedSettingsFromEnv({ FEEDS_BASE_URL: `${stack.apiUrl}/` });
    const real = new S3DocumentPublisher(stack.s3, stack.bucket);

    // The first delivery dies after a few uploads, as a function that times out or crashes would.
    let uploads = 0;
    const dying: DocumentPublisher = {
      publish: async (document: PublishableDocument) => {
        if (uploads++ >= 7) return new Promise<boolean>(() => undefined);
        return real.publish(document);
      },
    };
    const first = new FeedRegenerator(store, dying, settings).regenerate(changes);
    const timedOut = await Promise.race([
      first.then(() => false),
      new Promise<boolean>((r) => setTimeout(() => r(true), 1_000)),
    ]);
    expect(timedOut).toBe(true);

    // The same batch again, to a healthy function.
    const again = await new FeedRegenerator(store, real, settings).regenerate(changes);
    expect(again.failedRecordIds).toEqual([]);

    // A clean run of the same state, into a bucket of its own (checked itself, not through the digests the state
    // records of the other bucket), gives exactly the same objects.
    await stack.s3.send(new CreateBucketCommand({ Bucket: 'clean-run' }));
    const clean = await new FeedRegenerator(store, new S3DocumentPublisher(stack.s3, 'clean-run'), settings, {
      checkBucket: true,
    }).regenerate(changes);
    expect(clean.failedRecordIds).toEqual([]);
    const objects = async (bucket: string) => {
      const listed = await stack.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'feeds/' }));
      const out: Record<string, string> = {};
      for (const { Key } of listed.Contents ?? []) {
        if (!Key) continue;
        const object = await stack.s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
        out[Key] = (await object.Body?.transformToString()) ?? '';
      }
      return out;
    };
    const published = await objects(stack.bucket);
    const expected = await objects('clean-run');
    expect(Object.keys(expected).length).toBeGreaterThan(20);
    expect(published).toEqual(expected);
  });
});
