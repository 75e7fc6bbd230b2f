/**
 * The operator's partner tokens through `npm run admin -- partners …` (#17), against the test stack's table: issue
 * prints the token once and it opens the partner feed on the local feed server; list never shows a token or its
 * hash; revoke shuts it out within the local edge's cache time; bad input is refused with the option named and
 * writes nothing; and against a table in AWS, issue and revoke refuse to run unless they can write the edge's key
 * value store too.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '#shared/adapters/dynamodb/client.ts';
import { DynamoDbPartnerTokenStore } from '#shared/adapters/dynamodb/partner-token-store.ts';
import { hashPartnerToken } from '#shared/partners/tokens.ts';
import { LOCAL_TOKEN_CACHE_SECONDS } from '../../local/partner-tokens.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');

let stack: TestStack;
let clock = Date.parse('2026-07-01T08:00:00Z');
const FEED = 'feeds/partners/smartnews/sources/the-gaze/rss.xml';

/** Runs `npm run admin -- …` the way npm does (tsx), against `table` (the test stack's unless told). */
function admin(
  args: string[],
  target: string[] = ['--endpoint', stack.dynamodbEndpoint, '--region', 'local'],
) {
  return run(
    process.execPath,
    ['--import', 'tsx', 'cli/admin.ts', ...args, '--table', stack.tableName, ...target],
    {
      cwd: root,
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        PARTNER_TOKENS_KVS_ARN: '',
      },
    },
  );
}

const tokensInTable = () =>
  new DynamoDbPartnerTokenStore(
    createDocumentClient({ endpoint: stack.dynamodbEndpoint }),
    stack.tableName,
  ).listTokens();

beforeAll(async () => {
  stack = await startTestStack({ streamPoller: false, partnerTokenClock: () => clock });
  await stack.s3.send(
    new PutObjectCommand({
      Bucket: stack.bucket,
      Key: FEED,
      Body: '<rss version="2.0"><channel><title>SmartNews</title></channel></rss>',
      ContentType: 'application/rss+xml; charset=utf-8',
      CacheControl: 'public, max-age=300, s-maxage=30',
    }),
  );
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe('npm run admin -- partners', () => {
  it('issues a token shown once, lists it without the token, and revokes it', async () => {
    const issued = await admin([
      'partners',
      'issue',
      '--name',
      'SmartNews',
      '--sources',
      'the-gaze',
      '--profiles',
      'smartnews,msn',
    ]);
    const token = /\b(fpt_[A-Za-z0-9_-]{43})\b/.exec(issued.stdout)?.[1] ?? '';
    expect(token).not.toBe('');
    const id = hashPartnerToken(token).slice(0, 16);
    expect(issued.stdout).toContain(
      `Partner token ${id} for SmartNews: sources the-gaze, profiles smartnews,msn.`,
    );
    expect(issued.stdout).toMatch(/Shown once/);
    // The table holds the hash, never the token.
    const [stored] = await tokensInTable();
    expect(stored).toMatchObject({ id, tokenHash: hashPartnerToken(token), name: 'SmartNews' });
    expect(JSON.stringify(stored)).not.toContain(token.slice(4));

    const opened = await fetch(`${stack.apiUrl}/${FEED}`, { headers: { authorization: `Bearer ${token}` } });
    expect(opened.status).toBe(200);
    expect((await fetch(`${stack.apiUrl}/${FEED}`)).status).toBe(401);

    const listed = await admin(['partners', 'list']);
    expect(listed.stdout).toMatch(
      new RegExp(`^${id}\\tSmartNews\\tsources the-gaze\\tprofiles smartnews,msn\\t\\S+\\tactive$`, 'm'),
    );
    expect(listed.stdout).not.toContain(token.slice(4));
    expect(listed.stdout).not.toContain(hashPartnerToken(token));

    const revoked = await admin(['partners', 'revoke', id]);
    expect(revoked.stdout).toContain(`Revoked ${id} (SmartNews)`);
    expect((await admin(['partners', 'list'])).stdout).toMatch(
      new RegExp(`^${id}\\t.*\\trevoked \\S+$`, 'm'),
    );
    clock += LOCAL_TOKEN_CACHE_SECONDS * 1000;
    expect(
      (await fetch(`${stack.apiUrl}/${FEED}`, { headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(401);
  }, 60_000);

  it('refuses bad input with the option named, and writes nothing', async () => {
    const before = (await tokensInTable()).length;
    const refusals: [string[], RegExp][] = [
      [
        ['partners', 'issue', '--name', 'X', '--sources', 'no-such-source', '--profiles', 'msn'],
        /no-such-source is not a registered source/,
      ],
      [
        ['partners', 'issue', '--name', 'X', '--sources', 'the-gaze', '--profiles', 'rss'],
        /rss is not a partner profile/,
      ],
      [['partners', 'issue', '--sources', '*', '--profiles', '*'], /needs --name/],
      [['partners', 'issue', '--name', 'X', '--profiles', '*'], /needs --sources/],
      [['partners', 'revoke', '0123456789abcdef'], /There is no partner token 0123456789abcdef/],
      [['partners', 'revoke', 'fpt_abc'], /16 hex characters/],
    ];
    for (const [args, message] of refusals)
      await expect(admin(args), args.join(' ')).rejects.toMatchObject({
        code: 2,
        stderr: expect.stringMatching(message),
      });
    expect((await tokensInTable()).length).toBe(before);
  }, 60_000);

  it('refuses to issue or revoke against a table in AWS without the edge’s key value store, before any request', async () => {
    for (const verb of [
      ['issue', '--name', 'X', '--sources', '*', '--profiles', '*'],
      ['revoke', '0123456789abcdef'],
      ['sync'],
    ])
      await expect(admin(['partners', ...verb], ['--region', 'eu-west-1'])).rejects.toMatchObject({
        code: 2,
        stderr: expect.stringMatching(/needs --kvs-arn/),
      });
  }, 60_000);
});
