import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import {
  type AttributeValue,
  DynamoDBClient,
  ScanCommand,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHandler, depsFromEnv } from '#functions/articles/handler.ts';
import { ARTICLE_ROUTES } from '#functions/articles/routes.ts';
import * as authorizer from '#functions/authorizer/handler.ts';
import { ARTICLES_BUDGET, AUTHORIZER_BUDGET } from '#functions/budgets.ts';
import { DynamoDbArticleStore } from '#shared/adapters/dynamodb/article-store.ts';
import { createDocumentClient } from '#shared/adapters/dynamodb/client.ts';
import { DynamoDbFeedStore } from '#shared/adapters/dynamodb/feed-store.ts';
import { DynamoDbRegistryStore } from '#shared/adapters/dynamodb/registry-store.ts';
import { S3DocumentPublisher } from '#shared/adapters/s3/document-publisher.ts';
import type { Article } from '#shared/articles/model.ts';
import { ArticleService } from '#shared/articles/service.ts';
import { type ArticleChange, changeOf } from '#shared/feeds/changes.ts';
import type { DocumentPublisher, PublishableDocument } from '#shared/feeds/ports.ts';
import { FeedRegenerator } from '#shared/feeds/regenerate.ts';
import { feedSettingsFromEnv } from '#shared/feeds/settings.ts';
import { LocalHttpApi } from '../../local/api-server.ts';
import { freePort, startDynamoDbLocal } from '../../local/dynamodb-local.ts';
import { startStack } from '../../local/stack.ts';
import { startHoldProxy } from '../support/hold-proxy.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

const seed = JSON.parse(readFileSync(new URL('../fixtures/seed-article.json', import.meta.url), 'utf8'));
const silent = new Logger({ logLevel: 'SILENT' });

async function tableKeys(endpoint: string, tableName: string): Promise<string[]> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
  });
  const keys: string[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: tableName, ExclusiveStartKey: start, ConsistentRead: true }),
    );
    for (const item of page.Items ?? []) keys.push(`${item.pk?.S}|${item.sk?.S}|${JSON.stringify(item)}`);
    start = page.LastEvaluatedKey;
  } while (start);
  client.destroy();
  return keys.sort();
}

describe('DynamoDB Local killed and restarted under the local stack', () => {
  it('answers 503 with Retry-After while the store is down, then recovers without a restart of the stack', async () => {
    const dbPath = await mkdtemp(join(tmpdir(), 'feed-pipeline-db-'));
    const stateDir = await mkdtemp(join(tmpdir(), 'feed-pipeline-state-'));
    const port = await freePort();
    let db = await startDynamoDbLocal({ dbPath, port });
    const stack = await startStack({
      port: 0,
      stateDir,
      inMemory: true,
      batchWindowMs: 50,
      dynamodb: { endpoint: db.endpoint, tableName: 'faults' },
    });
    const post = (title: string) =>
      fetch(`${stack.apiUrl}/articles`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.editorKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ...seed, title }),
      });
    try {
      expect((await post('Before the outage')).status).toBe(201);
      await stack.poller.drained();
      await db.stop();

      const down = await post('During the outage');
      expect(down.status).toBe(503);
      expect(Number(down.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(down.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      // Readers are not affected: the feeds are served from the bucket.
      expect((await fetch(`${stack.feedsUrl}all/rss.xml`)).status).toBe(200);

      db = await startDynamoDbLocal({ dbPath, port });
      let status = 0;
      let article: Article | undefined;
      for (let attempt = 0; attempt < 40 && status !== 201; attempt++) {
        const response = await post('After the outage');
        status = response.status;
        if (status === 201) article = (await response.json()) as Article;
        else await new Promise((r) => setTimeout(r, 250));
      }
      expect(status).toBe(201);
      // The stream poller picks up again too: the new article reaches the feed.
      let feed = '';
      for (let attempt = 0; attempt < 80 && !feed.includes(article?.id ?? '?'); attempt++) {
        feed = await (await fetch(`${stack.feedsUrl}all/feed.json`)).text();
        if (!feed.includes(article?.id ?? '?')) await new Promise((r) => setTimeout(r, 250));
      }
      expect(feed).toContain(article?.id);
      expect(feed).toContain('Before the outage');
    } finally {
      await stack.stop();
      await db.stop();
      await rm(dbPath, { recursive: true, force: true });
      await rm(stateDir, { recursive: true, force: true });
    }
  }, 90_000);
});

describe('faults on the write path', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ streamPoller: false });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('answers a throttled transaction with 503 and Retry-After, and writes nothing', async () => {
    const client = createDocumentClient({ endpoint: stack.dynamodbEndpoint });
    // DynamoDB Local never throttles: inject the error a busy table gives, after the SDK's own retries.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'TransactWriteItemsCommand') {
          throw Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), {
            name: 'ThrottlingException',
            $metadata: { httpStatusCode: 400 },
          });
        }
        return next(args);
      },
      { step: 'initialize', name: 'injectThrottling' },
    );
    const registry = new DynamoDbRegistryStore(client, stack.tableName);
    const api = new LocalHttpApi(
      ARTICLE_ROUTES,
      createHandler({
        articles: new ArticleService(new DynamoDbArticleStore(client, stack.tableName), registry),
        logger: silent,
      }),
      authorizer.createHandler(
        authorizer.depsFromEnv({
          TABLE_NAME: stack.tableName,
          DYNAMODB_ENDPOINT: stack.dynamodbEndpoint,
          AUTH_CACHE_TTL_SECONDS: '0',
        }),
      ),
    );
    const url = await api.listen(0);
    try {
      const before = await tableKeys(stack.dynamodbEndpoint, stack.tableName);
      const response = await fetch(`${url}/articles`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.editorKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(seed),
      });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('2');
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(((await response.json()) as { type: string }).type).toMatch(/\/throttled$/);
      expect(await tableKeys(stack.dynamodbEndpoint, stack.tableName)).toEqual(before);
    } finally {
      await api.close();
    }
  });

  it('lets exactly one of ten concurrent corrections of one version win, with nothing half-written', async () => {
    const created = (await stack.call('POST', '/articles', { ...seed, tags: ['Contested'] })).body as Article;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        stack.call(
          'PUT',
          `/articles/${created.id}`,
          { ...seed, title: `Correction ${i}`, tags: [`Variant ${i}`] },
          {
            'if-match': '"1"',
          },
        ),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412 || s === 409)).toHaveLength(9);
    const winner = results.find((r) => r.status === 200)?.body as Article;
    const stored = (await stack.call('GET', `/articles/${created.id}`)).body as Article;
    expect(stored).toEqual(winner);
    expect(stored.version).toBe(2);
    // Exactly the winner's memberships exist, and the tag counts agree with them.
    const keys = await tableKeys(stack.dynamodbEndpoint, stack.tableName);
    const memberships = keys
      .filter((key) => key.split('|')[1]?.endsWith(`#${created.id}`))
      .map((key) => key.split('|')[0]);
    const winningTag = stored.tags[0]?.slug ?? '';
    expect(memberships.sort()).toEqual(
      [
        'feed#all',
        'feed#sources/the-gaze',
        `feed#tags/${winningTag}`,
        `feed#sources/the-gaze/tags/${winningTag}`,
      ].sort(),
    );
    const counts = keys.filter((key) => key.startsWith('tagcount#the-gaze|'));
    const countOf = (slug: string) =>
      Number(
        JSON.parse(
          counts
            .find((key) => key.startsWith(`tagcount#the-gaze|${slug}|`))
            ?.split('|')
            .slice(2)
            .join('|') ?? '{}',
        ).articles?.N ?? 0,
      );
    expect(countOf('contested')).toBe(0);
    expect(countOf(winningTag)).toBe(1);
  });
});

describe('a cancelled transaction, by its reasons', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ streamPoller: false });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /**
   * The editor API over the stack's table, with each TransactWriteItems call cancelled with the reasons
   * `reasons(call, items)` gives (one per item, as DynamoDB reports them), or sent on when it gives none. DynamoDB Local
   * never throttles and cannot be made to conflict on cue, so those reasons are injected; the request log line is
   * kept, for the metric it carries.
   */
  async function apiCancelling(reasons: (call: number, items: number) => string[] | undefined) {
    const client = createDocumentClient(
      { endpoint: stack.dynamodbEndpoint },
      ARTICLES_BUDGET.clients.dynamodb,
    );
    let transactions = 0;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'TransactWriteItemsCommand') return next(args);
        const codes = reasons(
          ++transactions,
          (args.input as { TransactItems: unknown[] }).TransactItems.length,
        );
        if (!codes) return next(args);
        throw new TransactionCanceledException({
          message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
          $metadata: { httpStatusCode: 400 },
          CancellationReasons: codes.map((Code) => ({ Code })),
        });
      },
      { step: 'initialize', name: 'injectCancellation' },
    );
    const logger = new Logger({ logLevel: 'SILENT' });
    const lines = vi.spyOn(logger, 'info');
    const failures = vi.spyOn(logger, 'error');
    const api = new LocalHttpApi(
      ARTICLE_ROUTES,
      createHandler({
        articles: new ArticleService(
          new DynamoDbArticleStore(client, stack.tableName),
          new DynamoDbRegistryStore(client, stack.tableName),
        ),
        logger,
      }),
      authorizer.createHandler(
        authorizer.depsFromEnv({
          TABLE_NAME: stack.tableName,
          DYNAMODB_ENDPOINT: stack.dynamodbEndpoint,
          AUTH_CACHE_TTL_SECONDS: '0',
        }),
      ),
    );
    const url = await api.listen(0);
    const send = async (
      method: string,
      path: string,
      body: unknown,
      headers: Record<string, string> = {},
    ) => {
      const response = await fetch(url + path, {
        method,
        headers: {
          authorization: `Bearer ${stack.editorKey}`,
          'content-type': 'application/json',
          ...headers,
        },
        body: JSON.stringify(body),
      });
      return {
        response,
        problem: (await response.json()) as { type: string; status: number; detail: string },
      };
    };
    /** The reason the last request line counts its write rejected for (functions/articles/metrics.ts). */
    const rejectedReason = () => {
      const [message, fields] = lines.mock.calls.at(-1) ?? [];
      expect(message).toBe('request');
      const line = fields as Record<string, unknown> & {
        _aws?: { CloudWatchMetrics: { Metrics: { Name: string }[] }[] };
      };
      expect(line._aws?.CloudWatchMetrics[0]?.Metrics[0]?.Name).toBe('ArticlesRejected');
      expect(line.ArticlesRejected).toBe(1);
      return line.reason;
    };
    return { send, rejectedReason, failures, transactions: () => transactions, close: () => api.close() };
  }

  for (const reasons of [
    ['None', 'ThrottlingError', 'None'],
    ['ProvisionedThroughputExceeded', 'None'],
    ['TransactionConflict', 'ThrottlingError'],
  ]) {
    it(`answers [${reasons.join(', ')}] with 503 Throttled and Retry-After, counted, tried once, nothing written`, async () => {
      const api = await apiCancelling(() => reasons);
      try {
        const before = await tableKeys(stack.dynamodbEndpoint, stack.tableName);
        const { response, problem } = await api.send('POST', '/articles', seed);
        expect(response.status).toBe(503);
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(response.headers.get('retry-after')).toBe('2');
        expect(problem).toMatchObject({ type: 'tag:feed-pipeline,2026:problems/throttled', status: 503 });
        expect(problem.detail).toMatch(/capacity/);
        expect(api.rejectedReason()).toBe('throttled');
        // A throttled table needs time, not more requests: neither the SDK nor the service sends it again.
        expect(api.transactions()).toBe(1);
        expect(await tableKeys(stack.dynamodbEndpoint, stack.tableName)).toEqual(before);
      } finally {
        await api.close();
      }
    });
  }

  it('tries a post again after a transaction conflict, and stores it once', async () => {
    const api = await apiCancelling((call) => (call === 1 ? ['None', 'TransactionConflict'] : undefined));
    try {
      const { response, problem } = await api.send('POST', '/articles', { ...seed, title: 'Second try' });
      expect(response.status).toBe(201);
      expect(api.transactions()).toBe(2);
      const stored = await stack.call('GET', `/articles/${(problem as unknown as Article).id}`);
      expect(stored.body.title).toBe('Second try');
    } finally {
      await api.close();
    }
  });

  it('answers a conflict that outlasts the retries with 409 Concurrent write and Retry-After, on a post and a correction', async () => {
    const created = (await stack.call('POST', '/articles', { ...seed, title: 'Contended' })).body as Article;
    const api = await apiCancelling(() => ['TransactionConflict', 'None']);
    try {
      const before = await tableKeys(stack.dynamodbEndpoint, stack.tableName);
      const post = await api.send('POST', '/articles', seed);
      expect(post.response.status).toBe(409);
      expect(post.response.headers.get('retry-after')).toBe('1');
      expect(post.problem.type).toBe('tag:feed-pipeline,2026:problems/concurrent-write');
      expect(api.rejectedReason()).toBe('concurrent-write');
      expect(api.transactions()).toBe(5);

      // The correction named the current version: a lost race is not a version mismatch (412).
      const put = await api.send(
        'PUT',
        `/articles/${created.id}`,
        { ...seed, title: 'Corrected' },
        { 'if-match': '"1"' },
      );
      expect(put.response.status).toBe(409);
      expect(put.response.headers.get('retry-after')).toBe('1');
      expect(put.problem.type).toBe('tag:feed-pipeline,2026:problems/concurrent-write');
      expect(api.transactions()).toBe(10);
      expect(await tableKeys(stack.dynamodbEndpoint, stack.tableName)).toEqual(before);
    } finally {
      await api.close();
    }
  });

  it('answers a failed condition with 412 at once, whatever else the transaction reports', async () => {
    const created = (await stack.call('POST', '/articles', { ...seed, title: 'Conditional' }))
      .body as Article;
    const api = await apiCancelling(() => [
      'ConditionalCheckFailed',
      'ThrottlingError',
      'TransactionConflict',
    ]);
    try {
      const put = await api.send(
        'PUT',
        `/articles/${created.id}`,
        { ...seed, title: 'Late' },
        { 'if-match': '"1"' },
      );
      expect(put.response.status).toBe(412);
      expect(put.problem.type).toBe('tag:feed-pipeline,2026:problems/precondition-failed');
      expect(api.rejectedReason()).toBe('precondition-failed');
      expect(api.transactions()).toBe(1);
    } finally {
      await api.close();
    }
  });

  /** The reasons of a transaction of `items` whose last item (an external id's claim) failed its condition. */
  const claimFailed = (items: number, others = 'None') => [
    ...Array.from({ length: items - 1 }, (_, index) => (index === 0 ? others : 'None')),
    'ConditionalCheckFailed',
  ];

  it('answers the external id claim’s failed condition with 409 naming the holder, whatever else is reported', async () => {
    const externalId = `fault-holder-${Date.now()}`;
    const holder = (await stack.call('POST', '/articles', { ...seed, externalId })).body as Article;
    const other = (await stack.call('POST', '/articles', { ...seed, title: 'Without an id' }))
      .body as Article;
    const api = await apiCancelling((_, items) => claimFailed(items, 'ThrottlingError'));
    try {
      const before = await tableKeys(stack.dynamodbEndpoint, stack.tableName);
      // A correction that gives an article the id: its transaction's claim is refused.
      const { response, problem } = await api.send(
        'PUT',
        `/articles/${other.id}`,
        { ...seed, externalId },
        { 'if-match': '"1"' },
      );
      expect(response.status).toBe(409);
      expect(response.headers.get('location')).toBe(`/articles/${holder.id}`);
      expect(problem).toMatchObject({
        type: 'tag:feed-pipeline,2026:problems/external-id-taken',
        articleId: holder.id,
      });
      expect(api.rejectedReason()).toBe('external-id-taken');
      expect(api.transactions()).toBe(1);
      // A post of it is answered from one read of the id's item, before any transaction.
      const post = await api.send('POST', '/articles', { ...seed, externalId });
      expect(post.response.status).toBe(409);
      expect(post.problem).toMatchObject({ articleId: holder.id });
      expect(api.transactions()).toBe(1);
      expect(await tableKeys(stack.dynamodbEndpoint, stack.tableName)).toEqual(before);
    } finally {
      await api.close();
    }
  });

  it('tries a post again when its external id claim failed but no article holds the id by the time it is read', async () => {
    const api = await apiCancelling((call, items) => (call === 1 ? claimFailed(items) : undefined));
    try {
      const externalId = `fault-vanished-${Date.now()}`;
      const { response, problem } = await api.send('POST', '/articles', { ...seed, externalId });
      expect(response.status).toBe(201);
      expect(api.transactions()).toBe(2);
      expect((problem as unknown as Article).externalId).toBe(externalId);
    } finally {
      await api.close();
    }
  });

  for (const reason of ['ValidationError', 'ItemCollectionSizeLimitExceeded']) {
    it(`reports ${reason} as the fault of the write it is: a bare 500, logged with its reasons`, async () => {
      const api = await apiCancelling(() => ['None', reason]);
      try {
        const { response, problem } = await api.send('POST', '/articles', seed);
        expect(response.status).toBe(500);
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(problem.type).toBe('tag:feed-pipeline,2026:problems/internal-server-error');
        expect(problem.detail).not.toContain(reason);
        expect(api.transactions()).toBe(1);
        const [, logged] = api.failures.mock.calls.at(-1) ?? [];
        expect(String((logged as { error: Error }).error.message)).toContain(reason);
      } finally {
        await api.close();
      }
    });
  }
});

describe('a store that stops answering', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ streamPoller: false });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('gets the designed answers before the functions time out: the authorizer says unavailable, the API 503', async () => {
    // A loopback proxy in front of DynamoDB Local that accepts and holds every request once told to: a table that
    // stops answering, not one that refuses. The handlers are wired as Lambda wires them (depsFromEnv), with their
    // budgets (functions/budgets.ts).
    const proxy = await startHoldProxy(stack.dynamodbEndpoint);
    const env = {
      TABLE_NAME: stack.tableName,
      DYNAMODB_ENDPOINT: proxy.endpoint,
      AUTH_CACHE_TTL_SECONDS: '0',
    };
    const authorize = authorizer.createHandler(authorizer.depsFromEnv(env));
    const deps = depsFromEnv(env);
    deps.logger = silent;
    const articles = createHandler(deps);
    const lambda = (name: string, timeoutSeconds: number) =>
      ({
        functionName: name,
        awsRequestId: `${name}-request`,
        getRemainingTimeInMillis: () => timeoutSeconds * 1000,
      }) as never;
    const authorizerEvent = {
      version: '2.0',
      type: 'REQUEST',
      routeArn: 'arn',
      identitySource: [`Bearer ${stack.editorKey}`],
      routeKey: 'POST /articles',
      rawPath: '/articles',
      rawQueryString: '',
      headers: { authorization: `Bearer ${stack.editorKey}` },
      requestContext: {
        http: { method: 'POST', path: '/articles' },
        requestId: 'held',
        routeKey: 'POST /articles',
      },
    } as never;
    const post = (context: unknown) =>
      ({
        version: '2.0',
        routeKey: 'POST /articles',
        rawPath: '/articles',
        rawQueryString: '',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(seed),
        isBase64Encoded: false,
        requestContext: {
          http: { method: 'POST', path: '/articles' },
          requestId: 'held',
          routeKey: 'POST /articles',
          authorizer: { lambda: context },
        },
      }) as never;
    /** The handler's answer and how long it took, or `undefined` if it had none within `seconds`. */
    const within = async <T>(seconds: number, call: Promise<T>) => {
      const started = Date.now();
      const timer = new Promise<undefined>((resolve) => {
        setTimeout(() => resolve(undefined), seconds * 1000).unref();
      });
      const answer = await Promise.race([call, timer]);
      return { answer, ms: Date.now() - started };
    };
    try {
      // Through the proxy, answered: the key is good and the article is stored.
      const verdict = (await authorize(authorizerEvent, lambda('authorizer', 5))) as {
        context: Record<string, string>;
      };
      expect(verdict.context.outcome).toBe('ok');
      const stored = (await articles(post(verdict.context), lambda('articles', 10))) as {
        statusCode: number;
      };
      expect(stored.statusCode).toBe(201);

      proxy.hold();

      // The authorizer's designed failure, before its 5 s timeout: `unavailable`, which the API answers with 503.
      const held = await within(
        AUTHORIZER_BUDGET.timeoutSeconds,
        authorize(authorizerEvent, lambda('authorizer', 5)),
      );
      expect(held.answer).toMatchObject({ isAuthorized: true, context: { outcome: 'unavailable' } });
      expect(held.ms).toBeLessThan(AUTHORIZER_BUDGET.timeoutSeconds * 1000);

      // The API's designed failure, before its 15 s timeout: 503 with Retry-After, a problem document.
      const refused = await within(
        ARTICLES_BUDGET.timeoutSeconds,
        articles(post(verdict.context), lambda('articles', ARTICLES_BUDGET.timeoutSeconds)),
      );
      const answer = refused.answer as
        | { statusCode: number; headers: Record<string, string>; body: string }
        | undefined;
      expect(answer?.statusCode).toBe(503);
      expect(answer?.headers['retry-after']).toBe('2');
      expect(answer?.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(answer?.body ?? '{}').type).toBe(
        'tag:feed-pipeline,2026:problems/service-unavailable',
      );
      expect(refused.ms).toBeLessThan(ARTICLES_BUDGET.timeoutSeconds * 1000);
      // Every attempt reached the proxy and was held there: the client gave up on them, not the proxy.
      expect(proxy.held).toBeGreaterThanOrEqual(
        AUTHORIZER_BUDGET.clients.dynamodb.maxAttempts + ARTICLES_BUDGET.clients.dynamodb.maxAttempts,
      );

      // The store answers again: so does the API, with no restart.
      proxy.release();
      const again = (await articles(post(verdict.context), lambda('articles', 10))) as { statusCode: number };
      expect(again.statusCode).toBe(201);
    } finally {
      await proxy.close();
    }
  }, 30_000);
});

describe('faults on the publish path', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ streamPoller: false });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('ends with feeds identical to a clean run when a batch dies midway and is delivered again', async () => {
    const changes: ArticleChange[] = [];
    for (let i = 0; i < 12; i++) {
      const article = (
        await stack.call('POST', '/articles', {
          ...seed,
          url: `https://thegaze.example/crash/${i}`,
          tags: [`Crash ${i % 3}`, 'Crash All'],
        })
      ).body as Article;
      const change = changeOf(`record-${i}`, undefined, article);
      if (change) changes.push(change);
    }
    const dynamo = createDocumentClient({ endpoint: stack.dynamodbEndpoint });
    const store = new DynamoDbFeedStore(
      dynamo,
      stack.tableName,
      new DynamoDbRegistryStore(dynamo, stack.tableName),
    );
    const settings = feedSettingsFromEnv(stack.feedEnv);
    const real = new S3DocumentPublisher(stack.s3, stack.bucket);

    // The first delivery dies after a few uploads, as a function that times out or crashes would.
    let uploads = 0;
    const dying: DocumentPublisher = {
      publish: async (document: PublishableDocument) => {
        if (uploads++ >= 7) return new Promise<boolean>(() => undefined);
        return real.publish(document);
      },
    };
    const first = new FeedRegenerator(store, dying, settings).regenerate(changes);
    const timedOut = await Promise.race([
      first.then(() => false),
      new Promise<boolean>((r) => setTimeout(() => r(true), 1_000)),
    ]);
    expect(timedOut).toBe(true);

    // The same batch again, to a healthy function.
    const again = await new FeedRegenerator(store, real, settings).regenerate(changes);
    expect(again.failedRecordIds).toEqual([]);

    // A clean run of the same state, into a bucket of its own (checked itself, not through the digests the state
    // records of the other bucket), gives exactly the same objects.
    await stack.s3.send(new CreateBucketCommand({ Bucket: 'clean-run' }));
    const clean = await new FeedRegenerator(store, new S3DocumentPublisher(stack.s3, 'clean-run'), settings, {
      checkBucket: true,
    }).regenerate(changes);
    expect(clean.failedRecordIds).toEqual([]);
    const objects = async (bucket: string) => {
      const listed = await stack.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'feeds/' }));
      const out: Record<string, string> = {};
      for (const { Key } of listed.Contents ?? []) {
        if (!Key) continue;
        const object = await stack.s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
        out[Key] = (await object.Body?.transformToString()) ?? '';
      }
      return out;
    };
    const published = await objects(stack.bucket);
    const expected = await objects('clean-run');
    expect(Object.keys(expected).length).toBeGreaterThan(20);
    expect(published).toEqual(expected);
  });
});
