import { randomBytes } from 'node:crypto';
import { type AttributeValue, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import { createHandler, depsFromEnv } from '#functions/articles/handler.ts';
import { ARTICLE_ROUTES } from '#functions/articles/routes.ts';
import * as authorizer from '#functions/authorizer/handler.ts';
import * as preview from '#functions/preview/handler.ts';
import { PREVIEW_ROUTES } from '#functions/preview/routes.ts';
import { createDocumentClient } from '#shared/adapters/dynamodb/client.ts';
import { DynamoDbRegistryStore } from '#shared/adapters/dynamodb/registry-store.ts';
import { Registry } from '#shared/registry.ts';
import { LocalHttpApi } from '../../local/api-server.ts';
import { ensureTable } from '../../local/table.ts';

export const SOURCES = ['the-gaze', 'daily-planet'] as const;

export interface TestApi {
  url: string;
  tableName: string;
  endpoint: string;
  registry: Registry;
  /** Keys: every source, only the-gaze, only daily-planet. */
  keys: { all: string; gaze: string; planet: string };
  call(method: string, path: string, options?: CallOptions): Promise<ApiResponse>;
  /** Every item in the table, by kind (`article`, `entry`, `source`, `key`, `idempotency`). */
  items(): Promise<Record<string, unknown>[]>;
  stop(): Promise<void>;
}

export interface CallOptions {
  key?: string | null;
  body?: unknown;
  /** A raw body sent as is (no JSON encoding). */
  raw?: string | Buffer;
  headers?: Record<string, string>;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

/** One request to an editor API at `baseUrl`, with `key` as bearer (none when null), the body as JSON. */
export async function callApi(
  baseUrl: string,
  key: string | null,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (key !== null) headers.authorization = `Bearer ${key}`;
  let body: string | Buffer | undefined = options.raw;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(baseUrl + path, { method, headers, body });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, text, body: parsed };
}

/** Where the test API's previews say the feeds are: it serves no feeds, so only the links depend on it. */
export const TEST_FEEDS_BASE_URL = 'https://feeds.example/';

/**
 * The editor API and its authorizer (no verdict cache) behind the local HTTP adapter, as the stack wires them: the
 * articles function, and the preview function as a second integration for its route, behind the same authorizer.
 */
export function localApi(env: { TABLE_NAME: string; DYNAMODB_ENDPOINT: string }): LocalHttpApi {
  return new LocalHttpApi(
    ARTICLE_ROUTES,
    createHandler(depsFromEnv(env)),
    authorizer.createHandler(authorizer.depsFromEnv({ ...env, AUTH_CACHE_TTL_SECONDS: '0' })),
  ).integrate(
    PREVIEW_ROUTES,
    preview.createHandler(preview.depsFromEnv({ ...env, FEEDS_BASE_URL: TEST_FEEDS_BASE_URL })),
  );
}

/** Starts the editor API on a free port over a fresh table in the suite's DynamoDB Local. */
export async function startTestApi(): Promise<TestApi> {
  const endpoint = inject('dynamodbEndpoint');
  const tableName = `test-${randomBytes(6).toString('hex')}`;
  const raw = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await ensureTable(raw, tableName);
  const registry = new Registry(new DynamoDbRegistryStore(createDocumentClient({ endpoint }), tableName));
  await registry.addSource({ slug: 'the-gaze', name: 'The Gaze', homepageUrl: 'https://thegaze.example/' });
  await registry.addSource({
    slug: 'daily-planet',
    name: 'Daily Planet',
    homepageUrl: 'https://planet.example/',
  });
  const keys = {
    all: (await registry.createKey('*', 'all')).key,
    gaze: (await registry.createKey(['the-gaze'], 'gaze')).key,
    planet: (await registry.createKey(['daily-planet'], 'planet')).key,
  };
  const api = localApi({ TABLE_NAME: tableName, DYNAMODB_ENDPOINT: endpoint });
  const url = await api.listen(0);

  const call = (method: string, path: string, options: CallOptions = {}): Promise<ApiResponse> =>
    callApi(url, options.key === undefined ? keys.all : options.key, method, path, options);

  const items = async () => {
    const out: Record<string, unknown>[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await raw.send(
        new ScanCommand({ TableName: tableName, ExclusiveStartKey: start, ConsistentRead: true }),
      );
      for (const item of page.Items ?? []) out.push({ pk: item.pk?.S, sk: item.sk?.S, type: item.type?.S });
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  };

  return {
    url,
    tableName,
    endpoint,
    registry,
    keys,
    call,
    items,
    stop: async () => {
      await api.close();
      raw.destroy();
    },
  };
}
