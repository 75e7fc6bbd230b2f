import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { WebSubNotifier } from '#shared/adapters/websub.ts';
import { logContext } from '../observability.ts';
import { parseHubMessage } from './queue.ts';

export interface NotifyDeps {
  /** Tells one hub of some topics, with its retries; `notify` of a notifier built for that hub alone. */
  notifierFor: (hub: string) => Pick<WebSubNotifier, 'notify'>;
  logger: Logger;
}

/**
 * Queue handler: tells each message's hub which feeds changed. A message whose hub could not be reached (network
 * errors, 429 and 5xx after the notifier's own tries) is reported in `batchItemFailures`, so the queue delivers it
 * again later, and after five receives sets it aside; a hub that refuses (another 4xx) is logged and not retried.
 */
export function createHandler(deps: NotifyDeps | (() => NotifyDeps)) {
  let resolved: NotifyDeps | undefined = typeof deps === 'function' ? undefined : deps;
  const get = () => {
    resolved ??= (deps as () => NotifyDeps)();
    return resolved;
  };
  return middy<SQSEvent, SQSBatchResponse, Error, Context>()
    .use(
      logContext<SQSEvent>(
        () => get().logger,
        (event) => event.Records[0]?.messageId,
      ),
    )
    .handler(async (event) => {
      const { notifierFor, logger } = get();
      const failures: string[] = [];
      await Promise.all(
        event.Records.map(async (record) => {
          const message = parseHubMessage(record.body);
          if (!message) {
            logger.error('not a hub message', { messageId: record.messageId });
            return;
          }
          const [outcome] = await notifierFor(message.hub).notify(message.topics);
          if (!outcome || outcome.delivered) {
            logger.info('hub notified', { hub: message.hub, topics: message.topics.length });
            return;
          }
          const retryable = outcome.status === undefined || outcome.status >= 500 || outcome.status === 429;
          logger.warn('hub not notified', { ...outcome, retried: retryable });
          if (retryable) failures.push(record.messageId);
        }),
      );
      return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
    });
}

export function depsFromEnv(): NotifyDeps {
  const notifiers = new Map<string, WebSubNotifier>();
  return {
    notifierFor: (hub) => {
      const notifier = notifiers.get(hub) ?? new WebSubNotifier([hub]);
      notifiers.set(hub, notifier);
      return notifier;
    },
    logger: new Logger({ serviceName: 'notify-hubs' }),
  };
}

export const handler = createHandler(() => depsFromEnv());
