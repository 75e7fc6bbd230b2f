/**
 * `npm run admin -- feeds republish`: after a deploy that changes how documents render, every document follows at
 * once. Here the stack's bucket loses every page (as a deployment from before feeds had pages), and the command,
 * run as an operator runs it, puts them back without touching a feed's bytes.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import seed from '../fixtures/seed-article.json' with { type: 'json' };
import { startTestStack, type TestStack } from '../support/stack.ts';

const run = promisify(execFile);

let stack: TestStack;
let dir: string;
let stackFile: string;

beforeAll(async () => {
  // One entry a feed, so three articles give each feed a closed archive page and an open one.
  stack = await startTestStack({ feedSize: 1 });
  for (const [i, publishedAt] of [
    '2025-07-12T08:00:00Z',
    '2025-07-14T08:00:00Z',
    '2025-07-16T09:30:00Z',
  ].entries()) {
    const response = await stack.call('POST', '/articles', {
      ...seed,
      url: `https://thegaze.example/republish/${i}`,
      tags: ['Republished'],
      publishedAt,
    });
    expect(response.status).toBe(201);
    await stack.settle();
  }
  dir = await mkdtemp(join(tmpdir(), 'feed-pipeline-republish-'));
  stackFile = join(dir, 'stack.json');
  const { apiUrl, tableName, dynamodbEndpoint, s3Endpoint, bucket } = stack;
  await writeFile(stackFile, JSON.stringify({ apiUrl, tableName, dynamodbEndpoint, s3Endpoint, bucket }));
});

afterAll(async () => {
  await stack?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const republish = async (...args: string[]) =>
  (
    await run(
      process.execPath,
      ['--import', 'tsx', 'cli/admin.ts', 'feeds', 'republish', '--stack', stackFile, ...args],
      {
        // The deployment's settings, as the regenerate function has them: here feeds of one entry.
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', FEED_SIZE: '1' },
      },
    )
  ).stdout;

describe('feeds republish', () => {
  it('renders every missing page again, feeds and archive pages, and leaves the feeds’ bytes as they were', async () => {
    const pages = (await stack.keys()).filter((key) => key.endsWith('/index.html')).sort();
    // all, the source, the tag, the tag within the source: each with its page and two archive pages' pages; the
    // catalogue; and the tag directories, the source's and the one across sources
    expect(pages).toHaveLength(4 * 3 + 1 + 2);
    const feedsBefore = new Map<string, string | undefined>();
    for (const key of (await stack.keys()).filter((k) => /\/(rss\.xml|atom\.xml|feed\.json)$/.test(k)))
      feedsBefore.set(key, (await stack.head(key))?.etag);
    for (const key of pages) await stack.s3.send(new DeleteObjectCommand({ Bucket: stack.bucket, Key: key }));

    const feedsOnly = await republish();
    expect(feedsOnly).toMatch(
      /^Republished 4 feeds, 4 archive pages and 2 tag directory pages under http:.*: 11 objects changed\.\n$/,
    );
    expect(await stack.object('feeds/tags/republished/index.html')).toContain('Older articles');

    expect(await republish('--archives')).toMatch(
      /Republished 4 feeds, 8 archive pages and 2 tag directory pages .*: 4 objects changed/,
    );
    expect((await stack.keys()).filter((key) => key.endsWith('/index.html')).sort()).toEqual(pages);
    for (const [key, etag] of feedsBefore) expect((await stack.head(key))?.etag, key).toBe(etag);

    // Nothing changed since: nothing to upload.
    expect(await republish('--archives')).toMatch(/: 0 objects changed\.\n$/);
  });
});
