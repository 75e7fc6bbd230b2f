import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';

/** A key of the table, as one string: to match items read back to the keys asked for. */
export const keyString = (key: { pk: string; sk: string }) => `${key.pk}\u0000${key.sk}`;

/**
 * Items by key, strongly consistent unless told otherwise: one BatchGetItem per 100 keys, read again (with a
 * growing pause) for any the service left unprocessed (throttled, or past a response's 16 MB). Duplicate keys are
 * read once. `attributes`, when given, are all that is read of each item (name `pk` and `sk` to match them up).
 */
export async function batchGetItems(
  client: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly { pk: string; sk: string }[],
  options: { consistent?: boolean; attributes?: readonly string[] } = {},
): Promise<Record<string, unknown>[]> {
  const { consistent = true, attributes } = options;
  const names = attributes && Object.fromEntries(attributes.map((name) => [`#${name}`, name]));
  const projection = names && {
    ProjectionExpression: Object.keys(names).join(', '),
    ExpressionAttributeNames: names,
  };
  const found: Record<string, unknown>[] = [];
  const unique = [...new Map(keys.map((key) => [keyString(key), key])).values()];
  for (let i = 0; i < unique.length; i += 100) {
    let pending: Record<string, unknown>[] | undefined = unique.slice(i, i + 100);
    for (let attempt = 0; pending?.length; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** attempt)));
      const { Responses, UnprocessedKeys }: BatchGetCommandOutput = await client.send(
        new BatchGetCommand({
          RequestItems: { [tableName]: { Keys: pending, ConsistentRead: consistent, ...projection } },
        }),
      );
      found.push(...(Responses?.[tableName] ?? []));
      pending = UnprocessedKeys?.[tableName]?.Keys;
    }
  }
  return found;
}
