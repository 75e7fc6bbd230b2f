/**
 * What the functions write to their logs, captured from the whole local pipeline at DEBUG: structured JSON
 * only, and never a key, a secret, a hash of one, an Authorization header, an Idempotency-Key or what an editor
 * wrote. Powertools Logger prints through a Console of its own bound to process.stdout and process.stderr, so
 * both are captured before the stack (and with it every logger) is created; vitest.config.ts silences the
 * loggers for every other file (POWERTOOLS_LOG_LEVEL=SILENT), this file turns them up to DEBUG.
 */
import { createHash, randomBytes } from 'node:crypto';
import { type AttributeValue, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it, type MockInstance, vi } from 'vitest';
import * as articlesFunction from '#functions/articles/handler.ts';
import { LOCAL_METRICS_NAMESPACE, PIPELINE_METRICS, type PipelineMetric } from '#functions/metrics.ts';
import { createDocumentClient } from '#shared/adapters/dynamodb/client.ts';
import { DynamoDbRegistryStore } from '#shared/adapters/dynamodb/registry-store.ts';
import { hashSecret, parseKey } from '#shared/keys.ts';
import { Registry } from '#shared/registry.ts';
import { lambdaContext } from '../../local/lambda-context.ts';
import { LEAKS } from '../support/leaks.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

const marker = randomBytes(6).toString('hex');
const MARKERS = {
  title: `CANARY-TITLE-${marker}`,
  body: `CANARY-BODY-${marker}`,
  summary: `CANARY-SUMMARY-${marker}`,
  author: `CANARY-AUTHOR-${marker}`,
  idempotencyKey: `CANARY-IDEMPOTENCY-${marker}`,
};

let stack: TestStack;
const chunks: string[] = [];
let spies: MockInstance[] = [];
/** What a 500 looked like to the client. */
let crash: { statusCode?: number | undefined; body?: string | undefined; headers?: Record<string, unknown> };
/** Everything secret about the development key, and the stand-ins that must not show up either. */
let secrets: Record<string, string>;

const capture = (chunk: unknown): boolean => {
  chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
  return true;
};

beforeAll(async () => {
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'DEBUG');
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  // Dev mode would print through the global console (which vitest intercepts), pretty-printed over many lines.
  vi.stubEnv('POWERTOOLS_DEV', '');
  spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(capture as typeof process.stdout.write),
    vi.spyOn(process.stderr, 'write').mockImplementation(capture as typeof process.stderr.write),
  ];
  stack = await startTestStack();

  const parsed = parseKey(stack.editorKey);
  if (!parsed) throw new Error('the development key does not parse');
  const registry = new Registry(
    new DynamoDbRegistryStore(createDocumentClient({ endpoint: stack.dynamodbEndpoint }), stack.tableName),
  );
  const stored = (await registry.listKeys()).find((key) => key.keyId === parsed.keyId);
  if (!stored) throw new Error('the development key is not in the registry');
  const forged = `fpk_${parsed.keyId}_${randomBytes(32).toString('base64url')}`;
  secrets = {
    'editor key': stack.editorKey,
    'key secret': parsed.secret,
    'stored secret hash': stored.secretHash,
    'hash of the secret': hashSecret(parsed.secret),
    'Authorization header': `Bearer ${stack.editorKey}`,
    'hash of the Authorization header': sha256(`Bearer ${stack.editorKey}`),
    'forged key': forged,
    'forged secret': forged.slice(-43),
    'Idempotency-Key': MARKERS.idempotencyKey,
    'hash of the Idempotency-Key': sha256(MARKERS.idempotencyKey),
    title: MARKERS.title,
    content: MARKERS.body,
    summary: MARKERS.summary,
    'author name': MARKERS.author,
  };
  await driveTraffic(forged);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  for (const spy of spies) spy.mockRestore();
  vi.unstubAllEnvs();
});

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');

const ARTICLE = {
  source: 'the-gaze',
  title: MARKERS.title,
  url: `https://thegaze.example/news/${marker}`,
  contentHtml: `<p>${MARKERS.body}</p>`,
  summary: MARKERS.summary,
  author: { name: MARKERS.author },
  tags: ['Logging'],
};

const statuses: Record<string, number> = {};

async function driveTraffic(forged: string): Promise<void> {
  const record = (what: string, status: number) => {
    statuses[what] = status;
  };
  const created = await stack.call('POST', '/articles', ARTICLE, {
    'idempotency-key': MARKERS.idempotencyKey,
  });
  record('post', created.status);
  const id = created.body.id as string;
  record(
    'replay',
    (await stack.call('POST', '/articles', ARTICLE, { 'idempotency-key': MARKERS.idempotencyKey })).status,
  );
  record(
    'reused key, other body',
    (
      await stack.call(
        'POST',
        '/articles',
        { ...ARTICLE, title: `${MARKERS.title} again` },
        {
          'idempotency-key': MARKERS.idempotencyKey,
        },
      )
    ).status,
  );
  record('read', (await stack.call('GET', `/articles/${id}`)).status);
  record('list', (await stack.call('GET', '/articles?source=the-gaze&limit=5')).status);
  const corrected = {
    ...ARTICLE,
    title: `${MARKERS.title} corrected`,
    contentHtml: `<p>${MARKERS.body} v2</p>`,
  };
  record('correction', (await stack.call('PUT', `/articles/${id}`, corrected, { 'if-match': '"1"' })).status);
  record('correction without If-Match', (await stack.call('PUT', `/articles/${id}`, corrected)).status);
  record(
    'stale correction',
    (await stack.call('PUT', `/articles/${id}`, corrected, { 'if-match': '"1"' })).status,
  );
  record(
    'invalid body',
    (
      await stack.call('POST', '/articles', {
        ...ARTICLE,
        url: `javascript:${MARKERS.body}`,
        extra: MARKERS.title,
      })
    ).status,
  );
  const raw = async (body: string, headers: Record<string, string>) =>
    (await fetch(`${stack.apiUrl}/articles`, { method: 'POST', headers, body })).status;
  const json = { 'content-type': 'application/json' };
  record(
    'malformed JSON',
    await raw(`{"title": "${MARKERS.title}", "contentHtml": "${MARKERS.body}`, {
      ...json,
      authorization: `Bearer ${stack.editorKey}`,
    }),
  );
  record('forged key', await raw(JSON.stringify(ARTICLE), { ...json, authorization: `Bearer ${forged}` }));
  record('no key', await raw(JSON.stringify(ARTICLE), json));
  record('retraction', (await stack.call('DELETE', `/articles/${id}`)).status);
  record('second post', (await stack.call('POST', '/articles', { ...ARTICLE, tags: ['Other'] })).status);
  await stack.settle();

  // A route that reaches the API function without the authorizer's verdict: a deployment mistake, a 500.
  const handler = articlesFunction.createHandler(
    articlesFunction.depsFromEnv({ TABLE_NAME: stack.tableName, DYNAMODB_ENDPOINT: stack.dynamodbEndpoint }),
  );
  const result = await handler(
    {
      version: '2.0',
      routeKey: 'POST /articles',
      rawPath: '/articles',
      rawQueryString: '',
      headers: {
        authorization: `Bearer ${stack.editorKey}`,
        'content-type': 'application/json',
        'idempotency-key': MARKERS.idempotencyKey,
      },
      body: JSON.stringify(ARTICLE),
      requestContext: { requestId: 'req-500-check', http: { method: 'POST', path: '/articles' } },
      isBase64Encoded: false,
    } as never,
    lambdaContext('articles', 'req-500-check'),
  );
  crash = typeof result === 'string' ? { body: result } : result;
}

/** Every non-empty line written to stdout or stderr so far. */
function lines(): string[] {
  return chunks
    .join('')
    .split('\n')
    .filter((line) => line.trim() !== '');
}

/** An EMF document: CloudWatch reads the metrics it names from the line's own members. */
function isMetricsDocument(entry: Record<string, any>): boolean {
  return Array.isArray(entry?._aws?.CloudWatchMetrics);
}

function entries(): Record<string, any>[] {
  return lines().map((line) => JSON.parse(line));
}

describe('the logs of the three functions', () => {
  it('drove every kind of request the assertions below rely on', () => {
    expect(statuses).toEqual({
      post: 201,
      replay: 201,
      'reused key, other body': 422,
      read: 200,
      list: 200,
      correction: 200,
      'correction without If-Match': 428,
      'stale correction': 412,
      'invalid body': 422,
      'malformed JSON': 400,
      'forged key': 401,
      'no key': 401,
      retraction: 204,
      'second post': 201,
    });
  });

  it('are one JSON object per line, nothing else', () => {
    expect(lines().length).toBeGreaterThan(0);
    for (const line of lines()) {
      let parsed: unknown;
      expect(
        () => {
          parsed = JSON.parse(line);
        },
        line.slice(0, 200),
      ).not.toThrow();
      expect(parsed).toBeTypeOf('object');
      // A log line, or the regenerate function's metrics as an EMF document (Powertools Metrics).
      if (!isMetricsDocument(parsed as Record<string, unknown>))
        expect(parsed).toMatchObject({ level: expect.any(String), message: expect.any(String) });
    }
  });

  it('carry the metrics the dashboard reads, in the embedded metric format', () => {
    const documents = entries().filter(isMetricsDocument);
    const emitted = (metric: PipelineMetric) =>
      documents.filter((document) =>
        document._aws.CloudWatchMetrics.some(
          (directive: {
            Namespace: string;
            Dimensions: string[][];
            Metrics: { Name: string; Unit: string }[];
          }) =>
            directive.Namespace === LOCAL_METRICS_NAMESPACE &&
            directive.Dimensions.some((set) => set.join() === ['service', ...metric.dimensions].join()) &&
            directive.Metrics.some((m) => m.Name === metric.name && m.Unit === metric.unit),
        ),
      );
    for (const metric of Object.values(PIPELINE_METRICS)) {
      const found = emitted(metric);
      expect(found.length, metric.name).toBeGreaterThan(0);
      for (const document of found) {
        expect(document.service, metric.name).toBe(metric.service);
        expect(document[metric.name], metric.name).toEqual(expect.anything());
        for (const dimension of metric.dimensions)
          expect(document[dimension], dimension).toBeTypeOf('string');
      }
    }
    // Writes accepted (two posts, a replay, a correction, a retraction) and rejected by reason.
    const accepted = emitted(PIPELINE_METRICS.articlesAccepted);
    expect(accepted).toHaveLength(5);
    const reasons = emitted(PIPELINE_METRICS.articlesRejected)
      .map((document) => document.reason)
      .sort();
    expect(reasons).toEqual(
      [
        'invalid-request',
        'precondition-required',
        'precondition-failed',
        'invalid-request',
        'malformed-request',
        'unauthorized',
        'unauthorized',
        'internal-server-error',
      ].sort(),
    );
  });

  it('come from each function: a line per request, a verdict per key check and a line per regeneration', () => {
    const logged = entries();
    const of = (service: string) => logged.filter((entry) => entry.service === service);
    const requests = of('articles').filter((entry) => entry.message === 'request');
    expect(requests.map((entry) => entry.status).sort()).toEqual(
      [201, 201, 422, 200, 200, 200, 428, 412, 422, 400, 401, 401, 204, 201, 500].sort(),
    );
    for (const entry of requests) {
      // Powertools' Lambda context and the API's request id as correlation id, on every line of the request.
      expect(entry).toMatchObject({
        level: 'INFO',
        route: expect.any(String),
        function_name: 'articles',
        function_request_id: expect.any(String),
        correlation_id: expect.any(String),
        cold_start: expect.any(Boolean),
      });
    }
    expect(new Set(requests.map((entry) => entry.correlation_id)).size).toBe(requests.length);
    const verdicts = of('authorizer').filter((entry) => entry.message === 'verdict');
    expect(verdicts.filter((entry) => entry.outcome === 'ok').length).toBeGreaterThanOrEqual(10);
    expect(verdicts.filter((entry) => entry.outcome === 'denied')).toHaveLength(2);
    for (const verdict of verdicts) expect(verdict.level).toBe('DEBUG');
    const regenerations = of('regenerate-feeds').filter((entry) => entry.message === 'regenerated');
    expect(regenerations.length).toBeGreaterThan(0);
    for (const entry of regenerations)
      expect(entry).toMatchObject({ function_name: 'regenerate-feeds', correlation_id: expect.any(String) });
    expect(regenerations.reduce((sum, entry) => sum + entry.uploaded, 0)).toBeGreaterThan(0);
  });

  it('never carry a key, its secret or hash, the Authorization header, the Idempotency-Key or the article', () => {
    const text = lines().join('\n');
    expect(text.length).toBeGreaterThan(0);
    for (const [what, secret] of Object.entries(secrets)) {
      expect(text.includes(secret), `${what} appears in the logs`).toBe(false);
    }
  });

  it('log an unexpected failure in full on the server side only', () => {
    const failures = entries().filter((entry) => entry.message === 'request failed');
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      level: 'ERROR',
      service: 'articles',
      error: { message: 'no editor-key authorizer context on this request' },
    });
  });
});

describe('a 500', () => {
  it('answers with a bare problem document: no stack trace, file path, class name or cause', () => {
    expect(crash.statusCode).toBe(500);
    expect(String(crash.headers?.['content-type'])).toMatch(/^application\/problem\+json/);
    const body = JSON.parse(crash.body ?? '');
    expect(body).toEqual({
      type: 'tag:feed-pipeline,2026:problems/internal-server-error',
      title: 'Internal server error',
      status: 500,
      detail: 'The request could not be completed. Quote request id req-500-check when reporting it.',
      instance: '/articles',
    });
    for (const leak of LEAKS) expect(crash.body).not.toMatch(leak);
  });

  it('writes nothing to the table', async () => {
    const dynamo = new DynamoDBClient({
      endpoint: stack.dynamodbEndpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      const titles: string[] = [];
      let start: Record<string, AttributeValue> | undefined;
      do {
        const page = await dynamo.send(
          new ScanCommand({ TableName: stack.tableName, ExclusiveStartKey: start, ConsistentRead: true }),
        );
        for (const item of page.Items ?? []) if (item.type?.S === 'article') titles.push(item.title?.S ?? '');
        start = page.LastEvaluatedKey;
      } while (start);
      // The first article (corrected, then retracted) and the second: the crashed request added none.
      expect(titles.sort()).toEqual([`${MARKERS.title} corrected`, MARKERS.title].sort());
    } finally {
      dynamo.destroy();
    }
  });
});
