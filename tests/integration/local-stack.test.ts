import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StackInfo } from '../../local/stack.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const run = promisify(execFile);

interface Started {
  child: ChildProcess;
  info: StackInfo;
  output: () => string;
}

/** Runs `npm start`'s entry point as a child process, the way a newcomer does, in its own state folder. */
async function startCli(stateDir: string, args: string[] = []): Promise<Started> {
  const stackFile = join(stateDir, 'stack.json');
  await rm(stackFile, { force: true });
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', LOCAL_STATE_DIR: stateDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const deadline = Date.now() + 60_000;
  while (!output.includes('Press Ctrl-C')) {
    if (child.exitCode !== null) throw new Error(`npm start exited early: ${output}`);
    if (Date.now() > deadline) throw new Error(`npm start did not come up: ${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, info: JSON.parse(readFileSync(stackFile, 'utf8')), output: () => output };
}

async function stopCli(started: Started): Promise<number | null> {
  if (started.child.exitCode !== null) return started.child.exitCode;
  const exited = new Promise<number | null>((r) => started.child.once('exit', (code) => r(code)));
  started.child.kill('SIGINT');
  return exited;
}

async function reachable(url: string): Promise<boolean> {
  try {
    await fetch(url, { method: 'POST', signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
}

let stateDir: string;
beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'feed-pipeline-stack-'));
});
afterAll(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('runs the README example against a fresh stack, keeps data across a restart, and stops its children', async () => {
    const first = await startCli(stateDir);
    try {
      expect(first.info).toMatchObject({ sources: ['the-gaze'], tableName: 'feed-pipeline' });
      expect(first.info.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(first.info.feedsUrl).toBe(`${first.info.apiUrl}/feeds/`);
      expect(first.info.editorKey).toMatch(/^fpk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
      expect(first.output()).toContain(first.info.editorKey);

      const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
      const block = /<!-- readme-example[^>]*-->\s*```bash\n([\s\S]*?)```/.exec(readme)?.[1];
      expect(block).toBeDefined();
      const script = `set -euo pipefail\n${(block ?? '').replaceAll('./.local/stack.json', join(stateDir, 'stack.json'))}`;
      const { stdout } = await run('bash', ['-c', script], { cwd: ROOT, maxBuffer: 1 << 22 });
      const statuses = [...stdout.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => Number(m[1]));
      expect(statuses).toEqual([201, 200, 200, 200, 204]);
      expect(stdout).toContain('etag: "2"');
      expect(stdout).toContain('White House confirms Trump');
      expect(stdout).toMatch(
        /<title>White House confirms Trump[^<]*<\/title>\s*<link>https:\/\/thegaze\.example\//,
      );
      expect(stdout).toContain('<guid isPermaLink="false">urn:uuid:');
    } finally {
      expect(await stopCli(first)).toBe(0);
    }
    expect(await reachable(first.info.apiUrl)).toBe(false);
    expect(await reachable(first.info.dynamodbEndpoint)).toBe(false);

    const second = await startCli(stateDir);
    try {
      expect(second.info.editorKey).toBe(first.info.editorKey);
      const listed = await fetch(`${second.info.apiUrl}/articles?source=the-gaze`, {
        headers: { authorization: `Bearer ${second.info.editorKey}` },
      });
      expect(listed.status).toBe(200);
      // The README example retracted its article, so it is listed nowhere, but its record survives.
      const list = (await listed.json()) as { items: unknown[] };
      expect(list.items).toEqual([]);
      expect(existsSync(join(stateDir, 'dynamodb'))).toBe(true);
    } finally {
      expect(await stopCli(second)).toBe(0);
    }

    const fresh = await startCli(stateDir, ['--fresh']);
    try {
      expect(fresh.info.editorKey).not.toBe(first.info.editorKey);
      const old = await fetch(`${fresh.info.apiUrl}/articles`, {
        headers: { authorization: `Bearer ${first.info.editorKey}` },
      });
      expect(old.status).toBe(401);
    } finally {
      expect(await stopCli(fresh)).toBe(0);
    }
  }, 180_000);
});
