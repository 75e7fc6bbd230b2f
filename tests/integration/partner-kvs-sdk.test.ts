import { Agent, createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyValueStoreTokenWriter } from '#shared/adapters/cloudfront/partner-kvs.ts';

/**
 * The operator command's writer of the edge's key value store, with the real SDK client and SigV4a signer, against
 * a loopback server that answers as the store's data-plane API does (REST JSON, an ETag per version). It shows the
 * packages load, requests are signed with SigV4a (the store refuses anything else) and writes name the ETag.
 */

const ARN = 'arn:aws:cloudfront::123456789012:key-value-store/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server;
let endpoint: string;
const seen: Seen[] = [];
const keys = new Map<string, string>();
let version = 1;

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      const path = decodeURIComponent((request.url ?? '').split('?')[0] ?? '');
      seen.push({ method: request.method ?? '', path, headers: request.headers, body });
      const reply = (status: number, payload: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json', etag: `v${version}` });
        response.end(JSON.stringify(payload));
      };
      const key = path.split('/keys/')[1];
      if (request.method === 'GET' && path === `/key-value-stores/${ARN}`)
        return reply(200, { KvsARN: ARN, ItemCount: keys.size, TotalSizeInBytes: 0, Created: 0 });
      if (request.headers['if-match'] !== `v${version}`) return reply(409, { Message: 'stale ETag' });
      if (request.method === 'PUT' && key) {
        keys.set(key, JSON.parse(body).Value);
        version++;
        return reply(200, { ItemCount: keys.size, TotalSizeInBytes: 0 });
      }
      if (request.method === 'DELETE' && key) {
        keys.delete(key);
        version++;
        return reply(200, { ItemCount: keys.size, TotalSizeInBytes: 0 });
      }
      reply(400, { Message: `unexpected ${request.method} ${path}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://localhost:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('the key value store writer with the real SDK', () => {
  it('signs with SigV4a, names the current ETag, and puts and deletes a token hash', async () => {
    const { writer, close } = await keyValueStoreTokenWriter(ARN, {
      endpoint,
      // The client puts the account id before the endpoint's host name (`123456789012.localhost`): every name
      // resolves to the loopback server.
      requestHandler: {
        httpAgent: new Agent({
          lookup: (_host, _options, callback) => callback(null, [{ address: '127.0.0.1', family: 4 }]),
        }),
      },
      credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' },
    });
    try {
      const hash = 'a'.repeat(64);
      await writer.put(hash, 'the-gaze|msn');
      expect(keys.get(hash)).toBe('the-gaze|msn');
      await writer.delete(hash);
      expect(keys.has(hash)).toBe(false);
    } finally {
      close();
    }
    const writes = seen.filter((request) => request.method !== 'GET');
    expect(writes.map((request) => request.method)).toEqual(['PUT', 'DELETE']);
    for (const request of seen) {
      expect(request.headers.authorization).toMatch(/^AWS4-ECDSA-P256-SHA256 Credential=AKIDLOCALTEST\//);
      expect(request.headers['x-amz-region-set']).toBeDefined();
    }
    // Each write named the version the describe before it read.
    expect(writes.map((request) => request.headers['if-match'])).toEqual(['v1', 'v2']);
  });
});
