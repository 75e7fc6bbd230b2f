import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { inject } from 'vitest';
import { createS3Client } from '#shared/adapters/s3/client.ts';
import { type RunningStack, startStack } from '../../local/stack.ts';

export interface TestStack extends RunningStack {
  s3: S3Client;
  /** Posts, corrects or retracts through the API with the development key. */
  call(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: any; headers: Headers }>;
  /** Waits until every write so far has reached the feeds. */
  settle(): Promise<void>;
  /** A published object's text, or undefined when there is none. */
  object(key: string): Promise<string | undefined>;
  /** Every object key in the bucket. */
  keys(): Promise<string[]>;
  /** A published object's ETag and Last-Modified, or undefined when there is none. */
  head(key: string): Promise<{ etag: string; lastModified: string } | undefined>;
}

/** The whole local pipeline over a fresh table in the suite's DynamoDB Local, an S3 server and the stream poller. */
export async function startTestStack(
  options: {
    feedSize?: number;
    batchWindowMs?: number;
    streamPoller?: boolean;
    websubHubs?: string[];
    hubRetryMs?: number;
    edgeCache?: boolean;
    edgeTtlSeconds?: number;
    partnerTokenClock?: () => number;
  } = {},
): Promise<TestStack> {
  const stateDir = await mkdtemp(join(tmpdir(), 'feed-pipeline-test-'));
  const stack = await startStack({
    port: 0,
    stateDir,
    inMemory: true,
    dynamodb: { endpoint: inject('dynamodbEndpoint'), tableName: `test-${randomBytes(6).toString('hex')}` },
    batchWindowMs: options.batchWindowMs ?? 50,
    ...(options.feedSize ? { feedSize: options.feedSize } : {}),
    ...(options.streamPoller === false ? { streamPoller: false } : {}),
    ...(options.websubHubs ? { websubHubs: options.websubHubs } : {}),
    ...(options.hubRetryMs === undefined ? {} : { hubRetryMs: options.hubRetryMs }),
    ...(options.edgeCache ? { edgeCache: true } : {}),
    ...(options.edgeTtlSeconds === undefined ? {} : { edgeTtlSeconds: options.edgeTtlSeconds }),
    ...(options.partnerTokenClock ? { partnerTokenClock: options.partnerTokenClock } : {}),
  });
  const s3 = createS3Client({ endpoint: stack.s3Endpoint });
  const call: TestStack['call'] = async (method, path, body, headers = {}) => {
    const response = await fetch(stack.apiUrl + path, {
      method,
      headers: {
        authorization: `Bearer ${stack.editorKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
  };
  const missing = (error: unknown) =>
    (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404;
  return {
    ...stack,
    s3,
    call,
    settle: () => stack.poller.drained(),
    object: async (key) => {
      try {
        const object = await s3.send(new GetObjectCommand({ Bucket: stack.bucket, Key: key }));
        return await object.Body?.transformToString('utf8');
      } catch (error) {
        if (missing(error)) return undefined;
        throw error;
      }
    },
    keys: async () => {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await s3.send(
          new ListObjectsV2Command({ Bucket: stack.bucket, ContinuationToken: token }),
        );
        for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
        token = page.NextContinuationToken;
      } while (token);
      return keys;
    },
    head: async (key) => {
      try {
        const head = await s3.send(new HeadObjectCommand({ Bucket: stack.bucket, Key: key }));
        return { etag: head.ETag ?? '', lastModified: head.LastModified?.toISOString() ?? '' };
      } catch (error) {
        if (missing(error)) return undefined;
        throw error;
      }
    },
    stop: async () => {
      s3.destroy();
      await stack.stop();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
