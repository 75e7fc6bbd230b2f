import type { PipelineMetric } from '../emf.ts';

/** What the editor API counts (functions/emf.ts); `ArticlesRejected` also carries the `reason`. */
export const ARTICLES_METRICS = {
  articlesAccepted: { name: 'ArticlesAccepted', unit: 'Count', service: 'articles', dimensions: [] },
  articlesRejected: { name: 'ArticlesRejected', unit: 'Count', service: 'articles', dimensions: ['reason'] },
} as const satisfies Record<string, PipelineMetric>;
