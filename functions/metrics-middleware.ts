import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type middy from '@middy/core';
import { lazyMiddleware } from './observability.ts';

/**
 * Flushes the metrics an invocation added, as one EMF document, through Powertools' middy middleware (also when
 * the handler throws). A handler built without metrics flushes nothing. Apart from observability.ts so that a
 * function that does not flush metrics (the editor API) never bundles Powertools Metrics.
 */
export function flushMetrics<Event>(metrics: () => Metrics | undefined): middy.MiddlewareObj<Event> {
  return lazyMiddleware<Event>(() => {
    const target = metrics();
    return target ? (logMetrics(target) as middy.MiddlewareObj<Event>) : undefined;
  });
}
