import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Source } from '../../articles/model.ts';
import type { RegistryStore, StoredKey } from '../../articles/ports.ts';
import { guard } from './errors.ts';
import { editorKeyKey, sourceKey, withoutKeys } from './layout.ts';
import { queryPartition } from './query.ts';

/**
 * A source by its slug: all the articles function reads of the registry. A class of its own so that the articles
 * bundle carries this one read and not the whole {@link DynamoDbRegistryStore}, whose key writes and listings
 * would bring the SDK's put and update commands, with their schemas, into it; the registry store reads a source
 * through this same method.
 */
export class DynamoDbSourceReader implements Pick<RegistryStore, 'getSource'> {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getSource(slug: string): Promise<Source | undefined> {
    const { Item } = await guard(() =>
      this.client.send(new GetCommand({ TableName: this.tableName, Key: sourceKey(slug) })),
    );
    return Item ? (withoutKeys(Item) as unknown as Source) : undefined;
  }
}

/** Sources and editor keys, in the same table as the articles (partitions `source` and `key`). */
export class DynamoDbRegistryStore implements RegistryStore {
  private readonly sources: DynamoDbSourceReader;
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.sources = new DynamoDbSourceReader(client, tableName);
  }

  async putSource(source: Source): Promise<void> {
    await guard(() =>
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...sourceKey(source.slug), type: 'source', ...source },
        }),
      ),
    );
  }

  getSource(slug: string): Promise<Source | undefined> {
    return this.sources.getSource(slug);
  }

  async listSources(): Promise<Source[]> {
    return (await queryPartition(this.client, this.tableName, 'source')).map(
      withoutKeys,
    ) as unknown as Source[];
  }

  async putKey(key: StoredKey): Promise<void> {
    await guard(() =>
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...editorKeyKey(key.keyId), type: 'key', ...key, sources: encodeScope(key.sources) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  async getKey(keyId: string): Promise<StoredKey | undefined> {
    const { Item } = await guard(() =>
      this.client.send(
        new GetCommand({ TableName: this.tableName, Key: editorKeyKey(keyId), ConsistentRead: true }),
      ),
    );
    return Item ? decodeKey(Item) : undefined;
  }

  async listKeys(): Promise<StoredKey[]> {
    return (await queryPartition(this.client, this.tableName, 'key')).map(decodeKey);
  }

  async revokeKey(keyId: string, at: string): Promise<boolean> {
    try {
      await guard(() =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: editorKeyKey(keyId),
            UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :at)',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':at': at },
          }),
        ),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}

/** `*` for every source; DynamoDB has no empty sets, so a list is stored as a list. */
function encodeScope(scope: StoredKey['sources']): string | string[] {
  return scope === '*' ? '*' : [...scope];
}

function decodeKey(item: Record<string, unknown>): StoredKey {
  const key = withoutKeys(item) as unknown as StoredKey;
  return { ...key, sources: item.sources === '*' ? '*' : (item.sources as string[]) };
}
