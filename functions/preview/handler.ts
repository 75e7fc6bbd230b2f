import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import type {
  APIGatewayProxyEventV2WithLambdaAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { DynamoDbArticleReader } from '#shared/adapters/dynamodb/article-reader.ts';
import { createDocumentClient } from '#shared/adapters/dynamodb/client.ts';
import { DynamoDbSourceReader } from '#shared/adapters/dynamodb/registry-store.ts';
import { type Article, type Source, scopeAllows } from '#shared/articles/model.ts';
import { principalFrom } from '#shared/auth-context.ts';
import { optionalEnv, requiredEnv } from '#shared/config.ts';
import { ForbiddenError, NotFoundError } from '#shared/domain/errors.ts';
import type { FeedFormat } from '#shared/feeds/model.ts';
import { PREVIEW_FORMATS, renderPreview } from '#shared/feeds/preview.ts';
import { type FeedSettings, feedSettingsFromEnv } from '#shared/feeds/settings.ts';
import { etagOf } from '#shared/http/etag.ts';
import { InvalidParameterError, parameterError } from '#shared/http/problems.ts';
import { API_HEADERS, problem } from '#shared/http/response.ts';
import { PREVIEW_BUDGET } from '../budgets.ts';
import { logContext } from '../observability.ts';

type Event = APIGatewayProxyEventV2WithLambdaAuthorizer<Record<string, string>>;
type Result = APIGatewayProxyStructuredResultV2;

export interface PreviewDeps {
  articles: { getArticle(id: string): Promise<Article | undefined> };
  sources: { getSource(slug: string): Promise<Source | undefined> };
  settings: FeedSettings;
  logger: Logger;
}

const ARTICLE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A preview is the editor's alone: no shared cache, browser or proxy, may keep it. */
export const PREVIEW_CACHE_CONTROL = 'private, no-store';

/** The `format` the request asks for: 422 naming the parameter when it is missing or not one of the three. */
function formatOf(event: Event): FeedFormat {
  const format = event.queryStringParameters?.format;
  if (format !== undefined && (PREVIEW_FORMATS as readonly string[]).includes(format))
    return format as FeedFormat;
  throw new InvalidParameterError([
    parameterError('query', 'format', `must be one of ${PREVIEW_FORMATS.join(', ')}`),
  ]);
}

/**
 * `GET /articles/{id}/preview?format=rss|atom|json`: the article, scheduled, published or since withdrawn, as its
 * source's feed renders it, in a one-item feed document (shared/feeds/preview.ts). The same editor keys and scope as
 * `GET /articles/{id}`: 401 without a valid key, 404 for no such article, 403 for an article of another source.
 */
export function createHandler(deps: PreviewDeps | (() => PreviewDeps)) {
  let resolved: PreviewDeps | undefined = typeof deps === 'function' ? undefined : deps;
  const get = () => {
    resolved ??= (deps as () => PreviewDeps)();
    return resolved;
  };
  return middy<Event, Result, Error, Context>()
    .use(
      logContext<Event>(
        () => get().logger,
        (event) => event.requestContext?.requestId,
      ),
    )
    .use({
      onError: async (request) => {
        const response = problem(request.error, request.event.rawPath, request.context.awsRequestId);
        if (response.statusCode === 500)
          get().logger.error('preview failed', { error: request.error as Error });
        request.response = response;
      },
    })
    .handler(async (event) => {
      const { articles, sources, settings, logger } = get();
      const principal = principalFrom(event.requestContext.authorizer?.lambda);
      const format = formatOf(event);
      const id = event.pathParameters?.id ?? '';
      const article = ARTICLE_ID.test(id) ? await articles.getArticle(id) : undefined;
      if (!article) throw new NotFoundError(`There is no article ${id}.`);
      if (!scopeAllows(principal.sources, article.source))
        throw new ForbiddenError(`This key may not act on source ${article.source}.`);
      const source = await sources.getSource(article.source);
      if (!source) throw new Error(`source ${article.source} of article ${id} is not registered`);
      const { contentType, body } = renderPreview(article, source, settings, format);
      logger.info('preview', { keyId: principal.keyId, format, status: article.status });
      return {
        statusCode: 200,
        headers: {
          ...API_HEADERS,
          'content-type': contentType,
          'cache-control': PREVIEW_CACHE_CONTROL,
          etag: etagOf(article.version),
        },
        body,
      };
    });
}

/** Wires the handler to the table and the feed settings named by the environment. */
export function depsFromEnv(env: NodeJS.ProcessEnv = process.env): PreviewDeps {
  const tableName = requiredEnv('TABLE_NAME', env);
  const client = createDocumentClient(
    { endpoint: optionalEnv('DYNAMODB_ENDPOINT', env) },
    PREVIEW_BUDGET.clients.dynamodb,
  );
  return {
    articles: new DynamoDbArticleReader(client, tableName),
    sources: new DynamoDbSourceReader(client, tableName),
    settings: feedSettingsFromEnv(env),
    logger: new Logger({ serviceName: 'preview' }),
  };
}

export const handler = createHandler(() => depsFromEnv());
