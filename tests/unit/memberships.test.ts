/**
 * Fat and thin memberships (shared/adapters/dynamodb/memberships.ts): what each article writes into the feeds' hot
 * partitions, computed with the very functions the adapters write with, and the proof that the form a membership
 * was stored in never shows in a feed.
 */
import { BatchGetCommand, type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { itemBytes, writeUnits } from '#shared/adapters/dynamodb/capacity.ts';
import { DynamoDbFeedStore } from '#shared/adapters/dynamodb/feed-store.ts';
import { ENTRY_FIELDS, tagCountKey } from '#shared/adapters/dynamodb/layout.ts';
import {
  CONTENT_FIELDS,
  CONTENT_POINTER,
  EARLIER_FAT_MEMBERSHIP_MAX_BYTES,
  membershipItems,
} from '#shared/adapters/dynamodb/memberships.ts';
import {
  MemoryArticleStore,
  MemoryDocumentPublisher,
  MemoryFeedStore,
  MemoryRegistryStore,
  MemoryTable,
} from '#shared/adapters/memory/index.ts';
import type { Article } from '#shared/articles/model.ts';
import { parseSubmission } from '#shared/articles/submission.ts';
import { type ArticleChange, changeOf } from '#shared/feeds/changes.ts';
import { FeedRegenerator } from '#shared/feeds/regenerate.ts';
import { toSlug } from '#shared/slug.ts';
import { SETTINGS, THE_GAZE } from '../support/feed-fixtures.ts';
import { storedArticle } from '../support/stored-article.ts';

/** What one partition takes: about 1,000 write units a second. */
const PARTITION_WRITE_UNITS = 1_000;
/** A wire service backfilling: 50 articles a second. */
const RATE = 50;

/** HTML of exactly `bytes` bytes (at least 7). */
const html = (bytes: number) =>
  `<p>${'All the words of a wire story. '.repeat(Math.ceil(bytes / 31)).slice(0, Math.max(0, bytes - 7))}</p>`;

/** A wire story: a headline, a 280-character summary, a byline, a photo, two outlets cited, `tags` tags. */
function wireStory(contentBytes: number, tags = 5): Article {
  return storedArticle(1, {
    source: 'wire-service',
    title: 'Markets rally as central banks signal a pause in rate rises across Europe and Asia',
    url: 'https://wire.example/business/2026/07/01/markets-rally-as-central-banks-signal-a-pause',
    contentHtml: html(contentBytes),
    summary: 'x'.repeat(280),
    author: { name: 'Wire Service business desk', url: 'https://wire.example/desks/business' },
    image: { url: 'https://wire.example/photos/2026/07/01/trading-floor.jpg', alt: 'Traders on the floor' },
    citations: [
      { name: 'Reuters', url: 'https://www.reuters.com/' },
      { name: 'Associated Press', url: 'https://apnews.com/' },
    ],
    tags: ['Markets', 'Economy', 'Europe', 'Asia', 'Central banks', 'Interest rates', 'Bonds', 'Stocks']
      .concat(['Currencies', 'Commodities'])
      .slice(0, tags)
      .map((label) => ({ label, slug: toSlug(label) })),
  });
}

/** Write units the article's transaction spends in `feed`'s partition. */
function unitsInto(feed: string, article: Article, fatMaxBytes = 0): number {
  const item = membershipItems(article, fatMaxBytes).find((membership) => membership.feed === feed);
  if (!item) throw new Error(`${feed} is not one of the article's feeds`);
  return writeUnits(itemBytes(item), true);
}

describe('what an article writes into the feeds’ partitions', () => {
  it('keeps a wire service’s backfill, 50 articles a second of 100 KB, near 100 units a second in every feed', () => {
    const story = wireStory(100 * 1024);
    expect(Buffer.byteLength(story.contentHtml)).toBeGreaterThanOrEqual(100 * 1024);
    for (const item of membershipItems(story)) {
      expect(item).toHaveProperty(CONTENT_POINTER);
      expect(item).not.toHaveProperty('contentHtml');
      expect(itemBytes(item)).toBeLessThan(1024);
      // feed#all, the source's feed, each tag's and each tag-within-source feed: 2 units, 100 a second.
      expect(writeUnits(itemBytes(item), true), String(item.feed)).toBe(2);
    }
    expect(RATE * unitsInto('all', story)).toBe(100);
    // Fat, as every membership was before: over 200 units each, over 10,000 a second, ten times what `feed#all`
    // takes; it would top out at 4 such articles a second.
    const fat = unitsInto('all', story, Number.POSITIVE_INFINITY);
    expect(fat).toBeGreaterThan(200);
    expect(RATE * fat).toBeGreaterThan(10 * PARTITION_WRITE_UNITS);
    expect(Math.floor(PARTITION_WRITE_UNITS / fat)).toBe(4);
  });

  it('writes an article of 5 KB with 5 tags thin: 24 units into its 12 feeds, where fat memberships cost 168', () => {
    const story = wireStory(5 * 1024);
    const items = membershipItems(story);
    expect(items).toHaveLength(12);
    for (const item of items) {
      expect(item).not.toHaveProperty('contentHtml');
      expect(item.title).toBe(story.title);
      expect(item.summary).toBe(story.summary);
      expect(item[CONTENT_POINTER]).toBe('version#000001');
    }
    const units = (fatMaxBytes: number) =>
      membershipItems(story, fatMaxBytes).reduce((sum, item) => sum + writeUnits(itemBytes(item), true), 0);
    expect(units(0)).toBe(24);
    // As releases before this one wrote it: every membership fat, about 6.3 KB, 14 units each.
    expect(units(EARLIER_FAT_MEMBERSHIP_MAX_BYTES)).toBe(168);
    expect(unitsInto('all', story, EARLIER_FAT_MEMBERSHIP_MAX_BYTES)).toBe(14);
  });

  it('writes every membership of a wire story in at most 4 units, whatever its content: 200 a second at 50 a second', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 * 1024 }), fc.integer({ min: 1, max: 10 }), (bytes, tags) => {
        const story = wireStory(bytes, tags);
        for (const item of membershipItems(story)) {
          expect(itemBytes(item)).toBeLessThan(tags <= 5 ? 1024 : 2048);
          expect(RATE * writeUnits(itemBytes(item), true)).toBeLessThanOrEqual(200);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('bounds a thin membership by the submission’s limits: about 14.5 KB with every field at its limit', () => {
    // A 300-character headline and a 1,000-character summary in 4-byte characters, a 2 KB URL, ten tags of 100
    // characters with the longest slugs: what the list endpoint shows stays in a thin membership.
    const submission = parseSubmission(
      {
        source: 'the-gaze',
        title: '😀'.repeat(300),
        url: `https://thegaze.example/${'a'.repeat(2000)}`,
        contentHtml: html(100 * 1024),
        summary: '😀'.repeat(1000),
        // Each label 100 characters whose slug is the longest a tag may have: 80 characters, 79 of them 4-byte.
        tags: Array.from(
          { length: 10 },
          (_, i) => `${String.fromCharCode(97 + i)}${'\u{20000}'.repeat(79)}${'!'.repeat(20)}`,
        ),
      },
      Date.parse('2026-07-01T00:00:00Z'),
    );
    const { publishedAt: _publishedAt, correction: _correction, ...content } = submission;
    const worst = storedArticle(1, content);
    const largest = Math.max(...membershipItems(worst).map(itemBytes));
    expect(largest).toBeGreaterThan(EARLIER_FAT_MEMBERSHIP_MAX_BYTES);
    expect(largest).toBeLessThan(15 * 1024);
    // 30 units: 33 such articles a second fill feed#all's 1,000 (a made-up worst case: no wire story looks like it).
    expect(writeUnits(largest, true)).toBe(30);
  });

  it('moves a source’s tag counts by 2 units a tag: 50 articles a second stay under 1,000 with up to 9 tags', () => {
    const count = {
      ...tagCountKey('wire-service', 'central-banks'),
      type: 'tagcount',
      label: 'Central banks',
    };
    const units = writeUnits(itemBytes({ ...count, articles: 123_456 }), true);
    expect(units).toBe(2);
    expect(RATE * 5 * units).toBe(500);
    expect(Math.floor((PARTITION_WRITE_UNITS - 1) / (RATE * units))).toBe(9);
  });
});

describe('a feed of fat and thin entries', () => {
  /** Every document the regenerator publishes for `articles` (posted, corrected, retracted) stored with `fatMaxBytes`. */
  async function publish(
    steps: readonly { posted: Article; after: Article }[],
    fatMaxBytes: number,
  ): Promise<Record<string, string>> {
    const table = new MemoryTable();
    await new MemoryRegistryStore(table).putSource(THE_GAZE);
    const articles = new MemoryArticleStore(table, Date.now, fatMaxBytes);
    const publisher = new MemoryDocumentPublisher();
    const changes: ArticleChange[] = [];
    for (const [i, { posted, after }] of steps.entries()) {
      await articles.createArticle(posted);
      if (after !== posted) await articles.replaceArticle(posted, after);
      const change = changeOf(`record-${i}`, posted, after);
      if (change) changes.push(change);
    }
    const result = await new FeedRegenerator(new MemoryFeedStore(table), publisher, SETTINGS).regenerate(
      changes,
    );
    expect(result.failedRecordIds).toEqual([]);
    return Object.fromEntries(
      [...publisher.objects].map(([key, object]) => [key, object.body.toString('utf8')]),
    );
  }

  it('renders every document byte for byte the same whether its entries were stored fat, thin or both', async () => {
    const step = fc.record({
      kilobytes: fc.integer({ min: 0, max: 24 }),
      tags: fc.subarray(['Harbour', 'Tides', 'Wire'], { minLength: 1 }),
      day: fc.integer({ min: 1, max: 28 }),
      fate: fc.constantFrom('posted', 'posted', 'corrected', 'retracted'),
      correctedKilobytes: fc.integer({ min: 0, max: 24 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 60 }), async (specs) => {
        const steps = specs.map((spec) => {
          const posted = storedArticle(spec.day, {
            contentHtml: html(spec.kilobytes * 1024),
            tags: spec.tags.map((label) => ({ label, slug: toSlug(label) })),
            author: { name: 'Desk' },
            citations: [{ name: 'Wire', url: 'https://wire.example/' }],
          });
          const after: Article =
            spec.fate === 'posted'
              ? posted
              : spec.fate === 'corrected'
                ? {
                    ...posted,
                    version: 2,
                    title: `${posted.title}, corrected`,
                    contentHtml: html(spec.correctedKilobytes * 1024),
                    updatedAt: posted.publishedAt.replace('T08', 'T09'),
                    corrections: [
                      { version: 2, at: posted.publishedAt.replace('T08', 'T09'), note: 'Fixed.' },
                    ],
                  }
                : { ...posted, version: 2, status: 'retracted', retractedAt: posted.publishedAt };
          return { posted, after };
        });
        const fat = await publish(steps, Number.POSITIVE_INFINITY);
        expect(Object.keys(fat).length).toBeGreaterThan(0);
        expect(await publish(steps, 0)).toEqual(fat);
        expect(await publish(steps, EARLIER_FAT_MEMBERSHIP_MAX_BYTES)).toEqual(fat);
      }),
      { numRuns: 12 },
    );
  });
});

describe('reading thin entries from DynamoDB', () => {
  it('reads version items eventually consistent, again strongly consistent those not found yet, and on past unprocessed keys', async () => {
    const stories = Array.from({ length: 3 }, (_, i) =>
      storedArticle(1 + i, { contentHtml: html(20 * 1024) }),
    );
    const fields = (item: Record<string, unknown>, names: readonly string[]) =>
      Object.fromEntries(names.filter((name) => item[name] !== undefined).map((name) => [name, item[name]]));
    const memberships = stories.map((story) =>
      fields(membershipItems(story).find((item) => item.feed === 'all') ?? {}, [
        ...ENTRY_FIELDS,
        CONTENT_POINTER,
      ]),
    );
    const versions = new Map(stories.map((story) => [`article#${story.id}`, { ...story }]));
    // The two newest were written within the last second: an eventually consistent read does not find them yet.
    const recent = new Set(stories.slice(1).map((story) => `article#${story.id}`));
    const requests: { consistent: boolean; keys: number }[] = [];
    const client = {
      send: async (command: unknown) => {
        if (command instanceof QueryCommand) return { Items: [...memberships].reverse() };
        if (!(command instanceof BatchGetCommand)) throw new Error('unexpected request');
        const {
          Keys = [],
          ConsistentRead = false,
          ProjectionExpression,
        } = Object.values(command.input.RequestItems ?? {})[0] ?? {};
        requests.push({ consistent: ConsistentRead, keys: Keys.length });
        // Projected: the table's keys and the fields a thin membership leaves out, nothing else.
        expect(ProjectionExpression?.split(', ').sort()).toEqual(
          ['pk', 'sk', ...CONTENT_FIELDS].map((name) => `#${name}`).sort(),
        );
        const found = Keys.filter((key) => ConsistentRead || !recent.has(String(key.pk)));
        // Strongly consistent, one item a response (as past 16 MB): the rest comes back unprocessed.
        const served = ConsistentRead ? found.slice(0, 1) : found;
        const unprocessed = ConsistentRead ? found.slice(1) : [];
        const project = (key: Record<string, unknown>) => ({
          ...fields(versions.get(String(key.pk)) ?? {}, CONTENT_FIELDS),
          pk: key.pk,
          sk: key.sk,
        });
        return {
          Responses: { table: served.map(project) },
          UnprocessedKeys: unprocessed.length ? { table: { Keys: unprocessed } } : {},
        };
      },
    } as unknown as DynamoDBDocumentClient;
    const store = new DynamoDbFeedStore(client, 'table', { listSources: async () => [] });
    expect(await store.readEntries('all', 10)).toEqual(
      [...stories].reverse().map((story) => fields({ ...story }, ENTRY_FIELDS)),
    );
    expect(requests).toEqual([
      { consistent: false, keys: 3 },
      { consistent: true, keys: 2 },
      { consistent: true, keys: 1 },
    ]);
  });
});
