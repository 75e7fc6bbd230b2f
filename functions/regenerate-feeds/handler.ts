import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, type MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { createDocumentClient } from '#shared/adapters/dynamodb/client.ts';
import { DynamoDbFeedStore } from '#shared/adapters/dynamodb/feed-store.ts';
import { DynamoDbRegistryStore } from '#shared/adapters/dynamodb/registry-store.ts';
import { changesFromRecords } from '#shared/adapters/dynamodb/stream.ts';
import { createS3Client } from '#shared/adapters/s3/client.ts';
import { S3DocumentPublisher } from '#shared/adapters/s3/document-publisher.ts';
import { SqsAnnouncer } from '#shared/adapters/sqs/announcer.ts';
import { createSqsClient } from '#shared/adapters/sqs/client.ts';
import { optionalEnv, requiredEnv } from '#shared/config.ts';
import type { ChangeAnnouncer } from '#shared/feeds/ports.ts';
import { FeedRegenerator, type RegenerationResult } from '#shared/feeds/regenerate.ts';
import { feedSettingsFromEnv, hubPingDelaySeconds } from '#shared/feeds/settings.ts';
import { REGENERATE_BUDGET } from '../budgets.ts';
import { LOCAL_METRICS_NAMESPACE, METRICS_NAMESPACE_ENV, type PipelineMetric } from '../emf.ts';
import { flushMetrics } from '../metrics-middleware.ts';
import { HUB_QUEUE_URL_ENV, hubMessages } from '../notify-hubs/queue.ts';
import { logContext } from '../observability.ts';
import { REGENERATE_METRICS } from './metrics.ts';

export interface RegenerateDeps {
  regenerator: FeedRegenerator;
  logger: Logger;
  /** Queues the announcement of changed feeds to the deployment's WebSub hubs, if it has any. */
  announcer?: ChangeAnnouncer;
  /** The batch's metrics (functions/metrics.ts), flushed as EMF after each invocation; none when absent. */
  metrics?: Metrics;
  /** Told of every batch's result (the local stack counts renders and uploads with it). */
  observe?: (result: RegenerationResult, records: number) => void;
}

/**
 * DynamoDB stream handler: regenerates every feed a batch touched, once each, and reports the records of the
 * feeds that failed to publish (`batchItemFailures`), so only they are delivered again.
 */
export function createHandler(deps: RegenerateDeps | (() => RegenerateDeps)) {
  let resolved: RegenerateDeps | undefined = typeof deps === 'function' ? undefined : deps;
  const get = () => {
    resolved ??= (deps as () => RegenerateDeps)();
    return resolved;
  };
  // A batch is correlated by its first record: the same id the stream, the DLQ and a retry of the batch carry.
  const firstRecord = (event: DynamoDBStreamEvent) =>
    event.Records[0]?.eventID ?? event.Records[0]?.dynamodb?.SequenceNumber;
  return middy<DynamoDBStreamEvent, DynamoDBBatchResponse, Error, Context>()
    .use(logContext<DynamoDBStreamEvent>(() => get().logger, firstRecord))
    .use(flushMetrics<DynamoDBStreamEvent>(() => get().metrics))
    .handler(async (event) => {
      const { regenerator, logger, observe, announcer, metrics } = get();
      const started = Date.now();
      const { changes, sourceChanges } = changesFromRecords(event.Records);
      const result = await regenerator.regenerate(changes, sourceChanges);
      for (const failure of result.errors) {
        logger.error('publish failed', { document: failure.document, error: failure.error as Error });
      }
      logger.info('regenerated', {
        records: event.Records.length,
        changes: changes.length,
        rendered: result.rendered,
        uploaded: result.uploaded,
        failedRecords: result.failedRecordIds.length,
        durationMs: Date.now() - started,
      });
      if (metrics) {
        const add = (metric: PipelineMetric, value: number) =>
          metrics.addMetric(metric.name, metric.unit as (typeof MetricUnit)[keyof typeof MetricUnit], value);
        add(REGENERATE_METRICS.feedsRendered, result.rendered);
        add(REGENERATE_METRICS.objectsPublished, result.uploaded);
        add(REGENERATE_METRICS.publishFailures, result.errors.length);
        add(REGENERATE_METRICS.regenerationDuration, Date.now() - started);
        add(REGENERATE_METRICS.batchRecords, event.Records.length);
        const written = event.Records.map(
          (record) => record.dynamodb?.ApproximateCreationDateTime ?? Number.NaN,
        );
        const oldest = Math.min(...written.filter(Number.isFinite));
        if (Number.isFinite(oldest))
          add(REGENERATE_METRICS.recordAge, Math.max(0, Date.now() - oldest * 1000));
      }
      // After the publish, never instead of it, and only queued: the hubs are told by the notify-hubs function, so a
      // hub that is slow or down never holds up the next batch.
      if (announcer && result.changedTopics.length) {
        try {
          await announcer.announce(result.changedTopics);
        } catch (error) {
          logger.warn('hubs not told', { topics: result.changedTopics.length, error: error as Error });
        }
      }
      observe?.(result, event.Records.length);
      return { batchItemFailures: result.failedRecordIds.map((itemIdentifier) => ({ itemIdentifier })) };
    });
}

/** Wires the handler to the table, bucket and feed settings named by the environment. */
export function depsFromEnv(env: NodeJS.ProcessEnv = process.env): RegenerateDeps {
  const tableName = requiredEnv('TABLE_NAME', env);
  const { clients } = REGENERATE_BUDGET;
  const dynamo = createDocumentClient({ endpoint: optionalEnv('DYNAMODB_ENDPOINT', env) }, clients.dynamodb);
  const s3 = createS3Client({ endpoint: optionalEnv('S3_ENDPOINT', env) }, clients.s3);
  const settings = feedSettingsFromEnv(env);
  const queueUrl = optionalEnv(HUB_QUEUE_URL_ENV, env);
  const store = new DynamoDbFeedStore(dynamo, tableName, new DynamoDbRegistryStore(dynamo, tableName));
  return {
    regenerator: new FeedRegenerator(
      store,
      new S3DocumentPublisher(s3, requiredEnv('BUCKET_NAME', env)),
      settings,
    ),
    logger: new Logger({ serviceName: 'regenerate-feeds' }),
    metrics: new Metrics({
      namespace: optionalEnv(METRICS_NAMESPACE_ENV, env) ?? LOCAL_METRICS_NAMESPACE,
      serviceName: 'regenerate-feeds',
    }),
    ...(settings.hubs.length && queueUrl
      ? {
          announcer: new SqsAnnouncer(
            createSqsClient(clients.sqs),
            queueUrl,
            (topics) => hubMessages(settings.hubs, topics),
            hubPingDelaySeconds(settings),
          ),
        }
      : {}),
  };
}

export const handler = createHandler(() => depsFromEnv());
