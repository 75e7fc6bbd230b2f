/**
 * The load generator behind `npm run soak` and the load test (local/load.ts) behaves as the API asks an editor's
 * client to: a 503 is sent again after its Retry-After, a POST with the same Idempotency-Key.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoad } from '../../local/load.ts';

const seen: { method: string; key: string | undefined }[] = [];
let answered503 = new Set<string>();
let always503 = false;
const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    const key = request.headers['idempotency-key'] as string | undefined;
    seen.push({ method: request.method ?? '', key });
    if (always503 || !answered503.has(key ?? '')) {
      answered503.add(key ?? '');
      response.writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': '0' });
      response.end(JSON.stringify({ status: 503, title: 'Service unavailable' }));
      return;
    }
    response.writeHead(201, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ id: `article-${key}`, version: 1 }));
  });
});
let apiUrl = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const options = { editorKey: 'key', posts: 3, clients: 1, sources: ['the-gaze'], tags: 2, seed: 3 };

describe('the load generator', () => {
  it('sends a 503 again after its Retry-After, a POST with the same Idempotency-Key, and counts it apart', async () => {
    seen.length = 0;
    answered503 = new Set();
    const report = await runLoad({ apiUrl, ...options });
    expect(report.posts).toBe(3);
    expect(report.retried).toBe(3);
    expect(report.serverErrors).toBe(0);
    expect(report.statuses).toEqual({ 201: 3, 503: 3 });
    // Each post twice, with one key, and the three posts with three keys.
    const keys = seen.map((request) => request.key);
    expect(keys.every((key) => typeof key === 'string' && key.length > 0)).toBe(true);
    expect(keys[0]).toBe(keys[1]);
    expect(keys[2]).toBe(keys[3]);
    expect(new Set(keys).size).toBe(3);
  });

  it('reports a 503 that outlasts its retries as a server error, with what it said', async () => {
    always503 = true;
    const report = await runLoad({ apiUrl, ...options, posts: 1 });
    always503 = false;
    expect(report.posts).toBe(0);
    expect(report.serverErrors).toBe(1);
    expect(report.retried).toBe(4);
    expect(report.serverErrorSamples[0]).toMatch(/^POST \/articles 503 /);
  });
});
