import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type middy from '@middy/core';

/**
 * Flushes the metrics an invocation added, as one EMF document, through Powertools' middy middleware (also when
 * the handler throws). `metrics` is asked for at the first invocation; a handler built without them flushes nothing.
 */
export function flushMetrics<Event>(metrics: () => Metrics | undefined): middy.MiddlewareObj<Event> {
  let inner: middy.MiddlewareObj<Event> | undefined | null;
  const flush = () => {
    if (inner === undefined) {
      const target = metrics();
      inner = target ? (logMetrics(target) as middy.MiddlewareObj<Event>) : null;
    }
    return inner;
  };
  return {
    before: async (request) => {
      await flush()?.before?.(request);
    },
    after: async (request) => {
      await flush()?.after?.(request);
    },
    onError: async (request) => {
      await flush()?.onError?.(request);
    },
  };
}
