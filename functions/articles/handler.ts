import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import type {
  APIGatewayProxyEventV2WithLambdaAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { DynamoDbArticleStore } from '#shared/adapters/dynamodb/article-store.ts';
import { createDocumentClient } from '#shared/adapters/dynamodb/client.ts';
import { DynamoDbSourceReader } from '#shared/adapters/dynamodb/registry-store.ts';
import type { Principal } from '#shared/articles/model.ts';
import { ArticleService } from '#shared/articles/service.ts';
import { principalFrom } from '#shared/auth-context.ts';
import { optionalEnv, requiredEnv } from '#shared/config.ts';
import { NotFoundError } from '#shared/domain/errors.ts';
import { etagOf } from '#shared/http/etag.ts';
import { expectedVersionsOf, idempotencyKeyOf, listQueryOf } from '#shared/http/parameters.ts';
import { MethodNotAllowedError } from '#shared/http/problems.ts';
import { readJsonBody } from '#shared/http/request.ts';
import { empty, json, problem } from '#shared/http/response.ts';
import { ARTICLES_DYNAMODB } from '../budgets.ts';
import { emfFields, LOCAL_METRICS_NAMESPACE, METRICS_NAMESPACE_ENV } from '../emf.ts';
import { logContext } from '../observability.ts';
import { ARTICLES_METRICS } from './metrics.ts';
import { API_ROUTES, type ArticleRoute } from './routes.ts';

/** HTTP API events of routes behind the editor-key authorizer. */
type Event = APIGatewayProxyEventV2WithLambdaAuthorizer<Record<string, string>>;
type Result = APIGatewayProxyStructuredResultV2;

export interface ArticlesDeps {
  articles: ArticleService;
  logger: Logger;
  /** Where the request lines' metrics go (functions/metrics.ts); the local namespace when absent. */
  metricsNamespace?: string;
}

type Action = (event: Event, principal: Principal, deps: ArticlesDeps) => Promise<Result>;

const articleId = (event: Event): string => event.pathParameters?.id ?? '';

/** The order fields appear in responses: identity first, body in the middle, times last. */
const FIELD_ORDER = [
  'id',
  'status',
  'version',
  'source',
  'externalId',
  'title',
  'url',
  'summary',
  'contentHtml',
  'author',
  'tags',
  'citations',
  'image',
  'publishedAt',
  'expiresAt',
  'createdAt',
  'updatedAt',
  'retractedAt',
  'expiredAt',
  'cancelledAt',
  'corrections',
] as const;

function present(article: Partial<Record<(typeof FIELD_ORDER)[number], unknown>>): Record<string, unknown> {
  return Object.fromEntries(
    FIELD_ORDER.filter((field) => article[field] !== undefined).map((f) => [f, article[f]]),
  );
}

/** A write's answer, with what the source's partner profiles will leave out of the article when there is any. */
function withWarnings(body: Record<string, unknown>, warnings: readonly unknown[]): Record<string, unknown> {
  return warnings.length ? { ...body, warnings } : body;
}

const ACTIONS: Record<ArticleRoute, Action> = {
  'POST /articles': async (event, principal, { articles }) => {
    const body = readJsonBody(event);
    const { article, replayed, warnings } = await articles.create(principal, body, idempotencyKeyOf(event));
    return json(201, withWarnings(present(article), warnings), {
      location: `/articles/${article.id}`,
      etag: etagOf(article.version),
      ...(replayed ? { 'idempotent-replayed': 'true' } : {}),
    });
  },
  'GET /articles': async (event, principal, { articles }) => {
    const query = event.queryStringParameters ?? {};
    const page = await articles.list(principal, listQueryOf(query));
    const headers: Record<string, string> = {};
    if (page.cursor) {
      const next = new URLSearchParams({ ...definedOnly(query), cursor: page.cursor });
      headers.link = `</articles?${next}>; rel="next"`;
    }
    return json(
      200,
      { items: page.items.map(present), ...(page.cursor ? { nextCursor: page.cursor } : {}) },
      headers,
    );
  },
  'GET /articles/{id}': async (event, principal, { articles }) => {
    const article = await articles.get(principal, articleId(event));
    return json(200, present(article), { etag: etagOf(article.version) });
  },
  'PUT /articles/{id}': async (event, principal, { articles }) => {
    const body = readJsonBody(event);
    const article = await articles.correct(principal, articleId(event), expectedVersionsOf(event), body);
    const warnings = await articles.warningsFor(article);
    return json(200, withWarnings(present(article), warnings), { etag: etagOf(article.version) });
  },
  'GET /articles/{id}/history': async (event, principal, { articles }) => {
    const versions = await articles.history(principal, articleId(event));
    return json(200, { items: versions.map(present) });
  },
  'DELETE /articles/{id}': async (event, principal, { articles }) => {
    const article = await articles.retract(principal, articleId(event), expectedVersionsOf(event));
    return empty(204, { etag: etagOf(article.version) });
  },
};

/** Builds the editor API handler around its dependencies; `handler` below is the one Lambda runs. */
export function createHandler(deps: ArticlesDeps | (() => ArticlesDeps)) {
  let resolved: ArticlesDeps | undefined = typeof deps === 'function' ? undefined : deps;
  const get = () => {
    resolved ??= (deps as () => ArticlesDeps)();
    return resolved;
  };
  const started = new WeakMap<Event, number>();
  const callers = new WeakMap<Event, string>();
  const logRequest = (event: Event, response: Result | undefined) => {
    const { logger, metricsNamespace = LOCAL_METRICS_NAMESPACE } = get();
    const status = response?.statusCode;
    logger.info('request', {
      route: event.routeKey,
      status,
      keyId: callers.get(event),
      durationMs: Date.now() - (started.get(event) ?? Date.now()),
      ...writeMetric(metricsNamespace, event.routeKey, response),
    });
  };
  return (
    middy<Event, Result, Error, Context>()
      // The API's request id is the correlation id: the same one the HTTP API's access log carries.
      .use(
        logContext<Event>(
          () => get().logger,
          (event) => event.requestContext?.requestId,
        ),
      )
      .use({
        before: async (request) => {
          started.set(request.event, Date.now());
        },
        after: async (request) => {
          logRequest(request.event, request.response);
        },
        // Every error becomes a problem document here, in one place; only unexpected ones are logged in full.
        onError: async (request) => {
          const response = problem(request.error, request.event.rawPath, request.context.awsRequestId);
          if (response.statusCode === 500)
            get().logger.error('request failed', { error: request.error as Error });
          request.response = response;
          logRequest(request.event, response);
        },
      })
      .handler(async (event) => {
        const current = get();
        const route = event.routeKey as ArticleRoute;
        const action = ACTIONS[route];
        if (!action) throw unrouted(event);
        const principal = principalFrom(event.requestContext.authorizer?.lambda);
        callers.set(event, principal.keyId);
        return action(event, principal, current);
      })
  );
}

/** 405 when the path exists under another method (on any function of the API), else 404. */
function unrouted(event: Event): Error {
  const path = event.rawPath;
  const allowed = API_ROUTES.filter((route) => {
    const pattern = route.split(' ')[1]?.replace(/\{[^}]+\}/g, '[^/]+') ?? '';
    return new RegExp(`^${pattern}$`).test(path);
  }).map((route) => route.split(' ')[0] ?? '');
  return allowed.length
    ? new MethodNotAllowedError(allowed)
    : new NotFoundError(`There is no resource at ${path}.`);
}

/** The list parameters worth carrying into the next page's link. */
function definedOnly(query: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of ['status', 'source', 'tag', 'limit']) {
    const value = query[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** Wires the handler to the table named by the environment: what runs in Lambda and in the local stack. */
export function depsFromEnv(env: NodeJS.ProcessEnv = process.env): ArticlesDeps {
  const tableName = requiredEnv('TABLE_NAME', env);
  const client = createDocumentClient({ endpoint: optionalEnv('DYNAMODB_ENDPOINT', env) }, ARTICLES_DYNAMODB);
  return {
    articles: new ArticleService(
      new DynamoDbArticleStore(client, tableName),
      new DynamoDbSourceReader(client, tableName),
    ),
    logger: new Logger({ serviceName: 'articles' }),
    metricsNamespace: optionalEnv(METRICS_NAMESPACE_ENV, env) ?? LOCAL_METRICS_NAMESPACE,
  };
}

/**
 * The request line of a write (POST, PUT, DELETE) is also its metric: an article accepted, or one rejected with
 * the problem's type as the reason (`invalid-request`, `precondition-failed`, …). Reads count nothing.
 */
function writeMetric(
  namespace: string,
  route: string,
  response: Result | undefined,
): Record<string, unknown> {
  if (route.startsWith('GET ') || !response?.statusCode) return {};
  if (response.statusCode < 300) return emfFields(namespace, ARTICLES_METRICS.articlesAccepted, 1);
  let reason = `status-${response.statusCode}`;
  try {
    const type = (JSON.parse(String(response.body ?? '{}')) as { type?: unknown }).type;
    if (typeof type === 'string') reason = type.slice(type.lastIndexOf('/') + 1);
  } catch {
    // not a problem document: the status names it
  }
  return emfFields(namespace, ARTICLES_METRICS.articlesRejected, 1, { reason });
}

export const handler = createHandler(() => depsFromEnv());
