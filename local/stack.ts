import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createHandler, depsFromEnv } from '#functions/articles/handler.ts';
import { ARTICLE_ROUTES } from '#functions/articles/routes.ts';
import { createDocumentClient } from '#shared/adapters/dynamodb/client.ts';
import { DynamoDbRegistryStore } from '#shared/adapters/dynamodb/registry-store.ts';
import { Registry, type SourceInput } from '#shared/registry.ts';
import { LocalHttpApi } from './api-server.ts';
import { type DynamoDbLocal, startDynamoDbLocal } from './dynamodb-local.ts';
import { ensureTable } from './table.ts';

export const TABLE_NAME = 'feed-pipeline';

/** The sample article's source, registered on first start. */
export const SEED_SOURCE: SourceInput = {
  slug: 'the-gaze',
  name: 'The Gaze',
  homepageUrl: 'https://thegaze.example/',
  description: 'News and analysis from The Gaze',
  language: 'en',
};

/** What `.local/stack.json` holds: how tools and tests reach a running local stack. */
export interface StackInfo {
  apiUrl: string;
  feedsUrl: string;
  editorKey: string;
  sources: string[];
  dynamodbEndpoint: string;
  tableName: string;
}

export interface StackOptions {
  /** Port for the API; 0 picks a free one. */
  port: number;
  /** Where the database, the development key and `stack.json` live. */
  stateDir: string;
  /** Start from an empty database. */
  fresh?: boolean;
  /** Keep the database in memory only (tests). */
  inMemory?: boolean;
}

export interface RunningStack extends StackInfo {
  stop(): Promise<void>;
}

/** Starts DynamoDB Local, the table, the seed source and key, and the editor API on loopback. */
export async function startStack(options: StackOptions): Promise<RunningStack> {
  await mkdir(options.stateDir, { recursive: true });
  const dbPath = join(options.stateDir, 'dynamodb');
  const keyFile = join(options.stateDir, 'dev-key');
  if (options.fresh)
    await Promise.all([rm(dbPath, { recursive: true, force: true }), rm(keyFile, { force: true })]);

  const dynamo: DynamoDbLocal = await startDynamoDbLocal(options.inMemory ? {} : { dbPath });
  let api: LocalHttpApi | undefined;
  try {
    const raw = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await ensureTable(raw, TABLE_NAME);
    raw.destroy();

    const registry = new Registry(
      new DynamoDbRegistryStore(createDocumentClient({ endpoint: dynamo.endpoint }), TABLE_NAME),
    );
    if (!(await registry.listSources()).some((source) => source.slug === SEED_SOURCE.slug)) {
      await registry.addSource(SEED_SOURCE);
    }
    const editorKey = await developmentKey(registry, keyFile);

    const env = { TABLE_NAME, DYNAMODB_ENDPOINT: dynamo.endpoint };
    api = new LocalHttpApi(ARTICLE_ROUTES, createHandler(depsFromEnv(env)));
    const apiUrl = await api.listen(options.port);
    const info: StackInfo = {
      apiUrl,
      feedsUrl: `${apiUrl}/feeds/`,
      editorKey,
      sources: (await registry.listSources()).map((source) => source.slug),
      dynamodbEndpoint: dynamo.endpoint,
      tableName: TABLE_NAME,
    };
    await writeFile(join(options.stateDir, 'stack.json'), `${JSON.stringify(info, null, 2)}\n`);
    const running = api;
    return {
      ...info,
      stop: async () => {
        await running.close();
        await dynamo.stop();
      },
    };
  } catch (error) {
    await api?.close();
    await dynamo.stop();
    throw error;
  }
}

/** The development key (every source): reused across restarts while it still works, else minted anew. */
async function developmentKey(registry: Registry, keyFile: string): Promise<string> {
  if (existsSync(keyFile)) {
    const key = (await readFile(keyFile, 'utf8')).trim();
    try {
      await registry.authenticate(`Bearer ${key}`);
      return key;
    } catch {
      // revoked or from a wiped database: mint a new one
    }
  }
  const { key } = await registry.createKey('*', 'local development key');
  await writeFile(keyFile, `${key}\n`, { mode: 0o600 });
  return key;
}
