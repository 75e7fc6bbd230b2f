import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Cold-start yardstick: only the AWS SDK clients the regenerate function uses to publish (DynamoDB and S3),
 * constructed, bundled as the functions are. The SQS client it holds to queue hub notifications counts against it.
 */
export const dynamodb = DynamoDBDocumentClient.from(new DynamoDBClient({}));
export const s3 = new S3Client({});
