/**
 * The pipeline's own metrics are written in CloudWatch's embedded metric format (EMF) by the functions and read by
 * the dashboard and alarms (infra/monitoring.ts). Each function names its metrics in a table of its own
 * (`metrics.ts` beside its handler, so a bundle carries only its own), and `functions/metrics.ts` joins them for the
 * dashboard, so neither side can name a metric the other does not. Every metric carries the `service` dimension
 * (the function).
 */
export interface PipelineMetric {
  name: string;
  unit: 'Count' | 'Milliseconds';
  service: string;
  dimensions: readonly string[];
}

/** The environment variable that names the namespace (Powertools reads it too); the local stack's default. */
export const METRICS_NAMESPACE_ENV = 'POWERTOOLS_METRICS_NAMESPACE';
export const LOCAL_METRICS_NAMESPACE = 'FeedPipeline/local';
export const metricsNamespace = (stage: string) => `FeedPipeline/${stage}`;

/**
 * The fields that make a log line an EMF document for one metric: spread into a line the function logs anyway.
 * Written here for the editor API instead of through Powertools Metrics, which the regenerate function uses: Metrics
 * adds 12.7 KB to a bundle (measured with the house esbuild options), and the articles function would pass 1.5×
 * its SDK-only yardstick (507 KB of 508 KB allowed). A JSON log line with an `_aws` member is what CloudWatch reads
 * as EMF, whoever wrote it.
 */
export function emfFields(
  namespace: string,
  metric: PipelineMetric,
  value: number,
  dimensions: Record<string, string> = {},
  now = Date.now(),
): Record<string, unknown> {
  return {
    _aws: {
      Timestamp: now,
      CloudWatchMetrics: [
        {
          Namespace: namespace,
          Dimensions: [['service', ...metric.dimensions]],
          Metrics: [{ Name: metric.name, Unit: metric.unit }],
        },
      ],
    },
    ...dimensions,
    [metric.name]: value,
  };
}
