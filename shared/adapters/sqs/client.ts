import { SQSClient } from '@aws-sdk/client-sqs';
import type { ClientLimits } from '../client-limits.ts';

/** One SQS client per process, with the limits of the function that uses it (functions/budgets.ts). */
export function createSqsClient(limits: ClientLimits): SQSClient {
  return new SQSClient({
    ...limits,
    cacheMiddleware: true,
  });
}
