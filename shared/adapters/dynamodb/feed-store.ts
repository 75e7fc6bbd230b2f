import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Source } from '../../articles/model.ts';
import type { FeedId } from '../../feeds/feed-ids.ts';
import type { FeedEntry } from '../../feeds/model.ts';
import type { DocumentState, FeedStore, TagRow } from '../../feeds/ports.ts';
import {
  ENTRY_FIELDS,
  feedPartition,
  feedStateKey,
  tagCountPartition,
  tagFeedStatePartition,
  withoutKeys,
} from './layout.ts';
import { queryPartition } from './query.ts';
import type { DynamoDbRegistryStore } from './registry-store.ts';

/** What the regenerator reads and records in the table. */
export class DynamoDbFeedStore implements FeedStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly registry: Pick<DynamoDbRegistryStore, 'listSources'>,
  ) {}

  listSources(): Promise<Source[]> {
    return this.registry.listSources();
  }

  /** The newest `limit` entries of a feed. */
  readEntries(feed: FeedId, limit: number): Promise<FeedEntry[]> {
    return this.queryEntries('pk = :pk', { ':pk': feedPartition(feed) }, limit);
  }

  readDay(feed: FeedId, day: string): Promise<FeedEntry[]> {
    // Sort keys are `{publishedAt}#{id}`: a day is a key prefix.
    return this.queryEntries('pk = :pk AND begins_with(sk, :day)', {
      ':pk': feedPartition(feed),
      ':day': `${day}T`,
    });
  }

  /**
   * Entries of a feed partition, newest first. A Query returns at most 1 MB a page, so this reads on from
   * `LastEvaluatedKey` until it has `limit` entries or the range ends: nothing is dropped whatever the entries
   * weigh. Entries of a usual size (a few KB) fit one page, and each further page reads only what is missing.
   */
  private async queryEntries(
    keyCondition: string,
    values: Record<string, string>,
    limit = Number.POSITIVE_INFINITY,
  ): Promise<FeedEntry[]> {
    const names = Object.fromEntries(ENTRY_FIELDS.map((field) => [`#${field}`, field]));
    const entries: FeedEntry[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: keyCondition,
          ExpressionAttributeValues: values,
          ExpressionAttributeNames: names,
          ProjectionExpression: Object.keys(names).join(', '),
          ScanIndexForward: false,
          ...(Number.isFinite(limit) ? { Limit: limit - entries.length } : {}),
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? [])
        entries.push({ citations: [], tags: [], ...item } as unknown as FeedEntry);
      start = page.LastEvaluatedKey;
    } while (start && entries.length < limit);
    return entries;
  }

  async neighbourDays(feed: FeedId, day: string): Promise<{ prev?: string; next?: string }> {
    const nearest = async (condition: string, bound: string, forward: boolean) => {
      const { Items = [] } = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: `pk = :pk AND ${condition}`,
          ExpressionAttributeValues: { ':pk': feedPartition(feed), ':bound': bound },
          ProjectionExpression: 'sk',
          ScanIndexForward: forward,
          Limit: 1,
          ConsistentRead: true,
        }),
      );
      const sk = Items[0]?.sk;
      return typeof sk === 'string' ? sk.slice(0, 10) : undefined;
    };
    // `~` sorts after every character of a time, so `{day}~` is past the day's last key.
    const [prev, next] = await Promise.all([
      nearest('sk < :bound', day, false),
      nearest('sk > :bound', `${day}~`, true),
    ]);
    return { ...(prev ? { prev } : {}), ...(next ? { next } : {}) };
  }

  async readState(document: string): Promise<DocumentState> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: feedStateKey(document), ConsistentRead: true }),
    );
    return Item ? (withoutKeys(Item) as unknown as DocumentState) : { revision: 0 };
  }

  async commitState(
    document: string,
    expectedRevision: number,
    next: Omit<DocumentState, 'revision'>,
  ): Promise<boolean> {
    const values: Record<string, unknown> = { ':expected': expectedRevision, ':next': expectedRevision + 1 };
    const sets = ['revision = :next', '#type = :type'];
    values[':type'] = 'feedstate';
    for (const [name, value] of Object.entries(next)) {
      if (value === undefined) continue;
      sets.push(`${name} = :${name}`);
      values[`:${name}`] = value;
    }
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: feedStateKey(document),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression:
            expectedRevision === 0 ? 'attribute_not_exists(revision)' : 'revision = :expected',
          ExpressionAttributeNames: { '#type': 'type' },
          ExpressionAttributeValues: expectedRevision === 0 ? withoutExpected(values) : values,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async readTagRows(source: string): Promise<TagRow[]> {
    const [counts, states] = await Promise.all([
      queryPartition(this.client, this.tableName, tagCountPartition(source)),
      queryPartition(this.client, this.tableName, tagFeedStatePartition(source)),
    ]);
    const newest = new Map(
      states.map((state) => [state.sk as string, state.newestPublishedAt as string | undefined]),
    );
    return counts
      .filter((item) => Number(item.articles) > 0)
      .map((item) => {
        const slug = item.sk as string;
        const published = newest.get(slug);
        return {
          slug,
          label: String(item.label ?? slug),
          count: Number(item.articles),
          ...(published ? { newestPublishedAt: published } : {}),
        };
      });
  }
}

function withoutExpected(values: Record<string, unknown>): Record<string, unknown> {
  const { ':expected': _unused, ...rest } = values;
  return rest;
}
