/**
 * What people see in a real browser: Debian's Chromium, whatever version `apt-get install chromium` gives, driven
 * by playwright-core, opens the index page, the feeds' own URLs (which serve browsers the feed's page) and the
 * archive pages from the local stack, with the headers the local feed server sends. Every page must load with a
 * clean console: no error and no warning. Screenshots go to `tests/artifacts/` (ignored by git). Without
 * /usr/bin/chromium this file fails: install it with `apt-get install -y chromium` (`.ci/run` does).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '#shared/adapters/dynamodb/client.ts';
import { DynamoDbFeedStore } from '#shared/adapters/dynamodb/feed-store.ts';
import { DynamoDbRegistryStore } from '#shared/adapters/dynamodb/registry-store.ts';
import { S3DocumentPublisher } from '#shared/adapters/s3/document-publisher.ts';
import type { Article } from '#shared/articles/model.ts';
import { CATALOGUE_KEYS } from '#shared/feeds/catalogue.ts';
import { FeedRegenerator } from '#shared/feeds/regenerate.ts';
import { republishEverything } from '#shared/feeds/republish.ts';
import { CONTENT_SECURITY_POLICY } from '#shared/feeds/serving.ts';
import { feedSettingsFromEnv } from '#shared/feeds/settings.ts';
import { Registry } from '#shared/registry.ts';
import { urlPath } from '#shared/slug.ts';
import { LocalFeedServer } from '../../local/feed-server.ts';
import seed from '../fixtures/seed-article.json' with { type: 'json' };
import { parseXml, type XmlElement } from '../support/feed-validation.ts';
import { rawGet as get } from '../support/http.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
const TAGS = ['Ukraine', 'Russia', 'Donald Trump', 'Volodymyr Zelenskyy', 'NATO'];

let stack: TestStack;
let browser: BrowserContext;
let profile: string;
let article: Article;

/**
 * Publishes the catalogue and the tag directories from the stack's table, as the regenerator does when a source is
 * registered and when tags are posted; a stack that already did is left as it is.
 */
async function publishDiscovery(): Promise<void> {
  if ((await stack.object(CATALOGUE_KEYS.index)) !== undefined) return;
  const settings = feedSettingsFromEnv(stack.feedEnv);
  const client = createDocumentClient({ endpoint: stack.dynamodbEndpoint });
  const feedStore = new DynamoDbFeedStore(
    client,
    stack.tableName,
    new DynamoDbRegistryStore(client, stack.tableName),
  );
  await republishEverything(
    new FeedRegenerator(feedStore, new S3DocumentPublisher(stack.s3, stack.bucket), settings),
    feedStore,
    { archives: false },
  );
  client.destroy();
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (the browser tests need it)`);
  // One entry a feed, and an older article before the seed's: every feed has an archive page to lead to.
  stack = await startTestStack({ feedSize: 1 });
  const older = await stack.call('POST', '/articles', {
    ...seed,
    url: 'https://thegaze.example/news/an-older-story',
    title: 'An older story',
    publishedAt: '2025-07-14T08:00:00Z',
  });
  expect(older.status).toBe(201);
  const created = await stack.call('POST', '/articles', seed);
  expect(created.status).toBe(201);
  article = created.body;
  await stack.settle();
  await publishDiscovery();
  await mkdir(ARTIFACTS, { recursive: true });
  profile = await mkdtemp(join(tmpdir(), 'feed-pipeline-chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: DESKTOP,
  });
});

afterAll(async () => {
  await browser?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
  await stack?.stop();
});

interface Visit {
  page: Page;
  status: number | undefined;
  headers: Record<string, string>;
  /** Console errors and warnings, uncaught errors, failed requests, and any message about the Content-Security-Policy. */
  problems: string[];
  /** Every console message, for the record. */
  console: string[];
}

/** Opens a URL in a new tab at a width and collects what went wrong while it loaded. */
async function visit(url: string, viewport: { width: number; height: number }): Promise<Visit> {
  const page = await browser.newPage();
  await page.setViewportSize(viewport);
  const problems: string[] = [];
  const messages: string[] = [];
  page.on('console', (message) => {
    const line = `${message.type()}: ${message.text()}`;
    messages.push(line);
    if (['error', 'warning'].includes(message.type()) || /Content Security Policy/i.test(message.text()))
      problems.push(line);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('requestfailed', (request) =>
    problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`),
  );
  const response = await page.goto(url, { waitUntil: 'load' });
  return {
    page,
    status: response?.status(),
    headers: (await response?.allHeaders()) ?? {},
    problems,
    console: messages,
  };
}

async function screenshot(page: Page, name: string): Promise<string> {
  const path = join(ARTIFACTS, name);
  await page.screenshot({ path, fullPage: true });
  return path;
}

// Page-side code goes in as strings: the project's TypeScript has no DOM library.

/** Whether the page's own CSS applied (it sets the body's margin to 0; a browser's default is 8px). */
const styled = (page: Page) => page.evaluate(`getComputedStyle(document.body).marginTop === '0px'`);

/** Whether the page fits its width without sideways scrolling. */
const fits = (page: Page) =>
  page.evaluate('document.documentElement.scrollWidth <= document.documentElement.clientWidth');

describe('the index page in Chromium', () => {
  it('shows every source with its tags and how to subscribe, styled and fitting a phone, with no CSP violation', async () => {
    const { page, status, headers, problems } = await visit(stack.feedsUrl, PHONE);
    try {
      expect(status).toBe(200);
      expect(headers['content-type']).toBe('text/html; charset=utf-8');
      expect(headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY.page);
      await expect(page.title()).resolves.toBe('Newsroom: news feeds');
      await expect(page.locator('section.source h3').isVisible()).resolves.toBe(true);
      const text = await page.locator('main').textContent();
      expect(text).toContain('The Gaze');
      expect(text).toContain('News and analysis from The Gaze');
      expect(text).toContain('Tags of The Gaze');
      expect(text).toContain('Tags across every source');
      expect(text).toMatch(/How to subscribe\..*paste it into your feed reader/s);
      expect(await page.locator('a', { hasText: 'opml.xml' }).getAttribute('href')).toBe(
        `${stack.feedsUrl}opml.xml`,
      );
      expect(await styled(page)).toBe(true);
      expect(await fits(page)).toBe(true);
      expect(problems).toEqual([]);
      await screenshot(page, 'index-phone.png');
      await page.setViewportSize(DESKTOP);
      expect(await fits(page)).toBe(true);
      await screenshot(page, 'index-desktop.png');
    } finally {
      await page.close();
    }
  });

  it('declares everything and each source in RSS, Atom and JSON Feed with discovery links, all of which answer 200', async () => {
    const links = await discoveryLinks(`${stack.feedsUrl}index.html`);
    // everything and the source: two feeds, three formats each
    const feeds = `${stack.feedsUrl}sources/the-gaze/`;
    expect(links).toEqual([
      {
        type: 'application/rss+xml',
        href: `${stack.feedsUrl}all/rss.xml`,
        title: 'Newsroom: all articles (RSS)',
      },
      {
        type: 'application/atom+xml',
        href: `${stack.feedsUrl}all/atom.xml`,
        title: 'Newsroom: all articles (Atom)',
      },
      {
        type: 'application/feed+json',
        href: `${stack.feedsUrl}all/feed.json`,
        title: 'Newsroom: all articles (JSON Feed)',
      },
      { type: 'application/rss+xml', href: `${feeds}rss.xml`, title: 'The Gaze (RSS)' },
      { type: 'application/atom+xml', href: `${feeds}atom.xml`, title: 'The Gaze (Atom)' },
      { type: 'application/feed+json', href: `${feeds}feed.json`, title: 'The Gaze (JSON Feed)' },
    ]);
    await expectAnswered(links);
  });
});

/** The discovery links of a page as Chromium reads them, once it loaded with no CSP violation or console error. */
async function discoveryLinks(url: string): Promise<{ type: string; href: string; title: string }[]> {
  const { page, problems } = await visit(url, DESKTOP);
  try {
    const links = (await page.evaluate(
      `[...document.head.querySelectorAll('link[rel="alternate"]')].map((link) => ({
        type: link.getAttribute('type'),
        href: link.href,
        title: link.getAttribute('title'),
      }))`,
    )) as { type: string; href: string; title: string }[];
    expect(problems).toEqual([]);
    return links;
  } finally {
    await page.close();
  }
}

/** Every link answers 200 with its media type. */
async function expectAnswered(links: { type: string; href: string }[]): Promise<void> {
  for (const link of links) {
    const response = await fetch(link.href);
    expect(response.status, link.href).toBe(200);
    expect(response.headers.get('content-type'), link.href).toContain(link.type);
  }
}

describe('a tag directory in Chromium', () => {
  it("lists the source's tags, each linking its feed's page in three formats, styled and fitting a phone", async () => {
    const url = `${stack.feedsUrl}sources/the-gaze/tags/index.html`;
    const { page, status, headers, problems } = await visit(url, PHONE);
    try {
      expect(status).toBe(200);
      expect(headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY.page);
      await expect(page.title()).resolves.toBe('Tags of The Gaze');
      const text = (await page.locator('main').textContent()) ?? '';
      for (const tag of TAGS) expect(text).toContain(tag);
      await page.locator('a', { hasText: 'NATO' }).first().click();
      await page.waitForURL(`${stack.feedsUrl}sources/the-gaze/tags/nato/index.html`);
      await page.goBack();
      expect(await styled(page)).toBe(true);
      expect(await fits(page)).toBe(true);
      expect(problems).toEqual([]);
      await screenshot(page, 'tags-phone.png');
    } finally {
      await page.close();
    }
    const links = await discoveryLinks(url);
    expect(links).toHaveLength(TAGS.length * 3);
    expect(links).toContainEqual({
      type: 'application/rss+xml',
      href: `${stack.feedsUrl}sources/the-gaze/tags/nato/rss.xml`,
      title: 'The Gaze: NATO (RSS)',
    });
    await expectAnswered(links);
    const across = await discoveryLinks(`${stack.feedsUrl}tags/index.html`);
    expect(across).toContainEqual({
      type: 'application/rss+xml',
      href: `${stack.feedsUrl}tags/nato/rss.xml`,
      title: 'NATO (RSS)',
    });
    expect(across).toHaveLength(TAGS.length * 3);
    await expectAnswered(across);
  });
});

describe('a feed opened in Chromium', () => {
  for (const [format, file] of [
    ['RSS', 'rss.xml'],
    ['Atom', 'atom.xml'],
    ['JSON Feed', 'feed.json'],
  ] as const) {
    it(`shows the ${format} feed's URL as the feed's page: title, how to subscribe, the article linked`, async () => {
      const url = `${stack.feedsUrl}sources/the-gaze/${file}`;
      const { page, status, headers, problems, console } = await visit(url, PHONE);
      try {
        expect(status).toBe(200);
        expect(headers['content-type']).toBe('text/html; charset=utf-8');
        expect(headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY.page);
        expect(headers.vary).toBe('Accept-Encoding, Accept, Sec-Fetch-Dest');
        // The address stays the feed's: what the reader copies is the URL to subscribe to.
        expect(page.url()).toBe(url);
        await expect(page.title()).resolves.toBe('The Gaze (web feed)');
        await expect(page.locator('h1').textContent()).resolves.toBe('The Gaze');
        const subscribe = page.locator('#subscribe');
        await expect(subscribe.textContent()).resolves.toContain(
          'This is a web feed. Copy its URL into your feed reader',
        );
        await expect(subscribe.locator('code.url').allTextContents()).resolves.toEqual(
          ['rss.xml', 'atom.xml', 'feed.json'].map((name) => `${stack.feedsUrl}sources/the-gaze/${name}`),
        );
        const headline = page.locator('ol.items h3 a');
        await expect(headline.count()).resolves.toBe(1);
        await expect(headline.textContent()).resolves.toBe(seed.title);
        await expect(headline.isVisible()).resolves.toBe(true);
        await expect(headline.getAttribute('href')).resolves.toBe(seed.url);
        const item = await page.locator('ol.items li').textContent();
        expect(item).toContain('2025-07-16 09:30 UTC');
        expect(item).toContain('The Gaze newsroom');
        expect(item).toContain(article.summary.slice(0, 40));
        for (const tag of TAGS) expect(item).toContain(tag);
        await expect(page.locator('a', { hasText: 'Every feed' }).getAttribute('href')).resolves.toBe(
          `${stack.feedsUrl}index.html`,
        );
        await expect(page.locator('dt a', { hasText: 'JSON Feed' }).getAttribute('href')).resolves.toBe(
          `${stack.feedsUrl}sources/the-gaze/feed.json`,
        );
        expect(await styled(page)).toBe(true);
        expect(await fits(page)).toBe(true);
        expect(problems, console.join('\n')).toEqual([]);
        await screenshot(page, `feed-${file.replace('.', '-')}-phone.png`);
        await page.setViewportSize(DESKTOP);
        expect(await fits(page)).toBe(true);
        await screenshot(page, `feed-${file.replace('.', '-')}-desktop.png`);
      } finally {
        await page.close();
      }
    });
  }

  it('leads from the feed to its older articles, an archive page, and back, with a clean console all the way', async () => {
    const { page, problems, console } = await visit(`${stack.feedsUrl}sources/the-gaze/rss.xml`, DESKTOP);
    try {
      await page.locator('a', { hasText: 'Older articles' }).click();
      await page.waitForURL(`${stack.feedsUrl}sources/the-gaze/archive/1/index.html`);
      await expect(page.locator('.kicker').textContent()).resolves.toBe('Web feed archive');
      await expect(page.locator('h2').textContent()).resolves.toBe('Archived articles, page 1');
      await expect(page.locator('ol.items h3 a').textContent()).resolves.toBe('An older story');
      // An archive's reader subscribes to the current feed.
      await expect(page.locator('#subscribe code.url').first().textContent()).resolves.toBe(
        `${stack.feedsUrl}sources/the-gaze/rss.xml`,
      );
      expect(await styled(page)).toBe(true);
      await screenshot(page, 'archive-desktop.png');
      await page.locator('a', { hasText: 'Current feed' }).click();
      await page.waitForURL(`${stack.feedsUrl}sources/the-gaze/index.html`);
      await expect(page.locator('h1').textContent()).resolves.toBe('The Gaze');
      expect(problems, console.join('\n')).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('shows every page the pipeline serves with no console error or warning', async () => {
    const archive = `${stack.feedsUrl}sources/the-gaze/archive/1/`;
    const urls = [
      stack.feedsUrl,
      `${stack.feedsUrl}index.html`,
      `${stack.feedsUrl}all/rss.xml`,
      `${stack.feedsUrl}all/index.html`,
      `${stack.feedsUrl}tags/nato/atom.xml`,
      `${stack.feedsUrl}sources/the-gaze/tags/donald-trump/feed.json`,
      `${stack.feedsUrl}sources/the-gaze/index.html`,
      `${archive}rss.xml`,
      `${archive}feed.json`,
      `${stack.feedsUrl}all/archive/1/atom.xml`,
    ];
    for (const url of urls) {
      const { page, status, headers, problems, console } = await visit(url, PHONE);
      try {
        expect(status, url).toBe(200);
        expect(headers['content-type'], url).toBe('text/html; charset=utf-8');
        expect(await page.evaluate('document.documentElement.localName'), url).toBe('html');
        expect(await styled(page), url).toBe(true);
        expect(await fits(page), url).toBe(true);
        expect(problems, `${url}\n${console.join('\n')}`).toEqual([]);
      } finally {
        await page.close();
      }
    }
  });

  it('is left as it is for feed readers: the stored bytes, with their own media type', async () => {
    for (const [file, type] of [
      ['rss.xml', 'application/rss+xml; charset=utf-8'],
      ['atom.xml', 'application/atom+xml; charset=utf-8'],
      ['feed.json', 'application/feed+json; charset=utf-8'],
    ]) {
      const key = `feeds/sources/the-gaze/${file}`;
      const response = await get(`${stack.apiUrl}/${key}`);
      expect(response.status, file).toBe(200);
      expect(response.headers['content-type'], file).toBe(type);
      expect(response.headers.vary, file).toBe('Accept-Encoding, Accept, Sec-Fetch-Dest');
      expect(response.body.equals(Buffer.from((await stack.object(key)) ?? '', 'utf8')), file).toBe(true);
      expect(response.body.toString('utf8'), file).not.toMatch(/xml-stylesheet|<html/);
    }
  });

  it('answers a navigation with the page and anyone else with the feed, as curl shows', async () => {
    const url = `${stack.apiUrl}/feeds/sources/the-gaze/rss.xml`;
    const page = await get(url, { 'sec-fetch-dest': 'document' });
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body.toString('utf8')).toContain(seed.title);
    expect(
      page.body.equals(Buffer.from((await stack.object('feeds/sources/the-gaze/index.html')) ?? '')),
    ).toBe(true);
    const feed = await get(url, { accept: '*/*', 'user-agent': 'curl/8.5.0' });
    expect(feed.headers['content-type']).toBe('application/rss+xml; charset=utf-8');
    expect(feed.body.equals(Buffer.from((await stack.object('feeds/sources/the-gaze/rss.xml')) ?? ''))).toBe(
      true,
    );
  });
});

describe('the OPML catalogue', () => {
  it('is served as OPML, and a reader that imports it and follows its inclusions reaches every feed once', async () => {
    const response = await fetch(`${stack.feedsUrl}opml.xml`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/x-opml; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY.nothing);
    // What an OPML 2.0 reader does: every outline of type "rss" is a feed, every one of type "include" is fetched
    // and read in its place.
    const feeds: string[] = [];
    const read = async (url: string, depth: number): Promise<void> => {
      expect(depth, url).toBeLessThan(5);
      const answer = await fetch(url);
      expect(answer.status, url).toBe(200);
      expect(answer.headers.get('content-type'), url).toBe('text/x-opml; charset=utf-8');
      const root = parseXml(await answer.text());
      const walk = async (element: XmlElement): Promise<void> => {
        const attribute = (local: string) => element.attributes.find((a) => a.local === local)?.value;
        if (element.local === 'outline' && attribute('type') === 'rss') feeds.push(attribute('xmlUrl') ?? '');
        if (element.local === 'outline' && attribute('type') === 'include')
          await read(attribute('url') ?? '', depth + 1);
        for (const child of element.children) await walk(child);
      };
      await walk(root);
    };
    await read(`${stack.feedsUrl}opml.xml`, 0);
    const published = (await stack.keys())
      .filter((key) => key.endsWith('/rss.xml') && !key.includes('/archive/'))
      // A key holds a slug as UTF-8; its URL percent-encodes it.
      .map((key) => `${stack.apiUrl}/${urlPath(key)}`);
    expect(published.length).toBeGreaterThanOrEqual(12);
    expect([...feeds].sort()).toEqual(published.sort());
  });
});

describe('the local feed server', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    const feeds = new LocalFeedServer(stack.s3, stack.bucket);
    server = createServer((request, response) => {
      feeds.handle(request, response).catch(() => response.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  it('serves /feeds and /feeds/ as the index page, with the pages CSP', async () => {
    const index = await stack.object(CATALOGUE_KEYS.index);
    for (const path of ['/feeds', '/feeds/', '/feeds/index.html']) {
      const response = await fetch(`${base}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type'), path).toBe('text/html; charset=utf-8');
      expect(response.headers.get('content-security-policy'), path).toBe(CONTENT_SECURITY_POLICY.page);
      expect(await response.text(), path).toBe(index);
    }
    expect((await fetch(`${base}/feedsx`)).status).toBe(404);
  });

  it('keeps the page and the feed apart at one URL, in 200s and 304s, each with its own ETag', async () => {
    for (const file of ['rss.xml', 'atom.xml', 'feed.json']) {
      const url = `${base}/feeds/all/${file}`;
      const opened = await get(url, { 'sec-fetch-dest': 'document' });
      const polled = await get(url, { 'sec-fetch-dest': 'empty', accept: '*/*' });
      expect(opened.headers['content-type'], file).toBe('text/html; charset=utf-8');
      expect(polled.headers['content-type'], file).toMatch(
        /^application\/(rss|atom|feed)\+(xml|json); charset=utf-8$/,
      );
      for (const response of [opened, polled]) {
        expect(response.headers['content-security-policy'], file).toBe(CONTENT_SECURITY_POLICY.page);
        expect(response.headers.vary, file).toBe('Accept-Encoding, Accept, Sec-Fetch-Dest');
      }
      expect(opened.headers.etag).not.toBe(polled.headers.etag);
      // A browser revalidating its page gets 304 for the page's ETag, never for the feed's, and the reverse.
      const page304 = await get(url, {
        'sec-fetch-dest': 'document',
        'if-none-match': opened.headers.etag ?? '',
      });
      expect(page304.status, file).toBe(304);
      expect(page304.headers.vary, file).toBe('Accept-Encoding, Accept, Sec-Fetch-Dest');
      expect(
        (await get(url, { 'sec-fetch-dest': 'document', 'if-none-match': polled.headers.etag ?? '' })).status,
      ).toBe(200);
      expect((await get(url, { 'if-none-match': opened.headers.etag ?? '' })).status, file).toBe(200);
    }
    const opml = await get(`${base}/feeds/opml.xml`, { 'sec-fetch-dest': 'document' });
    expect(opml.headers['content-type']).toBe('text/x-opml; charset=utf-8');
    expect(opml.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY.nothing);
    expect(opml.headers.vary).toBe('Accept-Encoding');
  });
});

describe('a web app on another origin in Chromium', () => {
  let app: Server;
  let appUrl: string;
  beforeAll(async () => {
    // A page of its own origin (another port), with nothing in it but what it runs.
    app = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end('<!doctype html><title>reader</title><p>A reader on another origin.</p>');
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    appUrl = `http://127.0.0.1:${(app.address() as { port: number }).port}/`;
  });
  afterAll(async () => {
    app?.closeAllConnections();
    await new Promise((resolve) => app?.close(resolve));
  });

  it('polls a feed with conditional requests: the preflight passes, a 200 shows its ETag, then a 304', async () => {
    const { page, problems } = await visit(appUrl, DESKTOP);
    const results: Record<
      string,
      { first: number; etag: string | null; type: string | null; second: number }
    > = {};
    for (const file of ['rss.xml', 'atom.xml', 'feed.json']) {
      const feed = `${stack.feedsUrl}sources/the-gaze/${file}`;
      expect(new URL(feed).origin).not.toBe(new URL(appUrl).origin);
      // If-None-Match is not CORS-safelisted: the browser asks the feed server first, with OPTIONS.
      results[file] = await page.evaluate(`(async () => {
        const first = await fetch(${JSON.stringify(feed)}, { cache: 'no-store' });
        const etag = first.headers.get('etag');
        const type = first.headers.get('content-type');
        await first.text();
        const second = await fetch(${JSON.stringify(feed)}, { headers: { 'If-None-Match': etag } });
        await second.text();
        return { first: first.status, etag, type, second: second.status };
      })()`);
    }
    expect(results).toEqual({
      'rss.xml': {
        first: 200,
        etag: expect.stringMatching(/^(W\/)?"/),
        type: expect.stringContaining('rss'),
        second: 304,
      },
      'atom.xml': {
        first: 200,
        etag: expect.stringMatching(/^(W\/)?"/),
        type: expect.stringContaining('atom'),
        second: 304,
      },
      'feed.json': {
        first: 200,
        etag: expect.stringMatching(/^(W\/)?"/),
        type: expect.stringContaining('feed+json'),
        second: 304,
      },
    });
    expect(problems).toEqual([]);
    await page.close();
  });
});

describe('a right-to-left source in Chromium', () => {
  const SOURCE = 'al-akhbar';
  const ARABIC_TAGS = ['العربية', 'مصر'];
  const HEBREW_TAGS = ['ישראל'];
  let latest: Article;
  beforeAll(async () => {
    const client = createDocumentClient({ endpoint: stack.dynamodbEndpoint });
    const registry = new Registry(new DynamoDbRegistryStore(client, stack.tableName));
    await registry.addSource({
      slug: SOURCE,
      name: 'الأخبار',
      homepageUrl: 'https://alakhbar.example/',
      description: 'أخبار ومقالات من القاهرة',
      language: 'ar',
    });
    client.destroy();
    const post = async (fields: Record<string, unknown>) => {
      const response = await stack.call('POST', '/articles', {
        source: SOURCE,
        contentHtml: '<p>نص المقال.</p>',
        author: { name: 'غرفة الأخبار' },
        ...fields,
      });
      expect(response.status, JSON.stringify(response.body)).toBe(201);
      return response.body as Article;
    };
    // One entry a feed (this file's stack): the two older ones are in the archive, the newest in the feed.
    await post({
      title: 'محادثات السلام تستأنف في القاهرة',
      url: 'https://alakhbar.example/news/cairo-talks',
      summary: 'استأنف الوفدان المحادثات صباح الأربعاء.',
      tags: [...ARABIC_TAGS, ...HEBREW_TAGS],
      publishedAt: '2025-07-14T08:00:00Z',
    });
    await post({
      title: 'שיחות השלום התחדשו בקהיר',
      url: 'https://alakhbar.example/news/cairo-talks-he',
      summary: 'המשלחות חזרו לשולחן ביום רביעי.',
      tags: [...HEBREW_TAGS, ...ARABIC_TAGS],
      publishedAt: '2025-07-15T08:00:00Z',
    });
    // The newest headline is in English: its item reads left to right inside the right-to-left page.
    latest = await post({
      title: 'Peace talks resume in Cairo',
      url: 'https://alakhbar.example/news/cairo-talks-en',
      summary: 'Both delegations returned to the table on Wednesday.',
      tags: [...ARABIC_TAGS, ...HEBREW_TAGS],
      publishedAt: '2025-07-16T08:00:00Z',
    });
    await stack.settle();
  });

  /** The document's and each item's direction, as declared and as Chromium lays it out. */
  const directions = (page: Page) =>
    page.evaluate(`({
      dir: document.documentElement.getAttribute('dir'),
      lang: document.documentElement.getAttribute('lang'),
      computed: getComputedStyle(document.body).direction,
      items: [...document.querySelectorAll('ol.items li h3')].map((h3) => ({
        dir: h3.getAttribute('dir'),
        computed: getComputedStyle(h3).direction,
        text: h3.textContent,
      })),
    })`) as Promise<{
      dir: string;
      lang: string;
      computed: string;
      items: { dir: string; computed: string; text: string }[];
    }>;

  it("shows the source's feed right to left, each item in its own direction, its tag links answering, with a clean console", async () => {
    const { page, status, problems, console } = await visit(
      `${stack.feedsUrl}sources/${SOURCE}/rss.xml`,
      DESKTOP,
    );
    try {
      expect(status).toBe(200);
      expect(await directions(page)).toEqual({
        dir: 'rtl',
        lang: 'ar',
        computed: 'rtl',
        items: [{ dir: 'auto', computed: 'ltr', text: latest.title }],
      });
      await expect(page.locator('h1').getAttribute('dir')).resolves.toBe('auto');
      const tagLinks = page.locator('ol.items li p.muted a');
      await expect(tagLinks.allTextContents()).resolves.toEqual([...ARABIC_TAGS, ...HEBREW_TAGS]);
      const hrefs = (await page.evaluate(
        `[...document.querySelectorAll('ol.items li p.muted a')].map((a) => a.href)`,
      )) as string[];
      for (const [i, label] of [...ARABIC_TAGS, ...HEBREW_TAGS].entries()) {
        const href = hrefs[i] ?? '';
        // Percent-encoded as the page wrote it: the browser keeps the URL it was given.
        expect(href).toBe(`${stack.feedsUrl}sources/${SOURCE}/tags/${encodeURIComponent(label)}/index.html`);
        const response = await fetch(href);
        expect(response.status, href).toBe(200);
        expect(await response.text(), href).toContain(label);
      }
      await screenshot(page, 'rtl-feed-desktop.png');
      // Following a tag link in the browser opens the tag feed's page, also right to left.
      await tagLinks.first().click();
      await page.waitForURL(hrefs[0] ?? '');
      await expect(page.locator('h1').textContent()).resolves.toBe(`الأخبار: ${ARABIC_TAGS[0]}`);
      expect((await directions(page)).dir).toBe('rtl');
      await page.locator('a', { hasText: 'Older articles' }).click();
      await page.waitForURL(/\/archive\/\d+\/index\.html$/);
      const archived = await directions(page);
      expect(archived.dir).toBe('rtl');
      expect(archived.items).toEqual([{ dir: 'auto', computed: 'rtl', text: 'שיחות השלום התחדשו בקהיר' }]);
      await screenshot(page, 'rtl-archive-desktop.png');
      expect(problems, console.join('\n')).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("shows the source's tag directory right to left, each tag linking its feed by a URL that answers", async () => {
    const url = `${stack.feedsUrl}sources/${SOURCE}/tags/index.html`;
    const { page, status, problems, console } = await visit(url, PHONE);
    try {
      expect(status).toBe(200);
      const { dir, lang, computed } = await directions(page);
      expect({ dir, lang, computed }).toEqual({ dir: 'rtl', lang: 'ar', computed: 'rtl' });
      await expect(page.locator('ul.feeds[dir="auto"]').count()).resolves.toBe(1);
      const text = (await page.locator('main').textContent()) ?? '';
      for (const label of [...ARABIC_TAGS, ...HEBREW_TAGS]) expect(text).toContain(label);
      const anchors = (await page.evaluate(
        `[...document.querySelectorAll('main a')].map((a) => a.href)`,
      )) as string[];
      for (const label of [...ARABIC_TAGS, ...HEBREW_TAGS])
        for (const file of ['index.html', 'rss.xml', 'atom.xml', 'feed.json'])
          expect(anchors).toContain(
            `${stack.feedsUrl}sources/${SOURCE}/tags/${encodeURIComponent(label)}/${file}`,
          );
      for (const href of anchors) expect((await fetch(href)).status, href).toBe(200);
      expect(await styled(page)).toBe(true);
      expect(await fits(page)).toBe(true);
      expect(problems, console.join('\n')).toEqual([]);
      await screenshot(page, 'rtl-tags-phone.png');
    } finally {
      await page.close();
    }
    const links = await discoveryLinks(url);
    expect(links).toHaveLength((ARABIC_TAGS.length + HEBREW_TAGS.length) * 3);
    await expectAnswered(links);
  });
});
