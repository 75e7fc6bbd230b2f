import { SQSClient } from '@aws-sdk/client-sqs';

/** One SQS client per process, with the house's short timeouts and few attempts. */
export function createSqsClient(): SQSClient {
  return new SQSClient({
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 5_000 },
    cacheMiddleware: true,
  });
}
