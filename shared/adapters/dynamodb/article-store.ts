import { createHash } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { Article } from '../../articles/model.ts';
import {
  type ArticlePage,
  type ArticleStore,
  type ArticleSummary,
  type IdempotencyClaim,
  type IdempotencyRecord,
  WriteConflictError,
} from '../../articles/ports.ts';
import { ExternalIdTakenError, StoreUnavailableError } from '../../domain/errors.ts';
import { type FeedId, feedIdsOf } from '../../feeds/feed-ids.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { type DueEntryOf, dueEntryChanges, scheduledSummaries } from '../due-entries.ts';
import { tagCountChanges } from '../tag-counts.ts';
import { guard, RETRY_AFTER_SECONDS } from './errors.ts';
import {
  articleKey,
  dueKey,
  externalIdKey,
  feedPartition,
  idempotencyKey,
  membershipKey,
  SUMMARY_FIELDS,
  TTL_ATTRIBUTE,
  tagCountKey,
  versionKey,
  withoutKeys,
} from './layout.ts';
import { membershipItems } from './memberships.ts';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export class DynamoDbArticleStore implements ArticleStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** Memberships are thin (memberships.ts); a test may write them fat up to this size, as earlier releases did. */
    private readonly fatMembershipMaxBytes = 0,
  ) {}

  async getArticle(id: string): Promise<Article | undefined> {
    const { Item } = await guard(() =>
      this.client.send(
        new GetCommand({ TableName: this.tableName, Key: articleKey(id), ConsistentRead: true }),
      ),
    );
    return Item ? (withoutKeys(Item) as unknown as Article) : undefined;
  }

  async getIdempotency(scope: string, key: string): Promise<IdempotencyRecord | undefined> {
    const { Item } = await guard(() =>
      this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: idempotencyKey(scope, hashKey(key)),
          ConsistentRead: true,
        }),
      ),
    );
    if (!Item) return undefined;
    return {
      requestHash: Item.requestHash as string,
      article: Item.article as Article,
      expiresAt: (Item[TTL_ATTRIBUTE] as number) * 1000,
    };
  }

  async createArticle(article: Article, claim?: IdempotencyClaim): Promise<void> {
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.tableName,
          Item: { ...articleKey(article.id), type: 'article', ...article },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      this.versionPut(article),
      ...(article.status === 'published' ? this.membershipPuts(article) : []),
      ...this.tagCountUpdates(undefined, article),
      ...this.dueUpdates(undefined, article),
    ];
    if (claim) {
      items.push({
        Put: {
          TableName: this.tableName,
          Item: {
            ...idempotencyKey(claim.scope, hashKey(claim.key)),
            type: 'idempotency',
            requestHash: claim.requestHash,
            article: claim.article,
            [TTL_ATTRIBUTE]: Math.ceil(claim.expiresAt / 1000),
          },
          // An expired record may still be there: DynamoDB's TTL deletes lazily.
          // Same granularity as the service's check: expired once its second has started.
          ConditionExpression: 'attribute_not_exists(pk) OR #expires <= :now',
          ExpressionAttributeNames: { '#expires': TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ':now': Math.floor(Date.now() / 1000) },
        },
      });
    }
    // The external id's claim goes last, where transact() looks for its reason.
    const claimed = this.externalIdPut(article);
    if (claimed) items.push(claimed);
    await this.transact(items, claimed && article);
  }

  async replaceArticle(previous: Article, next: Article): Promise<void> {
    const keep = new Set(
      next.status === 'published'
        ? feedIdsOf(next).map((feed) => membershipKey(feed, next).pk + membershipKey(feed, next).sk)
        : [],
    );
    const deletes: TransactItem[] = feedIdsOf(previous)
      .map((feed) => membershipKey(feed, previous))
      .filter((key) => !keep.has(key.pk + key.sk))
      .map((Key) => ({ Delete: { TableName: this.tableName, Key } }));
    // The external id's item changes only with its key: claimed when the article gains an id, moved (claimed in the
    // new source, deleted in the old) when the article moves to another source; never deleted otherwise.
    const before = externalIdKeyOf(previous);
    const claimed = before?.pk === externalIdKeyOf(next)?.pk ? undefined : this.externalIdPut(next);
    await this.transact(
      [
        {
          Put: {
            TableName: this.tableName,
            Item: { ...articleKey(next.id), type: 'article', ...next },
            ConditionExpression: 'version = :previous',
            ExpressionAttributeValues: { ':previous': previous.version },
          },
        },
        this.versionPut(next),
        ...deletes,
        ...(next.status === 'published' ? this.membershipPuts(next) : []),
        ...this.tagCountUpdates(previous, next),
        ...this.dueUpdates(previous, next),
        ...(before && claimed ? [{ Delete: { TableName: this.tableName, Key: before } }] : []),
        ...(claimed ? [claimed] : []),
      ],
      claimed && next,
    );
  }

  async findExternalId(source: string, externalId: string): Promise<string | undefined> {
    const { Item } = await guard(() =>
      this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: externalIdKey(source, externalId),
          ConsistentRead: true,
        }),
      ),
    );
    return Item?.articleId as string | undefined;
  }

  async listScheduled(limit: number, cursor?: string, source?: string): Promise<ArticlePage> {
    const start = cursor === undefined ? undefined : { pk: 'schedule', sk: decodeCursor(cursor) };
    const { Items = [], LastEvaluatedKey } = await guard(() =>
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ...(source === undefined
            ? { ExpressionAttributeValues: { ':pk': 'schedule' } }
            : {
                FilterExpression: '#source = :source',
                ExpressionAttributeNames: { '#source': 'source' },
                ExpressionAttributeValues: { ':pk': 'schedule', ':source': source },
              }),
          Limit: limit,
          ExclusiveStartKey: start,
        }),
      ),
    );
    const articles = await Promise.all(Items.map((item) => this.getArticle(item.id as string)));
    const page: ArticlePage = { items: scheduledSummaries(articles) };
    if (LastEvaluatedKey) page.cursor = encodeCursor(LastEvaluatedKey.sk as string);
    return page;
  }

  async listFeed(feed: FeedId, limit: number, cursor?: string): Promise<ArticlePage> {
    const partition = feedPartition(feed);
    const start = cursor === undefined ? undefined : { pk: partition, sk: decodeCursor(cursor) };
    const names = Object.fromEntries(SUMMARY_FIELDS.map((field) => [`#${field}`, field]));
    const { Items = [], LastEvaluatedKey } = await guard(() =>
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': partition },
          ExpressionAttributeNames: names,
          ProjectionExpression: Object.keys(names).join(', '),
          ScanIndexForward: false,
          Limit: limit,
          ExclusiveStartKey: start,
        }),
      ),
    );
    const page: ArticlePage = { items: Items as ArticleSummary[] };
    if (LastEvaluatedKey) page.cursor = encodeCursor(LastEvaluatedKey.sk as string);
    return page;
  }

  async listVersions(id: string): Promise<Article[]> {
    const { pk } = articleKey(id);
    const items: Article[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await guard(() =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :versions)',
            ExpressionAttributeValues: { ':pk': pk, ':versions': 'version#' },
            ScanIndexForward: false,
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        ),
      );
      for (const item of page.Items ?? []) items.push(withoutKeys(item) as unknown as Article);
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /** The version's snapshot, written with the article so the history can never miss a version. */
  private versionPut(article: Article): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: { ...versionKey(article.id, article.version), type: 'version', ...article },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  /** The claim of the article's external id in its source, if it has one: it must not exist (layout.ts). */
  private externalIdPut(article: Article): TransactItem | undefined {
    const Key = externalIdKeyOf(article);
    if (!Key) return undefined;
    return {
      Put: {
        TableName: this.tableName,
        Item: { ...Key, type: 'import', articleId: article.id },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  /** Its memberships, fat or thin by size (memberships.ts): a put replaces a membership of either form. */
  private membershipPuts(article: Article): TransactItem[] {
    return membershipItems(article, this.fatMembershipMaxBytes).map((Item) => ({
      Put: { TableName: this.tableName, Item },
    }));
  }

  /** The article's entries in the lifecycle's indexes (shared/adapters/due-entries.ts): small pointers. */
  private dueUpdates(before: Article | undefined, after: Article): TransactItem[] {
    const { remove, add } = dueEntryChanges(before, after);
    const key = (entry: DueEntryOf) => dueKey(entry.index, entry.at, after.id);
    return [
      ...remove.map((entry) => ({ Delete: { TableName: this.tableName, Key: key(entry) } })),
      ...add.map((entry) => ({
        Put: {
          TableName: this.tableName,
          Item: { ...key(entry), type: entry.index, id: after.id, source: after.source },
        },
      })),
    ];
  }

  /**
   * Keeps each source's per-tag article counts exact by moving them in the same transaction as the memberships:
   * +1 for a tag an article gains within its source, -1 for one it loses, the label refreshed where it changed.
   */
  private tagCountUpdates(before: Article | undefined, after: Article): TransactItem[] {
    return tagCountChanges(before, after).map(({ source, tag, delta, label }) => {
      const sets = ['#type = :type', ...(label === undefined ? [] : ['label = :label'])];
      return {
        Update: {
          TableName: this.tableName,
          Key: tagCountKey(source, tag),
          UpdateExpression: `SET ${sets.join(', ')} ADD articles :delta`,
          ExpressionAttributeNames: { '#type': 'type' },
          ExpressionAttributeValues: {
            ':type': 'tagcount',
            ':delta': delta,
            ...(label === undefined ? {} : { ':label': label }),
          },
        },
      };
    });
  }

  /**
   * A cancelled transaction carries one reason per item (`None` for the items that were fine), and they mean
   * different things. A failed condition wins over every other reason: the same write can never pass it.
   * Throttling or exceeded capacity means the table could not take the write now: the store is unavailable (the
   * API's 503 with Retry-After, counted as a rejected write with reason `throttled`); the SDK does not retry a
   * cancelled transaction, and the service does not either, as a throttled table needs time rather than more
   * requests. A transaction conflict means another write held one of the items for a moment: the service tries
   * again. Anything else (`ValidationError`, `ItemCollectionSizeLimitExceeded`) is a fault of this write, not of
   * the moment, and stays the SDK's error, a 500 logged with its reasons.
   */
  private async transact(items: TransactItem[], claimant?: Article): Promise<void> {
    try {
      await guard(() => this.client.send(new TransactWriteCommand({ TransactItems: items })));
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        const reasons = error.CancellationReasons ?? [];
        const codes = reasons.map((reason) => reason.Code).join();
        const failed = reasons.filter((reason) => reason.Code === 'ConditionalCheckFailed');
        if (claimant?.externalId && failed.length === 1 && failed[0] === reasons.at(-1)) {
          const { source, externalId } = claimant;
          const holder = await this.findExternalId(source, externalId);
          // Gone again by the time it is read (its article moved to another source), the id may be claimed now.
          throw holder ? new ExternalIdTakenError(holder, source) : new WriteConflictError('transaction');
        }
        if (failed.length) throw new WriteConflictError('condition');
        if (/ThrottlingError|ProvisionedThroughputExceeded/.test(codes))
          throw new StoreUnavailableError(RETRY_AFTER_SECONDS, 'throttled');
        if (codes.includes('TransactionConflict')) throw new WriteConflictError('transaction');
      }
      throw error;
    }
  }
}

/** The key of an article's external id item, if it has an external id. */
const externalIdKeyOf = ({ source, externalId }: Article) =>
  externalId === undefined ? undefined : externalIdKey(source, externalId);

/** Idempotency keys are caller-chosen strings of any length: store a fixed-size hash of them. */
function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}
