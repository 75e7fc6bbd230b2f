/**
 * Tags in every script, end to end: an article tagged in Chinese, Arabic, Hebrew, Korean and Hindi, posted through
 * the API, lands in the ten feeds of its tags (five across sources, five within its source) in all three formats,
 * under keys that hold the slug in UTF-8 and URLs that carry it percent-encoded; every link of every document is a
 * URI that leads to a published object; the tag index, the catalogue, the tag directories and the OPML reach those
 * feeds; WebSub hubs hear of them by their encoded URLs; the local feed server serves them whether a client
 * percent-encodes the path or sends it as raw UTF-8; `GET /articles?tag=` finds the article; and the importer
 * brings an RSS item with such categories into the same feeds.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Article } from '#shared/articles/model.ts';
import { CATALOGUE_KEYS } from '#shared/feeds/catalogue.ts';
import { feedUrls } from '#shared/feeds/channel.ts';
import { type FeedId, feedIdFor } from '#shared/feeds/feed-ids.ts';
import { feedSettingsFromEnv } from '#shared/feeds/settings.ts';
import { tagSlug, urlPath } from '#shared/slug.ts';
import seed from '../fixtures/seed-article.json' with { type: 'json' };
import { NS, parseAllFormats, parseXml, type XmlElement } from '../support/feed-validation.ts';
import { FIVE_SCRIPTS } from '../support/scripts.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const FILES = ['rss.xml', 'atom.xml', 'feed.json'] as const;
const SOURCE = 'the-gaze';

/** A WebSub hub on loopback that records the topics of every publish notification. */
class RecordingHub {
  readonly topics: string[] = [];
  private server: Server | undefined;
  async start(): Promise<string> {
    this.server = createServer((incoming, response) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => {
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        if (form.get('hub.mode') === 'publish') this.topics.push(...form.getAll('hub.url'));
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hub`;
  }
  stop(): Promise<void> {
    this.server?.closeAllConnections();
    return new Promise((resolve) => this.server?.close(() => resolve()));
  }
}

/**
 * A GET whose request line carries `path` exactly as given: a path with characters outside ASCII goes out as raw
 * UTF-8 bytes, not percent-encoded (fetch and URL() always encode them).
 */
function rawPathGet(
  base: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    // Node writes the request line in latin1: each character of this string is one byte of the UTF-8 path.
    const outgoing = request(
      { hostname, port, path: Buffer.from(path, 'utf8').toString('latin1'), headers },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks),
          }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/** Runs `npm run import` the way npm does (tsx), as a child process. */
function runImport(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
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

/** A link as feeds and pages must carry it: an absolute URI, percent-encoded, that the WHATWG parser leaves as it is. */
function expectUri(link: string, where: string): void {
  expect(link, where).toMatch(/^https?:\/\/[\x21-\x7e]+$/);
  expect(new URL(link).href, where).toBe(link);
}

const hub = new RecordingHub();
let stack: TestStack;
let workDir: string;
let older: Article;
let newer: Article;
/** Public URL base of the feeds (`…/`, under which `feeds/…` are served), as the renderers use it. */
let baseUrl: string;
const slugs = FIVE_SCRIPTS.map((label) => tagSlug(label).slug as string);
const tagFeeds: FeedId[] = slugs.flatMap((tag) => [feedIdFor({ tag }), feedIdFor({ source: SOURCE, tag })]);

/** The bucket key a link under the public base names, or undefined for a link elsewhere. */
function keyOf(link: string): string | undefined {
  if (!link.startsWith(`${baseUrl}feeds/`)) return undefined;
  return decodeURIComponent(new URL(link).pathname).slice(1);
}

/** Checks a link is a URI and, when it names a published document, that the document exists. */
async function expectLinkResolves(link: string, where: string): Promise<void> {
  expectUri(link, where);
  const key = keyOf(link);
  if (key !== undefined) expect(await stack.head(key), `${where}: ${link} -> ${key}`).toBeDefined();
}

/** Every link an RSS or Atom document carries: attribute URLs and URL-valued elements. */
function xmlLinks(xml: string): { where: string; link: string }[] {
  const links: { where: string; link: string }[] = [];
  const walk = (element: XmlElement) => {
    const attribute = (local: string) =>
      element.attributes.find((a) => a.uri === '' && a.local === local)?.value;
    if (element.local === 'link' && element.uri === NS.atom)
      links.push({ where: `${element.path}@href`, link: attribute('href') ?? '' });
    if (element.local === 'link' && element.uri === '')
      links.push({ where: element.path, link: element.text.trim() });
    if (element.local === 'category') {
      for (const name of ['domain', 'scheme']) {
        const value = attribute(name);
        if (value !== undefined) links.push({ where: `${element.path}@${name}`, link: value });
      }
    }
    if (element.local === 'source' && element.uri === '')
      links.push({ where: `${element.path}@url`, link: attribute('url') ?? '' });
    if (element.local === 'uri' && element.uri === NS.atom)
      links.push({ where: element.path, link: element.text.trim() });
    for (const child of element.children) walk(child);
  };
  walk(parseXml(xml));
  return links;
}

/** Every URL a JSON Feed carries: the spec's URL fields, `*_url` keys and the archive links. */
function jsonLinks(value: unknown, pointer = ''): { where: string; link: string }[] {
  if (Array.isArray(value)) return value.flatMap((inner, index) => jsonLinks(inner, `${pointer}/${index}`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) => {
    const here = `${pointer}/${key}`;
    if (typeof inner === 'string' && (key === 'url' || key.endsWith('_url') || pointer.endsWith('/_archive')))
      return [{ where: here, link: inner }];
    return jsonLinks(inner, here);
  });
}

/** The hrefs of an HTML page, entities undone. */
function hrefs(html: string): string[] {
  return [...html.matchAll(/\shref="([^"]*)"/g)].map((match) =>
    (match[1] ?? '')
      .replaceAll('&quot;', '"')
      .replaceAll('&lt;', '<')
      .replaceAll('&gt;', '>')
      .replaceAll('&amp;', '&'),
  );
}

beforeAll(async () => {
  const hubUrl = await hub.start();
  // One entry a feed: the older article goes to each feed's archive, so archive links are checked too.
  stack = await startTestStack({ feedSize: 1, websubHubs: [hubUrl], edgeTtlSeconds: 1 });
  baseUrl = feedSettingsFromEnv(stack.feedEnv).baseUrl;
  workDir = await mkdtemp(join(tmpdir(), 'feed-scripts-test-'));
  const first = await stack.call('POST', '/articles', {
    ...seed,
    url: 'https://thegaze.example/news/asia-and-middle-east-briefing',
    title: 'Asia and Middle East briefing',
    publishedAt: '2025-07-15T08:00:00Z',
    tags: [...FIVE_SCRIPTS],
  });
  expect(first.status, JSON.stringify(first.body)).toBe(201);
  older = first.body;
  const second = await stack.call('POST', '/articles', {
    ...seed,
    title: 'Five newsrooms, five scripts',
    tags: [...FIVE_SCRIPTS, 'NATO'],
  });
  expect(second.status, JSON.stringify(second.body)).toBe(201);
  newer = second.body;
  await stack.settle();
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  await hub.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('an article tagged in Chinese, Arabic, Hebrew, Korean and Hindi', () => {
  it('keeps each label in its own letters as its slug', () => {
    expect(slugs).toEqual([...FIVE_SCRIPTS]);
    expect(newer.tags.slice(0, 5)).toEqual(FIVE_SCRIPTS.map((label) => ({ label, slug: label })));
  });

  it('is in all ten tag feeds in all three formats, stored under UTF-8 keys, and the older one in their archives', async () => {
    const keys = new Set(await stack.keys());
    for (const feed of tagFeeds) {
      for (const file of FILES) {
        expect(keys.has(`feeds/${feed}/${file}`), `feeds/${feed}/${file}`).toBe(true);
        expect(keys.has(`feeds/${feed}/archive/1/${file}`), `feeds/${feed}/archive/1/${file}`).toBe(true);
      }
      expect(keys.has(`feeds/${feed}/index.html`), feed).toBe(true);
      const [rss, atom, json] = await Promise.all(FILES.map((file) => stack.object(`feeds/${feed}/${file}`)));
      const parsed = parseAllFormats({ rss: rss ?? '', atom: atom ?? '', json: json ?? '' });
      for (const format of [parsed.rss, parsed.atom, parsed.json]) {
        expect(
          format.items.map((item) => item.id),
          `${feed} ${format.format}`,
        ).toEqual([`urn:uuid:${newer.id}`]);
        expect(format.items[0]?.tags, `${feed} ${format.format}`).toEqual([...FIVE_SCRIPTS, 'NATO']);
        expect(format.selfUrl, `${feed} ${format.format}`).toBe(
          feedUrls({ ...feedSettingsFromEnv(stack.feedEnv) }, feed)[
            format.format === 'rss' ? 'rss' : format.format === 'atom' ? 'atom' : 'json'
          ],
        );
      }
      const archived = parseAllFormats({
        rss: (await stack.object(`feeds/${feed}/archive/1/rss.xml`)) ?? '',
        atom: (await stack.object(`feeds/${feed}/archive/1/atom.xml`)) ?? '',
        json: (await stack.object(`feeds/${feed}/archive/1/feed.json`)) ?? '',
      });
      expect(archived.atom.items.map((item) => item.id)).toEqual([`urn:uuid:${older.id}`]);
    }
    // No key holds a percent-escape: the slug is stored as the UTF-8 it is.
    expect([...keys].filter((key) => /%[0-9A-F]{2}/i.test(key))).toEqual([]);
  });

  it('gives every link of every feed and archive page, in every format, as a URI that leads to a published document', async () => {
    const feeds = [...tagFeeds, 'all', `sources/${SOURCE}`];
    let checked = 0;
    for (const feed of feeds) {
      for (const folder of [`feeds/${feed}/`, `feeds/${feed}/archive/1/`]) {
        for (const file of ['rss.xml', 'atom.xml']) {
          const xml = (await stack.object(`${folder}${file}`)) ?? '';
          const links = xmlLinks(xml);
          const rels = links.map(({ where }) => where);
          expect(
            rels.some((where) => /category/.test(where)),
            `${folder}${file}`,
          ).toBe(true);
          for (const { where, link } of links) {
            await expectLinkResolves(link, `${folder}${file} ${where}`);
            checked++;
          }
        }
        const json = JSON.parse((await stack.object(`${folder}feed.json`)) ?? '{}');
        for (const { where, link } of jsonLinks(json)) {
          await expectLinkResolves(link, `${folder}feed.json ${where}`);
          checked++;
        }
        const page = (await stack.object(`${folder}index.html`)) ?? '';
        for (const href of hrefs(page)) {
          await expectLinkResolves(href, `${folder}index.html`);
          checked++;
        }
      }
    }
    // The links that name the tags' feeds are there, encoded: the categories of the newer article's RSS items.
    const rss = (await stack.object('feeds/all/rss.xml')) ?? '';
    for (const slug of slugs)
      expect(rss).toContain(`domain="${baseUrl}feeds/tags/${encodeURIComponent(slug)}/rss.xml"`);
    const sourceAtom = (await stack.object(`feeds/sources/${SOURCE}/atom.xml`)) ?? '';
    for (const slug of slugs)
      expect(sourceAtom).toContain(
        `scheme="${baseUrl}feeds/sources/${SOURCE}/tags/${encodeURIComponent(slug)}/rss.xml"`,
      );
    const tagJson = JSON.parse((await stack.object(`feeds/tags/${slugs[0]}/feed.json`)) ?? '{}');
    expect(tagJson.next_url).toBe(
      `${baseUrl}feeds/tags/${encodeURIComponent(slugs[0] ?? '')}/archive/1/feed.json`,
    );
    expect(checked).toBeGreaterThan(500);
  });

  it("is in the source's tag index, with each label, slug and percent-encoded feed URLs", async () => {
    const index = JSON.parse((await stack.object(`feeds/sources/${SOURCE}/tags.json`)) ?? '{}');
    const settings = feedSettingsFromEnv(stack.feedEnv);
    for (const [i, label] of FIVE_SCRIPTS.entries()) {
      const slug = slugs[i] as string;
      const listed = index.tags.find((tag: { slug: string }) => tag.slug === slug);
      expect(listed, label).toMatchObject({ label, slug, count: 2 });
      const urls = feedUrls(settings, feedIdFor({ source: SOURCE, tag: slug }));
      expect(listed.feeds).toEqual({ rss: urls.rss, atom: urls.atom, json: urls.json });
      expect(listed.feeds.rss).toBe(`${baseUrl}feeds/sources/${SOURCE}/${urlPath(`tags/${slug}`)}/rss.xml`);
      for (const link of Object.values(listed.feeds) as string[]) {
        await expectLinkResolves(link, `tags.json ${label}`);
        expect((await fetch(link)).status, link).toBe(200);
      }
    }
  });

  it('is reached from the catalogue: index.html leads to the tag directories, whose pages link the five tag feeds', async () => {
    const index = (await stack.object(CATALOGUE_KEYS.index)) ?? '';
    const directories = [
      `${baseUrl}feeds/tags/index.html`,
      `${baseUrl}feeds/sources/${SOURCE}/tags/index.html`,
    ];
    for (const directory of directories) expect(hrefs(index)).toContain(directory);
    for (const directory of directories) {
      const response = await fetch(directory);
      expect(response.status, directory).toBe(200);
      const html = await response.text();
      for (const href of hrefs(html)) await expectLinkResolves(href, directory);
      const prefix = directory.replace(/tags\/index\.html$/, 'tags/');
      for (const [i, label] of FIVE_SCRIPTS.entries()) {
        expect(html, directory).toContain(label);
        const encoded = `${prefix}${encodeURIComponent(slugs[i] as string)}/`;
        for (const file of [...FILES, 'index.html'])
          expect(hrefs(html), directory).toContain(`${encoded}${file}`);
      }
    }
  });

  it('is reached from the OPML catalogue, following its inclusions: all ten tag feeds, by encoded URLs that answer 200', async () => {
    const feeds: string[] = [];
    const read = async (url: string, depth: number): Promise<void> => {
      expect(depth, url).toBeLessThan(5);
      expectUri(url, 'OPML include');
      const answer = await fetch(url);
      expect(answer.status, url).toBe(200);
      const walk = async (element: XmlElement): Promise<void> => {
        const attribute = (local: string) => element.attributes.find((a) => a.local === local)?.value;
        if (element.local === 'outline' && attribute('type') === 'rss') feeds.push(attribute('xmlUrl') ?? '');
        if (element.local === 'outline' && attribute('type') === 'include')
          await read(attribute('url') ?? '', depth + 1);
        for (const child of element.children) await walk(child);
      };
      await walk(parseXml(await answer.text()));
    };
    await read(`${baseUrl}${CATALOGUE_KEYS.opml}`, 0);
    const settings = feedSettingsFromEnv(stack.feedEnv);
    for (const feed of tagFeeds) expect(feeds, feed).toContain(feedUrls(settings, feed).rss);
    for (const feed of feeds) {
      await expectLinkResolves(feed, 'OPML');
      expect((await fetch(feed)).status, feed).toBe(200);
    }
  });

  it('is announced to WebSub hubs by the feeds’ percent-encoded URLs', async () => {
    const settings = feedSettingsFromEnv(stack.feedEnv);
    const wanted = tagFeeds.flatMap((feed) => {
      const urls = feedUrls(settings, feed);
      return [urls.rss, urls.atom, urls.json];
    });
    const deadline = Date.now() + 20_000;
    while (!wanted.every((topic) => hub.topics.includes(topic)) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    for (const topic of wanted) expect(hub.topics, topic).toContain(topic);
    for (const topic of hub.topics) expectUri(topic, 'hub.url');
  }, 30_000);

  it('is served by the local feed server for a percent-encoded path and for a raw UTF-8 one alike', async () => {
    for (const feed of tagFeeds) {
      for (const file of FILES) {
        const stored = (await stack.object(`feeds/${feed}/${file}`)) ?? '';
        const encoded = `/feeds/${urlPath(feed)}/${file}`;
        const raw = `/feeds/${feed}/${file}`;
        expect(encoded).not.toBe(raw);
        const viaFetch = await fetch(`${stack.apiUrl}${encoded}`);
        expect(viaFetch.status, encoded).toBe(200);
        expect(await viaFetch.text(), encoded).toBe(stored);
        for (const path of [encoded, raw]) {
          const answer = await rawPathGet(stack.apiUrl, path, { accept: '*/*' });
          expect(answer.status, path).toBe(200);
          expect(answer.body.toString('utf8'), path).toBe(stored);
          // A browser gets the feed's page at the same URL, in either form.
          const page = await rawPathGet(stack.apiUrl, path, { 'sec-fetch-dest': 'document' });
          expect(page.status, path).toBe(200);
          expect(page.headers['content-type'], path).toBe('text/html; charset=utf-8');
          expect(page.body.toString('utf8'), path).toBe(await stack.object(`feeds/${feed}/index.html`));
        }
      }
    }
    // A path whose escapes are not UTF-8 names nothing.
    expect((await rawPathGet(stack.apiUrl, '/feeds/tags/%E4%B8/rss.xml')).status).toBe(404);
  });

  it('is listed by GET /articles?tag= for each label, URL-encoded in the query', async () => {
    for (const slug of slugs) {
      for (const query of [
        `tag=${encodeURIComponent(slug)}`,
        `source=${SOURCE}&tag=${encodeURIComponent(slug)}`,
      ]) {
        const response = await stack.call('GET', `/articles?${query}`);
        expect(response.status, query).toBe(200);
        expect(
          response.body.items.map((item: Article) => item.id),
          query,
        ).toEqual([newer.id, older.id]);
      }
    }
  });
});

describe('importing an RSS item with categories in five scripts', () => {
  it('brings the item into the ten tag feeds, in all three formats', async () => {
    const file = join(workDir, 'scripts.rss.xml');
    await writeFile(
      file,
      `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>The Gaze</title><link>https://thegaze.example/</link><description>News</description>
<item><title>Imported from a newsroom in five scripts</title>
<link>https://thegaze.example/news/imported-in-five-scripts</link>
<guid isPermaLink="false">thegaze:imported-in-five-scripts</guid>
<pubDate>Sun, 20 Jul 2025 10:00:00 GMT</pubDate>
${FIVE_SCRIPTS.map((label) => `<category>${label}</category>`).join('\n')}
<category>  ${FIVE_SCRIPTS[0]}  </category>
<description>Imported with its tags.</description></item>
</channel></rss>
`,
    );
    const run = await runImport([file, '--source', SOURCE, '--api', stack.apiUrl, '--key', stack.editorKey]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('created 1, already imported 0, skipped 0, failed 0.');
    await stack.settle();
    const listed = await stack.call('GET', `/articles?tag=${encodeURIComponent(slugs[0] as string)}`);
    const imported = (listed.body.items as Article[]).find(
      (item) => item.url === 'https://thegaze.example/news/imported-in-five-scripts',
    );
    expect(imported?.tags).toEqual(FIVE_SCRIPTS.map((label) => ({ label, slug: label })));
    for (const feed of tagFeeds) {
      const [rss, atom, json] = await Promise.all(FILES.map((name) => stack.object(`feeds/${feed}/${name}`)));
      const parsed = parseAllFormats({ rss: rss ?? '', atom: atom ?? '', json: json ?? '' });
      for (const format of [parsed.rss, parsed.atom, parsed.json])
        expect(
          format.items.map((item) => item.id),
          `${feed} ${format.format}`,
        ).toEqual([`urn:uuid:${imported?.id}`]);
    }
  }, 60_000);
});
