import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDbArticleStore } from '#shared/adapters/dynamodb/article-store.ts';
import { createDocumentClient } from '#shared/adapters/dynamodb/client.ts';
import { DynamoDbDueReader } from '#shared/adapters/dynamodb/due-reader.ts';
import { ArticleLifecycle, type SweepResult } from '#shared/articles/lifecycle.ts';
import { optionalEnv, requiredEnv } from '#shared/config.ts';
import { RELEASE_BUDGET, RELEASE_LOOKAHEAD_MS } from '../budgets.ts';

export interface ReleaseDeps {
  lifecycle: Pick<ArticleLifecycle, 'sweep'>;
  logger: Logger;
  /** How far ahead a sweep takes entries, each released at its own time (the schedule's period). */
  aheadMs: number;
}

/**
 * The lifecycle's sweep, run once a minute by EventBridge Scheduler (infra/release-schedule.ts): publishes the
 * scheduled articles whose time came and expires the published ones whose expiry came (shared/articles/lifecycle.ts),
 * and takes those due within the next minute, each at its own time. An error fails the invocation: the schedule's
 * retry runs it again, and the alarms see it (infra/monitoring.ts); a sweep that found nothing is no error.
 */
export function createHandler(deps: ReleaseDeps | (() => ReleaseDeps)) {
  let resolved: ReleaseDeps | undefined = typeof deps === 'function' ? undefined : deps;
  return async (): Promise<SweepResult> => {
    resolved ??= (deps as () => ReleaseDeps)();
    const { lifecycle, logger, aheadMs } = resolved;
    const result = await lifecycle.sweep({ aheadMs });
    if (result.released.length || result.expired.length || result.skipped.length)
      logger.info('sweep', { ...result });
    return result;
  };
}

/** The handler around a lifecycle built elsewhere: the local stack's, whose waits end when it stops. */
export function handlerFor(lifecycle: Pick<ArticleLifecycle, 'sweep'>, aheadMs: number) {
  return createHandler({ lifecycle, aheadMs, logger: new Logger({ serviceName: 'release-articles' }) });
}

/** Wires the sweep to the table named by the environment: what runs in Lambda. */
export function depsFromEnv(env: NodeJS.ProcessEnv = process.env): ReleaseDeps {
  const client = createDocumentClient(
    { endpoint: optionalEnv('DYNAMODB_ENDPOINT', env) },
    RELEASE_BUDGET.clients.dynamodb,
  );
  const tableName = requiredEnv('TABLE_NAME', env);
  return {
    lifecycle: new ArticleLifecycle(
      new DynamoDbArticleStore(client, tableName),
      new DynamoDbDueReader(client, tableName),
    ),
    logger: new Logger({ serviceName: 'release-articles' }),
    aheadMs: RELEASE_LOOKAHEAD_MS,
  };
}

export const handler = createHandler(() => depsFromEnv());
