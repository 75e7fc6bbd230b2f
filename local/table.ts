import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { KEY_ATTRIBUTES, TTL_ATTRIBUTE } from '#shared/adapters/dynamodb/layout.ts';

/**
 * Creates the table as the CDK app declares it (same keys, stream with new and old images, TTL), unless it
 * already exists. Returns the stream's ARN.
 */
export async function ensureTable(
  client: DynamoDBClient,
  tableName: string,
  options: { stream?: boolean } = {},
): Promise<string | undefined> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return Table?.LatestStreamArn;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  const { TableDescription } = await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: KEY_ATTRIBUTES.partition, AttributeType: 'S' },
        { AttributeName: KEY_ATTRIBUTES.sort, AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: KEY_ATTRIBUTES.partition, KeyType: 'HASH' },
        { AttributeName: KEY_ATTRIBUTES.sort, KeyType: 'RANGE' },
      ],
      ...(options.stream === false
        ? {}
        : { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' as const } }),
    }),
  );
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
    }),
  );
  return TableDescription?.LatestStreamArn;
}
