import { Logger } from '@aws-lambda-powertools/logger';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createHandler } from '#functions/regenerate-feeds/handler.ts';
import { memoryAdapters } from '#shared/adapters/memory/index.ts';
import type { Article } from '#shared/articles/model.ts';
import { type ArticleChange, changeOf } from '#shared/feeds/changes.ts';
import type { PublishableDocument } from '#shared/feeds/ports.ts';
import { FeedRegenerator } from '#shared/feeds/regenerate.ts';
import { SETTINGS, THE_GAZE } from '../support/feed-fixtures.ts';
import { storedArticle, tagsOf } from '../support/stored-article.ts';

let day = 0;
/** An article with `tags`, each a day later than the one before unless `on` says which day. */
const article = (tags: string[], on = 1 + (day++ % 27)) => storedArticle(on, { tags: tagsOf(...tags) });

/** The regenerator over the in-memory adapters; `fail` makes the upload of matching keys throw. */
async function pipeline(size = SETTINGS.size) {
  const stores = memoryAdapters();
  await stores.registry.putSource(THE_GAZE);
  const uploads: string[] = [];
  let fail = (_key: string) => false;
  const publisher = {
    publish: async (document: PublishableDocument, stored?: string | null) => {
      if (fail(document.key)) throw new Error(`injected failure for ${document.key}`);
      uploads.push(document.key);
      return stores.publisher.publish(document, stored);
    },
  };
  const regenerator = new FeedRegenerator(stores.feeds, publisher, { ...SETTINGS, size });
  const post = async (a: Article, record = `record-${a.id}`): Promise<ArticleChange> => {
    await stores.articles.createArticle(a);
    return changeOf(record, undefined, a) as ArticleChange;
  };
  return {
    ...stores,
    regenerator,
    uploads,
    post,
    failOn: (predicate: (key: string) => boolean) => {
      fail = predicate;
    },
  };
}

describe('regenerating a batch', () => {
  it('renders each feed once however many changes touch it', async () => {
    const { regenerator, uploads, post, publisher } = await pipeline();
    const changes = [];
    for (let i = 0; i < 10; i++) changes.push(await post(article(['Harbour'])));
    const result = await regenerator.regenerate(changes);
    expect(result.failedRecordIds).toEqual([]);
    expect(uploads.filter((key) => key === 'feeds/tags/harbour/rss.xml')).toHaveLength(1);
    // everything, the source, the tag, the tag within the source; and the tag's page in both directories
    expect(result.rendered).toBe(6);
    expect(publisher.text('feeds/tags/harbour/rss.xml')?.match(/<item>/g)).toHaveLength(10);
  });

  it('reports the records of a feed that failed, and only them; the retry publishes it', async () => {
    const { regenerator, post, failOn, publisher } = await pipeline();
    const healthy = await post(article(['Healthy']));
    const doomed = await post(article(['Doomed']));
    failOn((key) => key.startsWith('feeds/tags/doomed/'));
    const result = await regenerator.regenerate([healthy, doomed]);
    expect(result.failedRecordIds).toEqual([doomed.recordId]);
    expect(publisher.text('feeds/tags/healthy/rss.xml')).toBeDefined();
    expect(publisher.text('feeds/tags/doomed/rss.xml')).toBeUndefined();
    failOn(() => false);
    expect((await regenerator.regenerate([doomed])).failedRecordIds).toEqual([]);
    expect(publisher.text('feeds/tags/doomed/rss.xml')).toContain('Story');
  });

  it('links a full feed to its archive, in which every entry that left it is found once', async () => {
    const { regenerator, post, publisher } = await pipeline(3);
    const posted: Article[] = [];
    for (let day = 1; day <= 11; day++) {
      const a = article(['Tides'], day);
      posted.push(a);
      // One batch each, as a slow newsroom posts.
      await regenerator.regenerate([await post(a)]);
    }
    const feedIds = (xml: string) =>
      [...xml.matchAll(/<entry>\s*<id>urn:uuid:([0-9a-f-]+)<\/id>/g)].map((m) => m[1]);
    const current = publisher.text('feeds/tags/tides/atom.xml') ?? '';
    const seen = feedIds(current);
    expect(seen).toHaveLength(3);
    let prev = /<link rel="prev-archive" type="[^"]+" href="https:\/\/feeds\.example\/([^"]+)"/.exec(
      current,
    )?.[1];
    let pages = 0;
    while (prev) {
      const page = publisher.text(prev) ?? '';
      expect(page, prev).toContain('<fh:archive/>');
      seen.push(...feedIds(page));
      prev = /<link rel="prev-archive" type="[^"]+" href="https:\/\/feeds\.example\/([^"]+)"/.exec(page)?.[1];
      pages++;
    }
    expect(pages).toBeGreaterThan(1);
    expect([...seen].sort()).toEqual(posted.map((a) => a.id).sort());
  });
});

describe('the regenerate function', () => {
  it("answers a stream batch with the sequence numbers of the failed records' changes", async () => {
    const { regenerator, failOn, articles } = await pipeline();
    const ok = article(['Fine']);
    const bad = article(['Broken']);
    await articles.createArticle(ok);
    await articles.createArticle(bad);
    failOn((key) => key.startsWith('feeds/tags/broken/'));
    const record = (a: Article, sequence: string): DynamoDBRecord => ({
      eventName: 'INSERT',
      dynamodb: {
        SequenceNumber: sequence,
        NewImage: marshall({ pk: `article#${a.id}`, sk: 'article', type: 'article', ...a }) as never,
      },
    });
    const handler = createHandler({ regenerator, logger: new Logger({ logLevel: 'SILENT' }) });
    const response = await handler({ Records: [record(ok, '100'), record(bad, '200')] }, {} as never);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: '200' }] });
  });
});
