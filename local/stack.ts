import { constants, existsSync } from 'node:fs';
import { access, appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createHandler, depsFromEnv } from '#functions/articles/handler.ts';
import { ARTICLE_ROUTES } from '#functions/articles/routes.ts';
import * as authorizer from '#functions/authorizer/handler.ts';
import * as notifyHubs from '#functions/notify-hubs/handler.ts';
import { hubMessages } from '#functions/notify-hubs/queue.ts';
import * as preview from '#functions/preview/handler.ts';
import { PREVIEW_ROUTES } from '#functions/preview/routes.ts';
import * as regenerateFeeds from '#functions/regenerate-feeds/handler.ts';
import * as releaseArticles from '#functions/release-articles/handler.ts';
import { DynamoDbArticleStore } from '#shared/adapters/dynamodb/article-store.ts';
import { createDocumentClient } from '#shared/adapters/dynamodb/client.ts';
import { DynamoDbDueReader } from '#shared/adapters/dynamodb/due-reader.ts';
import { DynamoDbPartnerTokenStore } from '#shared/adapters/dynamodb/partner-token-store.ts';
import { DynamoDbRegistryStore } from '#shared/adapters/dynamodb/registry-store.ts';
import { createS3Client } from '#shared/adapters/s3/client.ts';
import { type FeedSettings, feedSettingsFromEnv, hubPingDelaySeconds } from '#shared/feeds/settings.ts';
import { Registry, type SourceInput } from '#shared/registry.ts';
import { LocalHttpApi } from './api-server.ts';
import { type DynamoDbLocal, startDynamoDbLocal } from './dynamodb-local.ts';
import { type EdgeCacheOptions, LocalFeedServer } from './feed-server.ts';
import { LocalHubQueue } from './hub-queue.ts';
import { lambdaContext } from './lambda-context.ts';
import { TablePartnerTokens } from './partner-tokens.ts';
import { LocalReleaseTimer } from './release-timer.ts';
import { republishStaleInBackground, type StaleRepublish } from './republish-stale.ts';
import { type S3Local, startS3Local } from './s3-local.ts';
import { StreamPoller } from './stream-poller.ts';
import { ensureTable } from './table.ts';

export const TABLE_NAME = 'feed-pipeline';
export const BUCKET_NAME = 'feeds';

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
  s3Endpoint: string;
  bucket: string;
  /** The feed settings the regenerate function runs with (FEEDS_BASE_URL, FEED_EDGE_TTL_SECONDS, ...). */
  feedEnv: Record<string, string>;
}

export interface StackOptions {
  /** Port for the API; 0 picks a free one. */
  port: number;
  /** Where the database, the development key and `stack.json` live. */
  stateDir: string;
  /** Start from an empty database. */
  fresh?: boolean;
  /** Keep the database and the bucket in temporary storage only (tests). */
  inMemory?: boolean;
  /** Entries per feed (FEED_SIZE). */
  feedSize?: number;
  /** How long the stream poller lets records gather into one batch. */
  batchWindowMs?: number;
  /** WebSub hubs the feeds declare and changes are announced to. */
  websubHubs?: readonly string[];
  /** How long a hub notification that failed waits before it is tried again (the queue's visibility timeout). */
  hubRetryMs?: number;
  /** Leave the stream unread (tests that drive regeneration themselves). */
  streamPoller?: boolean;
  /**
   * Render again in the background the documents an older release's renderers rendered, when the renderers' version
   * changed since the last start (default: unless in memory, where nothing outlives the stack).
   */
  republishStale?: boolean;
  /** Use this running DynamoDB (tests share one) instead of starting DynamoDB Local. */
  dynamodb?: { endpoint: string; tableName: string };
  /**
   * Serve the feeds through an imitation of the edge cache (the CDK app's cache policy: `s-maxage`, then `max-age`),
   * as `npm start` does; without it (tests watching a write arrive, benchmarks) every request reads the bucket.
   */
  edgeCache?: boolean;
  /** The documents' `s-maxage` (FEED_EDGE_TTL_SECONDS): 2 s locally unless set; hubs are told 2 s after it. */
  edgeTtlSeconds?: number;
  /**
   * The clock of the partner feeds' token cache (local/partner-tokens.ts): a test moves it to see a revocation
   * take hold without waiting.
   */
  partnerTokenClock?: () => number;
}

/** The local edge TTL: short, so a change shows within seconds; a deployment keeps 30 s (infra/config.ts). */
export const LOCAL_EDGE_TTL_SECONDS = 2;

/** What the regenerate function did since the stack started. */
export interface RegenerationTotals {
  batches: number;
  records: number;
  /** Feeds (three formats each), tag indexes and the catalogue rendered. */
  rendered: number;
  /** Archive pages rendered (three formats and a page each). */
  archived: number;
  /** Objects uploaded to the bucket: only those whose bytes changed. */
  uploaded: number;
}

export interface RunningStack extends StackInfo {
  regeneration: RegenerationTotals;
  /** The stream poller, for tests that wait until every write has reached the feeds. */
  poller: StreamPoller;
  /** The lifecycle's sweep on a timer (release-timer.ts); a test may run `release.lifecycle.sweep()` itself. */
  release: LocalReleaseTimer;
  /** The queue of hub notifications, when the stack has hubs. */
  hubs?: LocalHubQueue;
  /** Documents rendered by an older release, rendered again in the background on start (republish-stale.ts). */
  staleRepublish?: StaleRepublish;
  /**
   * From now on, run every batch in a regenerate function started afresh (its clients and what it keeps across
   * batches made anew), as Lambda does when no instance is warm; `false` goes back to one warm instance.
   */
  coldRegenerator(cold: boolean): void;
  stop(): Promise<void>;
}

/** Starts DynamoDB Local, the table, the seed source and key, and the editor API on loopback. */
export async function startStack(options: StackOptions): Promise<RunningStack> {
  await mkdir(options.stateDir, { recursive: true });
  const dbPath = join(options.stateDir, 'dynamodb');
  const keyFile = join(options.stateDir, 'dev-key');
  if (options.fresh)
    await Promise.all([rm(dbPath, { recursive: true, force: true }), rm(keyFile, { force: true })]);

  const dynamo: Pick<DynamoDbLocal, 'endpoint' | 'stop'> = options.dynamodb
    ? { endpoint: options.dynamodb.endpoint, stop: async () => undefined }
    : await startDynamoDbLocal(options.inMemory ? {} : { dbPath });
  const tableName = options.dynamodb?.tableName ?? TABLE_NAME;
  // In memory means the objects too: on a RAM disk where there is one, as S3 writes cost no local disk.
  const scratch = options.inMemory
    ? await mkdtemp(join(await scratchRoot(), 'feed-pipeline-s3-'))
    : undefined;
  let s3: S3Local | undefined;
  let api: LocalHttpApi | undefined;
  let poller: StreamPoller | undefined;
  let hubs: LocalHubQueue | undefined;
  let staleRepublish: StaleRepublish | undefined;
  let release: LocalReleaseTimer | undefined;
  const regeneration: RegenerationTotals = { batches: 0, records: 0, rendered: 0, archived: 0, uploaded: 0 };
  const stopAll = async () => {
    await release?.stop();
    await staleRepublish?.stop();
    await poller?.stop();
    await hubs?.stop();
    await api?.close();
    await s3?.stop();
    await dynamo.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  };
  try {
    const raw = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const streamArn = await ensureTable(raw, tableName);
    raw.destroy();
    if (!streamArn) throw new Error('the table has no stream');
    s3 = await startS3Local(scratch ?? join(options.stateDir, 's3'), BUCKET_NAME);

    const registry = new Registry(
      new DynamoDbRegistryStore(createDocumentClient({ endpoint: dynamo.endpoint }), tableName),
    );
    if (!(await registry.listSources()).some((source) => source.slug === SEED_SOURCE.slug)) {
      await registry.addSource(SEED_SOURCE);
    }
    const editorKey = await developmentKey(registry, keyFile);

    const env = { TABLE_NAME: tableName, DYNAMODB_ENDPOINT: dynamo.endpoint };
    // No verdict cache locally: a revoked key stops working at once.
    const authorize = authorizer.createHandler(
      authorizer.depsFromEnv({ ...env, AUTH_CACHE_TTL_SECONDS: '0' }),
    );
    api = new LocalHttpApi(ARTICLE_ROUTES, createHandler(depsFromEnv(env)), authorize);
    const feedEnv = {
      FEED_EDGE_TTL_SECONDS: String(options.edgeTtlSeconds ?? LOCAL_EDGE_TTL_SECONDS),
      ...(options.feedSize ? { FEED_SIZE: String(options.feedSize) } : {}),
      ...(options.websubHubs?.length ? { WEBSUB_HUBS: options.websubHubs.join(',') } : {}),
    };
    // The feed settings' times (TTLs, the hubs' delay), read once; the base URL is not known until the API listens.
    const feedTimes = feedSettingsFromEnv({ ...feedEnv, FEEDS_BASE_URL: 'http://localhost/' });
    // A short socket timeout: the local S3 server answers in milliseconds, and a request it leaves hanging is tried
    // again rather than held for ten seconds (a body it cuts short is the feed server's own concern).
    // The partner feeds' key value store, imitated from the table the operator command writes.
    const partnerTokens = new TablePartnerTokens(
      new DynamoDbPartnerTokenStore(createDocumentClient({ endpoint: dynamo.endpoint }), tableName),
      options.partnerTokenClock ? { now: options.partnerTokenClock } : {},
    );
    const feeds = new LocalFeedServer(
      createS3Client({ endpoint: s3.endpoint, requestTimeoutMs: 1_000 }),
      BUCKET_NAME,
      options.edgeCache ? edgeCacheOf(feedTimes) : undefined,
      partnerTokens,
    );
    api.mount('/feeds', (request, response) => feeds.handle(request, response));
    const apiUrl = await api.listen(options.port);
    // The preview renders with the regenerate function's settings, known once the API has its address.
    const previewHandler = preview.createHandler(
      preview.depsFromEnv({ ...env, FEEDS_BASE_URL: `${apiUrl}/`, ...feedEnv }),
    );
    api.integrate(PREVIEW_ROUTES, previewHandler);

    const deadLetters = join(options.stateDir, 'dead-letters.jsonl');
    const regenerateEnv = {
      ...env,
      S3_ENDPOINT: s3.endpoint,
      BUCKET_NAME,
      FEEDS_BASE_URL: `${apiUrl}/`,
      ...feedEnv,
    };
    const regenerateDeps = regenerateFeeds.depsFromEnv(regenerateEnv);
    if (options.websubHubs?.length) {
      // The notify-hubs function behind the queue the regenerate function hands its changes to.
      const hubList = options.websubHubs;
      const notify = notifyHubs.createHandler(notifyHubs.depsFromEnv());
      hubs = new LocalHubQueue({
        handler: (event) => notify(event, lambdaContext('notify-hubs')),
        messagesOf: (topics) => hubMessages(hubList, topics),
        // As the regenerate function asks SQS: the hubs hear of a change once the edge has let the old bytes go.
        delayMs: hubPingDelaySeconds(feedTimes) * 1000,
        ...(options.hubRetryMs === undefined ? {} : { visibilityTimeoutMs: options.hubRetryMs }),
        onDeadLetter: (body) => {
          void appendFile(
            deadLetters,
            `${JSON.stringify({ at: new Date().toISOString(), hub: JSON.parse(body) })}\n`,
          );
        },
      });
      regenerateDeps.announcer = hubs;
    }
    regenerateDeps.observe = (result, records) => {
      regeneration.batches++;
      regeneration.records += records;
      regeneration.rendered += result.rendered;
      regeneration.archived += result.archived;
      regeneration.uploaded += result.uploaded;
    };
    const warm = regenerateFeeds.createHandler(regenerateDeps);
    let cold = false;
    // A cold instance: the function's wiring made anew (what depsFromEnv makes), told of the stack's observers.
    const coldInstance = () =>
      regenerateFeeds.createHandler({
        ...regenerateFeeds.depsFromEnv(regenerateEnv),
        observe: regenerateDeps.observe,
        ...(regenerateDeps.announcer ? { announcer: regenerateDeps.announcer } : {}),
      } satisfies regenerateFeeds.RegenerateDeps);
    let lastPollerError = '';
    poller = new StreamPoller({
      endpoint: dynamo.endpoint,
      streamArn,
      handler: (event) => (cold ? coldInstance() : warm)(event, lambdaContext('regenerate-feeds')),
      ...(options.batchWindowMs === undefined ? {} : { batchWindowMs: options.batchWindowMs }),
      onDeadLetter: (records, reason) => {
        void appendFile(
          deadLetters,
          `${JSON.stringify({ at: new Date().toISOString(), reason, records })}\n`,
        );
      },
      onError: (error) => {
        // One line per kind of trouble, not one per poll while DynamoDB is away.
        const line = `stream poller: ${String(error)}`;
        if (line !== lastPollerError) process.stderr.write(`${line}\n`);
        lastPollerError = line;
      },
    });
    if (options.streamPoller !== false) poller.start();
    // Scheduled articles published, expiring ones expired, at their time: the AWS schedule's sweep, on a timer.
    const releaseClient = createDocumentClient({ endpoint: dynamo.endpoint });
    const releaser = new LocalReleaseTimer(
      new DynamoDbArticleStore(releaseClient, tableName),
      new DynamoDbDueReader(releaseClient, tableName),
      releaseArticles.handlerFor,
      (error) => process.stderr.write(`release sweep: ${String(error)}\n`),
    );
    release = releaser;
    releaser.start();

    const info: StackInfo = {
      apiUrl,
      feedsUrl: `${apiUrl}/feeds/`,
      editorKey,
      sources: (await registry.listSources()).map((source) => source.slug),
      dynamodbEndpoint: dynamo.endpoint,
      tableName,
      s3Endpoint: s3.endpoint,
      bucket: BUCKET_NAME,
      feedEnv: { FEEDS_BASE_URL: `${apiUrl}/`, ...feedEnv },
    };
    await writeFile(join(options.stateDir, 'stack.json'), `${JSON.stringify(info, null, 2)}\n`);
    // After a release that renders differently, what the deploy does in AWS: its stale documents again.
    if (options.republishStale ?? !options.inMemory)
      staleRepublish = republishStaleInBackground({
        ...info,
        stateDir: options.stateDir,
        log: (line) => process.stdout.write(`${line}\n`),
      });
    return {
      ...info,
      poller,
      release: releaser,
      ...(hubs ? { hubs } : {}),
      ...(staleRepublish ? { staleRepublish } : {}),
      regeneration,
      coldRegenerator: (value) => {
        cold = value;
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
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

/** Where an in-memory stack keeps its objects: /dev/shm (a RAM disk on Linux) when it can write there, else the temp folder. */
async function scratchRoot(): Promise<string> {
  try {
    await access('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return tmpdir();
  }
}

/** The edge cache's rules for a deployment's feed settings, as the CDK app sets them (infra/edge.ts). */
function edgeCacheOf(settings: FeedSettings): EdgeCacheOptions {
  return { defaultTtlSeconds: settings.ttlMinutes * 60, errorTtlSeconds: settings.edgeTtlSeconds };
}
