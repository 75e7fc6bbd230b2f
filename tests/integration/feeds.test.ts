import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { depsFromEnv } from '#functions/regenerate-feeds/handler.ts';
import type { Article } from '#shared/articles/model.ts';
import { changeOf } from '#shared/feeds/changes.ts';
import { feedIdsOf } from '#shared/feeds/feed-ids.ts';
import { LocalFeedServer } from '../../local/feed-server.ts';
import { type ParsedFeed, parseAllFormats } from '../support/feed-validation.ts';
import { rawGet as raw } from '../support/http.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

const seed = JSON.parse(readFileSync(new URL('../fixtures/seed-article.json', import.meta.url), 'utf8'));

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

async function readFeed(feed: string): Promise<{ rss: ParsedFeed; atom: ParsedFeed; json: ParsedFeed }> {
  const [rss, atom, json] = await Promise.all(
    ['rss.xml', 'atom.xml', 'feed.json'].map(async (file) => {
      const text = await stack.object(`feeds/${feed}/${file}`);
      if (text === undefined) throw new Error(`feeds/${feed}/${file} is not published`);
      return text;
    }),
  );
  return parseAllFormats({ rss: rss as string, atom: atom as string, json: json as string });
}

const urn = (article: Article) => `urn:uuid:${article.id}`;
const itemOf = (feed: ParsedFeed, article: Article) => feed.items.find((item) => item.id === urn(article));

async function tagIndex(source: string) {
  return JSON.parse((await stack.object(`feeds/sources/${source}/tags.json`)) ?? 'null');
}

describe('publishing an article', () => {
  let article: Article;
  beforeAll(async () => {
    const response = await stack.call('POST', '/articles', seed);
    expect(response.status).toBe(201);
    article = response.body;
    await stack.settle();
  });

  it('puts it in everything, its source, each tag and each tag within the source, in all three formats', async () => {
    const feeds = feedIdsOf(article);
    expect(feeds).toHaveLength(12);
    for (const feed of feeds) {
      const parsed = await readFeed(feed);
      for (const format of [parsed.rss, parsed.atom, parsed.json]) {
        const item = itemOf(format, article);
        expect(item, `${feed} ${format.format}`).toBeDefined();
        expect(item?.title).toBe(seed.title);
        expect(item?.link).toBe(seed.url);
        expect(item?.published).toBe('2025-07-16T09:30:00.000Z');
        expect(item?.updated).toBe(article.updatedAt);
        expect(item?.tags).toEqual(['Ukraine', 'Russia', 'Donald Trump', 'Volodymyr Zelenskyy', 'NATO']);
      }
    }
  });

  it('describes each feed from its source and tag', async () => {
    expect((await readFeed('sources/the-gaze')).rss.title).toBe('The Gaze');
    expect((await readFeed('sources/the-gaze/tags/donald-trump')).atom.title).toBe('The Gaze: Donald Trump');
    expect((await readFeed('tags/nato')).json.title).toContain('NATO');
    const self = (await readFeed('tags/nato')).rss.selfUrl;
    expect(self).toBe(`${stack.feedsUrl}tags/nato/rss.xml`);
  });

  it('stores every document under a type the edge compresses, its own type beside it, with a Cache-Control', async () => {
    const types: Record<string, [stored: string, servedAs?: string]> = {
      'rss.xml': ['application/rss+xml; charset=utf-8'],
      'atom.xml': ['application/xml; charset=utf-8', 'application/atom+xml; charset=utf-8'],
      'feed.json': ['application/json; charset=utf-8', 'application/feed+json; charset=utf-8'],
    };
    for (const [file, [stored, servedAs]] of Object.entries(types)) {
      const head = await stack.s3.send(
        new HeadObjectCommand({ Bucket: stack.bucket, Key: `feeds/all/${file}` }),
      );
      expect(head.ContentType, file).toBe(stored);
      expect(head.Metadata?.['served-as'], file).toBe(servedAs);
      // Readers keep it for the feed TTL; the edge for its own, shorter one.
      expect(head.CacheControl).toMatch(/^public, max-age=300, s-maxage=2$/);
    }
  });

  it('lists the source tags in tags.json with counts, newest publication and feed URLs', async () => {
    const index = await tagIndex('the-gaze');
    expect(index.source).toMatchObject({ slug: 'the-gaze', name: 'The Gaze' });
    expect(index.tags.map((tag: { slug: string }) => tag.slug)).toEqual([
      'donald-trump',
      'nato',
      'russia',
      'ukraine',
      'volodymyr-zelenskyy',
    ]);
    expect(index.tags[0]).toEqual({
      label: 'Donald Trump',
      slug: 'donald-trump',
      count: 1,
      newest_published_at: '2025-07-16T09:30:00.000Z',
      feeds: {
        rss: `${stack.feedsUrl}sources/the-gaze/tags/donald-trump/rss.xml`,
        atom: `${stack.feedsUrl}sources/the-gaze/tags/donald-trump/atom.xml`,
        json: `${stack.feedsUrl}sources/the-gaze/tags/donald-trump/feed.json`,
      },
    });
  });
});

describe('corrections and retractions', () => {
  it('moves updated but never the id or the publication date on a correction', async () => {
    const created = (await stack.call('POST', '/articles', { ...seed, tags: ['Corrections'] }))
      .body as Article;
    await stack.settle();
    const before = await readFeed('tags/corrections');
    const corrected = (
      await stack.call(
        'PUT',
        `/articles/${created.id}`,
        { ...seed, title: 'Corrected headline', tags: ['Corrections'] },
        { 'if-match': '"1"' },
      )
    ).body as Article;
    await stack.settle();
    const after = await readFeed('tags/corrections');
    for (const format of ['rss', 'atom', 'json'] as const) {
      const item = itemOf(after[format], created);
      expect(item?.title).toBe('Corrected headline');
      expect(item?.published).toBe(itemOf(before[format], created)?.published);
      expect(item?.updated).toBe(corrected.updatedAt);
      expect(item?.updated).not.toBe(itemOf(before[format], created)?.updated);
    }
    expect(after.rss.updated >= corrected.updatedAt.slice(0, 19)).toBe(true);
    expect(after.atom.updated).toBe(corrected.updatedAt);
  });

  it('shows a correction note under the article in every format', async () => {
    const created = (await stack.call('POST', '/articles', { ...seed, tags: ['Noted'] })).body as Article;
    const note = 'An earlier version said the call took place on July 5 & 6.';
    const corrected = await stack.call(
      'PUT',
      `/articles/${created.id}`,
      { ...seed, tags: ['Noted'], correction: note },
      { 'if-match': '"1"' },
    );
    expect(corrected.status).toBe(200);
    await stack.settle();
    const parsed = await readFeed('tags/noted');
    for (const format of [parsed.rss, parsed.atom, parsed.json]) {
      const content = itemOf(format, created)?.contentHtml ?? '';
      expect(content.startsWith(created.contentHtml)).toBe(true);
      expect(content).toContain('Correction (');
      expect(content).toContain('July 5 &amp; 6.');
    }
  });

  it('removes a dropped tag from that tag feeds and from tags.json, and dates the change', async () => {
    const created = (await stack.call('POST', '/articles', { ...seed, tags: ['Keep Me', 'Drop Me'] }))
      .body as Article;
    await stack.settle();
    expect(itemOf((await readFeed('sources/the-gaze/tags/drop-me')).json, created)).toBeDefined();
    const corrected = (
      await stack.call(
        'PUT',
        `/articles/${created.id}`,
        { ...seed, tags: ['Keep Me'] },
        { 'if-match': '"1"' },
      )
    ).body as Article;
    await stack.settle();
    for (const feed of ['tags/drop-me', 'sources/the-gaze/tags/drop-me']) {
      const parsed = await readFeed(feed);
      expect(itemOf(parsed.rss, created)).toBeUndefined();
      expect(itemOf(parsed.json, created)).toBeUndefined();
      expect(parsed.atom.updated).toBe(corrected.updatedAt);
    }
    expect(itemOf((await readFeed('tags/keep-me')).atom, created)).toBeDefined();
    const slugs = (await tagIndex('the-gaze')).tags.map((tag: { slug: string }) => tag.slug);
    expect(slugs).toContain('keep-me');
    expect(slugs).not.toContain('drop-me');
  });

  it('removes a retracted article from every feed and moves their updated time to the retraction', async () => {
    const created = (await stack.call('POST', '/articles', { ...seed, tags: ['Retracted Story'] }))
      .body as Article;
    await stack.settle();
    expect((await stack.call('DELETE', `/articles/${created.id}`)).status).toBe(204);
    const retracted = (await stack.call('GET', `/articles/${created.id}`)).body as Article;
    await stack.settle();
    for (const feed of feedIdsOf(created)) {
      const parsed = await readFeed(feed);
      for (const format of [parsed.rss, parsed.atom, parsed.json])
        expect(itemOf(format, created)).toBeUndefined();
    }
    const tagFeed = await readFeed('tags/retracted-story');
    expect(tagFeed.atom.items).toEqual([]);
    expect(tagFeed.atom.updated).toBe(retracted.retractedAt);
    // Atom readers are told the entry is gone (RFC 6721), in every feed it was in.
    for (const feed of feedIdsOf(created)) {
      const atom = (await stack.object(`feeds/${feed}/atom.xml`)) ?? '';
      expect(atom).toContain('xmlns:at="http://purl.org/atompub/tombstones/1.0"');
      expect(atom).toContain(
        `<at:deleted-entry ref="urn:uuid:${created.id}" when="${retracted.retractedAt}"/>`,
      );
    }
  });
});

describe('publishing only what changed', () => {
  it('renders identical bytes from identical state and uploads nothing when a batch is delivered again', async () => {
    const created = (await stack.call('POST', '/articles', { ...seed, tags: ['Idempotent'] }))
      .body as Article;
    await stack.settle();
    const keys = feedIdsOf(created).flatMap((feed) =>
      ['rss.xml', 'atom.xml', 'feed.json'].map((f) => `feeds/${feed}/${f}`),
    );
    keys.push('feeds/sources/the-gaze/tags.json');
    const before = await Promise.all(
      keys.map(async (key) => [await stack.head(key), await stack.object(key)]),
    );
    const { regenerator } = depsFromEnv({
      TABLE_NAME: stack.tableName,
      DYNAMODB_ENDPOINT: stack.dynamodbEndpoint,
      S3_ENDPOINT: stack.s3Endpoint,
      BUCKET_NAME: stack.bucket,
      ...stack.feedEnv,
    });
    const change = changeOf('redelivered', undefined, created);
    const result = await regenerator.regenerate(change ? [change] : []);
    expect(result.errors).toEqual([]);
    expect(result).toMatchObject({
      rendered: feedIdsOf(created).length + 2,
      uploaded: 0,
      failedRecordIds: [],
    });
    const after = await Promise.all(
      keys.map(async (key) => [await stack.head(key), await stack.object(key)]),
    );
    expect(after).toEqual(before);
  });
});

describe('the local feed server', () => {
  const url = () => `${stack.feedsUrl}all/rss.xml`;

  it('serves a feed with its type, caching headers and validators', async () => {
    const response = await raw(url(), {});
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/rss+xml; charset=utf-8');
    expect(response.headers['cache-control']).toMatch(/max-age=\d+/);
    expect(response.headers.etag).toMatch(/^"[^"]+"$/);
    expect(Date.parse(String(response.headers['last-modified']))).not.toBeNaN();
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    // A feed URL may serve the feed's page to a browser: it carries the pages' policy (inline CSS, nothing else).
    expect(response.headers['content-security-policy']).toBe(
      "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    );
    expect(response.headers['access-control-allow-origin']).toBe('*');
    expect(response.body.toString('utf8')).toBe(await stack.object('feeds/all/rss.xml'));
  });

  it('answers 304 to a matching If-None-Match or a recent If-Modified-Since, 200 otherwise', async () => {
    const first = await raw(url(), {});
    const etag = String(first.headers.etag);
    const modified = String(first.headers['last-modified']);
    expect((await raw(url(), { 'if-none-match': etag })).status).toBe(304);
    // A compressed variant's weak ETag validates the same representation.
    const compressed = await raw(url(), { 'accept-encoding': 'br' });
    expect(compressed.headers.etag).toBe(`W/${etag}`);
    expect((await raw(url(), { 'if-none-match': `W/${etag}`, 'accept-encoding': 'br' })).status).toBe(304);
    expect((await raw(url(), { 'if-modified-since': modified })).status).toBe(304);
    const notModified = await raw(url(), { 'if-none-match': etag });
    expect(notModified.body.length).toBe(0);
    expect(notModified.headers.etag).toBe(etag);
    expect((await raw(url(), { 'if-none-match': '"something-else"' })).status).toBe(200);
    expect((await raw(url(), { 'if-modified-since': 'Mon, 01 Jan 2001 00:00:00 GMT' })).status).toBe(200);
  });

  it('compresses with brotli or gzip as the reader asks', async () => {
    const plain = (await stack.object('feeds/all/rss.xml')) ?? '';
    for (const [encoding, decode] of [
      ['br', brotliDecompressSync],
      ['gzip', gunzipSync],
    ] as const) {
      const response = await raw(url(), { 'accept-encoding': encoding });
      expect(response.headers['content-encoding']).toBe(encoding);
      expect(response.headers.vary).toBe('Accept-Encoding, Accept, Sec-Fetch-Dest');
      expect(decode(response.body).toString('utf8')).toBe(plain);
      expect(response.body.length).toBeLessThan(Buffer.byteLength(plain));
    }
    const identity = await raw(url(), { 'accept-encoding': 'identity' });
    expect(identity.headers['content-encoding']).toBeUndefined();
  });

  it('compresses every kind of document it publishes, each served with its own media type', async () => {
    const documents: Record<string, string> = {
      'all/rss.xml': 'application/rss+xml; charset=utf-8',
      'all/atom.xml': 'application/atom+xml; charset=utf-8',
      'all/feed.json': 'application/feed+json; charset=utf-8',
      'all/index.html': 'text/html; charset=utf-8',
      'index.html': 'text/html; charset=utf-8',
      'opml.xml': 'text/x-opml; charset=utf-8',
      'sources/the-gaze/tags.json': 'application/json; charset=utf-8',
    };
    for (const [path, type] of Object.entries(documents)) {
      const plain = (await stack.object(`feeds/${path}`)) ?? '';
      expect(Buffer.byteLength(plain), path).toBeGreaterThan(1_000);
      const response = await raw(`${stack.feedsUrl}${path}`, { 'accept-encoding': 'br, gzip' });
      expect(response.status, path).toBe(200);
      expect(response.headers['content-type'], path).toBe(type);
      expect(response.headers['content-encoding'], path).toBe('br');
      expect(brotliDecompressSync(response.body).toString('utf8'), path).toBe(plain);
      // Storage details stay at the origin.
      expect(
        Object.keys(response.headers).filter((name) => name.startsWith('x-amz-meta-')),
        path,
      ).toEqual([]);
    }
  });

  it('leaves a document stored under a type CloudFront does not compress uncompressed, as CloudFront would', async () => {
    // How Atom was stored before: the edge sent it as it was, whatever the reader accepted.
    const body = (await stack.object('feeds/all/atom.xml')) ?? '';
    await stack.s3.send(
      new PutObjectCommand({
        Bucket: stack.bucket,
        Key: 'feeds/tags/stored-as-atom/atom.xml',
        Body: body,
        ContentType: 'application/atom+xml; charset=utf-8',
        CacheControl: 'public, max-age=300',
      }),
    );
    const response = await raw(`${stack.feedsUrl}tags/stored-as-atom/atom.xml`, {
      'accept-encoding': 'br, gzip',
    });
    expect(response.status).toBe(200);
    expect(response.headers['content-encoding']).toBeUndefined();
    expect(response.body.toString('utf8')).toBe(body);
  });

  it('answers a preflight itself, so a page on another origin may send conditional requests', async () => {
    const response = await fetch(url(), {
      method: 'OPTIONS',
      headers: {
        origin: 'https://reader.example',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'if-none-match',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('if-none-match');
    expect(response.headers.get('access-control-allow-methods')).toBe('GET, HEAD, OPTIONS');
    const feed = await fetch(url());
    expect(feed.headers.get('access-control-expose-headers')).toBe('ETag, Last-Modified');
  });

  it('answers 404 for a missing feed or a path that tries to leave feeds/, and 405 for writes', async () => {
    expect((await fetch(`${stack.feedsUrl}tags/never-used/rss.xml`)).status).toBe(404);
    expect((await raw(`${stack.apiUrl}/feeds/%2e%2e/stack.json`, {})).status).toBe(404);
    expect((await fetch(url(), { method: 'PUT', body: 'x' })).status).toBe(405);
  });
});

describe('the local feed server under rewrites', () => {
  /**
   * The stack's S3 client, except that the first `torn` GETs return the object cut short, as a GET of an object
   * s3rver is rewriting in place can: a fault the server gives only by chance, injected here on purpose.
   */
  function tearing(torn: number) {
    const sent: string[] = [];
    const client = {
      send: async (command: { constructor: { name: string } }) => {
        sent.push(command.constructor.name);
        const output = await stack.s3.send(command as GetObjectCommand);
        if (command instanceof GetObjectCommand && torn-- > 0) {
          const bytes = (await output.Body?.transformToByteArray()) ?? new Uint8Array();
          return { ...output, Body: { transformToByteArray: async () => bytes.slice(0, bytes.length >> 1) } };
        }
        return output;
      },
    } as unknown as S3Client;
    return { client, sent };
  }

  async function serve(client: S3Client) {
    const feeds = new LocalFeedServer(client, stack.bucket);
    const server = createServer((request, response) => {
      feeds.handle(request, response).catch(() => response.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { server, base: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
  }

  it('reads headers and body from one GET, and reads a torn body again: a reader gets a whole version', async () => {
    const whole = (await stack.object('feeds/all/rss.xml')) ?? '';
    const { client, sent } = tearing(2);
    const { server, base } = await serve(client);
    try {
      const response = await raw(`${base}/feeds/all/rss.xml`, {});
      expect(response.status).toBe(200);
      expect(response.body.toString('utf8')).toBe(whole);
      expect(response.headers.etag).toBe((await stack.head('feeds/all/rss.xml'))?.etag);
      expect(sent).toEqual(['GetObjectCommand', 'GetObjectCommand', 'GetObjectCommand']);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('reads again a body that stops short and never ends, without waiting for the server to let go of it', async () => {
    const whole = (await stack.object('feeds/all/rss.xml')) ?? '';
    const sent: string[] = [];
    let destroyed = 0;
    let stalls = 1;
    // s3rver announces the old length, then the file it streams is cut short by a rewrite: the body never ends.
    const client = {
      send: async (command: GetObjectCommand) => {
        sent.push(command.constructor.name);
        const output = await stack.s3.send(command);
        if (stalls-- <= 0) return output;
        await output.Body?.transformToByteArray();
        return {
          ...output,
          Body: {
            transformToByteArray: () => new Promise<Uint8Array>(() => undefined),
            destroy: () => {
              destroyed++;
            },
          },
        };
      },
    } as unknown as S3Client;
    const { server, base } = await serve(client);
    try {
      const response = await raw(`${base}/feeds/all/rss.xml`, {});
      expect(response.status).toBe(200);
      expect(response.body.toString('utf8')).toBe(whole);
      expect(sent).toEqual(['GetObjectCommand', 'GetObjectCommand']);
      expect(destroyed).toBe(1);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('answers 503 with Retry-After, never a partial document, when every read is torn', async () => {
    const { client } = tearing(Number.POSITIVE_INFINITY);
    const { server, base } = await serve(client);
    try {
      const response = await raw(`${base}/feeds/all/rss.xml`, {});
      expect(response.status).toBe(503);
      expect(response.headers['retry-after']).toBe('1');
      expect(response.body.toString('utf8')).not.toContain('<rss');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
