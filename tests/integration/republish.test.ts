/**
 * `npm run admin -- feeds republish`: after a deploy that changes how documents render, every document follows at
 * once. Here the stack's bucket loses every page (as a deployment from before feeds had pages), and the command,
 * run as an operator runs it, puts them back without touching a feed's bytes.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '#shared/adapters/dynamodb/client.ts';
import { RENDERER_VERSION } from '#shared/feeds/render/version.ts';
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
  const { apiUrl, tableName, dynamodbEndpoint, s3Endpoint, bucket, feedEnv } = stack;
  await writeFile(
    stackFile,
    JSON.stringify({ apiUrl, tableName, dynamodbEndpoint, s3Endpoint, bucket, feedEnv }),
  );
});

afterAll(async () => {
  await stack?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const command = (args: string[]) => [
  '--import',
  'tsx',
  'cli/admin.ts',
  'feeds',
  'republish',
  '--stack',
  stackFile,
  '--checkpoint',
  join(dir, 'republish.checkpoint'),
  ...args,
];
// The deployment's settings, as the regenerate function has them: here feeds of one entry.
const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', FEED_SIZE: '1' };
const republish = async (...args: string[]) => (await run(process.execPath, command(args), { env })).stdout;

/** Every publish state in the stack's table, with its keys. */
async function states(): Promise<Record<string, unknown>[]> {
  const client = createDocumentClient({ endpoint: stack.dynamodbEndpoint });
  const items: Record<string, unknown>[] = [];
  for (const pk of ['feedstate', 'feedstate#sources/the-gaze/tags']) {
    const { Items = [] } = await client.send(
      new QueryCommand({
        TableName: stack.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
      }),
    );
    items.push(...Items);
  }
  client.destroy();
  return items;
}

/**
 * Makes every document look as an older release's renderers left it: an older stamp in each state, and in the index
 * of each closed archive page (which a page never rendered since it closed has instead).
 */
async function stampAsOlderRelease(): Promise<number> {
  const client = createDocumentClient({ endpoint: stack.dynamodbEndpoint });
  const found = await states();
  const feeds = ['all', 'sources/the-gaze', 'tags/republished', 'sources/the-gaze/tags/republished'];
  for (const feed of feeds) {
    const { Items = [] } = await client.send(
      new QueryCommand({
        TableName: stack.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `archivepage#${feed}` },
      }),
    );
    expect(Items.length, feed).toBe(1);
    found.push(...Items);
  }
  for (const item of found)
    await client.send(
      new UpdateCommand({
        TableName: stack.tableName,
        Key: { pk: item.pk, sk: item.sk },
        UpdateExpression: 'SET renderer = :older',
        ExpressionAttributeValues: { ':older': RENDERER_VERSION - 1 },
      }),
    );
  client.destroy();
  return found.length;
}

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

  it('--stale renders what an older release rendered, from the states alone, and then finds nothing stale', async () => {
    const key = 'feeds/sources/the-gaze/atom.xml';
    const current = await stack.object(key);
    expect(await stampAsOlderRelease()).toBeGreaterThan(10);
    // The older release rendered other bytes.
    await stack.s3.send(
      new PutObjectCommand({ Bucket: stack.bucket, Key: key, Body: `${current}<!-- older -->` }),
    );
    expect(await republish('--stale')).toMatch(
      /^Republished 4 feeds, 8 archive pages and 2 tag directory pages under http:.*: 1 objects changed\.\n$/,
    );
    expect(await stack.object(key)).toBe(current);
    for (const state of await states()) expect(state.renderer, String(state.sk)).toBe(RENDERER_VERSION);
    expect(await republish('--stale')).toMatch(
      /^Republished 0 feeds, 0 archive pages and 0 tag directory pages .*: 0 objects changed\.\n$/,
    );
  });

  it('--source renders one source’s documents only', async () => {
    await stampAsOlderRelease();
    expect(await republish('--stale', '--source', 'the-gaze')).toMatch(
      // The source's feed and its tag's feed within it, their archives, its directory page.
      /^Republished 2 feeds, 4 archive pages and 1 tag directory pages .*: 0 objects changed\.\n$/,
    );
    const stale = (await states()).filter((state) => state.renderer !== RENDERER_VERSION);
    expect(stale.map((state) => state.sk).sort()).toEqual(
      ['all', 'all/archive', 'all/archive/1', 'catalogue', 'directory:tags:1', 'tags/republished']
        .concat(['tags/republished/archive', 'tags/republished/archive/1'])
        .sort(),
    );
    await republish('--stale');
  });

  it('stops after the documents under way on Ctrl-C, and the same command resumes where it stopped', async () => {
    await stampAsOlderRelease();
    // Paced to ten units a second, so that it is still going when it is interrupted.
    const child = spawn(process.execPath, command(['--archives', '--max-units-per-second', '10']), { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    // Not a terminal: a line at each tenth of the way.
    while (!/\] [1-9]\d?% \d+\/\d+ documents/.test(stderr)) {
      if (child.exitCode !== null) throw new Error(`finished before it was interrupted: ${stdout}${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toContain('Stopping after the documents under way');
    expect(stdout).toMatch(/^Interrupted after .* Run the same command again to resume\.\n$/);
    const checkpoint = join(dir, 'republish.checkpoint');
    const finished = (await readFile(checkpoint, 'utf8')).split('\n').slice(1).filter(Boolean);
    expect(finished.length).toBeGreaterThan(0);
    // Feeds, archive pages, tag directory pages, the source's news sitemap, the catalogue.
    expect(finished.length).toBeLessThan(4 + 4 + 2 + 1 + 1);

    const resumed = await republish('--archives');
    expect(resumed).toContain(`(resumed: ${finished.length} of 12 were done before)`);
    expect(existsSync(checkpoint)).toBe(false);
    for (const state of await states()) expect(state.renderer, String(state.sk)).toBe(RENDERER_VERSION);
    // Another scope starts afresh rather than resuming.
    expect(await republish('--stale')).toMatch(/^Republished 0 feeds/);
  }, 60_000);
});
