import { readFileSync } from 'node:fs';
import { Logger } from '@aws-lambda-powertools/logger';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler } from '#functions/regenerate-feeds/handler.ts';
import { createDocumentClient } from '#shared/adapters/dynamodb/client.ts';
import { DynamoDbFeedStore } from '#shared/adapters/dynamodb/feed-store.ts';
import { DynamoDbRegistryStore } from '#shared/adapters/dynamodb/registry-store.ts';
import { S3DocumentPublisher } from '#shared/adapters/s3/document-publisher.ts';
import type { Article } from '#shared/articles/model.ts';
import { type ArticleChange, changeOf } from '#shared/feeds/changes.ts';
import type { DocumentPublisher, FeedStore, PublishableDocument } from '#shared/feeds/ports.ts';
import { FeedRegenerator } from '#shared/feeds/regenerate.ts';
import { feedSettingsFromEnv } from '#shared/feeds/settings.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

const seed = JSON.parse(readFileSync(new URL('../fixtures/seed-article.json', import.meta.url), 'utf8'));

let stack: TestStack;
let store: FeedStore;
let s3Publisher: S3DocumentPublisher;
beforeAll(async () => {
  // No poller: these tests deliver the batches themselves.
  stack = await startTestStack({ streamPoller: false });
  const dynamo = createDocumentClient({ endpoint: stack.dynamodbEndpoint });
  store = new DynamoDbFeedStore(dynamo, stack.tableName, new DynamoDbRegistryStore(dynamo, stack.tableName));
  s3Publisher = new S3DocumentPublisher(stack.s3, stack.bucket);
});
afterAll(async () => {
  await stack?.stop();
});

const settings = () => feedSettingsFromEnv(stack.feedEnv);
const regenerator = (publisher: DocumentPublisher = s3Publisher, feedStore: FeedStore = store) =>
  new FeedRegenerator(feedStore, publisher, settings());
const post = async (body: unknown): Promise<Article> => {
  const response = await stack.call('POST', '/articles', body);
  expect(response.status).toBe(201);
  return response.body;
};
const urn = (article: Article) => `urn:uuid:${article.id}`;

/** A publisher that counts what it is asked to publish and can be told to fail or to wait. */
class ProbePublisher implements DocumentPublisher {
  calls: string[] = [];
  uploads: string[] = [];
  failOn: (key: string) => boolean = () => false;
  gate: Promise<void> | undefined;
  reachedGate: () => void = () => undefined;
  readonly atGate = new Promise<void>((resolve) => {
    this.reachedGate = resolve;
  });

  async publish(document: PublishableDocument): Promise<boolean> {
    this.calls.push(document.key);
    if (this.failOn(document.key)) throw new Error(`injected failure for ${document.key}`);
    if (this.gate) {
      this.reachedGate();
      await this.gate;
    }
    const uploaded = await s3Publisher.publish(document);
    if (uploaded) this.uploads.push(document.key);
    return uploaded;
  }
}

describe('the page of a feed', () => {
  it('is published with the feed from the same state, changes when the feed does, and not otherwise', async () => {
    const body = { ...seed, url: 'https://thegaze.example/pages/1', tags: ['Pages'] };
    const article = await post(body);
    const posted = changeOf('record-page', undefined, article) as ArticleChange;
    const first = new ProbePublisher();
    await regenerator(first).regenerate([posted]);
    for (const file of ['rss.xml', 'atom.xml', 'feed.json', 'index.html'])
      expect(first.uploads, file).toContain(`feeds/tags/pages/${file}`);
    // The feed holds its one entry: no archive, and no link to one.
    expect(first.uploads.filter((key) => key.startsWith('feeds/tags/pages/archive/'))).toEqual([]);
    const page = (await stack.object('feeds/tags/pages/index.html')) ?? '';
    expect(page).toContain(`<li id="item-${article.id}">`);
    expect(page).toContain(`>${seed.title}</a></h3>`);
    expect(page).not.toContain('Older articles');

    // The same state again: the same bytes, so nothing is uploaded, the page no more than the feeds.
    const again = new ProbePublisher();
    await regenerator(again).regenerate([posted]);
    expect(again.calls).toContain('feeds/tags/pages/index.html');
    expect(again.uploads).toEqual([]);

    // A correction reaches the page in the same publish as the feeds.
    const response = await stack.call(
      'PUT',
      `/articles/${article.id}`,
      { ...body, title: 'Pages: the corrected headline', publishedAt: article.publishedAt },
      { 'if-match': '"1"' },
    );
    expect(response.status).toBe(200);
    const corrected = new ProbePublisher();
    await regenerator(corrected).regenerate([
      changeOf('record-page-2', article, response.body) as ArticleChange,
    ]);
    expect(corrected.uploads).toContain('feeds/tags/pages/rss.xml');
    expect(corrected.uploads).toContain('feeds/tags/pages/index.html');
    expect(await stack.object('feeds/tags/pages/index.html')).toContain(
      '>Pages: the corrected headline</a></h3>',
    );
  });
});

describe('a feed of big articles', () => {
  it('holds its newest 50 entries of about 100 KB each, past DynamoDB’s 1 MB pages', async () => {
    const changes: ArticleChange[] = [];
    let first: Article | undefined;
    for (let i = 0; i < 50; i++) {
      const article = await post({
        ...seed,
        url: `https://thegaze.example/heavy/${i}`,
        title: `Heavy story ${i}`,
        contentHtml: `<p>Heavy story ${i}. ${'All the words of a long read. '.repeat(3_300)}</p>`,
        tags: ['Heavy'],
        publishedAt: new Date(Date.parse('2025-07-10T00:00:00Z') + i * 60_000).toISOString(),
      });
      first ??= article;
      changes.push(changeOf(`record-heavy-${i}`, undefined, article) as ArticleChange);
    }
    expect(Buffer.byteLength(first?.contentHtml ?? '')).toBeGreaterThan(95_000);
    const result = await regenerator().regenerate(changes);
    expect(result.failedRecordIds).toEqual([]);
    const rss = (await stack.object('feeds/tags/heavy/rss.xml')) ?? '';
    expect(rss.match(/<item>/g)).toHaveLength(50);
    expect((await stack.object('feeds/tags/heavy/atom.xml'))?.match(/<entry>/g)).toHaveLength(50);
    expect(JSON.parse((await stack.object('feeds/tags/heavy/feed.json')) ?? '{}').items).toHaveLength(50);
    expect((await stack.object('feeds/tags/heavy/index.html'))?.match(/<li id="item-/g)).toHaveLength(50);
    // Newest first, down to the oldest.
    expect(rss.indexOf('Heavy story 49<')).toBeLessThan(rss.indexOf('Heavy story 0<'));
  });
});

describe('a batch of stream records', () => {
  it('renders a feed once however many records of the batch touch it', async () => {
    const changes: ArticleChange[] = [];
    for (let i = 0; i < 100; i++) {
      const article = await post({ ...seed, url: `https://thegaze.example/burst/${i}`, tags: ['Burst'] });
      const change = changeOf(`record-${i}`, undefined, article);
      if (change) changes.push(change);
    }
    const probe = new ProbePublisher();
    const result = await regenerator(probe).regenerate(changes);
    // everything, the source, one tag, the tag within the source: 4 feeds, and the page of the tag in each tag
    // directory (the source's and the one across sources)
    expect(result.rendered).toBe(6);
    // and at least the open archive page of each of the 4 feeds, which 100 entries overflow
    expect(result.archived).toBeGreaterThanOrEqual(4);
    for (const feed of ['tags/burst', 'sources/the-gaze/tags/burst'])
      expect(probe.uploads).toContain(`feeds/${feed}/archive/1/atom.xml`);
    expect(probe.calls.filter((key) => key === 'feeds/tags/burst/rss.xml')).toHaveLength(1);
    expect(result.failedRecordIds).toEqual([]);
    const rss = (await stack.object('feeds/tags/burst/rss.xml')) ?? '';
    expect(rss.match(/<item>/g)).toHaveLength(50);
  });

  it('reports only the records of a feed that failed to publish, and a retry puts it right', async () => {
    const plain = await post({ ...seed, tags: ['Healthy'] });
    const doomed = await post({ ...seed, tags: ['Doomed'] });
    const changes = [
      changeOf('record-plain', undefined, plain),
      changeOf('record-doomed', undefined, doomed),
    ].filter((c): c is ArticleChange => c !== undefined);
    const probe = new ProbePublisher();
    probe.failOn = (key) => key.startsWith('feeds/tags/doomed/');
    const result = await regenerator(probe).regenerate(changes);
    expect(result.failedRecordIds).toEqual(['record-doomed']);
    expect(await stack.object('feeds/tags/healthy/rss.xml')).toContain(urn(plain));
    expect(await stack.object('feeds/tags/doomed/rss.xml')).toBeUndefined();

    const retry = await regenerator().regenerate(changes.filter((c) => c.recordId === 'record-doomed'));
    expect(retry.failedRecordIds).toEqual([]);
    expect(await stack.object('feeds/tags/doomed/rss.xml')).toContain(urn(doomed));
  });

  it('answers a Lambda stream event with the sequence numbers of the failed records', async () => {
    const ok = await post({ ...seed, tags: ['Event Ok'] });
    const bad = await post({ ...seed, tags: ['Event Bad'] });
    const record = (sequence: string, article: Article, old?: Article) => ({
      eventID: sequence,
      eventName: (old ? 'MODIFY' : 'INSERT') as 'MODIFY' | 'INSERT',
      eventSource: 'aws:dynamodb',
      dynamodb: {
        SequenceNumber: sequence,
        NewImage: marshall({ type: 'article', ...article }, { removeUndefinedValues: true }) as Record<
          string,
          AttributeValue
        >,
        ...(old
          ? {
              OldImage: marshall({ type: 'article', ...old }, { removeUndefinedValues: true }) as Record<
                string,
                AttributeValue
              >,
            }
          : {}),
        StreamViewType: 'NEW_AND_OLD_IMAGES' as const,
      },
    });
    const membership = {
      eventID: '300',
      eventName: 'INSERT' as const,
      dynamodb: {
        SequenceNumber: '300',
        NewImage: marshall({ type: 'entry', pk: 'feed#all' }) as Record<string, AttributeValue>,
      },
    };
    const event: DynamoDBStreamEvent = { Records: [record('100', ok), membership, record('200', bad)] };
    const probe = new ProbePublisher();
    probe.failOn = (key) => key.includes('/event-bad/');
    const handler = createHandler({
      regenerator: regenerator(probe),
      logger: new Logger({ logLevel: 'SILENT' }),
    });
    const response = await handler(event, {} as never);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: '200' }] });
    expect(await stack.object('feeds/tags/event-ok/feed.json')).toContain(urn(ok));
  });
});

describe('a batch that brings many new tags', () => {
  it('reserves their places in one counter update per directory and records their listings together', async () => {
    const changes: ArticleChange[] = [];
    for (let i = 0; i < 12; i++) {
      const tags = [`Many ${i} A`, `Many ${i} B`];
      const article = await post({ ...seed, url: `https://thegaze.example/many/${i}`, tags });
      changes.push(changeOf(`record-many-${i}`, undefined, article) as ArticleChange);
    }
    // A listing recorded by a later revision of one tag's feed (another regeneration got there first): it stands.
    const directory = 'sources/the-gaze/tags';
    await store.putListings([
      { directory, listing: { slug: 'many-0-a', label: 'Later', place: 1, count: 7 }, revision: 99 },
    ]);
    const taken: { directory: string; count: number }[] = [];
    const listed: number[] = [];
    const counting = new Proxy(store, {
      get(target, name, receiver) {
        if (name === 'takePlaces')
          return (dir: string, count: number) => {
            taken.push({ directory: dir, count });
            return target.takePlaces(dir, count);
          };
        if (name === 'putListings')
          return (writes: Parameters<FeedStore['putListings']>[0]) => {
            listed.push(writes.length);
            return target.putListings(writes);
          };
        const value = Reflect.get(target, name, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const result = await regenerator(s3Publisher, counting).regenerate(changes);
    expect(result.failedRecordIds).toEqual([]);
    expect(taken.sort((a, b) => a.directory.localeCompare(b.directory))).toEqual([
      { directory, count: 24 },
      { directory: 'tags', count: 24 },
    ]);
    // 24 tags in two directories: more than a few, so one call, in transactions.
    expect(listed).toEqual([48]);
    const listings = await store.readListings(directory, 1);
    const ours = listings.filter((listing) => listing.slug.startsWith('many-'));
    expect(ours).toHaveLength(24);
    expect(new Set(ours.map((listing) => listing.place)).size).toBe(24);
    expect(ours.find((listing) => listing.slug === 'many-0-a')).toMatchObject({ label: 'Later', count: 7 });
    expect(ours.find((listing) => listing.slug === 'many-0-b')).toMatchObject({
      label: 'Many 0 B',
      count: 1,
    });
    const index = JSON.parse((await stack.object('feeds/sources/the-gaze/tags.json')) ?? '{}');
    expect(JSON.stringify(index)).toContain('Many 11 B');
    const across = (await stack.object('feeds/tags/opml.xml')) ?? '';
    for (let i = 0; i < 12; i++) expect(across).toContain(`Many ${i} A`);
  });
});

describe('two regenerations of one feed at once', () => {
  it('keeps the newer state published when the one that read older state writes last', async () => {
    const first = await post({ ...seed, tags: ['Race'] });
    const slow = new ProbePublisher();
    let release: () => void = () => undefined;
    slow.gate = new Promise((resolve) => {
      release = resolve;
    });
    // The slow regeneration reads the feed with only the first article, then stalls before uploading.
    const slowRun = regenerator(slow).publishFeed('tags/race', first.updatedAt);
    await slow.atGate;
    // Meanwhile a second article lands and a fast regeneration publishes the newer state.
    const second = await post({ ...seed, tags: ['Race'] });
    await regenerator().publishFeed('tags/race', second.updatedAt);
    expect(await stack.object('feeds/tags/race/rss.xml')).toContain(urn(second));
    // Now the slow one writes its stale bytes, finds it lost the race, and publishes again from fresh state.
    slow.gate = undefined;
    release();
    await slowRun;
    for (const file of ['rss.xml', 'atom.xml', 'feed.json']) {
      const text = (await stack.object(`feeds/tags/race/${file}`)) ?? '';
      expect(text).toContain(urn(first));
      expect(text).toContain(urn(second));
    }
    expect(slow.uploads.filter((key) => key === 'feeds/tags/race/rss.xml').length).toBe(2);
  });

  it('keeps the newer state published when the stale one commits first and the newer one uploads before it', async () => {
    const first = await post({ ...seed, tags: ['Race Two'] });
    const feed = 'tags/race-two';
    // The stale regeneration reads old state; the fresh one reads after the second article.
    const staleStore = new GatedStore(store);
    const stale = regenerator(s3Publisher, staleStore).publishFeed(feed, first.updatedAt);
    await staleStore.readDone;
    const second = await post({ ...seed, tags: ['Race Two'] });
    const freshPublisher = new ProbePublisher();
    let releaseFresh: () => void = () => undefined;
    freshPublisher.gate = new Promise((resolve) => {
      releaseFresh = resolve;
    });
    const fresh = regenerator(freshPublisher).publishFeed(feed, second.updatedAt);
    await freshPublisher.atGate;
    // Stale uploads and commits first ...
    staleStore.release();
    await stale;
    expect(await stack.object(`feeds/${feed}/rss.xml`)).not.toContain(urn(second));
    // ... then the fresh one uploads; its commit fails against the stale commit, so it goes round once more.
    freshPublisher.gate = undefined;
    releaseFresh();
    await fresh;
    const text = (await stack.object(`feeds/${feed}/rss.xml`)) ?? '';
    expect(text).toContain(urn(second));
    expect(text).toContain(urn(first));
  });
});

/** A feed store whose first read of entries is followed by a pause until released. */
class GatedStore implements FeedStore {
  private releaseGate: () => void = () => undefined;
  private readonly gate = new Promise<void>((resolve) => {
    this.releaseGate = resolve;
  });
  private signalRead: () => void = () => undefined;
  readonly readDone = new Promise<void>((resolve) => {
    this.signalRead = resolve;
  });
  private gated = true;

  constructor(private readonly inner: FeedStore) {}
  release(): void {
    this.releaseGate();
  }
  listSources() {
    return this.inner.listSources();
  }
  async readEntries(feed: string, limit: number) {
    const entries = await this.inner.readEntries(feed, limit);
    if (this.gated) {
      this.gated = false;
      this.signalRead();
      await this.gate;
    }
    return entries;
  }
  readState(document: string) {
    return this.inner.readState(document);
  }
  readSpan(...args: Parameters<FeedStore['readSpan']>) {
    return this.inner.readSpan(...args);
  }
  closedArchivePages(feed: string) {
    return this.inner.closedArchivePages(feed);
  }
  findArchivePage(feed: string, key: string) {
    return this.inner.findArchivePage(feed, key);
  }
  commitState(...args: Parameters<FeedStore['commitState']>) {
    return this.inner.commitState(...args);
  }
  readTagSlugs(source: string) {
    return this.inner.readTagSlugs(source);
  }
  getSources(slugs: readonly string[]) {
    return this.inner.getSources(slugs);
  }
  tagCount(source: string, tag: string) {
    return this.inner.tagCount(source, tag);
  }
  takePlaces(directory: string, count: number) {
    return this.inner.takePlaces(directory, count);
  }
  placesTaken(directory: string) {
    return this.inner.placesTaken(directory);
  }
  readStates(documents: readonly string[]) {
    return this.inner.readStates(documents);
  }
  putListings(...args: Parameters<FeedStore['putListings']>) {
    return this.inner.putListings(...args);
  }
  readListings(directory: string, page: number) {
    return this.inner.readListings(directory, page);
  }
  putSitemapEntries(...args: Parameters<FeedStore['putSitemapEntries']>) {
    return this.inner.putSitemapEntries(...args);
  }
  deleteSitemapEntries(...args: Parameters<FeedStore['deleteSitemapEntries']>) {
    return this.inner.deleteSitemapEntries(...args);
  }
  readSitemapEntries(...args: Parameters<FeedStore['readSitemapEntries']>) {
    return this.inner.readSitemapEntries(...args);
  }
}

describe('a source renamed while another warm instance has it cached', () => {
  it("shows the new name on the source's tag directory page that instance renders next", async () => {
    const registry = new DynamoDbRegistryStore(
      createDocumentClient({ endpoint: stack.dynamodbEndpoint }),
      stack.tableName,
    );
    const warm = regenerator();
    const first = await post({ ...seed, url: 'https://thegaze.example/renamed/1', tags: ['Renamed'] });
    await warm.regenerate([changeOf('renamed-1', undefined, first) as ArticleChange]);
    const gaze = (await registry.getSource('the-gaze')) as NonNullable<
      Awaited<ReturnType<typeof registry.getSource>>
    >;
    try {
      await registry.putSource({ ...gaze, name: 'The Gaze Weekly' });
      // The warm instance never sees the source record (another instance handles it) and keeps its cache.
      const second = await post({ ...seed, url: 'https://thegaze.example/renamed/2', tags: ['Renamed'] });
      await warm.regenerate([changeOf('renamed-2', undefined, second) as ArticleChange]);
      const page = (await stack.object('feeds/sources/the-gaze/tags/index.html')) ?? '';
      expect(page).toContain('<title>Tags of The Gaze Weekly</title>');
      expect(JSON.parse((await stack.object('feeds/sources/the-gaze/tags.json')) ?? '{}').source.name).toBe(
        'The Gaze Weekly',
      );
    } finally {
      await registry.putSource(gaze);
    }
  });
});
