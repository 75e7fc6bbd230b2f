import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createDocumentClient } from '#shared/adapters/dynamodb/client.ts';
import { DynamoDbRegistryStore } from '#shared/adapters/dynamodb/registry-store.ts';
import { Registry } from '#shared/registry.ts';
import { checkConsistency, formatReport } from '../local/consistency.ts';
import { runLoad } from '../local/load.ts';
import { startStack } from '../local/stack.ts';

/**
 * `npm run soak`: the whole local pipeline under load (2,000 posts from 16 clients over 5 sources and 20 tags,
 * with corrections and retractions), then the consistency check of every feed. Loopback only; stops by itself.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
const { values } = parseArgs({
  options: {
    posts: { type: 'string', default: '2000' },
    clients: { type: 'string', default: '16' },
    'feed-size': { type: 'string', default: '50' },
  },
});
const posts = Number(values.posts);
const clients = Number(values.clients);
const feedSize = Number(values['feed-size']);

const stateDir = await mkdtemp(join(tmpdir(), 'feed-pipeline-soak-'));
const stack = await startStack({ port: 0, stateDir, inMemory: true, feedSize });
let failed = true;
try {
  const registry = new Registry(
    new DynamoDbRegistryStore(createDocumentClient({ endpoint: stack.dynamodbEndpoint }), stack.tableName),
  );
  const sources = ['the-gaze'];
  for (let i = 1; i <= 4; i++) {
    const source = await registry.addSource({
      slug: `desk-${i}`,
      name: `Desk ${i}`,
      homepageUrl: `https://desk${i}.example/`,
    });
    sources.push(source.slug);
  }
  process.stdout.write(
    `load: ${posts} posts from ${clients} clients over ${sources.length} sources and 20 tags...\n`,
  );
  const load = await runLoad({
    apiUrl: stack.apiUrl,
    editorKey: stack.editorKey,
    posts,
    clients,
    sources,
    tags: 20,
  });
  process.stdout.write(
    `requests ${load.requests} in ${(load.durationMs / 1000).toFixed(1)} s (${((load.requests * 1000) / load.durationMs).toFixed(0)}/s): ` +
      `${load.posts} posts, ${load.corrections} corrections, ${load.retractions} retractions, ${load.conflicts} lost races (412), ` +
      `5xx ${load.serverErrors}; statuses ${JSON.stringify(load.statuses)}\n`,
  );
  const drainStart = performance.now();
  await stack.poller.drained(600_000);
  process.stdout.write(
    `feeds settled ${(performance.now() - drainStart).toFixed(0)} ms after the last response; ` +
      `stream: ${stack.poller.stats.invocations} invocations, ${stack.poller.stats.records} records, ${stack.poller.stats.failedAttempts} failed attempts\n`,
  );
  const report = await checkConsistency({
    dynamodbEndpoint: stack.dynamodbEndpoint,
    tableName: stack.tableName,
    s3Endpoint: stack.s3Endpoint,
    bucket: stack.bucket,
    feedSize,
  });
  process.stdout.write(`${formatReport(report)}\n`);
  failed =
    load.serverErrors > 0 ||
    report.missing > 0 ||
    report.extra > 0 ||
    report.duplicates > 0 ||
    report.misordered > 0 ||
    report.tagIndexMismatches > 0;
  process.stdout.write(
    failed ? 'SOAK FAILED\n' : 'soak passed: zero missing, zero extra, zero duplicates, zero 5xx\n',
  );
} finally {
  await stack.stop();
  await rm(stateDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
