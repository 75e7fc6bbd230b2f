import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack } from '../local/stack.ts';
import { burstSubmissions, post } from './amplification.ts';
import { type LoadFigures, load } from './http-load.ts';
import { quietFunctions } from './quiet.ts';

export interface ServingResult {
  /** Bytes of feeds/all/rss.xml, and of its brotli body. */
  feedBytes: number;
  brotliBytes: number;
  notModified: LoadFigures;
  brotli: LoadFigures;
}

/**
 * Serving: the local feed server's throughput for feeds/all/rss.xml holding 50 realistic entries, answered 304
 * (If-None-Match with its ETag) and 200 with brotli (compressed once per ETag, then served from memory), each
 * for 10 s with autocannon. Every request still asks the local S3 server for the object's metadata, as
 * CloudFront's origin requests would.
 */
export async function measureServing(
  options: { connections?: number; seconds?: number } = {},
): Promise<ServingResult> {
  const connections = options.connections ?? 16;
  const seconds = options.seconds ?? 10;
  const stateDir = await mkdtemp(join(tmpdir(), 'feed-pipeline-bench-serving-'));
  const stack = await startStack({ port: 0, stateDir, inMemory: true });
  try {
    for (const body of burstSubmissions(50, 9)) await post(stack, body);
    await stack.poller.drained(60_000);
    const url = `${stack.feedsUrl}all/rss.xml`;
    const plain = await fetch(url, { headers: { 'accept-encoding': 'identity' } });
    const feedBytes = (await plain.arrayBuffer()).byteLength;
    const etag = plain.headers.get('etag');
    if (!etag) throw new Error('the feed has no ETag');
    const compressed = await fetch(url, { headers: { 'accept-encoding': 'br' } });
    const brotliBytes = Number(compressed.headers.get('content-length'));
    await compressed.arrayBuffer();
    const conditional = { url, connections, headers: { 'if-none-match': etag } };
    const br = { url, connections, headers: { 'accept-encoding': 'br' } };
    await load({ ...conditional, duration: 2 });
    await load({ ...br, duration: 2 });
    const notModified = await load({ ...conditional, duration: seconds });
    const brotli = await load({ ...br, duration: seconds });
    if (notModified.requests && notModified.non2xx !== notModified.requests)
      throw new Error('the conditional requests were not all answered 304');
    return { feedBytes, brotliBytes, notModified, brotli };
  } finally {
    await stack.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  quietFunctions();
  process.stdout.write(`${JSON.stringify(await measureServing(), null, 2)}\n`);
}
