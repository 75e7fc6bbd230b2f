import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { feedIdsOf } from '#shared/feeds/feed-ids.ts';
import { toSlug } from '#shared/slug.ts';
import { startStack } from '../local/stack.ts';
import { post } from './amplification.ts';
import { benchArticles } from './articles.ts';
import { meterClients } from './meter.ts';
import { quietFunctions } from './quiet.ts';

export interface BurstResult {
  articles: number;
  tagsEach: number;
  clients: number;
  postSeconds: number;
  /** ms from the last 201 until every feed of that article carried it (polled every 20 ms). */
  lastInFeedsMs: number;
  /** ms from the last 201 until the poller had handled every record. */
  settleMs: number;
  batches: number;
  rendered: number;
  archived: number;
  uploaded: number;
  /** Requests of the whole run (API and regenerator), by service and operation, with their summed wall time. */
  requests: Record<string, { count: number; ms: number }>;
}

/** `count` submissions to the seed source, each with `tagsEach` tags no other article has: an imported site's shape. */
export function newTagSubmissions(count: number, tagsEach: number, seed = 11): Record<string, unknown>[] {
  return benchArticles(count, seed).map((article, i) => ({
    source: 'the-gaze',
    title: article.title,
    url: `https://thegaze.example/new-tags/${seed}/${i}`,
    contentHtml: article.contentHtml,
    summary: article.summary,
    author: article.author,
    tags: Array.from({ length: tagsEach }, (_, k) => `Topic ${seed}-${i}-${k}`),
    citations: article.citations,
  }));
}

/**
 * A burst into a growing deployment: `count` articles, each with `tagsEach` new tags, posted by `clients` clients as
 * fast as the API takes them, through the local stack. Reports how long after its 201 the last article was in all
 * its feeds, and where the time went.
 */
export async function measureBurst(
  options: { count?: number; tagsEach?: number; clients?: number } = {},
): Promise<BurstResult> {
  const count = options.count ?? 400;
  const tagsEach = options.tagsEach ?? 5;
  const clients = options.clients ?? 16;
  const stateDir = await mkdtemp(join(tmpdir(), 'feed-pipeline-bench-new-tags-'));
  const stack = await startStack({ port: 0, stateDir, inMemory: true });
  const meter = meterClients();
  try {
    for (const body of newTagSubmissions(16, tagsEach, 99)) await post(stack, body);
    await stack.poller.drained(60_000);
    const bodies = newTagSubmissions(count, tagsEach);
    meter.reset();
    const before = { ...stack.regeneration };
    let nextIndex = 0;
    let last: { body: Record<string, unknown>; id: string; at: number } | undefined;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (nextIndex < bodies.length) {
          const body = bodies[nextIndex++] as Record<string, unknown>;
          const { id } = await post(stack, body);
          last = { body, id, at: performance.now() };
        }
      }),
    );
    if (!last) throw new Error('nothing was posted');
    const { body, id, at } = last;
    const feeds = feedIdsOf({
      source: 'the-gaze',
      tags: (body.tags as string[]).map((label) => ({ label, slug: toSlug(label) })),
    });
    // One request at a time, 20 ms apart, to the first feed that has not shown the article yet: the reader's own
    // load on the stack it measures stays at most 50 requests a second, whatever the number of feeds.
    const pending = [...feeds];
    while (pending.length) {
      const response = await fetch(`${stack.apiUrl}/feeds/${pending[0]}/feed.json`);
      if (response.ok && (await response.text()).includes(id)) pending.shift();
      else if (performance.now() - at > 300_000) throw new Error(`not in ${pending.join(', ')} after 300 s`);
      else await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const inFeeds = performance.now();
    await stack.poller.drained(300_000);
    const settled = performance.now();
    return {
      articles: count,
      tagsEach,
      clients,
      postSeconds: (at - started) / 1000,
      lastInFeedsMs: inFeeds - at,
      settleMs: settled - at,
      batches: stack.regeneration.batches - before.batches,
      rendered: stack.regeneration.rendered - before.rendered,
      archived: stack.regeneration.archived - before.archived,
      uploaded: stack.regeneration.uploaded - before.uploaded,
      requests: meter.summary(),
    };
  } finally {
    meter.stop();
    await stack.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  quietFunctions();
  const count = process.argv[2] ? Number(process.argv[2]) : undefined;
  process.stdout.write(
    `${JSON.stringify(await measureBurst(count === undefined ? {} : { count }), null, 2)}\n`,
  );
}
