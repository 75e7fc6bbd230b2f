import { ARTICLES_METRICS } from './articles/metrics.ts';
import { REGENERATE_METRICS } from './regenerate-feeds/metrics.ts';

export {
  LOCAL_METRICS_NAMESPACE,
  METRICS_NAMESPACE_ENV,
  metricsNamespace,
  type PipelineMetric,
} from './emf.ts';

/** Every metric the functions write (functions/emf.ts), for the dashboard and the tests. */
export const PIPELINE_METRICS = { ...ARTICLES_METRICS, ...REGENERATE_METRICS } as const;
