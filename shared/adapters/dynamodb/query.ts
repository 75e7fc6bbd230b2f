import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { guard } from './errors.ts';

/**
 * The items of one partition, strongly consistent, following pages: every one (small partitions: sources, keys, a
 * source's tags), or with `range` those whose sort key is at or after `from`, newest (last) first when asked, at
 * most `limit`.
 */
export async function queryPartition(
  client: DynamoDBDocumentClient,
  tableName: string,
  pk: string,
  range: { from?: string; newestFirst?: boolean; limit?: number } = {},
): Promise<Record<string, unknown>[]> {
  const { from, newestFirst = false, limit = Number.POSITIVE_INFINITY } = range;
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await guard(() =>
      client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: from === undefined ? 'pk = :pk' : 'pk = :pk AND sk >= :from',
          ExpressionAttributeValues: { ':pk': pk, ...(from === undefined ? {} : { ':from': from }) },
          ExclusiveStartKey: start,
          ConsistentRead: true,
          ...(newestFirst ? { ScanIndexForward: false } : {}),
          ...(Number.isFinite(limit) ? { Limit: limit - items.length } : {}),
        }),
      ),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start && items.length < limit);
  return items;
}
