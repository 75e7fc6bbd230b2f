import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '#shared/adapters/dynamodb/client.ts';
import { DynamoDbRegistryStore } from '#shared/adapters/dynamodb/registry-store.ts';
import { Registry } from '#shared/registry.ts';
import { checkConsistency, formatReport } from '../../local/consistency.ts';
import { runLoad } from '../../local/load.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

/** The small form of `npm run soak`: the same load and the same check, a fifth of the size. */
const POSTS = 400;
const FEED_SIZE = 20;

let stack: TestStack;
const sources = ['the-gaze'];
beforeAll(async () => {
  // A smaller feed size than production, so that feeds overflow and the newest-N cut is exercised.
  stack = await startTestStack({ feedSize: FEED_SIZE, batchWindowMs: 100 });
  const registry = new Registry(
    new DynamoDbRegistryStore(createDocumentClient({ endpoint: stack.dynamodbEndpoint }), stack.tableName),
  );
  for (let i = 1; i <= 4; i++)
    sources.push(
      (
        await registry.addSource({
          slug: `desk-${i}`,
          name: `Desk ${i}`,
          homepageUrl: `https://desk${i}.example/`,
        })
      ).slug,
    );
});
afterAll(async () => {
  await stack?.stop();
});

describe('under load', () => {
  it('publishes exactly the newest N of every feed after 16 clients post, correct and retract at once', async () => {
    const load = await runLoad({
      apiUrl: stack.apiUrl,
      editorKey: stack.editorKey,
      posts: POSTS,
      clients: 16,
      sources,
      tags: 20,
      seed: 7,
    });
    // A 503 is sent again after its Retry-After, as the API asks editors' clients to (local/load.ts); a 500, or a
    // 503 that outlasts its retries, fails here.
    expect(load.serverErrorSamples).toEqual([]);
    expect(load.serverErrors).toBe(0);
    expect(load.posts).toBe(POSTS);
    expect(load.corrections).toBeGreaterThan(10);
    expect(load.retractions).toBeGreaterThan(3);
    await stack.poller.drained(180_000);
    const report = await checkConsistency({
      dynamodbEndpoint: stack.dynamodbEndpoint,
      tableName: stack.tableName,
      s3Endpoint: stack.s3Endpoint,
      bucket: stack.bucket,
      feedSize: FEED_SIZE,
    });
    process.stdout.write(`${formatReport(report)}\n`);
    expect(report.articles).toBe(POSTS);
    expect(report.feeds).toBeGreaterThan(80);
    expect(report.publishedItems).toBeGreaterThan(0);
    expect({
      missing: report.missing,
      extra: report.extra,
      duplicates: report.duplicates,
      misordered: report.misordered,
      tagIndexMismatches: report.tagIndexMismatches,
    }).toEqual({ missing: 0, extra: 0, duplicates: 0, misordered: 0, tagIndexMismatches: 0 });
  }, 120_000);
});
