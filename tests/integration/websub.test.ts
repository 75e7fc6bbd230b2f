import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSubNotifier } from '#shared/adapters/websub.ts';
import type { Article } from '#shared/articles/model.ts';
import { feedIdsOf } from '#shared/feeds/feed-ids.ts';
import { freePort } from '../../local/dynamodb-local.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

const seed = JSON.parse(readFileSync(new URL('../fixtures/seed-article.json', import.meta.url), 'utf8'));

/**
 * A WebSub hub on loopback that records every publish notification, failing the first `failures` of them; a
 * held hub answers nothing until released.
 */
class RecordingHub {
  readonly received: { mode: string | null; urls: string[]; contentType: string | undefined }[] = [];
  requests = 0;
  private server: Server | undefined;
  private held: (() => void)[] | undefined;
  constructor(
    private failures = 0,
    private readonly failWith = 503,
    hold = false,
  ) {
    if (hold) this.held = [];
  }

  /** Answers the requests it holds, and every later one at once. */
  release(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const answer of held) answer();
  }

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        this.requests++;
        if (this.held) {
          this.held.push(() => this.answer(request, response, chunks));
          return;
        }
        this.answer(request, response, chunks);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hub`;
  }

  private answer(request: IncomingMessage, response: ServerResponse, chunks: Buffer[]): void {
    if (response.destroyed) return;
    if (this.failures > 0) {
      this.failures--;
      response.writeHead(this.failWith).end();
      return;
    }
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    this.received.push({
      mode: form.get('hub.mode'),
      urls: form.getAll('hub.url'),
      contentType: request.headers['content-type'],
    });
    response.writeHead(204).end();
  }

  stop(): Promise<void> {
    this.release();
    this.server?.closeAllConnections();
    return new Promise((resolve) => this.server?.close(() => resolve()));
  }
}

describe('announcing changed feeds to WebSub hubs', () => {
  const hub = new RecordingHub(2);
  let hubUrl: string;
  let deadHub: string;
  let stack: TestStack;
  beforeAll(async () => {
    hubUrl = await hub.start();
    deadHub = `http://127.0.0.1:${await freePort()}/hub`;
    stack = await startTestStack({ websubHubs: [hubUrl, deadHub], edgeTtlSeconds: 1 });
  });
  afterAll(async () => {
    await stack?.stop();
    await hub.stop();
  });

  it('declares every hub in every feed, in all three formats', async () => {
    const article = (await stack.call('POST', '/articles', { ...seed, tags: ['Hubbed'] })).body as Article;
    await stack.settle();
    const rss = (await stack.object('feeds/tags/hubbed/rss.xml')) ?? '';
    const atom = (await stack.object('feeds/tags/hubbed/atom.xml')) ?? '';
    const json = JSON.parse((await stack.object('feeds/tags/hubbed/feed.json')) ?? '{}');
    for (const url of [hubUrl, deadHub]) {
      expect(rss).toContain(`<atom:link href="${url}" rel="hub"/>`);
      expect(atom).toContain(`<link rel="hub" href="${url}"/>`);
    }
    expect(json.hubs).toEqual([
      { type: 'WebSub', url: hubUrl },
      { type: 'WebSub', url: deadHub },
    ]);
    expect(json.items[0].id).toBe(`urn:uuid:${article.id}`);
  });

  it('sends one publish notification per batch listing every changed feed, retrying a hub that fails', async () => {
    const before = hub.received.length;
    const article = (await stack.call('POST', '/articles', { ...seed, tags: ['Pushed'] })).body as Article;
    await stack.settle();
    await stack.hubs?.idle();
    const notification = hub.received
      .slice(before)
      .find((n) => n.urls.includes(`${stack.feedsUrl}tags/pushed/rss.xml`));
    expect(notification).toBeDefined();
    expect(notification?.mode).toBe('publish');
    expect(notification?.contentType).toBe('application/x-www-form-urlencoded');
    const expected = feedIdsOf(article).flatMap((feed) =>
      ['rss.xml', 'atom.xml', 'feed.json'].map((file) => `${stack.feedsUrl}${feed}/${file}`),
    );
    expect(new Set(notification?.urls)).toEqual(new Set(expected));
    // The hub failed the first two notifications of the run; it still got every one.
    expect(hub.requests).toBe(hub.received.length + 2);
  });

  it('publishes the feeds even though a hub is down', async () => {
    const article = (await stack.call('POST', '/articles', { ...seed, tags: ['Despite Dead Hub'] }))
      .body as Article;
    await stack.settle();
    expect(await stack.object('feeds/tags/despite-dead-hub/rss.xml')).toContain(article.id);
  });
});

/** Waits until `condition` holds, polling every 20 ms, for at most 20 s. */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('hub notifications off the publish path', () => {
  const held = new RecordingHub(0, 503, true);
  const flaky = new RecordingHub(5);
  let stack: TestStack;
  beforeAll(async () => {
    // Failed notifications come back after 200 ms here (the queue's visibility timeout; minutes in AWS).
    stack = await startTestStack({
      websubHubs: [await held.start(), await flaky.start()],
      hubRetryMs: 200,
      edgeTtlSeconds: 1,
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await held.stop();
    await flaky.stop();
  });

  it('never holds up the next batch while a hub hangs, and tells the hub once it answers', async () => {
    const first = (await stack.call('POST', '/articles', { ...seed, tags: ['Held One'] })).body as Article;
    await stack.settle();
    await until(() => held.requests >= 1, 'the held hub to be asked');
    const second = (await stack.call('POST', '/articles', { ...seed, tags: ['Held Two'] })).body as Article;
    await stack.settle();
    // Both batches published while the hub has answered nothing.
    expect(held.received).toEqual([]);
    expect(await stack.object('feeds/tags/held-one/rss.xml')).toContain(first.id);
    expect(await stack.object('feeds/tags/held-two/rss.xml')).toContain(second.id);
    held.release();
    const told = (tag: string) =>
      held.received.some((n) => n.urls.includes(`${stack.feedsUrl}tags/${tag}/rss.xml`));
    await until(() => told('held-one') && told('held-two'), 'the hub to hear of both batches');
  });

  it('tells a hub that failed five requests in a row, in the end', async () => {
    // Four tries per delivery, and the queue's redelivery past them (tests/unit/hub-queue.test.ts pins that).
    await until(
      () => flaky.received.some((n) => n.urls.includes(`${stack.feedsUrl}tags/held-one/rss.xml`)),
      'the retry',
    );
    expect(flaky.requests).toBeGreaterThanOrEqual(flaky.received.length + 5);
  });
});

/** A hub that, told of a change, fetches each changed feed at once, as hubs do, and keeps what it got. */
class FetchingHub {
  readonly fetched: { url: string; body: string; at: number }[] = [];
  readonly told: number[] = [];
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', async () => {
        this.told.push(Date.now());
        response.writeHead(204).end();
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        for (const url of form.getAll('hub.url')) {
          const feed = await fetch(url);
          this.fetched.push({ url, body: await feed.text(), at: Date.now() });
        }
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hub`;
  }

  stop(): Promise<void> {
    this.server?.closeAllConnections();
    return new Promise((resolve) => this.server?.close(() => resolve()));
  }
}

describe('a hub fetching through the edge after a ping', () => {
  const hub = new FetchingHub();
  let stack: TestStack;
  // Long enough that the edge still holds the old bytes when the next article is published.
  const edgeTtlSeconds = 5;
  beforeAll(async () => {
    stack = await startTestStack({ websubHubs: [await hub.start()], edgeCache: true, edgeTtlSeconds });
  });
  afterAll(async () => {
    await stack?.stop();
    await hub.stop();
  });

  it('gets the new item: the ping waits until the edge has let the old bytes go', async () => {
    const feedUrl = `${stack.feedsUrl}tags/edge-fresh/rss.xml`;
    const first = (await stack.call('POST', '/articles', { ...seed, tags: ['Edge Fresh'] })).body as Article;
    await stack.settle();
    await stack.hubs?.idle();
    // A reader fills the edge with the feed as it is now.
    expect(await (await fetch(feedUrl)).text()).toContain(first.id);
    const second = (
      await stack.call('POST', '/articles', {
        ...seed,
        url: 'https://thegaze.example/news/edge-fresh-2',
        title: 'A second story for the edge',
        tags: ['Edge Fresh'],
      })
    ).body as Article;
    await stack.settle();
    const published = Date.now();
    // The bucket has the new item; the edge still serves what it holds, as CloudFront would for s-maxage.
    expect(await stack.object('feeds/tags/edge-fresh/rss.xml')).toContain(second.id);
    const atTheEdge = await fetch(feedUrl);
    expect(atTheEdge.headers.get('cache-control')).toBe(`public, max-age=300, s-maxage=${edgeTtlSeconds}`);
    expect(await atTheEdge.text()).not.toContain(second.id);
    // The hub is told only once that has passed, and what it fetches right away carries the new item.
    await until(
      () => hub.fetched.some((f) => f.url === feedUrl && f.at > published),
      'the hub to fetch the feed',
    );
    const told = hub.told.at(-1) ?? 0;
    expect(told - published).toBeGreaterThanOrEqual((edgeTtlSeconds - 1) * 1000);
    const latest = hub.fetched.filter((f) => f.url === feedUrl).at(-1);
    expect(latest?.body).toContain(second.id);
    expect(latest?.body).toContain(first.id);
  });
});

describe('the notifier', () => {
  it('gives up on a hub after its attempts, backing off, and does not retry a 4xx', async () => {
    const failing = new RecordingHub(100, 503);
    const rejecting = new RecordingHub(100, 400);
    const [a, b] = [await failing.start(), await rejecting.start()];
    try {
      const outcomes = await new WebSubNotifier([a, b], { attempts: 3, backoffMs: 10 }).notify([
        'https://feeds.example/feeds/all/rss.xml',
      ]);
      expect(outcomes).toEqual([
        { hub: a, delivered: false, attempts: 3, status: 503 },
        { hub: b, delivered: false, attempts: 1, status: 400 },
      ]);
      expect(failing.requests).toBe(3);
      expect(rejecting.requests).toBe(1);
    } finally {
      await failing.stop();
      await rejecting.stop();
    }
  });

  it('sends nothing when nothing changed', async () => {
    const quiet = new RecordingHub();
    const url = await quiet.start();
    try {
      expect(await new WebSubNotifier([url]).notify([])).toEqual([]);
      expect(quiet.requests).toBe(0);
    } finally {
      await quiet.stop();
    }
  });
});
