import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DueEntry, DueIndex, DueReader } from '../../articles/ports.ts';
import { dueUntilKey } from '../due-entries.ts';
import { guard } from './errors.ts';

/** The lifecycle's indexes in the table (layout.ts): one strongly consistent Query of the due end of each. */
export class DynamoDbDueReader implements DueReader {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async listDue(index: DueIndex, until: string, limit: number): Promise<DueEntry[]> {
    const { Items = [] } = await guard(() =>
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk <= :until',
          ExpressionAttributeValues: { ':pk': index, ':until': dueUntilKey(until) },
          ConsistentRead: true,
          Limit: limit,
        }),
      ),
    );
    return Items.map((item) => ({ id: item.id as string, at: (item.sk as string).split('#')[0] ?? '' }));
  }
}
