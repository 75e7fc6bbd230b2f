import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchWriteItemCommand, type ConsumedCapacity, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { itemBytes } from '#shared/adapters/dynamodb/capacity.ts';
import { DynamoDbFeedStore } from '#shared/adapters/dynamodb/feed-store.ts';
import { articleKey, versionKey } from '#shared/adapters/dynamodb/layout.ts';
import { membershipItems } from '#shared/adapters/dynamodb/memberships.ts';
import { DynamoDbRegistryStore } from '#shared/adapters/dynamodb/registry-store.ts';
import { createS3Client } from '#shared/adapters/s3/client.ts';
import { S3DocumentPublisher } from '#shared/adapters/s3/document-publisher.ts';
import type { Article } from '#shared/articles/model.ts';
import { FeedRegenerator } from '#shared/feeds/regenerate.ts';
import { feedSettingsFromEnv } from '#shared/feeds/settings.ts';
import { Registry } from '#shared/registry.ts';
import { startDynamoDbLocal } from '../local/dynamodb-local.ts';
import { startS3Local } from '../local/s3-local.ts';
import { ensureTable } from '../local/table.ts';
import { BENCH_SOURCES, benchArticles } from './articles.ts';
import { quietFunctions } from './quiet.ts';
import { log, median } from './stats.ts';

const BUCKET = 'feeds';

export interface SizePoint {
  articles: number;
  /** Items in the table (articles and their memberships). */
  items: number;
  /** Median ms of one publishFeed (read state, one Query, three renders and the page, four HEADs; bytes unchanged). */
  ms: number;
  /** Read units of one publishFeed as DynamoDB Local reports them (ReturnConsumedCapacity TOTAL). */
  readUnits: number;
  /** Read units computed from the bytes the Query returned (4 KB units, strongly consistent). */
  readUnitsFromBytes: number;
  /** DynamoDB requests per publishFeed, by operation. */
  requests: Record<string, number>;
}

export interface RegenerationResult {
  feed: string;
  repetitions: number;
  seedSeconds: number;
  points: SizePoint[];
  /** ms at the larger table over ms at the smaller. */
  timeRatio: number;
  readUnitsRatio: number;
}

/** The article, its version item and its memberships, as the API's transaction writes them (tag counts left out). */
export function itemsOf(article: Article): Record<string, unknown>[] {
  return [
    { ...articleKey(article.id), type: 'article', ...article },
    { ...versionKey(article.id, article.version), type: 'version', ...article },
    ...membershipItems(article),
  ];
}

/** Writes items with BatchWriteItem, `parallel` batches of 25 at a time, retrying what comes back unprocessed. */
export async function batchWrite(
  client: DynamoDBClient,
  table: string,
  items: Record<string, unknown>[],
  parallel: number,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const slice = items.slice(next, next + 25);
      next += 25;
      let requests = slice.map((item) => ({
        PutRequest: { Item: marshall(item, { removeUndefinedValues: true }) },
      }));
      for (let attempt = 0; requests.length; attempt++) {
        const { UnprocessedItems } = await client.send(
          new BatchWriteItemCommand({ RequestItems: { [table]: requests } }),
        );
        requests = (UnprocessedItems?.[table] ?? []) as typeof requests;
        if (requests.length && attempt > 20)
          throw new Error('BatchWriteItem keeps leaving items unprocessed');
        if (requests.length) await new Promise((r) => setTimeout(r, 20 * (attempt + 1)));
      }
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

/**
 * Regeneration cost vs table size: the time and read units of `FeedRegenerator.publishFeed` for one feed when
 * the table holds `sizes[0]` and then `sizes[1]` articles (seeded straight into DynamoDB Local with
 * BatchWriteItem, not through the API). After the first publish the bytes do not change, so each repetition
 * measures what every regeneration does before it uploads: read the state, one Query of the newest 50, three
 * renders, the page and four S3 HEADs (the publish check).
 */
export async function measureRegeneration(
  options: { sizes?: [number, number]; feed?: string; repetitions?: number } = {},
): Promise<RegenerationResult> {
  const sizes = options.sizes ?? [1_000, 20_000];
  const feed = options.feed ?? 'all';
  const repetitions = options.repetitions ?? 30;
  const scratch = await mkdtemp(join(tmpdir(), 'feed-pipeline-bench-regen-'));
  const dynamo = await startDynamoDbLocal();
  const s3 = await startS3Local(join(scratch, 's3'), BUCKET);
  const raw = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
  });
  try {
    // Every request asks for its consumed capacity; what comes back lands here.
    const consumed: { op: string; capacity?: ConsumedCapacity }[] = [];
    raw.middlewareStack.add(
      (next, context) => async (args) => {
        (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'TOTAL';
        const result = await next(args);
        const output = result.output as { ConsumedCapacity?: ConsumedCapacity };
        consumed.push({
          op: String(context.commandName ?? '?').replace(/Command$/, ''),
          ...(output.ConsumedCapacity ? { capacity: output.ConsumedCapacity } : {}),
        });
        return result;
      },
      { step: 'initialize', name: 'benchConsumedCapacity' },
    );
    const documents = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
    const settings = feedSettingsFromEnv({ FEEDS_BASE_URL: 'https://feeds.example/' });
    const publisher = new S3DocumentPublisher(createS3Client({ endpoint: s3.endpoint }), BUCKET);
    // One seeded set of articles an hour apart, newest first. The larger table holds the smaller one's articles
    // and older ones, so both render the same newest 50 (the same bytes: neither ever uploads after the first).
    const articles = benchArticles(sizes[1], 11);
    const started = performance.now();
    const tables = [];
    for (const size of sizes) {
      const table = `bench-regeneration-${size}`;
      // The table of local/table.ts without its stream: nothing reads it here, and DynamoDB Local keeps stream
      // records on its heap, which slows bulk writes to a crawl after some tens of thousands of items.
      await ensureTable(raw, table, { stream: false });

      const registryStore = new DynamoDbRegistryStore(documents, table);
      const registry = new Registry(registryStore);
      for (const { createdAt: _createdAt, ...source } of BENCH_SOURCES) await registry.addSource(source);
      const t = performance.now();
      const items = articles.slice(0, size).flatMap(itemsOf);
      await batchWrite(raw, table, items, 12);
      log(
        `  regeneration: ${size} articles (${items.length} items) seeded in ${((performance.now() - t) / 1000).toFixed(1)} s`,
      );
      const store = new DynamoDbFeedStore(documents, table, registryStore);
      tables.push({
        size,
        items: items.length,
        store,
        regenerator: new FeedRegenerator(store, publisher, settings),
        samples: [] as number[],
        units: [] as number[],
        requests: {} as Record<string, number>,
      });
    }
    const seedSeconds = (performance.now() - started) / 1000;
    const changedAt = articles[0]?.updatedAt ?? '';
    // The first publish uploads; the next ones warm up both tables' paths. Then the two sizes alternate.
    for (let i = 0; i < 8; i++) {
      for (const t of tables) await t.regenerator.publishFeed(feed, changedAt);
    }
    for (let i = 0; i < repetitions; i++) {
      for (const t of i % 2 ? tables : [...tables].reverse()) {
        consumed.length = 0;
        const began = performance.now();
        const { keys: uploaded } = await t.regenerator.publishFeed(feed, changedAt);
        t.samples.push(performance.now() - began);
        if (uploaded.length) throw new Error('the bytes changed between repetitions');
        t.units.push(consumed.reduce((sum, c) => sum + (c.capacity?.CapacityUnits ?? 0), 0));
        t.requests = {};
        for (const c of consumed) t.requests[c.op] = (t.requests[c.op] ?? 0) + 1;
      }
    }
    const points: SizePoint[] = [];
    for (const t of tables) {
      const entries = await t.store.readEntries(feed, settings.size);
      // A Query is charged for the whole items it reads, projected or not: the memberships, as they are written.
      const queryBytes = entries.reduce(
        (sum, entry) =>
          sum +
          itemBytes(membershipItems(entry as unknown as Article).find((item) => item.feed === feed) ?? {}),
        0,
      );
      points.push({
        articles: t.size,
        items: t.items,
        ms: median(t.samples),
        readUnits: median(t.units),
        // The state's GetItem (1 unit) and the Query: strongly consistent, 4 KB units over the summed size.
        readUnitsFromBytes: 1 + Math.ceil(queryBytes / 4096),
        requests: t.requests,
      });
    }
    const [small, large] = points as [SizePoint, SizePoint];
    return {
      feed,
      repetitions,
      seedSeconds,
      points,
      timeRatio: large.ms / small.ms,
      readUnitsRatio: large.readUnits / small.readUnits,
    };
  } finally {
    raw.destroy();
    await s3.stop();
    await dynamo.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  quietFunctions();
  const sizes = process.argv[2] ? (process.argv[2].split(',').map(Number) as [number, number]) : undefined;
  process.stdout.write(`${JSON.stringify(await measureRegeneration(sizes ? { sizes } : {}), null, 2)}\n`);
}
