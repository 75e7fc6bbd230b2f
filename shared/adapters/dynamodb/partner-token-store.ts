import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { PartnerTokenStore } from '../../partners/service.ts';
import type { PartnerScopeList, StoredPartnerToken } from '../../partners/tokens.ts';
import { guard } from './errors.ts';
import { PARTNER_TOKEN_PARTITION, partnerTokenKey, withoutKeys } from './layout.ts';
import { queryPartition } from './query.ts';

/**
 * Partner tokens in the article table, one item per token keyed by its hash (partition `partner`): the edge's
 * lookup (by hash) is one `GetItem`, and the operator's id, a prefix of the hash, is one `Query` with
 * `begins_with`. The partition holds one small item per partner ever issued a token.
 */
export class DynamoDbPartnerTokenStore implements PartnerTokenStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async putToken(token: StoredPartnerToken): Promise<void> {
    await guard(() =>
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...partnerTokenKey(token.tokenHash),
            type: 'partner',
            ...token,
            sources: encodeList(token.sources),
            profiles: encodeList(token.profiles),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  async getToken(tokenHash: string): Promise<StoredPartnerToken | undefined> {
    const { Item } = await guard(() =>
      this.client.send(
        new GetCommand({ TableName: this.tableName, Key: partnerTokenKey(tokenHash), ConsistentRead: true }),
      ),
    );
    return Item ? decode(Item) : undefined;
  }

  async findToken(id: string): Promise<StoredPartnerToken | undefined> {
    const { Items } = await guard(() =>
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :id)',
          ExpressionAttributeValues: { ':pk': PARTNER_TOKEN_PARTITION, ':id': id },
          ConsistentRead: true,
          Limit: 2,
        }),
      ),
    );
    // Two tokens sharing 64 bits of hash would make the id ambiguous: refuse rather than pick one.
    if ((Items ?? []).length > 1) throw new Error(`${id} names more than one token: give more of its hash`);
    return Items?.[0] ? decode(Items[0]) : undefined;
  }

  async listTokens(): Promise<StoredPartnerToken[]> {
    return (await queryPartition(this.client, this.tableName, PARTNER_TOKEN_PARTITION)).map(decode);
  }

  async revokeToken(tokenHash: string, at: string): Promise<void> {
    await guard(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: partnerTokenKey(tokenHash),
          UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :at)',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':at': at },
        }),
      ),
    );
  }
}

/** `*` for all; DynamoDB has no empty sets, so a list is stored as a list. */
function encodeList(list: PartnerScopeList): string | string[] {
  return list === '*' ? '*' : [...list];
}

function decode(item: Record<string, unknown>): StoredPartnerToken {
  const token = withoutKeys(item) as unknown as StoredPartnerToken;
  return {
    ...token,
    sources: item.sources === '*' ? '*' : (item.sources as string[]),
    profiles: item.profiles === '*' ? '*' : (item.profiles as string[]),
  };
}
