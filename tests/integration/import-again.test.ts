/**
 * Running an import again: with another editor key, after the API's 24-hour idempotency window (a clock moved
 * past it), and with --update. The API runs in this process (its clock is Date.now, which the test moves); the
 * importer runs as `npm run import` does, as a child process.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { IDEMPOTENCY_TTL_MS } from '#shared/articles/service.ts';
import { startTestApi, type TestApi } from '../support/api.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const RSS_FILE = join(root, 'tests', 'fixtures', 'import', 'the-gaze.rss.xml');
const corpus = (name: string) => join(root, 'tests', 'fixtures', 'import', 'corpus', name);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runImport(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/import.ts', ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let api: TestApi;
let workDir: string;
const as = (key: string, source = 'the-gaze') => ['--source', source, '--api', api.url, '--key', key];

beforeAll(async () => {
  api = await startTestApi();
  workDir = await mkdtemp(join(tmpdir(), 'import-again-test-'));
});

afterAll(async () => {
  await api?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

afterEach(() => {
  vi.useRealTimers();
});

async function articles(source = 'the-gaze'): Promise<{ id: string; title: string; url: string }[]> {
  const response = await api.call('GET', `/articles?source=${source}&limit=100`);
  expect(response.status).toBe(200);
  return (response.body as { items: { id: string; title: string; url: string }[] }).items;
}

describe('importing the same feed again', () => {
  it('creates the articles once', async () => {
    const run = await runImport([RSS_FILE, ...as(api.keys.all)]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('6 items; created 4, already imported 0, skipped 2, failed 0.');
    expect(await articles()).toHaveLength(4);
  });

  it('creates nothing when a colleague imports it with another editor key', async () => {
    const before = (await articles()).map((article) => article.id).sort();
    const run = await runImport([RSS_FILE, ...as(api.keys.gaze)]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('6 items; created 0, already imported 4, skipped 2, failed 0.');
    expect((await articles()).map((article) => article.id).sort()).toEqual(before);
  });

  it('creates nothing after the idempotency window, with the key of the first import', async () => {
    const before = (await articles()).map((article) => article.id).sort();
    const probe = (title: string) =>
      api.call('POST', '/articles', {
        body: {
          source: 'daily-planet',
          title,
          url: 'https://planet.example/probe',
          contentHtml: '<p>Probe</p>',
        },
        headers: { 'idempotency-key': 'clock-probe' },
      });
    expect((await probe('Before')).status).toBe(201);
    expect((await probe('Other body, same key')).status).toBe(422);
    // The API's clock (Date.now in this process) a day and an hour later: the first run's keys have expired.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + IDEMPOTENCY_TTL_MS + 60 * 60 * 1000 });
    expect((await probe('Other body, same key')).status).toBe(201);
    const run = await runImport([RSS_FILE, ...as(api.keys.all)]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('6 items; created 0, already imported 4, skipped 2, failed 0.');
    expect((await articles()).map((article) => article.id).sort()).toEqual(before);
  });

  it('corrects, with --update, only the article whose item changed, and then nothing more', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 2 * IDEMPOTENCY_TTL_MS });
    const changed = join(workDir, 'changed.rss.xml');
    await writeFile(
      changed,
      readFileSync(RSS_FILE, 'utf8').replace(
        '<title>NATO allies agree weapons deal &amp; a 50-day deadline</title>',
        '<title>NATO allies agree a weapons deal and a 50-day deadline</title>',
      ),
    );
    const nato = (await articles()).find((article) => article.url.endsWith('/nato-weapons-deal'));
    if (!nato) throw new Error('the NATO article was not imported');

    const first = await runImport([changed, ...as(api.keys.gaze), '--update']);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('6 items; created 0, updated 1, already imported 3, skipped 2, failed 0.');
    expect(first.stdout).toContain(
      `Updated:\n  item 3 "NATO allies agree a weapons deal and a 50-day deadline": article ${nato.id}: title\n`,
    );
    const corrected = await api.call('GET', `/articles/${nato.id}`);
    expect(corrected.body).toMatchObject({
      title: 'NATO allies agree a weapons deal and a 50-day deadline',
      version: 2,
      publishedAt: '2025-07-14T13:00:00.000Z',
    });

    const again = await runImport([changed, ...as(api.keys.all), '--update']);
    expect(again.stdout).toContain('6 items; created 0, updated 0, already imported 4, skipped 2, failed 0.');
    expect((await api.call('GET', `/articles/${nato.id}`)).body.version).toBe(2);
    expect(await articles()).toHaveLength(4);
  });
});

describe('importing real-world feeds through the API', () => {
  it('imports the Latin-1 Brazilian feed with Portuguese dates, once, and says the dates were guessed', async () => {
    await api.registry.addSource({ slug: 'uol', name: 'UOL', homepageUrl: 'https://noticias.uol.com.br/' });
    const file = corpus('rss-parser--uolNoticias.rss');
    const run = await runImport([file, ...as(api.keys.all, 'uol')]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('15 items; created 15, already imported 0, skipped 0, failed 0.');
    expect(run.stdout).toContain('Guessed 15 dates that were not RFC 822 or RFC 3339 (see Warnings).');
    const imported = await articles('uol');
    expect(imported).toHaveLength(15);
    expect(imported.map((article) => article.title)).toContain(
      'Ibope: Bolsonaro perde de Haddad, Ciro e Alckmin em simulações de 2º turno',
    );
    expect(imported.every((article) => !article.title.includes('\uFFFD'))).toBe(true);
    const again = await runImport([file, ...as(api.keys.all, 'uol')]);
    expect(again.stdout).toContain('15 items; created 0, already imported 15, skipped 0, failed 0.');
  });

  it('imports an RSS 1.0 feed whose items have no description, and a JSON Feed', async () => {
    await api.registry.addSource({ slug: 'corpus', name: 'Corpus', homepageUrl: 'https://corpus.example/' });
    const rdf = await runImport([corpus('rss-parser--rss-1.rss'), ...as(api.keys.all, 'corpus')]);
    expect(rdf.code).toBe(0);
    expect(rdf.stdout).toContain('69 items; created 69, already imported 0, skipped 0, failed 0.');
    const json = await runImport([corpus('feedparser--example.jsonfeed'), ...as(api.keys.all, 'corpus')]);
    expect(json.code).toBe(0);
    expect(json.stdout).toContain('2 items; created 2, already imported 0, skipped 0, failed 0.');
    expect(await articles('corpus')).toHaveLength(71);
  });
});
