import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Article } from '#shared/articles/model.ts';
import { parseRss } from '../support/feed-validation.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixture = (name: string) => join(root, 'tests', 'fixtures', 'import', name);
const RSS_FILE = fixture('the-gaze.rss.xml');
const ATOM_FILE = fixture('dispatches.atom.xml');
const seed = JSON.parse(readFileSync(join(root, 'tests', 'fixtures', 'seed-article.json'), 'utf8'));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `npm run import` the way npm does (tsx), as a child process. */
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

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Server> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

const origin = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

let stack: TestStack;
let feeds: Server;
let workDir: string;
const api = () => ['--api', stack.apiUrl, '--key', stack.editorKey];

beforeAll(async () => {
  stack = await startTestStack();
  workDir = await mkdtemp(join(tmpdir(), 'feed-import-test-'));
  // A loopback server for the URL inputs: the Atom fixture, redirect chains, and things that are not feeds.
  feeds = await listen((req, res) => {
    const path = req.url ?? '/';
    const hop = /^\/hop\/(\d+)$/.exec(path);
    if (path === '/dispatches.atom.xml') {
      res.writeHead(200, { 'content-type': 'application/atom+xml; charset=utf-8' });
      res.end(readFileSync(ATOM_FILE));
    } else if (hop) {
      const left = Number(hop[1]) - 1;
      res.writeHead(302, { location: left === 0 ? '/dispatches.atom.xml' : `/hop/${left}` });
      res.end();
    } else if (path === '/to-file') {
      res.writeHead(302, { location: 'file:///etc/passwd' });
      res.end();
    } else if (path === '/page.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!DOCTYPE html><html><head><title>Not a feed</title></head><body><p>Hello</p></body></html>');
    } else {
      res.writeHead(404);
      res.end();
    }
  });
});

afterAll(async () => {
  await new Promise((resolve) => feeds?.close(resolve));
  await stack?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

async function articles(): Promise<Article[]> {
  const response = await stack.call('GET', '/articles?source=the-gaze&limit=100');
  expect(response.status).toBe(200);
  return response.body.items;
}

/** The whole article (the list leaves content and author out) whose link is `url`. */
async function articleAt(url: string): Promise<Article> {
  const found = (await articles()).find((article) => article.url === url);
  if (!found) throw new Error(`no article at ${url}`);
  const response = await stack.call('GET', `/articles/${found.id}`);
  expect(response.status).toBe(200);
  return response.body;
}

const KYIV_URL = 'https://thegaze.example/news/kyiv-water-supply-restored';
const NATO_URL = 'https://thegaze.example/news/nato-weapons-deal';
const RSS_TITLES = [
  seed.title,
  'Kyiv’s water supply restored after “overnight” strikes',
  'NATO allies agree weapons deal & a 50-day deadline',
  // &nbsp; is an HTML entity XML does not define: read as the no-break space it names, folded as whitespace.
  'Rutte visits Washington again',
];

describe('importing an RSS 2.0 file', () => {
  it('prints what it would post on a dry run and posts nothing', async () => {
    const run = await runImport([RSS_FILE, '--source', 'the-gaze', '--dry-run', ...api()]);
    expect(run.code).toBe(0);
    const posts = run.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line));
    expect(posts.map((post) => post.body.title)).toEqual(RSS_TITLES);
    expect(posts.every((post) => /^import:[0-9a-f]{64}$/.test(post.idempotencyKey))).toBe(true);
    expect(new Set(posts.map((post) => post.idempotencyKey)).size).toBe(4);
    expect(posts.map((post) => post.body.externalId)).toEqual([
      'thegaze:2025-07-16:white-house-moscow',
      'https://thegaze.example/news/kyiv-water-supply-restored',
      'thegaze:2025-07-14:nato-deal',
      'https://thegaze.example/news/rutte-washington',
    ]);
    expect(run.stdout).toContain('would post 4, skipped 2. Nothing was posted.');
    expect(await articles()).toEqual([]);
  });

  it('creates one article per well-formed item and reports each malformed item without aborting', async () => {
    const run = await runImport([RSS_FILE, '--source', 'the-gaze', ...api()]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      `Imported ${RSS_FILE} into the-gaze: 6 items; created 4, already imported 0, skipped 2, failed 0.`,
    );
    expect(run.stdout).toContain(
      'item 4 "Morning briefing": no usable link: neither <link> nor a permalink <guid>',
    );
    expect(run.stdout).toContain(
      'item 5 "Markets wobble on tariff threat": pubDate "Someday, 45 Foo 2025 25:61:00 GMT" is not an RFC 822 date',
    );
    expect(run.stdout).not.toContain('item 6');
    expect(run.stdout).toContain(
      'item 3 "NATO allies agree weapons deal & a 50-day deadline": kept the first 10 of 12 tags; dropped "Diplomacy", "Sanctions"',
    );
    // Not a terminal: one progress line (every ten items, and at the end) instead of a redrawn bar.
    expect(run.stderr).toContain('[##########] 6/6 created 4, replayed 0, skipped 2\n');
    expect(run.stderr).not.toContain('\r');
    expect((await articles()).map((article) => article.title).sort()).toEqual([...RSS_TITLES].sort());
  });

  it('maps title, link, date, tags, author, summary, image and content, sanitised, onto each article', async () => {
    const seeded = await articleAt(seed.url);
    expect(seeded).toMatchObject({
      title: seed.title,
      publishedAt: '2025-07-16T09:30:00.000Z',
      contentHtml: seed.contentHtml,
      author: seed.author,
      summary:
        'The White House confirmed that Trump asked Zelenskyy whether Ukraine could strike Moscow — to “make them feel the pain”.',
    });
    expect(seeded.tags.map((tag) => tag.label)).toEqual(seed.tags);

    const kyiv = await articleAt(KYIV_URL);
    expect(kyiv.title).toBe('Kyiv’s water supply restored after “overnight” strikes');
    expect(kyiv.publishedAt).toBe('2025-07-15T16:05:00.000Z');
    expect(kyiv.author).toEqual({ name: 'Olena Kovalenko' });
    expect(kyiv.image).toEqual({ url: 'https://thegaze.example/images/kyiv-water.jpg' });
    expect(kyiv.tags.map((tag) => tag.slug)).toEqual(['ukraine', 'kyiv', 'infrastructure']);
    expect(kyiv.contentHtml).toBe(
      '<p>Engineers restored <strong>running water</strong> to most of Kyiv’s left bank by Tuesday evening.</p><p>Crews worked through the night.</p>',
    );
    expect(kyiv.summary).toBe(
      'Engineers restored running water to most of Kyiv’s left bank by Tuesday evening. Crews worked through the night.',
    );

    const nato = await articleAt(NATO_URL);
    expect(nato.publishedAt).toBe('2025-07-14T13:00:00.000Z');
    expect(nato.tags.map((tag) => tag.label)).toEqual([
      'NATO',
      'Ukraine',
      'Donald Trump',
      'Mark Rutte',
      'Patriot',
      'Tariffs',
      'Russia',
      'Defence',
      'Europe',
      'Washington',
    ]);
    expect(nato.image).toEqual({
      url: 'https://cdn.thegaze.example/nato-summit.png',
      alt: 'Leaders at the NATO summit',
    });
    expect(nato.contentHtml).toContain(
      '<a href="https://thegaze.example/news/nato-background">Background</a>',
    );
  });

  it('creates nothing on a second run and reports every article as already imported', async () => {
    const before = (await articles()).map((article) => article.id).sort();
    const run = await runImport([RSS_FILE, '--source', 'the-gaze', ...api()]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('created 0, already imported 4, skipped 2, failed 0.');
    expect((await articles()).map((article) => article.id).sort()).toEqual(before);
  });

  it('changes nothing of an item changed since the last import, and names what changed and --update', async () => {
    const changed = join(workDir, 'changed.rss.xml');
    await writeFile(
      changed,
      readFileSync(RSS_FILE, 'utf8').replace(
        '<title>White House Confirms',
        '<title>Updated: White House Confirms',
      ),
    );
    const run = await runImport([changed, '--source', 'the-gaze', ...api()]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('created 0, already imported 4, skipped 2, failed 0.');
    const seeded = await articleAt(seed.url);
    expect(run.stdout).toContain(
      'Changed in the feed since imported (run again with --update to correct them):\n' +
        `  item 1 "Updated: ${seed.title}": article ${seeded.id}: title\n`,
    );
    expect(seeded.title).toBe(seed.title);
    expect(seeded.version).toBe(1);
    expect(await articles()).toHaveLength(4);
  });

  it('publishes the imported articles in the source feed', async () => {
    await stack.settle();
    const rss = await stack.object('feeds/sources/the-gaze/rss.xml');
    expect(rss).toBeDefined();
    const items = parseRss(rss as string).items;
    for (const article of await articles()) {
      const item = items.find((candidate) => candidate.id === `urn:uuid:${article.id}`);
      expect(item?.title).toBe(article.title);
      expect(item?.link).toBe(article.url);
      expect(item?.published).toBe(article.publishedAt);
    }
  });
});

describe('importing an Atom feed from a loopback URL', () => {
  it('fetches the feed and creates its entries, with links resolved against xml:base', async () => {
    const run = await runImport([`${origin(feeds)}/dispatches.atom.xml`, '--source', 'the-gaze', ...api()]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('4 items; created 3, already imported 0, skipped 1, failed 0.');
    expect(run.stdout).toContain('item 4: no title');

    const odesa = await articleAt('https://thegaze.example/dispatches/2025/07/odesa-port');
    expect(odesa).toMatchObject({
      title: 'Odesa’s port reopens to grain ships',
      publishedAt: '2025-07-12T07:00:00.000Z',
      author: { name: 'Maria Shevchenko' },
      summary: 'Grain ships left Odesa on Saturday for the first time in weeks.',
      contentHtml:
        '<p>The first convoy left at dawn.</p><p><img src="https://thegaze.example/dispatches/images/odesa.jpg" alt="A grain ship" /></p>',
    });
    expect(odesa.tags.map((tag) => tag.label)).toEqual(['Odesa', 'shipping']);

    const kharkiv = await articleAt('https://thegaze.example/archive/kharkiv-night');
    expect(kharkiv).toMatchObject({
      publishedAt: '2025-07-11T06:30:00.000Z',
      author: { name: 'The Gaze dispatch desk' },
      image: { url: 'https://thegaze.example/archive/kharkiv.png' },
      contentHtml:
        '<p>Air-raid sirens sounded <em>four times</em> before dawn.</p><p><a href="https://thegaze.example/archive/shelters">Where the shelters are</a></p>',
    });

    const notes = await articleAt('https://thegaze.example/dispatches/2025/07/front-line-notes');
    expect(notes.title).toBe('Notes from the front line: “We count the hours”');
    expect(notes.contentHtml).toBe(
      '<p>Shelling began at 4 a.m. &amp; lasted until 6 &lt;roughly&gt;.</p><p>Nobody slept.</p>',
    );
    expect(await articles()).toHaveLength(7);
  });

  it('follows five redirects to the same feed and finds its entries already imported', async () => {
    const run = await runImport([`${origin(feeds)}/hop/5`, '--source', 'the-gaze', ...api()]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('created 0, already imported 3, skipped 1, failed 0.');
    expect(await articles()).toHaveLength(7);
  });

  it('refuses a sixth redirect, a redirect to a file: URL and an input URL that is not http(s)', async () => {
    const [tooMany, toFile, fileUrl] = (await Promise.all(
      [`${origin(feeds)}/hop/6`, `${origin(feeds)}/to-file`, `file://${RSS_FILE}`].map((input) =>
        runImport([input, '--source', 'the-gaze', ...api()]),
      ),
    )) as [Run, Run, Run];
    expect(tooMany.code).toBe(2);
    expect(tooMany.stderr).toContain('redirects more than 5 times');
    expect(toFile.code).toBe(2);
    expect(toFile.stderr).toContain('redirects to file:///etc/passwd: only http and https URLs are fetched');
    expect(fileUrl.code).toBe(2);
    expect(fileUrl.stderr).toContain('only file paths and http(s) URLs are read');
    expect(await articles()).toHaveLength(7);
  });
});

describe('input the importer cannot use', () => {
  it('stops with exit code 2 and a clear message on a document that is not a feed', async () => {
    const [html, json] = (await Promise.all(
      [`${origin(feeds)}/page.html`, join(root, 'package.json')].map((input) =>
        runImport([input, '--source', 'the-gaze', ...api()]),
      ),
    )) as [Run, Run];
    expect(html.code).toBe(2);
    expect(html.stderr).toContain("not an RSS, Atom or JSON feed: the document's root element is <html>");
    expect(json.code).toBe(2);
    expect(json.stderr).toContain('a JSON document without a JSON Feed version');
    expect(html.stdout + json.stdout).toBe('');
    expect(await articles()).toHaveLength(7);
  });

  it('stops with exit code 2 without --source, with a source that is not a slug, or with a missing file', async () => {
    const [noSource, badSource, missing] = (await Promise.all([
      runImport([RSS_FILE, ...api()]),
      runImport([RSS_FILE, '--source', 'The Gaze', ...api()]),
      runImport([join(workDir, 'nowhere.xml'), '--source', 'the-gaze', ...api()]),
    ])) as [Run, Run, Run];
    expect(noSource.code).toBe(2);
    expect(noSource.stderr).toContain('--source <slug> is required');
    expect(badSource.code).toBe(2);
    expect(badSource.stderr).toContain('--source must be a source slug');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('there is no file');
  });

  it('stops with exit code 1 before posting anything when the API refuses the key', async () => {
    const run = await runImport([
      RSS_FILE,
      '--source',
      'the-gaze',
      '--api',
      stack.apiUrl,
      '--key',
      'fpk_nope',
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/refused to list the-gaze: 401 Unauthorized/);
    expect(run.stdout).toBe('');
    expect(await articles()).toHaveLength(7);
  });
});

describe('posting to an API that is busy or refuses an article', () => {
  const posts: { title: string; key: string; auth: string; at: number }[] = [];
  let fake: Server;
  let run: Run;

  beforeAll(async () => {
    const seen = new Map<string, number>();
    fake = await listen((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      req.on('end', () => {
        const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
          res.writeHead(status, { 'content-type': 'application/json', ...headers });
          res.end(JSON.stringify(payload));
        };
        if (req.method === 'GET') return send(200, { items: [] });
        const { title } = JSON.parse(body) as { title: string };
        const key = String(req.headers['idempotency-key']);
        const attempt = (seen.get(key) ?? 0) + 1;
        seen.set(key, attempt);
        posts.push({ title, key, auth: String(req.headers.authorization), at: Date.now() });
        if (title === 'Busy desk' && attempt === 1) {
          return send(503, { title: 'Service unavailable', status: 503 }, { 'retry-after': '1' });
        }
        if (title === 'Throttled desk' && attempt === 1) {
          return send(429, { title: 'Too many requests', status: 429 }, { 'retry-after': '1' });
        }
        if (title === 'Broken desk') {
          return send(422, {
            title: 'Invalid request',
            status: 422,
            detail: 'url: must not contain credentials',
            errors: [{ field: 'url', pointer: '/url', detail: 'must not contain credentials' }],
          });
        }
        return send(201, { id: `id-${posts.length}` });
      });
    });
    const titles = [
      'Busy desk',
      'Throttled desk',
      'Broken desk',
      ...Array.from({ length: 9 }, (_, i) => `Desk ${i + 1}`),
    ];
    const items = titles
      .map(
        (title, i) =>
          `<item><title>${title}</title><link>https://desk.example/${i}</link><description>Story ${i}</description></item>`,
      )
      .join('');
    const file = join(workDir, 'desk.rss.xml');
    await writeFile(file, `<rss version="2.0"><channel><title>Desk</title>${items}</channel></rss>`);
    run = await runImport([file, '--source', 'the-desk', '--api', origin(fake), '--key', 'test-key']);
  });

  afterAll(async () => {
    await new Promise((resolve) => fake?.close(resolve));
  });

  it('retries a 503 and a 429 with the same Idempotency-Key after the Retry-After the API asked for', () => {
    for (const title of ['Busy desk', 'Throttled desk']) {
      const attempts = posts.filter((post) => post.title === title);
      expect(attempts).toHaveLength(2);
      expect(attempts[1]?.key).toBe(attempts[0]?.key);
      expect((attempts[1]?.at ?? 0) - (attempts[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
    }
    expect(posts.every((post) => post.auth === 'Bearer test-key')).toBe(true);
    expect(new Set(posts.map((post) => post.key)).size).toBe(12);
  });

  it('counts an article the API refuses as failed, with the problem detail, and exits with 1', () => {
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('12 items; created 11, already imported 0, skipped 0, failed 1.');
    expect(run.stdout).toContain(
      'Failed:\n  item 3 "Broken desk": 422 Invalid request: url: must not contain credentials\n',
    );
    expect(posts.filter((post) => post.title === 'Broken desk')).toHaveLength(1);
  });

  it('prints a progress line every ten items when stderr is not a terminal', () => {
    expect(run.stderr.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(/^\[########\.\.\] 10\/12 created \d+, replayed 0, skipped 0/),
      '[##########] 12/12 created 11, replayed 0, skipped 0, failed 1',
    ]);
  });
});
