import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbArticleStore } from '#shared/adapters/dynamodb/article-store.ts';
import { createDocumentClient } from '#shared/adapters/dynamodb/client.ts';
import { DynamoDbDueReader } from '#shared/adapters/dynamodb/due-reader.ts';
import { DynamoDbFeedStore } from '#shared/adapters/dynamodb/feed-store.ts';
import { TTL_ATTRIBUTE } from '#shared/adapters/dynamodb/layout.ts';
import { DynamoDbRegistryStore } from '#shared/adapters/dynamodb/registry-store.ts';
import { createS3Client } from '#shared/adapters/s3/client.ts';
import { S3DocumentPublisher } from '#shared/adapters/s3/document-publisher.ts';
import { type S3Local, startS3Local } from '../../local/s3-local.ts';
import { ensureTable } from '../../local/table.ts';
import { storeContract } from './stores.contract.ts';

let s3: S3Local;
let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'contract-s3-'));
  s3 = await startS3Local(directory, 'contract');
});
afterAll(async () => {
  await s3?.stop();
  await rm(directory, { recursive: true, force: true });
});

describe('the DynamoDB Local and S3 adapters', () => {
  storeContract(async () => {
    const endpoint = inject('dynamodbEndpoint');
    // A table of its own for each test, as the in-memory adapters start empty.
    const tableName = `contract-${randomBytes(6).toString('hex')}`;
    const raw = new DynamoDBClient({
      endpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await ensureTable(raw, tableName, { stream: false });
    raw.destroy();
    const client = createDocumentClient({ endpoint });
    const registry = new DynamoDbRegistryStore(client, tableName);
    const bucket = createS3Client({ endpoint: s3.endpoint });
    return {
      articles: new DynamoDbArticleStore(client, tableName),
      due: new DynamoDbDueReader(client, tableName),
      registry,
      feeds: new DynamoDbFeedStore(client, tableName, registry),
      publisher: new S3DocumentPublisher(bucket, 'contract'),
    };
  });

  it('keeps a news sitemap’s entries in a partition per source, with a Number the table’s TTL deletes by', async () => {
    const endpoint = inject('dynamodbEndpoint');
    const tableName = `contract-${randomBytes(6).toString('hex')}`;
    const raw = new DynamoDBClient({
      endpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await ensureTable(raw, tableName, { stream: false });
    raw.destroy();
    const client = createDocumentClient({ endpoint });
    const feeds = new DynamoDbFeedStore(client, tableName, new DynamoDbRegistryStore(client, tableName));
    const publishedAt = '2026-07-10T11:00:00.000Z';
    await feeds.putSitemapEntries([
      {
        source: 'the-gaze',
        id: 'a',
        url: 'https://thegaze.example/a',
        title: 'A',
        publishedAt,
        version: 1,
        expiresAt: 1_783_998_000,
      },
    ]);
    const { Item } = await client.send(
      new GetCommand({ TableName: tableName, Key: { pk: 'sitemap#the-gaze', sk: `${publishedAt}#a` } }),
    );
    expect(Item?.[TTL_ATTRIBUTE]).toBe(1_783_998_000);
    expect(typeof Item?.[TTL_ATTRIBUTE]).toBe('number');
    expect(Item?.type).toBe('sitemapentry');
    client.destroy();
  });
});
