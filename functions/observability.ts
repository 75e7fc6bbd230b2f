import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type middy from '@middy/core';

/**
 * Every handler's log context, through Powertools' middy middleware: the Lambda context on every line (function
 * name, request id, cold start), a correlation id taken from the event, and keys appended during an invocation
 * cleared after it. `logger` is asked for at the first invocation, when the handler's dependencies are built.
 */
export function logContext<Event>(
  logger: () => Logger,
  correlationIdOf: (event: Event) => string | undefined,
): middy.MiddlewareObj<Event> {
  let inner: middy.MiddlewareObj<Event> | undefined;
  const context = () => {
    inner ??= injectLambdaContext(logger(), { resetKeys: true }) as middy.MiddlewareObj<Event>;
    return inner;
  };
  return {
    before: async (request) => {
      await context().before?.(request);
      const correlationId = correlationIdOf(request.event);
      if (correlationId) logger().setCorrelationId(correlationId);
    },
    after: async (request) => {
      await context().after?.(request);
    },
    onError: async (request) => {
      await context().onError?.(request);
    },
  };
}
