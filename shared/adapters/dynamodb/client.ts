import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface DynamoDbConnection {
  /** A DynamoDB-compatible endpoint (DynamoDB Local); the regional AWS endpoint when absent. */
  endpoint?: string | undefined;
  region?: string | undefined;
}

/**
 * One document client per process and endpoint. Timeouts are short and attempts few, so a store that is down
 * turns into a quick 503 rather than a request that hangs until the API's own timeout.
 */
export function createDocumentClient(connection: DynamoDbConnection = {}): DynamoDBDocumentClient {
  const local = connection.endpoint !== undefined;
  const client = new DynamoDBClient({
    ...(local
      ? {
          endpoint: connection.endpoint,
          region: connection.region ?? 'local',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }
      : connection.region
        ? { region: connection.region }
        : {}),
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 5_000 },
  });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}
