import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type middy from '@middy/core';

/**
 * A middleware built at the first invocation, when the handler's dependencies are: handlers take their
 * dependencies lazily, so Powertools' middlewares, which need the logger or metrics in hand, are built then.
 * `build` may give nothing (a handler built without metrics), and then the middleware does nothing.
 */
export function lazyMiddleware<Event>(
  build: () => middy.MiddlewareObj<Event> | undefined,
): Required<Pick<middy.MiddlewareObj<Event>, 'before' | 'after' | 'onError'>> {
  let inner: middy.MiddlewareObj<Event> | undefined | null;
  const built = () => {
    if (inner === undefined) inner = build() ?? null;
    return inner;
  };
  return {
    before: async (request) => {
      await built()?.before?.(request);
    },
    after: async (request) => {
      await built()?.after?.(request);
    },
    onError: async (request) => {
      await built()?.onError?.(request);
    },
  };
}

/**
 * Every handler's log context, through Powertools' middy middleware: the Lambda context on every line (function
 * name, request id, cold start), a correlation id taken from the event, and keys appended during an invocation
 * cleared after it.
 */
export function logContext<Event>(
  logger: () => Logger,
  correlationIdOf: (event: Event) => string | undefined,
): middy.MiddlewareObj<Event> {
  const context = lazyMiddleware<Event>(
    () => injectLambdaContext(logger(), { resetKeys: true }) as middy.MiddlewareObj<Event>,
  );
  return {
    ...context,
    before: async (request) => {
      await context.before(request);
      const correlationId = correlationIdOf(request.event);
      if (correlationId) logger().setCorrelationId(correlationId);
    },
  };
}
