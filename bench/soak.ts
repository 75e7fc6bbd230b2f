import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createDocumentClient } from '#shared/adapters/dynamodb/client.ts';
import { DynamoDbRegistryStore } from '#shared/adapters/dynamodb/registry-store.ts';
import { Registry } from '#shared/registry.ts';
import { type ConsistencyReport, checkConsistency, formatReport } from '../local/consistency.ts';
import { type LoadReport, runLoad } from '../local/load.ts';
import { startStack } from '../local/stack.ts';
import { quietFunctions } from './quiet.ts';

export interface SoakResult {
  posts: number;
  clients: number;
  load: LoadReport;
  /** ms from the last response until the stream was drained. */
  settleMs: number;
  invocations: number;
  records: number;
  failedAttempts: number;
  report: ConsistencyReport;
  /** No 5xx, and nothing missing, extra, duplicated or misordered in any feed. */
  passed: boolean;
}

/**
 * The whole local pipeline under load (by default 2,000 posts from 16 clients over 5 sources and 20 tags, with
 * corrections and retractions), then the consistency check of every feed. Loopback only; stops by itself.
 */
export async function measureSoak(
  options: { posts?: number; clients?: number; feedSize?: number; progress?: (line: string) => void } = {},
): Promise<SoakResult> {
  const posts = options.posts ?? 2000;
  const clients = options.clients ?? 16;
  const feedSize = options.feedSize ?? 50;
  const say = options.progress ?? (() => undefined);
  const stateDir = await mkdtemp(join(tmpdir(), 'feed-pipeline-soak-'));
  const stack = await startStack({ port: 0, stateDir, inMemory: true, feedSize });
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
    say(`load: ${posts} posts from ${clients} clients over ${sources.length} sources and 20 tags...\n`);
    const load = await runLoad({
      apiUrl: stack.apiUrl,
      editorKey: stack.editorKey,
      posts,
      clients,
      sources,
      tags: 20,
    });
    say(
      `requests ${load.requests} in ${(load.durationMs / 1000).toFixed(1)} s (${((load.requests * 1000) / load.durationMs).toFixed(0)}/s): ` +
        `${load.posts} posts, ${load.corrections} corrections, ${load.retractions} retractions, ${load.conflicts} lost races (412), ` +
        `5xx ${load.serverErrors} (503s retried: ${load.retried}); statuses ${JSON.stringify(load.statuses)}\n`,
    );
    const drainStart = performance.now();
    await stack.poller.drained(600_000);
    const settleMs = performance.now() - drainStart;
    const { invocations, records, failedAttempts } = stack.poller.stats;
    say(
      `feeds settled ${settleMs.toFixed(0)} ms after the last response; ` +
        `stream: ${invocations} invocations, ${records} records, ${failedAttempts} failed attempts\n`,
    );
    const report = await checkConsistency({
      dynamodbEndpoint: stack.dynamodbEndpoint,
      tableName: stack.tableName,
      s3Endpoint: stack.s3Endpoint,
      bucket: stack.bucket,
      feedSize,
    });
    say(`${formatReport(report)}\n`);
    const passed =
      load.serverErrors === 0 &&
      report.missing === 0 &&
      report.extra === 0 &&
      report.duplicates === 0 &&
      report.misordered === 0 &&
      report.tagIndexMismatches === 0;
    return { posts, clients, load, settleMs, invocations, records, failedAttempts, report, passed };
  } finally {
    await stack.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
}

// `npm run soak`
if (import.meta.url === `file://${process.argv[1]}`) {
  quietFunctions('WARN');
  const { values } = parseArgs({
    options: {
      posts: { type: 'string', default: '2000' },
      clients: { type: 'string', default: '16' },
      'feed-size': { type: 'string', default: '50' },
    },
  });
  const result = await measureSoak({
    posts: Number(values.posts),
    clients: Number(values.clients),
    feedSize: Number(values['feed-size']),
    progress: (line) => process.stdout.write(line),
  });
  process.stdout.write(
    result.passed ? 'soak passed: zero missing, zero extra, zero duplicates, zero 5xx\n' : 'SOAK FAILED\n',
  );
  process.exit(result.passed ? 0 : 1);
}
