/**
 * The preview function's handler over fake readers: `GET /articles/{id}/preview?format=rss|atom|json` answers the
 * article, whatever its status, in a one-item feed document of the format asked for, private to the editor
 * (`Cache-Control: private, no-store`); and the same keys, scopes and errors as `GET /articles/{id}`.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createHandler, PREVIEW_CACHE_CONTROL, type PreviewDeps } from '#functions/preview/handler.ts';
import { PREVIEW_ROUTES } from '#functions/preview/routes.ts';
import type { Article, Source } from '#shared/articles/model.ts';
import { StoreUnavailableError } from '#shared/domain/errors.ts';
import { lambdaContext } from '../../local/lambda-context.ts';
import { SETTINGS, THE_GAZE } from '../support/feed-fixtures.ts';
import { type ParsedFeed, parseAtom, parseJsonFeed, parseRss } from '../support/feed-validation.ts';
import { storedArticle } from '../support/stored-article.ts';

const silent = new Logger({ logLevel: 'SILENT' });
const [ROUTE] = PREVIEW_ROUTES;

const FORMATS = [
  ['rss', 'application/rss+xml; charset=utf-8', parseRss],
  ['atom', 'application/atom+xml; charset=utf-8', parseAtom],
  ['json', 'application/feed+json; charset=utf-8', parseJsonFeed],
] as const satisfies readonly (readonly [string, string, (text: string) => ParsedFeed])[];

const ALL_SOURCES = { outcome: 'ok', keyId: 'k-all', sources: '*' };
const GAZE_ONLY = { outcome: 'ok', keyId: 'k-gaze', sources: 'the-gaze' };
const PLANET_ONLY = { outcome: 'ok', keyId: 'k-planet', sources: 'daily-planet' };

/** Readers over `articles` and the-gaze, counting their calls; `fail` makes them throw instead. */
function fakes(articles: Article[], options: { fail?: Error; sources?: Source[] } = {}) {
  const calls = { articles: [] as string[], sources: [] as string[] };
  const deps: PreviewDeps = {
    articles: {
      getArticle: async (id) => {
        calls.articles.push(id);
        if (options.fail) throw options.fail;
        return articles.find((article) => article.id === id);
      },
    },
    sources: {
      getSource: async (slug) => {
        calls.sources.push(slug);
        return (options.sources ?? [THE_GAZE]).find((source) => source.slug === slug);
      },
    },
    settings: SETTINGS,
    logger: silent,
  };
  return { handler: createHandler(deps), calls };
}

/** The HTTP API's event for the preview route, with the authorizer's verdict as its context. */
function request(
  id: string,
  query: Record<string, string> | undefined,
  authorizer: Record<string, string> | null = ALL_SOURCES,
) {
  const rawPath = `/articles/${id}/preview`;
  return {
    version: '2.0',
    routeKey: ROUTE,
    rawPath,
    rawQueryString: new URLSearchParams(query).toString(),
    headers: {},
    ...(query ? { queryStringParameters: query } : {}),
    pathParameters: { id },
    requestContext: {
      requestId: 'req-preview',
      routeKey: ROUTE,
      http: { method: 'GET', path: rawPath },
      ...(authorizer ? { authorizer: { lambda: authorizer } } : {}),
    },
    isBase64Encoded: false,
  } as never;
}

async function call(
  handler: ReturnType<typeof createHandler>,
  event: ReturnType<typeof request>,
): Promise<APIGatewayProxyStructuredResultV2 & { headers: Record<string, string> }> {
  const result = (await handler(
    event,
    lambdaContext('preview', 'req-preview'),
  )) as APIGatewayProxyStructuredResultV2;
  return { ...result, headers: (result.headers ?? {}) as Record<string, string> };
}

/** Asserts a problem answer of `status` and returns its document. */
function expectProblem(result: Awaited<ReturnType<typeof call>>, status: number) {
  expect(result.statusCode, String(result.body)).toBe(status);
  expect(result.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  expect(result.headers['cache-control']).toBe('no-store');
  const body = JSON.parse(String(result.body));
  expect(body).toMatchObject({ status, instance: expect.stringMatching(/^\/articles\/.*\/preview$/) });
  return body as { type: string; detail: string; errors?: unknown[] };
}

const published = storedArticle(14, { version: 3, updatedAt: '2026-07-14T09:30:00.000Z' });

describe('the preview handler', () => {
  it('answers a one-item feed document of each format, with the item the feeds carry', async () => {
    const { handler } = fakes([published]);
    for (const [format, contentType, parse] of FORMATS) {
      const result = await call(handler, request(published.id, { format }));
      expect(result.statusCode, String(result.body)).toBe(200);
      expect(result.headers['content-type']).toBe(contentType);
      expect(result.headers.etag).toBe('"3"');
      expect(result.headers['x-content-type-options']).toBe('nosniff');
      const feed = parse(String(result.body));
      expect(feed.format).toBe(format);
      expect(feed.title).toContain(THE_GAZE.name);
      expect(feed.items).toHaveLength(1);
      expect(feed.items[0]).toMatchObject({
        id: `urn:uuid:${published.id}`,
        title: published.title,
        link: published.url,
      });
      expect(feed.withdrawn).toEqual([]);
    }
  });

  it('sets Cache-Control: private, no-store on every preview, whatever the format, status or key', async () => {
    expect(PREVIEW_CACHE_CONTROL).toBe('private, no-store');
    const scheduled = storedArticle(20, { status: 'scheduled', publishedAt: '2099-01-01T06:00:00.000Z' });
    const { handler } = fakes([published, scheduled]);
    for (const article of [published, scheduled])
      for (const authorizer of [ALL_SOURCES, GAZE_ONLY])
        for (const [format] of FORMATS) {
          const result = await call(handler, request(article.id, { format }, authorizer));
          expect(result.statusCode).toBe(200);
          expect(result.headers['cache-control']).toBe('private, no-store');
        }
  });

  it('previews an article that is not (or no longer) in any feed: scheduled, retracted, expired, cancelled', async () => {
    const articles = [
      storedArticle(20, {
        status: 'scheduled',
        publishedAt: '2099-01-01T06:00:00.000Z',
        title: 'Embargoed until six',
      }),
      storedArticle(10, {
        status: 'retracted',
        version: 2,
        retractedAt: '2026-07-11T08:00:00.000Z',
        title: 'Retracted story',
      }),
      storedArticle(9, {
        status: 'expired',
        version: 2,
        expiresAt: '2026-07-10T08:00:00.000Z',
        expiredAt: '2026-07-10T08:00:30.000Z',
        title: 'Expired story',
      }),
      storedArticle(21, {
        status: 'cancelled',
        version: 2,
        publishedAt: '2099-02-01T06:00:00.000Z',
        cancelledAt: '2026-07-12T08:00:00.000Z',
        title: 'Cancelled story',
      }),
    ];
    const { handler } = fakes(articles);
    for (const article of articles)
      for (const [format, contentType, parse] of FORMATS) {
        const result = await call(handler, request(article.id, { format }));
        expect(result.statusCode, `${article.status} ${format}: ${String(result.body)}`).toBe(200);
        expect(result.headers['content-type']).toBe(contentType);
        expect(result.headers['cache-control']).toBe(PREVIEW_CACHE_CONTROL);
        expect(result.headers.etag).toBe(`"${article.version}"`);
        const feed = parse(String(result.body));
        expect(feed.items.map((item) => [item.id, item.title])).toEqual([
          [`urn:uuid:${article.id}`, article.title],
        ]);
      }
    // A scheduled article's preview carries its future date: what its feeds will say once it is published.
    const rss = await call(handler, request(articles[0]?.id ?? '', { format: 'json' }));
    expect(parseJsonFeed(String(rss.body)).items[0]?.published).toBe('2099-01-01T06:00:00.000Z');
  });

  it('answers 401 for a denied key, before reading anything or looking at the format', async () => {
    const { handler, calls } = fakes([published]);
    for (const query of [{ format: 'rss' }, { format: 'html' }, undefined]) {
      const result = await call(
        handler,
        request(published.id, query, { outcome: 'denied', detail: 'The editor key is not valid.' }),
      );
      expect(expectProblem(result, 401).type).toBe('tag:feed-pipeline,2026:problems/unauthorized');
      expect(result.headers['www-authenticate']).toBe('Bearer realm="editor-api"');
    }
    expect(calls.articles).toEqual([]);
  });

  it('answers 403 for an article of a source outside the key’s scope, without rendering it', async () => {
    const { handler, calls } = fakes([published]);
    const result = await call(handler, request(published.id, { format: 'atom' }, PLANET_ONLY));
    const body = expectProblem(result, 403);
    expect(body.detail).toBe('This key may not act on source the-gaze.');
    expect(String(result.body)).not.toContain(published.title);
    expect(calls.sources).toEqual([]);
  });

  it('answers 404 for an unknown id, and for a string that is no article id without asking the store', async () => {
    const { handler, calls } = fakes([published]);
    const missing = '00000000-0000-4000-8000-999999999999';
    expect(expectProblem(await call(handler, request(missing, { format: 'rss' })), 404).detail).toBe(
      `There is no article ${missing}.`,
    );
    expectProblem(await call(handler, request('not-an-id', { format: 'rss' })), 404);
    expect(calls.articles).toEqual([missing]);
  });

  it('answers 422 naming the format parameter when it is missing, unknown or given twice', async () => {
    const { handler, calls } = fakes([published]);
    const queries: (Record<string, string> | undefined)[] = [
      undefined,
      {},
      { format: '' },
      { format: 'html' },
      { format: 'RSS' },
      { format: 'rss,atom' },
    ];
    for (const query of queries) {
      const body = expectProblem(await call(handler, request(published.id, query)), 422);
      expect(body.type).toBe('tag:feed-pipeline,2026:problems/invalid-request');
      expect(body.errors).toEqual([
        { field: 'format', in: 'query', detail: 'must be one of rss, atom, json' },
      ]);
    }
    expect(calls.articles).toEqual([]);
  });

  it('answers 503 with Retry-After when the store is unavailable, or the authorizer could not ask it', async () => {
    const down = fakes([published], { fail: new StoreUnavailableError(2) });
    const result = await call(down.handler, request(published.id, { format: 'rss' }));
    expect(expectProblem(result, 503).type).toBe('tag:feed-pipeline,2026:problems/service-unavailable');
    expect(result.headers['retry-after']).toBe('2');

    const throttled = fakes([published], { fail: new StoreUnavailableError(2, 'throttled') });
    expect(
      expectProblem(await call(throttled.handler, request(published.id, { format: 'json' })), 503).type,
    ).toBe('tag:feed-pipeline,2026:problems/throttled');

    const { handler } = fakes([published]);
    const unavailable = await call(
      handler,
      request(published.id, { format: 'rss' }, { outcome: 'unavailable' }),
    );
    expectProblem(unavailable, 503);
    expect(unavailable.headers['retry-after']).toBe('2');
  });

  it('answers a bare 500 when the article’s source is not registered or the authorizer is missing', async () => {
    const orphan = fakes([published], { sources: [] });
    const result = await call(orphan.handler, request(published.id, { format: 'rss' }));
    const body = expectProblem(result, 500);
    expect(body.detail).toBe(
      'The request could not be completed. Quote request id req-preview when reporting it.',
    );
    expect(String(result.body)).not.toContain('registered');

    const { handler } = fakes([published]);
    expectProblem(await call(handler, request(published.id, { format: 'rss' }, null)), 500);
  });
});
