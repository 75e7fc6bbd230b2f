import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack } from '../local/stack.ts';
import { quietFunctions } from './quiet.ts';

/**
 * Freshness: from the 201 of a POST to the new item being served in feeds/all/rss.xml by the local feed
 * server, over `count` posts made one after another (after a few uncounted ones). The reader polls with
 * conditional GETs. Prints p50 and p95 in milliseconds.
 */
export async function measureFreshness(
  count = 100,
  options: { batchWindowMs?: number; warmUp?: number } = {},
): Promise<{ p50: number; p95: number; samples: number[] }> {
  quietFunctions();
  const stateDir = await mkdtemp(join(tmpdir(), 'feed-pipeline-bench-'));
  const { warmUp = 5, ...stackOptions } = options;
  const stack = await startStack({ port: 0, stateDir, inMemory: true, ...stackOptions });
  const seed = JSON.parse(
    await readFile(new URL('../tests/fixtures/seed-article.json', import.meta.url), 'utf8'),
  );
  const samples: number[] = [];
  let etag: string | undefined;
  try {
    // The first posts (not counted) warm up the API, the poller and the regenerator.
    for (let i = -warmUp; i < count; i++) {
      const response = await fetch(`${stack.apiUrl}/articles`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.editorKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ...seed, url: `https://thegaze.example/fresh/${i}`, publishedAt: undefined }),
      });
      const accepted = performance.now();
      const { id } = (await response.json()) as { id: string };
      for (;;) {
        // A conditional GET: an unchanged feed is a 304 without a body, so polling every 10 ms costs the
        // process under test little; only a changed feed is read through.
        const feed = await fetch(`${stack.feedsUrl}all/rss.xml`, {
          headers: { 'accept-encoding': 'identity', ...(etag ? { 'if-none-match': etag } : {}) },
        });
        if (feed.status === 200) {
          etag = feed.headers.get('etag') ?? undefined;
          if ((await feed.text()).includes(id)) break;
        } else {
          await feed.arrayBuffer();
        }
        if (performance.now() - accepted > 10_000)
          throw new Error(`article ${id} not in the feed after 10 s`);
        await new Promise((r) => setTimeout(r, 10));
      }
      if (i >= 0) samples.push(performance.now() - accepted);
    }
  } finally {
    await stack.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return { p50: at(0.5), p95: at(0.95), samples };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const count = Number(process.argv[2] ?? 100);
  const { p50, p95 } = await measureFreshness(count);
  process.stdout.write(`freshness over ${count} posts: p50 ${p50.toFixed(0)} ms, p95 ${p95.toFixed(0)} ms\n`);
}
