import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { feedIdsOf } from '#shared/feeds/feed-ids.ts';
import { toSlug } from '#shared/slug.ts';
import { startStack } from '../local/stack.ts';
import { benchArticles, seeded } from './articles.ts';
import { meterDynamoDb } from './meter.ts';
import { quietFunctions } from './quiet.ts';

export const BURST_TAGS = ['Ukraine', 'Economy', 'Climate', 'Elections', 'Energy'] as const;

/** `count` submissions to the stack's seed source, each with 1-3 of five tags, as an editor would post them. */
export function burstSubmissions(count: number, seed = 5): Record<string, unknown>[] {
  const next = seeded(seed);
  return benchArticles(count, seed).map((article, i) => ({
    source: 'the-gaze',
    title: article.title,
    url: `https://thegaze.example/burst/${seed}/${i}`,
    contentHtml: article.contentHtml,
    summary: article.summary,
    author: article.author,
    tags: [
      ...new Set(
        Array.from(
          { length: 1 + Math.floor(next() * 3) },
          () => BURST_TAGS[Math.floor(next() * BURST_TAGS.length)] as string,
        ),
      ),
    ],
    citations: article.citations,
    ...(article.image ? { image: article.image } : {}),
  }));
}

/** POSTs one article to the stack's API; anything but 201 throws. */
export async function post(
  stack: { apiUrl: string; editorKey: string },
  body: Record<string, unknown>,
): Promise<{ id: string }> {
  const response = await fetch(`${stack.apiUrl}/articles`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.editorKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`POST /articles: ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as { id: string };
}

export interface AmplificationResult {
  articles: number;
  clients: number;
  batchWindowMs: number | 'default';
  postSeconds: number;
  /** ms from the last 201 until the poller had handled every record. */
  settleMs: number;
  batches: number;
  records: number;
  rendered: number;
  uploaded: number;
  renderedPerArticle: number;
  uploadedPerArticle: number;
  /** Renders if every article were regenerated on its own: each feed it is in, and its source's tag index. */
  naiveRendersPerArticle: number;
  /** Items the API's transactions wrote, per article (counted from the requests, by operation). */
  apiItemsPerArticle: number;
  /** Publish-state items the regenerator wrote, per article. */
  stateItemsPerArticle: number;
  /** Every DynamoDB request made in the run, by operation. */
  requests: Record<string, number>;
}

/**
 * Write amplification in a burst: `count` articles posted by `clients` concurrent clients into one source and
 * five tags through the local stack (in memory), then the stream drained. Reports renders, S3 puts and DynamoDB
 * items written per article, against the naive one render per affected feed per article.
 */
export async function measureAmplification(
  options: { count?: number; clients?: number; batchWindowMs?: number } = {},
): Promise<AmplificationResult> {
  const count = options.count ?? 500;
  const clients = options.clients ?? 16;
  const stateDir = await mkdtemp(join(tmpdir(), 'feed-pipeline-bench-burst-'));
  const stack = await startStack({
    port: 0,
    stateDir,
    inMemory: true,
    ...(options.batchWindowMs === undefined ? {} : { batchWindowMs: options.batchWindowMs }),
  });
  const meter = meterDynamoDb();
  try {
    // A few posts first (not counted), so the burst does not pay for the first JIT compilations.
    for (const body of burstSubmissions(16, 99)) await post(stack, body);
    await stack.poller.drained(60_000);
    const bodies = burstSubmissions(count);
    meter.reset();
    const before = { ...stack.regeneration };
    let nextIndex = 0;
    let naive = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (nextIndex < bodies.length) {
          const body = bodies[nextIndex++] as Record<string, unknown>;
          await post(stack, body);
          const tags = ((body as { tags: string[] }).tags ?? []).map((label) => ({
            label,
            slug: toSlug(label),
          }));
          naive += feedIdsOf({ source: 'the-gaze', tags }).length + 1;
        }
      }),
    );
    const posted = performance.now();
    await stack.poller.drained(120_000);
    const settled = performance.now();
    const totals = {
      batches: stack.regeneration.batches - before.batches,
      records: stack.regeneration.records - before.records,
      rendered: stack.regeneration.rendered - before.rendered,
      uploaded: stack.regeneration.uploaded - before.uploaded,
    };
    const transactionItems = meter.items.TransactWrite ?? 0;
    const allItems = Object.values(meter.items).reduce((sum, n) => sum + n, 0);
    return {
      articles: count,
      clients,
      batchWindowMs: options.batchWindowMs ?? 'default',
      postSeconds: (posted - started) / 1000,
      settleMs: settled - posted,
      ...totals,
      renderedPerArticle: totals.rendered / count,
      uploadedPerArticle: totals.uploaded / count,
      naiveRendersPerArticle: naive / count,
      apiItemsPerArticle: transactionItems / count,
      stateItemsPerArticle: (allItems - transactionItems) / count,
      requests: { ...meter.requests },
    };
  } finally {
    meter.stop();
    await stack.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  quietFunctions();
  const window = process.argv[2] ? Number(process.argv[2]) : undefined;
  process.stdout.write(
    `${JSON.stringify(await measureAmplification(window === undefined ? {} : { batchWindowMs: window }), null, 2)}\n`,
  );
}
