/**
 * `npm start` after a release whose renderers changed: the stack finds the documents an older release rendered from
 * their publish states and renders them again in the background, as `feeds republish --stale` does after a deploy.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDocumentClient } from '#shared/adapters/dynamodb/client.ts';
import { createS3Client } from '#shared/adapters/s3/client.ts';
import { RENDERER_VERSION } from '#shared/feeds/render/version.ts';
import { type RunningStack, startStack } from '../../local/stack.ts';
import seed from '../fixtures/seed-article.json' with { type: 'json' };

let stateDir: string;
const tableName = `test-${randomBytes(6).toString('hex')}`;

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'feed-pipeline-restart-'));
});
afterAll(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

/** A stack over the suite's DynamoDB Local whose bucket and state folder outlive it, as `npm start`'s do. */
const start = (port = 0) =>
  startStack({
    port,
    stateDir,
    dynamodb: { endpoint: inject('dynamodbEndpoint'), tableName },
    batchWindowMs: 50,
  });

async function states(stack: RunningStack): Promise<Record<string, unknown>[]> {
  const client = createDocumentClient({ endpoint: stack.dynamodbEndpoint });
  const items: Record<string, unknown>[] = [];
  for (const pk of ['feedstate', 'feedstate#sources/the-gaze/tags']) {
    const { Items = [] } = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
      }),
    );
    items.push(...Items);
  }
  client.destroy();
  return items;
}

const KEY = 'feeds/sources/the-gaze/atom.xml';

async function object(stack: RunningStack, key: string): Promise<string | undefined> {
  const s3 = createS3Client({ endpoint: stack.s3Endpoint });
  try {
    const found = await s3.send(new GetObjectCommand({ Bucket: stack.bucket, Key: key }));
    return await found.Body?.transformToString('utf8');
  } finally {
    s3.destroy();
  }
}

describe('npm start after a release whose renderers changed', () => {
  it('renders again, in the background, what the older release rendered, and only once', async () => {
    const first = await start();
    const port = Number(new URL(first.apiUrl).port);
    let current: string | undefined;
    try {
      // A fresh stack has nothing stale: it records the version and renders nothing.
      expect(await first.staleRepublish?.done).toMatchObject({ total: 0, complete: true });
      for (let i = 0; i < 3; i++) {
        const response = await fetch(`${first.apiUrl}/articles`, {
          method: 'POST',
          headers: { authorization: `Bearer ${first.editorKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ ...seed, url: `https://thegaze.example/restart/${i}`, tags: ['Restarted'] }),
        });
        expect(response.status).toBe(201);
      }
      await first.poller.drained();
      current = await object(first, KEY);
      expect(current).toContain('restart/2');

      // As an older release leaves the deployment: its stamp in every state, its bytes in the bucket, and its
      // version as the one the stack last brought the documents up to.
      const client = createDocumentClient({ endpoint: first.dynamodbEndpoint });
      for (const state of await states(first))
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: state.pk, sk: state.sk },
            UpdateExpression: 'SET renderer = :older REMOVE digests',
            ExpressionAttributeValues: { ':older': RENDERER_VERSION - 1 },
          }),
        );
      client.destroy();
      const s3 = createS3Client({ endpoint: first.s3Endpoint });
      await s3.send(
        new PutObjectCommand({ Bucket: first.bucket, Key: KEY, Body: `${current}<!-- older -->` }),
      );
      s3.destroy();
    } finally {
      await first.stop();
    }
    await writeFile(join(stateDir, 'renderer-version'), `${RENDERER_VERSION - 1}\n`);

    const second = await start(port);
    try {
      const result = await second.staleRepublish?.done;
      // all, the source, the tag, the tag within the source; the two directory pages; the source's news sitemap;
      // the catalogue.
      expect(result).toMatchObject({ feeds: 4, directoryPages: 2, sitemaps: 1, complete: true, total: 8 });
      expect(await object(second, KEY)).toBe(current);
      for (const state of await states(second))
        expect(state.renderer, String(state.sk)).toBe(RENDERER_VERSION);
      expect((await readFile(join(stateDir, 'renderer-version'), 'utf8')).trim()).toBe(
        String(RENDERER_VERSION),
      );
    } finally {
      await second.stop();
    }

    // The version has not changed since: a start reads nothing.
    const third = await start(port);
    try {
      expect(await third.staleRepublish?.done).toBeUndefined();
    } finally {
      await third.stop();
    }
  }, 60_000);
});
