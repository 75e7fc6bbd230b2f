import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as articles from '#functions/articles/handler.ts';
import { type AuthorizerResult, createHandler } from '#functions/authorizer/handler.ts';
import { freePort } from '../../local/dynamodb-local.ts';
import { lambdaContext } from '../../local/lambda-context.ts';
import { startTestApi, type TestApi } from '../support/api.ts';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api?.stop();
});

const silent = new Logger({ logLevel: 'SILENT' });
const event = (authorization?: string) =>
  ({ headers: authorization === undefined ? {} : { authorization } }) as unknown as Parameters<
    ReturnType<typeof createHandler>
  >[0];
const verdict = (handler: ReturnType<typeof createHandler>, authorization?: string) =>
  handler(event(authorization), lambdaContext('authorizer')) as Promise<AuthorizerResult>;

describe('the editor-key authorizer', () => {
  it('passes the key id and scope of a valid key, and a denial for a missing, unknown or malformed one', async () => {
    const handler = createHandler({ registry: api.registry, cacheTtlMs: 0, logger: silent });
    const ok = await verdict(handler, `Bearer ${api.keys.gaze}`);
    expect(ok.isAuthorized).toBe(true);
    expect(ok.context).toMatchObject({ outcome: 'ok', sources: 'the-gaze' });
    expect((await verdict(handler, `Bearer ${api.keys.all}`)).context).toMatchObject({ sources: '*' });
    for (const header of [undefined, 'Bearer nope', 'Basic abc', `Bearer ${api.keys.all}x`]) {
      expect((await verdict(handler, header)).context.outcome).toBe('denied');
    }
  });

  it('reuses a verdict for its cache TTL, so a revoked key stops working once the TTL has passed', async () => {
    let now = 1_000_000;
    const handler = createHandler({
      registry: api.registry,
      cacheTtlMs: 60_000,
      logger: silent,
      clock: { now: () => now },
    });
    const { key, stored } = await api.registry.createKey(['the-gaze'], 'cached');
    expect((await verdict(handler, `Bearer ${key}`)).context.outcome).toBe('ok');
    await api.registry.revokeKey(stored.keyId);
    now += 59_000;
    expect((await verdict(handler, `Bearer ${key}`)).context.outcome).toBe('ok');
    now += 2_000;
    expect((await verdict(handler, `Bearer ${key}`)).context.outcome).toBe('denied');
  });

  it('says the store is unavailable, without caching that, when DynamoDB does not answer', async () => {
    const port = await freePort();
    const down = createHandler(
      (await import('#functions/authorizer/handler.ts')).depsFromEnv({
        TABLE_NAME: api.tableName,
        DYNAMODB_ENDPOINT: `http://127.0.0.1:${port}`,
        AUTH_CACHE_TTL_SECONDS: '60',
      }),
    );
    expect((await verdict(down, `Bearer ${api.keys.all}`)).context).toEqual({ outcome: 'unavailable' });
  });
});

describe('the API function behind it', () => {
  it('refuses to serve a route that reaches it without the authorizer context', async () => {
    const handler = articles.createHandler(
      articles.depsFromEnv({ TABLE_NAME: api.tableName, DYNAMODB_ENDPOINT: api.endpoint }),
    );
    const response = await handler(
      {
        version: '2.0',
        routeKey: 'GET /articles',
        rawPath: '/articles',
        rawQueryString: '',
        headers: {},
        requestContext: { requestId: 'r', http: { method: 'GET', path: '/articles' } },
        isBase64Encoded: false,
      } as never,
      lambdaContext('articles'),
    );
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('authorizer');
  });
});
