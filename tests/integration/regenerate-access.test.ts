/**
 * The regenerate function's table access in AWS is REGENERATE_TABLE_ACCESS (the CDK app grants exactly that, and
 * tests/infra holds the template to it). Here every request a regeneration makes against DynamoDB Local is recorded
 * and held to the same table, so a new kind of item the regenerator reads or writes fails this test instead of
 * failing with AccessDenied after a deploy.
 */
import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbFeedStore } from '#shared/adapters/dynamodb/feed-store.ts';
import { REGENERATE_TABLE_ACCESS } from '#shared/adapters/dynamodb/layout.ts';
import { DynamoDbRegistryStore } from '#shared/adapters/dynamodb/registry-store.ts';
import { S3DocumentPublisher } from '#shared/adapters/s3/document-publisher.ts';
import type { Article } from '#shared/articles/model.ts';
import { type ArticleChange, changeOf } from '#shared/feeds/changes.ts';
import { FeedRegenerator } from '#shared/feeds/regenerate.ts';
import { feedSettingsFromEnv } from '#shared/feeds/settings.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

const seed = JSON.parse(readFileSync(new URL('../fixtures/seed-article.json', import.meta.url), 'utf8'));

let stack: TestStack;
let raw: DynamoDBClient;
/** Every request of the regenerator: its DynamoDB action and the partition keys it names. */
const requests: { action: string; partitions: string[] }[] = [];

/** The partition keys a request names, from its (marshalled) input. */
function partitionsOf(action: string, input: Record<string, unknown>): string[] {
  const pk = (item: unknown) => {
    const value = (item as { pk?: unknown } | undefined)?.pk;
    return typeof value === 'string' ? value : ((value as { S?: string } | undefined)?.S ?? '');
  };
  switch (action) {
    case 'GetItem':
    case 'UpdateItem':
    case 'DeleteItem':
      return [pk(input.Key)];
    case 'PutItem':
      return [pk(input.Item)];
    case 'Query': {
      const values = input.ExpressionAttributeValues as Record<string, unknown>;
      return [pk({ pk: values[':pk'] })];
    }
    case 'BatchGetItem':
      return Object.values(input.RequestItems as Record<string, { Keys: unknown[] }>).flatMap((request) =>
        request.Keys.map(pk),
      );
    default:
      return [`(${action} names no partition)`];
  }
}

const like = (pattern: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);

function allowed(action: string, partition: string): boolean {
  return Object.values(REGENERATE_TABLE_ACCESS).some(
    (grant) =>
      (grant.actions as readonly string[]).includes(action) &&
      grant.partitions.some((pattern) => like(pattern).test(partition)),
  );
}

beforeAll(async () => {
  // No poller: the test delivers the batches to a regenerator whose requests it records.
  stack = await startTestStack({ streamPoller: false });
  raw = new DynamoDBClient({
    endpoint: stack.dynamodbEndpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  raw.middlewareStack.add(
    (next, context) => async (args) => {
      const action = String(context.commandName ?? '?').replace(/Command$/, '');
      const input = args.input as Record<string, unknown>;
      if (action === 'TransactWriteItems') {
        // IAM authorises a transaction item by item, as the action each one is.
        for (const item of input.TransactItems as Record<string, Record<string, unknown>>[]) {
          const [kind = '?', request = {}] = Object.entries(item)[0] ?? [];
          const itemAction = `${kind}Item`;
          requests.push({ action: itemAction, partitions: partitionsOf(itemAction, request) });
        }
      } else requests.push({ action, partitions: partitionsOf(action, input) });
      return next(args);
    },
    { step: 'initialize', name: 'recordRegeneratorAccess' },
  );
});
afterAll(async () => {
  raw?.destroy();
  await stack?.stop();
});

describe("the regenerator's access to the table", () => {
  it('stays within what the deployment grants, through new tags, full feeds, closing archive pages, edits and a source edit', async () => {
    const documents = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
    const store = new DynamoDbFeedStore(
      documents,
      stack.tableName,
      new DynamoDbRegistryStore(documents, stack.tableName),
    );
    // Feeds of two entries: a handful of articles fills them and closes archive pages.
    const settings = feedSettingsFromEnv({ ...stack.feedEnv, FEED_SIZE: '2' });
    // The clock a day after the last article: the news sitemap's 48-hour window holds the last two.
    const regenerator = new FeedRegenerator(
      store,
      new S3DocumentPublisher(stack.s3, stack.bucket),
      settings,
      {
        now: () => Date.parse('2025-07-09T00:00:00Z'),
      },
    );
    const changes: ArticleChange[] = [];
    const stackArticles: Article[] = [];
    // Eight articles bring nine new tags: their 18 listings are recorded in a transaction (more than a few).
    for (let i = 0; i < 8; i++) {
      const response = await stack.call('POST', '/articles', {
        ...seed,
        url: `https://thegaze.example/access/${i}`,
        title: `Access story ${i}`,
        tags: ['Access', `Access ${i}`],
        publishedAt: `2025-07-0${i + 1}T08:00:00Z`,
      });
      expect(response.status).toBe(201);
      stackArticles.push(response.body);
      changes.push(changeOf(`post-${i}`, undefined, response.body) as ArticleChange);
    }
    const first = await regenerator.regenerate(changes, [{ recordId: 'source-edit', slug: 'the-gaze' }]);
    expect(first.failedRecordIds).toEqual([]);
    expect(first.archived).toBeGreaterThan(0);
    // A correction of the oldest article, which sits in a closed archive page, and a retraction of the newest (its
    // news sitemap entry deleted).
    const oldest = stackArticles[0] as Article;
    const corrected = await stack.call(
      'PUT',
      `/articles/${oldest.id}`,
      {
        ...seed,
        url: oldest.url,
        title: 'Access story 0, corrected',
        tags: ['Access'],
        publishedAt: oldest.publishedAt,
      },
      { 'if-match': '"1"' },
    );
    expect(corrected.status).toBe(200);
    const retracted = await stack.call('DELETE', `/articles/${(stackArticles[7] as Article).id}`);
    expect(retracted.status).toBe(204);
    const gone = (await stack.call('GET', `/articles/${(stackArticles[7] as Article).id}`)).body as Article;
    const second = await regenerator.regenerate([
      changeOf('correct', oldest, corrected.body) as ArticleChange,
      changeOf('retract', stackArticles[7], gone) as ArticleChange,
    ]);
    expect(second.failedRecordIds).toEqual([]);
    expect(second.archived).toBeGreaterThan(0);

    const refused = requests.flatMap(({ action, partitions }) =>
      partitions
        .filter((partition) => !allowed(action, partition))
        .map((partition) => `${action} ${partition}`),
    );
    expect(refused).toEqual([]);
    // The scenario reached every kind of access the table lists, so the check above covered them.
    const seen = new Set(
      requests.map(({ action, partitions }) => `${action} ${partitions[0]?.split('#')[0]}`),
    );
    for (const kind of [
      'BatchGetItem source',
      'BatchGetItem feedstate',
      'Query feed',
      'GetItem feedstate',
      'UpdateItem feedstate',
      'UpdateItem directory',
      'PutItem listing',
      'PutItem archivepage',
      'Query archivepage',
      'Query listing',
      'Query source',
      'PutItem sitemap',
      'DeleteItem sitemap',
      'Query sitemap',
    ])
      expect(seen, kind).toContain(kind);
  });
});
