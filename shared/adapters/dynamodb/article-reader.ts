import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Article } from '../../articles/model.ts';
import { guard } from './errors.ts';
import { articleKey, withoutKeys } from './layout.ts';

/**
 * An article by its id, and nothing else: all the preview function reads of articles. A class of its own so that
 * its bundle carries one GetItem, not the article store's transactions and queries.
 */
export class DynamoDbArticleReader {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getArticle(id: string): Promise<Article | undefined> {
    const { Item } = await guard(() =>
      this.client.send(
        new GetCommand({ TableName: this.tableName, Key: articleKey(id), ConsistentRead: true }),
      ),
    );
    return Item ? (withoutKeys(Item) as unknown as Article) : undefined;
  }
}
