import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Article, Source } from '../../articles/model.ts';
import { type ArchiveSpan, type EntryKey, entryKey } from '../../feeds/archives.ts';
import { type DirectoryId, type Listing, pageOf } from '../../feeds/directory.ts';
import type { FeedId } from '../../feeds/feed-ids.ts';
import type { FeedEntry } from '../../feeds/model.ts';
import type {
  DocumentState,
  FeedStore,
  ListingWrite,
  SitemapEntry,
  SitemapEntryRemoval,
} from '../../feeds/ports.ts';
import { batchGetItems, keyString } from './batch-get.ts';
import {
  archivePagePartition,
  directoryKey,
  ENTRY_FIELDS,
  feedPartition,
  feedStateKey,
  listingPartition,
  sourceKey,
  tagCountKey,
  tagCountPartition,
  withoutKeys,
} from './layout.ts';
import { CONTENT_POINTER } from './memberships.ts';
import { queryPartition } from './query.ts';
import type { DynamoDbRegistryStore } from './registry-store.ts';
import { deleteSitemapEntries, putSitemapEntries, readSitemapEntries } from './sitemap-entries.ts';
import { VersionReader } from './version-reader.ts';

/** What the regenerator reads and records in the table. */
export class DynamoDbFeedStore implements FeedStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly registry: Pick<DynamoDbRegistryStore, 'listSources'>,
  ) {
    this.versions = new VersionReader(client, tableName);
  }

  /** The content of thin entries, and what was read of it, kept across batches (version-reader.ts). */
  private readonly versions: VersionReader;

  listSources(): Promise<Source[]> {
    return this.registry.listSources();
  }

  /** The registered sources among `slugs`. */
  async getSources(slugs: readonly string[]): Promise<Source[]> {
    const items = await this.batchGet(slugs.map(sourceKey));
    return items.map((item) => withoutKeys(item) as unknown as Source);
  }

  private batchGet(keys: readonly { pk: string; sk: string }[]): Promise<Record<string, unknown>[]> {
    return batchGetItems(this.client, this.tableName, keys);
  }

  /** Keeps the content of each article's version, as the version item holds it (memberships.ts). */
  rememberVersions(articles: readonly Article[]): void {
    this.versions.remember(articles);
  }

  /** The newest `limit` entries of a feed. */
  readEntries(feed: FeedId, limit: number): Promise<FeedEntry[]> {
    return this.queryEntries('pk = :pk', { ':pk': feedPartition(feed) }, limit);
  }

  async readSpan(
    feed: FeedId,
    span: { after: EntryKey; before: EntryKey; throughBefore?: boolean },
    limit = Number.POSITIVE_INFINITY,
  ): Promise<FeedEntry[]> {
    // BETWEEN is inclusive at both ends, and `after` (and `before`, unless wanted) is an entry's own key: read two
    // more and drop them. Keys begin with a year, so '0' is before every one.
    const entries = await this.queryEntries(
      'pk = :pk AND sk BETWEEN :after AND :before',
      { ':pk': feedPartition(feed), ':after': span.after || '0', ':before': span.before },
      limit + 2,
      true,
    );
    return entries
      .filter((entry) => {
        const key = entryKey(entry);
        return key !== span.after && (span.throughBefore || key !== span.before);
      })
      .slice(0, limit);
  }

  async closedArchivePages(feed: FeedId): Promise<ArchiveSpan[]> {
    return (await queryPartition(this.client, this.tableName, archivePagePartition(feed))).map(archiveSpanOf);
  }

  async findArchivePage(feed: FeedId, key: EntryKey): Promise<ArchiveSpan | undefined> {
    // Closed pages are keyed by their last entry's key: the first one at or after `key` is the page that spans it.
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk >= :key',
        ExpressionAttributeValues: { ':pk': archivePagePartition(feed), ':key': key },
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const item = Items[0];
    if (!item || key <= String(item.after)) return undefined;
    return archiveSpanOf(item);
  }

  /**
   * Entries of a feed partition, newest first (or oldest first, `forward`). A Query returns at most 1 MB a page, so
   * this reads on from `LastEvaluatedKey` until it has `limit` entries or the range ends: nothing is dropped
   * whatever the entries weigh. Entries of a usual size (a few KB) fit one page, and each further page reads only
   * what is missing.
   */
  private async queryEntries(
    keyCondition: string,
    values: Record<string, string>,
    limit = Number.POSITIVE_INFINITY,
    forward = false,
  ): Promise<FeedEntry[]> {
    const names = Object.fromEntries([...ENTRY_FIELDS, CONTENT_POINTER].map((field) => [`#${field}`, field]));
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: keyCondition,
          ExpressionAttributeValues: values,
          ExpressionAttributeNames: names,
          ProjectionExpression: Object.keys(names).join(', '),
          ScanIndexForward: forward,
          ...(Number.isFinite(limit) ? { Limit: limit - items.length } : {}),
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start && items.length < limit);
    return (await this.versions.withContents(items)).map(
      (item) => ({ citations: [], tags: [], ...item }) as unknown as FeedEntry,
    );
  }

  async readState(document: string): Promise<DocumentState> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: feedStateKey(document), ConsistentRead: true }),
    );
    return Item ? (withoutKeys(Item) as unknown as DocumentState) : { revision: 0 };
  }

  /** BatchGetItem, 100 keys a request, strongly consistent. */
  async readStates(documents: readonly string[]): Promise<Map<string, DocumentState>> {
    const byKey = new Map(documents.map((document) => [keyString(feedStateKey(document)), document]));
    const states = new Map<string, DocumentState>(documents.map((document) => [document, { revision: 0 }]));
    for (const item of await this.batchGet(documents.map(feedStateKey))) {
      const document = byKey.get(keyString(item as { pk: string; sk: string }));
      if (document !== undefined) states.set(document, withoutKeys(item) as unknown as DocumentState);
    }
    return states;
  }

  /**
   * Replaces the recorded state: fields of `next` are set and every other optional field is removed, so the state
   * is exactly what was published (a feed that emptied has no newest entry, one whose tombstones aged out has none).
   */
  async commitState(
    document: string,
    expectedRevision: number,
    next: Omit<DocumentState, 'revision'>,
    closedPages?: { feed: FeedId; spans: readonly ArchiveSpan[] },
  ): Promise<boolean> {
    const values: Record<string, unknown> = { ':expected': expectedRevision, ':next': expectedRevision + 1 };
    const names: Record<string, string> = { '#type': 'type' };
    const sets = ['revision = :next', '#type = :type'];
    const removes: string[] = [];
    values[':type'] = 'feedstate';
    for (const name of STATE_FIELDS) {
      names[`#${name}`] = name;
      const value = next[name];
      if (value === undefined) removes.push(`#${name}`);
      else {
        sets.push(`#${name} = :${name}`);
        values[`:${name}`] = value;
      }
    }
    const update = {
      TableName: this.tableName,
      Key: feedStateKey(document),
      UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
      ConditionExpression: expectedRevision === 0 ? 'attribute_not_exists(revision)' : 'revision = :expected',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: expectedRevision === 0 ? withoutExpected(values) : values,
    };
    try {
      if (!closedPages?.spans.length) {
        await this.client.send(new UpdateCommand(update));
        return true;
      }
      // The state and the index of the pages it closed, together or not at all: a page is never closed without
      // being findable.
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            { Update: update },
            ...closedPages.spans.map((span) => ({
              Put: {
                TableName: this.tableName,
                Item: {
                  pk: archivePagePartition(closedPages.feed),
                  sk: span.through,
                  type: 'archivepage',
                  page: span.page,
                  after: span.after,
                  ...(span.renderer === undefined ? {} : { renderer: span.renderer }),
                },
              },
            })),
          ],
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      if (
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed'
      )
        return false;
      throw error;
    }
  }

  async readTagSlugs(source: string): Promise<string[]> {
    const counts = await queryPartition(this.client, this.tableName, tagCountPartition(source));
    return counts.filter((item) => Number(item.articles) > 0).map((item) => String(item.sk));
  }

  async tagCount(source: string, tag: string): Promise<number> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: tagCountKey(source, tag),
        ProjectionExpression: 'articles',
        ConsistentRead: true,
      }),
    );
    return Number(Item?.articles ?? 0);
  }

  async takePlaces(directory: DirectoryId, count: number): Promise<number> {
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: directoryKey(directory),
        UpdateExpression: 'SET #type = :type ADD places :count',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: { ':type': 'directory', ':count': count },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(Attributes?.places);
  }

  async placesTaken(directory: DirectoryId): Promise<number> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: directoryKey(directory), ConsistentRead: true }),
    );
    return Number(Item?.places ?? 0);
  }

  /**
   * A few listings (one post's tags) are put one by one, each with its condition. More (a burst of new tags) go in
   * transactions of up to 100 puts: one request instead of a hundred, at twice the write units each, which a batch
   * that large pays for in time it would otherwise spend waiting on requests. A put whose condition failed (a later
   * revision's listing stands) is dropped from the transaction and the rest is written again.
   */
  async putListings(listings: readonly ListingWrite[]): Promise<void> {
    if (listings.length <= LISTINGS_ONE_BY_ONE) {
      await Promise.all(listings.map((write) => this.putListing(write)));
      return;
    }
    for (let i = 0; i < listings.length; i += 100) await this.putListingsTogether(listings.slice(i, i + 100));
  }

  private listingPut(write: ListingWrite) {
    const { directory, listing, revision } = write;
    return {
      TableName: this.tableName,
      Item: {
        pk: listingPartition(directory, pageOf(listing.place)),
        sk: listing.slug,
        type: 'listing',
        ...listing,
        revision,
      },
      ConditionExpression: 'attribute_not_exists(pk) OR revision <= :revision',
      ExpressionAttributeValues: { ':revision': revision },
    };
  }

  private async putListing(write: ListingWrite): Promise<void> {
    try {
      await this.client.send(new PutCommand(this.listingPut(write)));
    } catch (error) {
      // A publish of a later revision of the tag's feed recorded its listing first: it stands.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  private async putListingsTogether(writes: readonly ListingWrite[]): Promise<void> {
    let pending = [...writes];
    for (let attempt = 1; pending.length; attempt++) {
      try {
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: pending.map((write) => ({ Put: this.listingPut(write) })),
          }),
        );
        return;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException) || attempt >= LISTING_ATTEMPTS) throw error;
        const reasons = error.CancellationReasons ?? [];
        // Conflicts with another writer and throttling are tried again after a pause; a failed condition is not.
        pending = pending.filter((_write, i) => reasons[i]?.Code !== 'ConditionalCheckFailed');
        await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** attempt)));
      }
    }
  }

  async readListings(directory: DirectoryId, page: number): Promise<Listing[]> {
    const items = await queryPartition(this.client, this.tableName, listingPartition(directory, page));
    return items.map((item) => {
      const { revision: _revision, ...listing } = withoutKeys(item);
      return listing as unknown as Listing;
    });
  }

  putSitemapEntries(entries: readonly SitemapEntry[]): Promise<void> {
    return putSitemapEntries(this.client, this.tableName, entries);
  }

  deleteSitemapEntries(removals: readonly SitemapEntryRemoval[]): Promise<void> {
    return deleteSitemapEntries(this.client, this.tableName, removals);
  }

  readSitemapEntries(source: string, since: string, limit: number): Promise<SitemapEntry[]> {
    return readSitemapEntries(this.client, this.tableName, source, since, limit);
  }
}

/** Listings a batch puts one by one; past this many, in transactions (see putListings). */
const LISTINGS_ONE_BY_ONE = 16;
/** Tries of one transaction of listings before the batch's records are reported failed. */
const LISTING_ATTEMPTS = 4;

/** A closed archive page from its index item. */
function archiveSpanOf(item: Record<string, unknown>): ArchiveSpan {
  return {
    page: Number(item.page),
    after: String(item.after),
    through: String(item.sk),
    closed: true,
    ...(item.renderer === undefined ? {} : { renderer: Number(item.renderer) }),
  };
}

/** Every field of a document's state but its revision: what a commit sets or removes. */
const STATE_FIELDS = [
  'changedAt',
  'archivePages',
  'archiveAfter',
  'archiveBefore',
  'label',
  'newestPublishedAt',
  'tombstones',
  'place',
  'count',
  'sitemap',
  'digests',
  'digestsRevision',
  'renderer',
  'rendererRevision',
] as const satisfies readonly Exclude<keyof DocumentState, 'revision'>[];

function withoutExpected(values: Record<string, unknown>): Record<string, unknown> {
  const { ':expected': _unused, ...rest } = values;
  return rest;
}
