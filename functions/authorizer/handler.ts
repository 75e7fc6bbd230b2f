import { createHash } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
  Context,
} from 'aws-lambda';
import { createDocumentClient } from '#shared/adapters/dynamodb/client.ts';
import { DynamoDbRegistryStore } from '#shared/adapters/dynamodb/registry-store.ts';
import type { Principal } from '#shared/articles/model.ts';
import { type Clock, systemClock } from '#shared/articles/ports.ts';
import { type AuthorizerContext, contextOf } from '#shared/auth-context.ts';
import { authenticate } from '#shared/authentication.ts';
import { optionalEnv, requiredEnv } from '#shared/config.ts';
import { StoreUnavailableError } from '#shared/domain/errors.ts';
import { UnauthorizedError } from '#shared/http/problems.ts';
import { AUTHORIZER_DYNAMODB } from '../budgets.ts';
import { logContext } from '../observability.ts';

export type AuthorizerResult = APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext>;

export interface AuthorizerDeps {
  registry: { authenticate(authorization: string | undefined): Promise<Principal> };
  /** How long a key's verdict is reused by this instance; 0 checks the table on every request. */
  cacheTtlMs: number;
  logger: Logger;
  clock?: Clock;
}

/** Most verdicts kept per instance; the oldest go first. */
const CACHE_LIMIT = 1_000;

/**
 * The editor-key authorizer of the HTTP API. It checks `Authorization: Bearer <key>` against the hashed keys
 * in the table and caches each verdict for `cacheTtlMs` (so a revoked key stops working within that time in
 * AWS, at once locally). It always lets the request through with its verdict as context; the API function
 * turns a denial into a 401 problem document.
 */
export function createHandler(deps: AuthorizerDeps | (() => AuthorizerDeps)) {
  let resolved: AuthorizerDeps | undefined = typeof deps === 'function' ? undefined : deps;
  const get = () => {
    resolved ??= (deps as () => AuthorizerDeps)();
    return resolved;
  };
  const cache = new Map<string, { expires: number; context: AuthorizerContext }>();
  return middy<APIGatewayRequestAuthorizerEventV2, AuthorizerResult, Error, Context>()
    .use(
      logContext<APIGatewayRequestAuthorizerEventV2>(
        () => get().logger,
        (event) => event.requestContext?.requestId,
      ),
    )
    .handler(async (event) => {
      const { registry, cacheTtlMs, logger, clock = systemClock } = get();
      const authorization = event.headers?.authorization;
      // Only a hash of the header is kept, never the key itself.
      const cacheKey = createHash('sha256')
        .update(authorization ?? '')
        .digest('hex');
      const now = clock.now();
      const hit = cache.get(cacheKey);
      if (hit && hit.expires > now) return { isAuthorized: true, context: hit.context };
      let context: AuthorizerContext;
      try {
        context = contextOf(await registry.authenticate(authorization));
      } catch (error) {
        if (error instanceof UnauthorizedError) context = { outcome: 'denied', detail: error.message };
        else if (error instanceof StoreUnavailableError)
          return { isAuthorized: true, context: { outcome: 'unavailable' } };
        else throw error;
      }
      if (cacheTtlMs > 0) {
        if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
        cache.set(cacheKey, { expires: now + cacheTtlMs, context });
      }
      logger.debug('verdict', {
        outcome: context.outcome,
        ...(context.outcome === 'ok' ? { keyId: context.keyId } : {}),
      });
      return { isAuthorized: true, context };
    });
}

export function depsFromEnv(env: NodeJS.ProcessEnv = process.env): AuthorizerDeps {
  const tableName = requiredEnv('TABLE_NAME', env);
  const client = createDocumentClient(
    { endpoint: optionalEnv('DYNAMODB_ENDPOINT', env) },
    AUTHORIZER_DYNAMODB,
  );
  const store = new DynamoDbRegistryStore(client, tableName);
  const ttlSeconds = Number(optionalEnv('AUTH_CACHE_TTL_SECONDS', env) ?? 60);
  if (!Number.isFinite(ttlSeconds) || ttlSeconds < 0)
    throw new Error('AUTH_CACHE_TTL_SECONDS must be a number of seconds');
  return {
    registry: { authenticate: (header) => authenticate(store, header) },
    cacheTtlMs: ttlSeconds * 1000,
    logger: new Logger({ serviceName: 'authorizer' }),
  };
}

export const handler = createHandler(() => depsFromEnv());
