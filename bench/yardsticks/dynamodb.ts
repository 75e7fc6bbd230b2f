import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Cold-start yardstick: only the AWS SDK clients the articles and authorizer functions use, constructed, bundled
 * as the functions are. `npm run bench` compares each function's bundle size and load time with this.
 */
export const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
