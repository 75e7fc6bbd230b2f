import type { PipelineMetric } from '../emf.ts';

/**
 * What the editor API counts (functions/emf.ts); `ArticlesRejected` also carries the `reason`, the last segment of
 * the problem's type: among them `throttled` (503: the table was over its capacity, whether the SDK's retries ran
 * out or a transaction was cancelled for throttling), `service-unavailable` (503: the table did not answer in the
 * function's budget, functions/budgets.ts), `concurrent-write` (409: other writes held the same items through
 * every retry) and `external-id-taken` (409: the source already has an article with the submission's externalId,
 * as an importer run again is told of each item it already imported). The dashboard's search over `reason` shows each without a change to it.
 */
export const ARTICLES_METRICS = {
  articlesAccepted: { name: 'ArticlesAccepted', unit: 'Count', service: 'articles', dimensions: [] },
  articlesRejected: { name: 'ArticlesRejected', unit: 'Count', service: 'articles', dimensions: ['reason'] },
} as const satisfies Record<string, PipelineMetric>;
