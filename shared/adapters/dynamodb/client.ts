import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ClientLimits } from '../client-limits.ts';

/** For tools (the CLI, the local stack's setup): a call that is not answered in 5 s fails, three attempts. */
const TOOL_LIMITS: ClientLimits = {
  maxAttempts: 3,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 5_000, throwOnRequestTimeout: true },
};

export interface DynamoDbConnection {
  /** A DynamoDB-compatible endpoint (DynamoDB Local); the regional AWS endpoint when absent. */
  endpoint?: string | undefined;
  region?: string | undefined;
}

/**
 * One document client per process and endpoint. A function passes its limits (functions/budgets.ts), so that a
 * store that is down or stops answering turns into a 503 before the function's own timeout.
 */
export function createDocumentClient(
  connection: DynamoDbConnection = {},
  limits: ClientLimits = TOOL_LIMITS,
): DynamoDBDocumentClient {
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
    ...limits,
  });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}
