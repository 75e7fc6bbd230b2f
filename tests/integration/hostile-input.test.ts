/**
 * Hostile editor input through the real HTTP API and the whole local pipeline (API, authorizer, DynamoDB Local,
 * S3 server, stream poller). Every case is one request with its exact outcome:
 *
 * - a rejection names its status, the field its problem document must name (or none), writes nothing to the
 *   table and leaks no stack trace, file path or internal class name;
 * - an acceptance is a 201 whose stored article is free of characters XML forbids, and every feed it lands in
 *   stays well-formed and valid in all three formats.
 */
import { request as httpRequest } from 'node:http';
import { type AttributeValue, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '#shared/adapters/dynamodb/client.ts';
import { DynamoDbRegistryStore } from '#shared/adapters/dynamodb/registry-store.ts';
import type { Article } from '#shared/articles/model.ts';
import { type FeedId, feedIdsOf } from '#shared/feeds/feed-ids.ts';
import { Registry } from '#shared/registry.ts';
import { type ParsedFeed, type ParsedItem, parseAllFormats } from '../support/feed-validation.ts';
import { LEAKS } from '../support/leaks.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { describeW3cEvents, servedType, w3cValidate } from '../support/w3c-feed-validator.ts';

let stack: TestStack;
let dynamo: DynamoDBClient;
/** A key scoped to daily-planet only. */
let planetKey: string;

beforeAll(async () => {
  stack = await startTestStack();
  dynamo = new DynamoDBClient({
    endpoint: stack.dynamodbEndpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const registry = new Registry(
    new DynamoDbRegistryStore(createDocumentClient({ endpoint: stack.dynamodbEndpoint }), stack.tableName),
  );
  await registry.addSource({
    slug: 'daily-planet',
    name: 'Daily Planet',
    homepageUrl: 'https://planet.example/',
  });
  planetKey = (await registry.createKey(['daily-planet'], 'planet desk')).key;
  // The new source's catalogue and tag directory are published from the stream: let them land before any test
  // compares the table before and after a refusal.
  await stack.settle();
});
afterAll(async () => {
  dynamo?.destroy();
  await stack?.stop();
});

// ---------------------------------------------------------------------------------------------------------
// Requests and what to expect of them
// ---------------------------------------------------------------------------------------------------------

interface HostileRequest {
  /** A JSON value, encoded with JSON.stringify (lone surrogates travel as `\ud800` escapes). */
  json?: unknown;
  /** A body sent byte for byte instead. */
  raw?: string | Uint8Array;
  /** Content-Type; `application/json` unless given, none at all when null. */
  contentType?: string | null;
  headers?: Record<string, string>;
  /** Which editor key: the development key (every source), a daily-planet key, or none. */
  key?: 'dev' | 'planet' | 'none';
}

interface Rejection {
  outcome: 'rejected';
  status: number;
  /** The field an entry of `errors` must name, or null when the problem has no `errors` list. */
  field: string | null;
  in?: 'body' | 'query' | 'header';
  /** That entry's detail (a string must match exactly). */
  detail?: string | RegExp;
  /** The problem's top-level detail. */
  problemDetail?: string | RegExp;
}

interface Publication {
  /** The article as stored (read back with GET). */
  article: Article;
  /** Each feed the article lands in, parsed in all three formats, with the raw documents. */
  feeds: Map<FeedId, { parsed: Record<'rss' | 'atom' | 'json', ParsedFeed>; docs: Record<string, string> }>;
  /** The article's item in every feed and format. */
  items: ParsedItem[];
}

interface Acceptance {
  outcome: 'accepted';
  check?: (published: Publication) => void | Promise<void>;
}

type Case = { name: string; request: HostileRequest } & (Rejection | Acceptance);

const rejects = (name: string, request: HostileRequest, expected: Omit<Rejection, 'outcome'>): Case => ({
  name,
  request,
  outcome: 'rejected',
  ...expected,
});

const accepts = (name: string, request: HostileRequest, check?: Acceptance['check']): Case => ({
  name,
  request,
  outcome: 'accepted',
  ...(check ? { check } : {}),
});

const BASE = {
  source: 'the-gaze',
  title: 'Hostile input',
  url: 'https://thegaze.example/news/hostile-input',
  contentHtml: '<p>Body text.</p>',
};

/** An article with every optional field, for reaching nested fields. */
const FULL = {
  ...BASE,
  summary: 'A summary.',
  author: { name: 'The Gaze desk', email: 'desk@thegaze.example', url: 'https://thegaze.example/desk' },
  tags: ['Politics'],
  citations: [{ name: 'Newsweek', url: 'https://www.newsweek.com/' }],
  image: { url: 'https://thegaze.example/picture.png', alt: 'A picture' },
  publishedAt: '2025-07-16T09:30:00Z',
};

const article = (overrides: Record<string, unknown>) => ({ ...BASE, ...overrides });

/** FULL with the value at a dotted path (`citations.0.name`) replaced. */
function fullWith(path: string, value: unknown): Record<string, unknown> {
  const body = structuredClone(FULL) as Record<string, any>;
  const parts = path.split('.');
  let target = body;
  for (const part of parts.slice(0, -1)) target = target[part];
  target[parts.at(-1) as string] = value;
  return body;
}

/** Every character XML 1.0 forbids that JSON can carry, plus a CDATA terminator, in one string. */
const HOSTILE_TEXT = 'Bad\u0000 \u0007chars\uFFFE \uFFFFand\uD800 lone\uDFFF ]]> end';
/** The same once the API has stripped the forbidden characters. */
const CLEAN_TEXT = 'Bad chars and lone ]]> end';

const XML_FORBIDDEN =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Every string inside a JSON value. */
function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(stringsOf);
  return [];
}

/** Strips forms an HTML attack takes; none may survive into the stored content or any feed. */
function expectNoneOf(patterns: RegExp[], published: Publication): void {
  const texts = [
    published.article.contentHtml,
    published.article.summary,
    ...published.items.flatMap((item) => [item.contentHtml ?? '', item.summary ?? '']),
  ];
  for (const text of texts) for (const pattern of patterns) expect(text).not.toMatch(pattern);
  // The safe part of the content is still there, in every format.
  for (const item of published.items) expect(item.contentHtml).toContain('Safe text');
}

const DEEP = 50_000;
const FAR_FUTURE = new Date(Date.now() + 400 * 24 * 60 * 60 * 1000).toISOString();
// Clock skew, not scheduling: up to 60 s ahead is taken as now; further ahead the article is scheduled.
const SKEWED = new Date(Date.now() + 45 * 1000).toISOString();

// ---------------------------------------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------------------------------------

const WRONG_TYPES: [path: string, value: unknown, detail: string][] = [
  ['source', 42, 'must be a string, not a number'],
  ['title', ['a', 'list'], 'must be a string, not an array'],
  ['url', { href: 'https://x.example/' }, 'must be a string, not an object'],
  ['contentHtml', null, 'must be a string, not null'],
  ['summary', 1, 'must be a string, not a number'],
  ['author', 'The Gaze desk', 'must be an object, not a string'],
  ['author.name', 7, 'must be a string, not a number'],
  ['author.email', ['desk@thegaze.example'], 'must be a string, not an array'],
  ['author.url', true, 'must be a string, not a boolean'],
  ['tags', 'Politics', 'must be an array, not a string'],
  ['tags.0', { label: 'Politics' }, 'must be a string, not an object'],
  ['citations', { name: 'Newsweek' }, 'must be an array, not an object'],
  ['citations.0', 'Newsweek', 'must be an object, not a string'],
  ['citations.0.name', false, 'must be a string, not a boolean'],
  ['citations.0.url', 3, 'must be a string, not a number'],
  ['image', 'https://thegaze.example/picture.png', 'must be an object, not a string'],
  ['image.url', null, 'must be a string, not null'],
  ['image.alt', 0, 'must be a string, not a number'],
  ['publishedAt', 1752658200, 'must be a string, not a number'],
];

/** Fields only the server sets, each with a value a client might try. */
const SERVER_ASSIGNED: [field: string, value: unknown][] = [
  ['id', '00000000-0000-4000-8000-000000000000'],
  ['version', 99],
  ['createdAt', '2025-07-16T09:30:00Z'],
  ['updatedAt', '2025-07-16T09:30:00Z'],
  ['status', 'retracted'],
  ['retractedAt', '2025-07-16T09:30:00Z'],
];

/** `citations.0.name` -> `citations[0].name`, as the problem document names it. */
const fieldName = (path: string) => path.replace(/\.(\d+)/g, '[$1]');

const CASES: Case[] = [
  // --- bodies that are not a JSON object ------------------------------------------------------------------
  rejects(
    'refuses malformed JSON (unquoted keys, single quotes) with 400 on the body',
    { raw: "{source: 'the-gaze', title: 'x'}" },
    { status: 400, field: '(body)', detail: /^The request body is not valid JSON/ },
  ),
  rejects(
    'refuses a truncated JSON body with 400 on the body',
    { raw: JSON.stringify(FULL).slice(0, 120) },
    { status: 400, field: '(body)', detail: /^The request body is not valid JSON/ },
  ),
  rejects(
    'refuses JSON with a trailing comma with 400 on the body',
    { raw: `${JSON.stringify(BASE).slice(0, -1)},}` },
    { status: 400, field: '(body)', detail: /^The request body is not valid JSON/ },
  ),
  rejects(
    'refuses two JSON documents in one body with 400 on the body',
    { raw: `${JSON.stringify(BASE)}${JSON.stringify(BASE)}` },
    { status: 400, field: '(body)', detail: /^The request body is not valid JSON/ },
  ),
  rejects(
    'refuses a raw NUL byte inside a JSON string (not escaped) with 400 on the body',
    { raw: JSON.stringify(BASE).replace('Hostile input', 'Hostile\u0000input') },
    { status: 400, field: '(body)', detail: /^The request body is not valid JSON/ },
  ),
  rejects(
    'refuses a body of nothing but whitespace with 400 on the body',
    { raw: ' \n\t ' },
    { status: 400, field: '(body)', detail: /^The request body is not valid JSON/ },
  ),
  rejects(
    'refuses an empty body with 400 on the body',
    { raw: '' },
    { status: 400, field: '(body)', detail: 'The request body is empty; send the article as JSON.' },
  ),
  rejects(
    'refuses a JSON array instead of an object with 422 on the body',
    { json: [BASE] },
    { status: 422, field: '(body)', detail: 'must be a JSON object, not an array' },
  ),
  rejects(
    'refuses a JSON string instead of an object with 422 on the body',
    { json: JSON.stringify(BASE) },
    { status: 422, field: '(body)', detail: 'must be a JSON object, not a string' },
  ),
  rejects(
    'refuses a JSON number instead of an object with 422 on the body',
    { raw: '42' },
    { status: 422, field: '(body)', detail: 'must be a JSON object, not a number' },
  ),
  rejects(
    'refuses JSON null instead of an object with 422 on the body',
    { raw: 'null' },
    { status: 422, field: '(body)', detail: 'must be a JSON object, not null' },
  ),
  rejects(
    'refuses JSON true instead of an object with 422 on the body',
    { raw: 'true' },
    { status: 422, field: '(body)', detail: 'must be a JSON object, not a boolean' },
  ),

  // --- duplicate keys and nesting -------------------------------------------------------------------------
  rejects(
    'refuses a top-level key given twice with 400 naming it',
    { raw: JSON.stringify(BASE).replace('{', '{"title":"A first title",') },
    { status: 400, field: 'title', detail: 'appears twice in the same object' },
  ),
  rejects(
    'refuses a key given twice inside a nested object with 400 naming its path',
    { raw: JSON.stringify(FULL).replace('"author":{', '"author":{"name":"Someone else",') },
    { status: 400, field: 'author.name', detail: 'appears twice in the same object' },
  ),
  rejects(
    'refuses a key given twice inside an object in an array with 400 naming its path',
    { raw: JSON.stringify(FULL).replace('"citations":[{', '"citations":[{"name":"Other",') },
    { status: 400, field: 'citations[0].name', detail: 'appears twice in the same object' },
  ),
  rejects(
    'refuses a key given twice when one spelling uses a \\u escape with 400 naming it',
    { raw: JSON.stringify(BASE).replace('{', '{"\\u0074itle":"Escaped title",') },
    { status: 400, field: 'title', detail: 'appears twice in the same object' },
  ),
  // A 100 KB body, well inside the limit: nesting depth must not turn it into a 500 (a stack overflow).
  rejects(
    'refuses JSON nested 50,000 levels deep with 400 on the body rather than failing',
    { raw: JSON.stringify(BASE).replace(/}$/, `,"extra":${'['.repeat(DEEP)}${']'.repeat(DEEP)}}`) },
    {
      status: 400,
      field: `extra${'[0]'.repeat(31)}`,
      detail: 'nests deeper than 32 levels',
    },
  ),

  // --- size -------------------------------------------------------------------------------------------------
  rejects(
    'refuses a 2 MiB body with 413 before reading it',
    { json: article({ contentHtml: `<p>${'x'.repeat(2 * 1024 * 1024)}</p>` }) },
    { status: 413, field: null, problemDetail: 'The request body is larger than 262144 bytes.' },
  ),
  rejects(
    'refuses a 300 KiB title with 413',
    { json: article({ title: 't'.repeat(300 * 1024) }) },
    { status: 413, field: null },
  ),
  rejects(
    'refuses a body that is one 300 KiB JSON string with 413 before parsing it',
    { json: 's'.repeat(300 * 1024) },
    { status: 413, field: null },
  ),
  rejects(
    'refuses a 200 KiB title (inside the body limit) with 422 naming the title',
    { json: article({ title: 't'.repeat(200 * 1024) }) },
    { status: 422, field: 'title', detail: 'must be at most 300 characters' },
  ),
  rejects(
    'refuses 200 KiB of content with 422 naming contentHtml and its size',
    { json: article({ contentHtml: `<p>${'x'.repeat(200 * 1024)}</p>` }) },
    {
      status: 422,
      field: 'contentHtml',
      detail: 'is 204807 bytes once sanitised; at most 102400 are allowed',
    },
  ),

  // --- tags -------------------------------------------------------------------------------------------------
  rejects(
    'refuses 1,000 tags with 422 naming tags',
    { json: article({ tags: Array.from({ length: 1000 }, (_, i) => `tag ${i}`) }) },
    { status: 422, field: 'tags', detail: 'must hold at most 10 tags' },
  ),
  rejects(
    'refuses a 10,000-character tag with 422 naming it',
    { json: article({ tags: ['Politics', 't'.repeat(10_000)] }) },
    { status: 422, field: 'tags[1]', detail: 'must be at most 100 characters' },
  ),
  rejects(
    'refuses a tag that slugs to nothing ("!!!") with 422 naming it',
    { json: article({ tags: ['!!!'] }) },
    { status: 422, field: 'tags[0]', detail: 'must contain a letter or digit that can form a slug' },
  ),
  accepts(
    'folds a tag in fullwidth Latin letters (ＴＡＧ) to the slug tag, keeping the label as sent',
    { json: article({ tags: ['\uFF34\uFF21\uFF27'] }) },
    ({ article: stored, feeds }) => {
      expect(stored.tags).toEqual([{ label: '\uFF34\uFF21\uFF27', slug: 'tag' }]);
      expect(feeds.has('tags/tag')).toBe(true);
    },
  ),
  accepts(
    'gives a tag in a script with no Latin spelling (Arabic) a slug in its own letters and a feed',
    { json: article({ tags: ['Politics', '\u0627\u0644\u0639\u0631\u0628\u064A\u0629'] }) },
    ({ article: stored, feeds }) => {
      expect(stored.tags[1]).toEqual({ label: 'العربية', slug: 'العربية' });
      expect(feeds.has('tags/العربية')).toBe(true);
    },
  ),
  rejects(
    'refuses a tag of emoji alone with 422 naming it',
    { json: article({ tags: ['Politics', '😀🎉'] }) },
    { status: 422, field: 'tags[1]', detail: 'must contain a letter or digit that can form a slug' },
  ),
  rejects(
    'refuses a label whose slug would pass 80 characters, never cutting it short',
    { json: article({ tags: ['中'.repeat(81)] }) },
    {
      status: 422,
      field: 'tags[0]',
      detail: "makes a slug of 81 characters, more than the 80 a feed's URL may hold",
    },
  ),
  accepts(
    'slugs path-like tags ("../../x", "a/b", "%2e%2e") to x, a-b and 2e-2e and writes nothing outside feeds/',
    { json: article({ tags: ['../../x', 'a/b', '%2e%2e'] }) },
    async ({ article: stored, feeds }) => {
      expect(stored.tags).toEqual([
        { label: '../../x', slug: 'x' },
        { label: 'a/b', slug: 'a-b' },
        { label: '%2e%2e', slug: '2e-2e' },
      ]);
      expect([...feeds.keys()].sort()).toEqual(
        [
          'all',
          'sources/the-gaze',
          'tags/x',
          'tags/a-b',
          'tags/2e-2e',
          'sources/the-gaze/tags/x',
          'sources/the-gaze/tags/a-b',
          'sources/the-gaze/tags/2e-2e',
        ].sort(),
      );
      for (const slug of ['x', 'a-b', '2e-2e']) {
        const feed = feeds.get(`tags/${slug}`);
        expect(feed?.parsed.rss.selfUrl).toBe(`${stack.apiUrl}/feeds/tags/${slug}/rss.xml`);
        expect(feed?.parsed.json.selfUrl).toBe(`${stack.apiUrl}/feeds/tags/${slug}/feed.json`);
      }
      const keys = await stack.keys();
      expect(keys).toContain('feeds/tags/2e-2e/atom.xml');
      for (const key of keys) {
        // Folders are slugs: ASCII, or (for a tag in another script) letters, marks and digits of any script, as
        // UTF-8; never a dot, a percent sign or a separator of their own.
        expect(key).toMatch(
          /^feeds\/(?:index\.html|opml\.xml|[\p{L}\p{M}\p{N}-]+(?:\/[\p{L}\p{M}\p{N}-]+)*\/(?:rss\.xml|atom\.xml|feed\.json|index(?:-\d+)?\.html|opml(?:-\d+)?\.xml|tags(?:-\d+)?\.json|news-sitemap(?:-\d+)?\.xml))$/u,
        );
        expect(key.split('/')).not.toContain('..');
      }
    },
  ),

  // --- URLs -------------------------------------------------------------------------------------------------
  rejects(
    'refuses a javascript: url with 422 naming url',
    { json: article({ url: 'javascript:alert(document.cookie)' }) },
    { status: 422, field: 'url', detail: 'must use http or https, not javascript' },
  ),
  rejects(
    'refuses a data: url with 422 naming url',
    { json: article({ url: 'data:text/html,<script>alert(1)</script>' }) },
    { status: 422, field: 'url', detail: 'must use http or https, not data' },
  ),
  rejects(
    'refuses a relative url with 422 naming url',
    { json: article({ url: '/news/hostile-input' }) },
    { status: 422, field: 'url', detail: 'must be an absolute http(s) URL' },
  ),
  rejects(
    'refuses a url with a 10 KB query with 422 naming url',
    { json: article({ url: `https://thegaze.example/search?q=${'a'.repeat(10 * 1024)}` }) },
    { status: 422, field: 'url', detail: 'must be at most 2048 characters' },
  ),
  rejects(
    'refuses a url with credentials in it with 422 naming url',
    { json: article({ url: 'https://editor:hunter2@thegaze.example/news' }) },
    { status: 422, field: 'url', detail: 'must not contain credentials' },
  ),
  rejects(
    'refuses a file: url with 422 naming url',
    { json: article({ url: 'file:///etc/passwd' }) },
    { status: 422, field: 'url', detail: 'must use http or https, not file' },
  ),
  rejects(
    'refuses a javascript: author url with 422 naming author.url',
    { json: fullWith('author.url', 'javascript:alert(1)') },
    { status: 422, field: 'author.url', detail: 'must use http or https, not javascript' },
  ),
  rejects(
    'refuses a data: image url with 422 naming image.url',
    { json: fullWith('image.url', 'data:image/svg+xml,<svg onload=alert(1)>') },
    { status: 422, field: 'image.url', detail: 'must use http or https, not data' },
  ),
  rejects(
    'refuses a relative citation url with 422 naming citations[0].url',
    { json: fullWith('citations.0.url', '../elsewhere') },
    { status: 422, field: 'citations[0].url', detail: 'must be an absolute http(s) URL' },
  ),
  accepts(
    'stores an international host name in its ASCII (punycode) form and links to it in every feed',
    { json: article({ url: 'https://bücher.example/straße?q=ü' }) },
    ({ article: stored, items }) => {
      expect(stored.url).toBe('https://xn--bcher-kva.example/stra%C3%9Fe?q=%C3%BC');
      for (const item of items) expect(item.link).toBe(stored.url);
    },
  ),

  // --- dates ------------------------------------------------------------------------------------------------
  rejects(
    'refuses a date that does not exist (2025-02-30) with 422 naming publishedAt',
    { json: article({ publishedAt: '2025-02-30T09:30:00Z' }) },
    { status: 422, field: 'publishedAt', detail: /^must be an RFC 3339 date-time with a zone/ },
  ),
  rejects(
    'refuses a publication in year 0000 with 422 naming publishedAt',
    { json: article({ publishedAt: '0000-01-01T00:00:00Z' }) },
    { status: 422, field: 'publishedAt', detail: 'must not be before 1970-01-01T00:00:00Z' },
  ),
  rejects(
    'refuses a publication in year 9999 with 422 naming publishedAt',
    { json: article({ publishedAt: '9999-12-31T23:59:59Z' }) },
    { status: 422, field: 'publishedAt', detail: 'must not be more than one year in the future' },
  ),
  rejects(
    'refuses a date-time without a zone with 422 naming publishedAt',
    { json: article({ publishedAt: '2025-07-16T09:30:00' }) },
    { status: 422, field: 'publishedAt', detail: /^must be an RFC 3339 date-time with a zone/ },
  ),
  rejects(
    'refuses a publication more than a year ahead of the server clock with 422 naming publishedAt',
    { json: article({ publishedAt: FAR_FUTURE }) },
    { status: 422, field: 'publishedAt', detail: 'must not be more than one year in the future' },
  ),
  rejects(
    'refuses a leap second (23:59:60) with 422 naming publishedAt',
    { json: article({ publishedAt: '2016-12-31T23:59:60Z' }) },
    { status: 422, field: 'publishedAt', detail: /^must be an RFC 3339 date-time with a zone/ },
  ),
  accepts(
    'stores a publication time with an offset in UTC',
    { json: article({ publishedAt: '2025-07-16T09:30:00.123456789+05:30' }) },
    ({ article: stored }) => {
      expect(stored.publishedAt).toBe('2025-07-16T04:00:00.123Z');
    },
  ),
  accepts(
    'accepts a publication time 45 s ahead of the server clock (clock skew) as published at once',
    { json: article({ publishedAt: SKEWED }) },
    ({ article: stored }) => {
      expect(stored.publishedAt).toBe(SKEWED);
      expect(stored.status).toBe('published');
    },
  ),

  // --- characters XML forbids, in every text field ----------------------------------------------------------
  accepts(
    'strips NUL, U+FFFE, U+FFFF and lone surrogates from the title and keeps ]]> harmless',
    { json: article({ title: HOSTILE_TEXT }) },
    ({ article: stored, items }) => {
      expect(stored.title).toBe(CLEAN_TEXT);
      for (const item of items) expect(item.title).toBe(CLEAN_TEXT);
    },
  ),
  accepts(
    'strips NUL, U+FFFE, U+FFFF and lone surrogates from the summary and keeps ]]> harmless',
    { json: article({ summary: HOSTILE_TEXT }) },
    ({ article: stored, items }) => {
      expect(stored.summary).toBe(CLEAN_TEXT);
      for (const item of items) expect(item.summary).toBe(CLEAN_TEXT);
    },
  ),
  accepts(
    'strips NUL, U+FFFE, U+FFFF and lone surrogates from contentHtml and escapes ]]>',
    { json: article({ contentHtml: `<p>${HOSTILE_TEXT}</p>` }) },
    ({ article: stored, items }) => {
      expect(stored.contentHtml).toBe('<p>Bad chars and lone ]]&gt; end</p>');
      for (const item of items) expect(item.contentHtml).toBe(stored.contentHtml);
    },
  ),
  accepts(
    'strips NUL, U+FFFE, U+FFFF and lone surrogates from the author name and keeps ]]> harmless',
    { json: article({ author: { name: HOSTILE_TEXT } }) },
    ({ article: stored, items }) => {
      expect(stored.author).toEqual({ name: CLEAN_TEXT });
      for (const item of items) expect(item.author).toBe(CLEAN_TEXT);
    },
  ),
  accepts(
    'strips NUL, U+FFFE, U+FFFF and lone surrogates from a tag and keeps ]]> harmless',
    { json: article({ tags: [HOSTILE_TEXT] }) },
    ({ article: stored, items, feeds }) => {
      expect(stored.tags).toEqual([{ label: CLEAN_TEXT, slug: 'bad-chars-and-lone-end' }]);
      expect(feeds.has('tags/bad-chars-and-lone-end')).toBe(true);
      for (const item of items) expect(item.tags).toEqual([CLEAN_TEXT]);
    },
  ),
  accepts(
    'strips NUL, U+FFFE, U+FFFF and lone surrogates from a citation name and keeps ]]> harmless',
    { json: article({ citations: [{ name: HOSTILE_TEXT, url: 'https://www.newsweek.com/' }] }) },
    ({ article: stored, feeds }) => {
      expect(stored.citations).toEqual([{ name: CLEAN_TEXT, url: 'https://www.newsweek.com/' }]);
      for (const { docs } of feeds.values()) {
        const item = JSON.parse(docs.json as string).items.find(
          (candidate: { id: string }) => candidate.id === `urn:uuid:${stored.id}`,
        );
        expect(item._citations.outlets).toEqual(stored.citations);
        expect(docs.atom).toContain(`title="${CLEAN_TEXT.replace('>', '&gt;')}"`);
      }
    },
  ),
  accepts(
    'strips NUL, U+FFFE, U+FFFF and lone surrogates from the image alt text and keeps ]]> harmless',
    { json: article({ image: { url: 'https://thegaze.example/picture.png', alt: HOSTILE_TEXT } }) },
    ({ article: stored, feeds }) => {
      expect(stored.image).toEqual({ url: 'https://thegaze.example/picture.png', alt: CLEAN_TEXT });
      for (const { docs } of feeds.values()) {
        expect(docs.rss).toContain(
          `<media:description type="plain">${CLEAN_TEXT.replace('>', '&gt;')}</media:description>`,
        );
      }
    },
  ),
  accepts(
    'drops character references to forbidden characters (&#0;, &#xFFFE;) from contentHtml, U+FFFD and all',
    { json: article({ contentHtml: '<p>Safe text&#0;&#xFFFE;&#xD800;.</p>' }) },
    ({ article: stored, items }) => {
      expect(stored.contentHtml).toBe('<p>Safe text.</p>');
      for (const item of items) expect(item.contentHtml).toBe(stored.contentHtml);
    },
  ),
  accepts(
    'drops bytes that are not UTF-8 (read as U+FFFD, which validators flag) rather than refusing the body',
    {
      raw: Buffer.concat([
        Buffer.from(JSON.stringify(article({ title: 'Broken' })).split('Broken')[0] as string),
        Buffer.from('Bro'),
        Buffer.from([0xff, 0xfe]),
        Buffer.from('ken'),
        Buffer.from(JSON.stringify(article({ title: 'Broken' })).split('Broken')[1] as string),
      ]),
    },
    ({ article: stored }) => {
      expect(stored.title).toBe('Broken');
    },
  ),
  accepts(
    'accepts a body that starts with a UTF-8 byte order mark',
    { raw: `\uFEFF${JSON.stringify(article({ title: 'With a BOM' }))}` },
    ({ article: stored }) => {
      expect(stored.title).toBe('With a BOM');
    },
  ),

  // --- markup in plain-text fields ---------------------------------------------------------------------------
  accepts(
    'removes markup from a title (Why <b>bold</b> & <script>alert(1)</script>) and publishes the text in every format',
    { json: article({ title: 'Why <b>bold</b> & <script>alert(1)</script>' }) },
    ({ article: stored, items }) => {
      expect(stored.title).toBe('Why bold &');
      for (const item of items) expect(item.title).toBe('Why bold &');
    },
  ),
  accepts(
    'keeps text that only looks like markup (Q&A, AT&T, 5 < 6, <3, C++ <templates>, a<b>c) as it was sent',
    { json: article({ title: 'Q&A: AT&T, 5 < 6, <3, C++ <templates>, a<b>c' }) },
    ({ article: stored, items }) => {
      expect(stored.title).toBe('Q&A: AT&T, 5 < 6, <3, C++ <templates>, a<b>c');
      for (const item of items) expect(item.title).toBe(stored.title);
    },
  ),
  accepts(
    'removes markup from the summary, escaped or not',
    {
      json: fullWith('summary', 'A <i>short</i> &lt;/b&gt;summary <img src=x onerror=alert(1)>'),
    },
    ({ article: stored, items }) => {
      expect(stored.summary).toBe('A short summary');
      for (const item of items) expect(item.summary).toBe('A short summary');
    },
  ),
  accepts(
    'removes markup from an author name, a citation name, alt text and a tag label',
    {
      json: {
        ...FULL,
        author: { name: '<b>The Gaze</b> desk' },
        citations: [{ name: '<a href="https://x.example/">Wire</a>', url: 'https://wire.example/' }],
        image: { url: 'https://thegaze.example/picture.png', alt: '<em>A</em> picture' },
        tags: ['<b>Politics</b>'],
      },
    },
    ({ article: stored, items }) => {
      expect(stored.author?.name).toBe('The Gaze desk');
      expect(stored.citations).toEqual([{ name: 'Wire', url: 'https://wire.example/' }]);
      expect(stored.image?.alt).toBe('A picture');
      expect(stored.tags).toEqual([{ label: 'Politics', slug: 'politics' }]);
      for (const item of items) expect(item.author).toBe('The Gaze desk');
    },
  ),
  rejects(
    'refuses a title that is nothing but markup with 422 naming the title',
    { json: article({ title: '<b></b><script>alert(1)</script>' }) },
    { status: 422, field: 'title', detail: 'is empty once markup is removed' },
  ),

  // --- HTML attacks in contentHtml -------------------------------------------------------------------------
  accepts(
    'removes <script> elements and their text from contentHtml',
    {
      json: article({
        contentHtml:
          '<p>Safe text</p><SCRIPT>alert(1)</SCRIPT><script src="https://evil.example/x.js"></script>',
      }),
    },
    (published) => expectNoneOf([/<script/i, /alert/i, /evil\.example/i], published),
  ),
  accepts(
    'removes onerror= handlers from contentHtml',
    {
      json: article({
        contentHtml: '<p>Safe text</p><img src="https://thegaze.example/a.png" OnError="alert(1)">',
      }),
    },
    (published) => {
      expectNoneOf([/onerror/i, /alert/i], published);
      expect(published.article.contentHtml).toContain('<img src="https://thegaze.example/a.png" />');
    },
  ),
  accepts(
    'removes <iframe> elements from contentHtml',
    { json: article({ contentHtml: '<p>Safe text</p><iframe src="https://evil.example/"></iframe>' }) },
    (published) => expectNoneOf([/<iframe/i, /evil\.example/i], published),
  ),
  accepts(
    'removes <svg onload> from contentHtml',
    { json: article({ contentHtml: '<p>Safe text</p><svg onload="alert(1)"><circle r="1"/></svg>' }) },
    (published) => expectNoneOf([/<svg/i, /onload/i, /alert/i, /<circle/i], published),
  ),
  accepts(
    'removes style attributes with expression() and <style> elements from contentHtml',
    {
      json: article({
        contentHtml:
          '<p style="width: expression(alert(1))">Safe text</p><style>p { background: url(javascript:alert(1)) }</style>',
      }),
    },
    (published) => expectNoneOf([/style/i, /expression\(/i, /javascript/i, /alert/i], published),
  ),
  accepts(
    'removes a javascript: link hidden by a tab character reference (java&#x09;script:)',
    { json: article({ contentHtml: '<p>Safe text <a href="java&#x09;script:alert(1)">click</a></p>' }) },
    (published) => {
      expectNoneOf([/java\s*script/i, /&#x0*9;/i, /href/i, /alert/i], published);
      expect(published.article.contentHtml).toBe('<p>Safe text <a>click</a></p>');
    },
  ),
  rejects(
    'refuses content that is nothing but a script with 422 naming contentHtml',
    {
      json: article({
        contentHtml: '<script>alert(1)</script><iframe src="https://evil.example/"></iframe>',
      }),
    },
    { status: 422, field: 'contentHtml', detail: 'is empty once unsafe markup is removed' },
  ),

  // --- fields the server assigns, unknown fields -------------------------------------------------------------
  ...SERVER_ASSIGNED.map(([field, value]) =>
    rejects(
      `refuses a client-supplied ${field} with 422 saying it is assigned by the server`,
      { json: article({ [field]: value }) },
      { status: 422, field, detail: 'is assigned by the server' },
    ),
  ),
  rejects(
    'refuses an unknown top-level field with 422 saying it is not a known field',
    { json: article({ isAdmin: true }) },
    { status: 422, field: 'isAdmin', detail: 'is not a known field' },
  ),
  rejects(
    'refuses an unknown field inside author with 422 naming its path',
    { json: article({ author: { name: 'Desk', twitter: '@desk' } }) },
    { status: 422, field: 'author.twitter', detail: 'is not a known field' },
  ),
  rejects(
    'refuses a server-assigned name nested in author as an unknown field',
    { json: article({ author: { name: 'Desk', id: 'mine' } }) },
    { status: 422, field: 'author.id', detail: 'is not a known field' },
  ),
  rejects(
    'refuses a __proto__ key as an unknown field rather than letting it reach a prototype',
    { raw: JSON.stringify(BASE).replace('{', '{"__proto__":{"isAdmin":true},') },
    { status: 422, field: '__proto__', detail: 'is not a known field' },
  ),

  // --- wrong types, missing fields -----------------------------------------------------------------------------
  ...WRONG_TYPES.map(([path, value, detail]) =>
    rejects(
      `refuses ${fieldName(path)} given as ${detail.split(', not ')[1]} with 422 naming it`,
      { json: fullWith(path, value) },
      { status: 422, field: fieldName(path), detail },
    ),
  ),
  rejects(
    'refuses an article without a title with 422 saying it is required',
    { json: { source: BASE.source, url: BASE.url, contentHtml: BASE.contentHtml } },
    { status: 422, field: 'title', detail: 'is required' },
  ),

  // --- sources, keys, confusables -------------------------------------------------------------------------------
  rejects(
    'refuses an unregistered source with 422 naming source',
    { json: article({ source: 'nowhere-news' }) },
    { status: 422, field: 'source', detail: 'nowhere-news is not a registered source' },
  ),
  accepts(
    'slugs a source with a Cyrillic е (thе-gaze) to the registered the-gaze and stores that slug',
    { json: article({ source: 'th\u0435-gaze' }) },
    ({ article: stored, feeds }) => {
      expect(stored.source).toBe('the-gaze');
      expect(feeds.has('sources/the-gaze')).toBe(true);
    },
  ),
  rejects(
    'refuses a Cyrillic-е the-gaze from a key scoped to daily-planet with 403: the scope is checked on the slug',
    { json: article({ source: 'th\u0435-gaze' }), key: 'planet' },
    { status: 403, field: null, problemDetail: 'This key may not act on source the-gaze.' },
  ),
  accepts(
    'folds a fullwidth ＴＨＥ-ＧＡＺＥ to the registered the-gaze and stores that slug',
    { json: article({ source: '\uFF34\uFF28\uFF25-\uFF27\uFF21\uFF3A\uFF25' }) },
    ({ article: stored }) => {
      expect(stored.source).toBe('the-gaze');
    },
  ),
  rejects(
    'refuses a fullwidth ＴＨＥ-ＧＡＺＥ from a key scoped to daily-planet with 403: the scope is checked on the slug',
    { json: article({ source: '\uFF34\uFF28\uFF25-\uFF27\uFF21\uFF3A\uFF25' }), key: 'planet' },
    { status: 403, field: null, problemDetail: 'This key may not act on source the-gaze.' },
  ),
  rejects(
    'refuses a Cyrillic-һ tһe-gaze, which slugs to the unregistered t-e-gaze, with 422 naming source',
    { json: article({ source: 't\u04BBe-gaze' }) },
    { status: 422, field: 'source', detail: 't-e-gaze is not a registered source' },
  ),
  rejects(
    'refuses a Greek ΤΗΕ-ΓΑΖΕ, which slugs to the unregistered tie-gaze, with 422 naming source',
    { json: article({ source: '\u03A4\u0397\u0395-\u0393\u0391\u0396\u0395' }) },
    { status: 422, field: 'source', detail: 'tie-gaze is not a registered source' },
  ),
  accepts(
    'slugs a source written as a path (../the-gaze) to the-gaze',
    { json: article({ source: '../the-gaze' }) },
    ({ article: stored }) => {
      expect(stored.source).toBe('the-gaze');
    },
  ),
  accepts(
    'slugs a source written as its display name (Daily Planet) for a key scoped to daily-planet',
    { json: article({ source: 'Daily Planet' }), key: 'planet' },
    ({ article: stored, feeds }) => {
      expect(stored.source).toBe('daily-planet');
      expect(feeds.has('sources/daily-planet')).toBe(true);
    },
  ),
  rejects(
    'refuses an article of the-gaze from a key scoped to daily-planet with 403',
    { json: BASE, key: 'planet' },
    { status: 403, field: null, problemDetail: 'This key may not act on source the-gaze.' },
  ),
  rejects(
    'refuses a request without a key with 401',
    { json: BASE, key: 'none' },
    { status: 401, field: null },
  ),
  rejects(
    'refuses a forged key with a valid shape with 401',
    {
      json: BASE,
      key: 'none',
      headers: { authorization: 'Bearer fpk_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
    },
    { status: 401, field: null },
  ),

  // --- headers ----------------------------------------------------------------------------------------------------
  rejects(
    'refuses a JSON body declared as text/plain with 415',
    { json: BASE, contentType: 'text/plain' },
    { status: 415, field: null, problemDetail: 'The body must be application/json, not text/plain.' },
  ),
  rejects(
    'refuses a JSON body declared as a form with 415',
    { json: BASE, contentType: 'application/x-www-form-urlencoded' },
    { status: 415, field: null },
  ),
  rejects(
    'refuses a body without a content type with 415',
    { json: BASE, contentType: null },
    {
      status: 415,
      field: null,
    },
  ),
  rejects(
    'refuses a JSON body in another charset (utf-16) with 415',
    { json: BASE, contentType: 'application/json; charset=utf-16' },
    { status: 415, field: null },
  ),
  // A header, so `in: header` and no JSON pointer, like the 422 for a reused key.
  rejects(
    'refuses an Idempotency-Key of 300 characters with 422 naming the header',
    { json: BASE, headers: { 'idempotency-key': 'k'.repeat(300) } },
    {
      status: 422,
      field: 'Idempotency-Key',
      in: 'header',
      detail: 'must be 1 to 255 printable ASCII characters without spaces, such as a UUID',
    },
  ),
  accepts('accepts an Idempotency-Key of exactly 255 printable characters', {
    json: article({ title: 'Idempotency at the limit' }),
    headers: { 'idempotency-key': `${'~'.repeat(254)}!` },
  }),
];

// ---------------------------------------------------------------------------------------------------------
// Running a case
// ---------------------------------------------------------------------------------------------------------

async function send(request: HostileRequest) {
  const headers: Record<string, string> = {};
  const key = request.key ?? 'dev';
  if (key !== 'none') headers.authorization = `Bearer ${key === 'planet' ? planetKey : stack.editorKey}`;
  if (request.contentType !== null) headers['content-type'] = request.contentType ?? 'application/json';
  Object.assign(headers, request.headers);
  const body = request.raw ?? (request.json === undefined ? undefined : JSON.stringify(request.json));
  const response = await fetch(`${stack.apiUrl}/articles`, { method: 'POST', headers, body });
  const text = await response.text();
  let parsed: any;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, text, body: parsed };
}

/** Every (pk, sk) in the table, sorted: a rejection must leave it exactly as it was. */
async function tableKeys(): Promise<string[]> {
  const keys: string[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamo.send(
      new ScanCommand({
        TableName: stack.tableName,
        ExclusiveStartKey: start,
        ConsistentRead: true,
        ProjectionExpression: 'pk, sk',
      }),
    );
    for (const item of page.Items ?? []) keys.push(`${item.pk?.S} ${item.sk?.S}`);
    start = page.LastEvaluatedKey;
  } while (start);
  return keys.sort();
}

async function expectRejected(request: HostileRequest, expected: Rejection): Promise<void> {
  await stack.settle();
  const before = await tableKeys();
  const response = await send(request);
  expect(response.status).toBe(expected.status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  expect(response.body).toMatchObject({ status: expected.status, instance: '/articles' });
  for (const leak of LEAKS) expect(response.text).not.toMatch(leak);
  if (expected.problemDetail !== undefined) {
    if (typeof expected.problemDetail === 'string') expect(response.body.detail).toBe(expected.problemDetail);
    else expect(response.body.detail).toMatch(expected.problemDetail);
  }
  if (expected.field === null) {
    expect(response.body.errors).toBeUndefined();
  } else {
    const named = (response.body.errors ?? []).find(
      (error: { field: string }) => error.field === expected.field,
    );
    expect(named, `errors: ${JSON.stringify(response.body.errors)}`).toBeDefined();
    expect(named.in).toBe(expected.in ?? 'body');
    // Headers and query parameters have no place in the body, so no JSON Pointer.
    if ((expected.in ?? 'body') !== 'body') expect(named.pointer).toBeUndefined();
    if (typeof expected.detail === 'string') expect(named.detail).toBe(expected.detail);
    else if (expected.detail) expect(named.detail).toMatch(expected.detail);
  }
  expect(await tableKeys()).toEqual(before);
}

const FILES = { rss: 'rss.xml', atom: 'atom.xml', json: 'feed.json' } as const;

async function expectAccepted(request: HostileRequest, check?: Acceptance['check']): Promise<void> {
  const response = await send(request);
  expect(response.status, response.text.slice(0, 500)).toBe(201);
  const read = await stack.call('GET', `/articles/${response.body.id}`);
  expect(read.status).toBe(200);
  const stored = read.body as Article;
  expect(stored).toEqual(response.body);
  for (const value of stringsOf(stored)) expect(value).not.toMatch(XML_FORBIDDEN);

  await stack.settle();
  const feeds: Publication['feeds'] = new Map();
  const items: ParsedItem[] = [];
  for (const feed of feedIdsOf(stored)) {
    const docs: Record<string, string> = {};
    for (const [format, file] of Object.entries(FILES)) {
      const text = await stack.object(`feeds/${feed}/${file}`);
      expect(text, `feeds/${feed}/${file}`).toBeDefined();
      docs[format] = text as string;
    }
    // Well-formed and valid in all three formats, the three in agreement: throws naming the first problem.
    const parsed = parseAllFormats({ rss: docs.rss ?? '', atom: docs.atom ?? '', json: docs.json ?? '' });
    for (const format of [parsed.rss, parsed.atom, parsed.json]) {
      const item = format.items.find((candidate) => candidate.id === `urn:uuid:${stored.id}`);
      expect(item, `${feed} (${format.format}) carries the article`).toBeDefined();
      items.push(item as ParsedItem);
    }
    feeds.set(feed, { parsed, docs });
  }
  // What the W3C feed validator says of every RSS and Atom document the article is in: nothing.
  const w3c = w3cValidate(
    [...feeds].flatMap(([feed, { docs }]) =>
      (['rss', 'atom'] as const).map((format) => {
        const key = `feeds/${feed}/${FILES[format]}`;
        return {
          name: key,
          url: `${stack.apiUrl}/${key.split('/').map(encodeURIComponent).join('/')}`,
          contentType: servedType(key),
          body: docs[format] ?? '',
        };
      }),
    ),
  );
  // The clock-skew case is published 45 s ahead of the server's clock, well inside the ten minutes the validator
  // takes for plausible (an article further ahead is scheduled, not published): no warning is let through.
  expect(describeW3cEvents(w3c)).toEqual([]);
  await check?.({ article: stored, feeds, items });
}

describe('hostile input to POST /articles', () => {
  for (const hostile of CASES) {
    it(hostile.name, async () => {
      if (hostile.outcome === 'rejected') await expectRejected(hostile.request, hostile);
      else await expectAccepted(hostile.request, hostile.check);
    });
  }
});

// ---------------------------------------------------------------------------------------------------------
// Readers: only feeds/ is reachable
// ---------------------------------------------------------------------------------------------------------

/** A GET with the path sent exactly as written (fetch would resolve `..` before sending). */
function rawGet(path: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(stack.apiUrl);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: hostname, port, path, method: 'GET' }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

describe('a reader of the feeds', () => {
  it('cannot reach an object outside feeds/ through .. segments, encoded or not', async () => {
    const secret = 'private/canary.txt';
    await stack.s3.send(
      new PutObjectCommand({ Bucket: stack.bucket, Key: secret, Body: 'CANARY-OUTSIDE-FEEDS' }),
    );
    try {
      expect((await rawGet('/feeds/all/rss.xml')).status).toBe(200);
      for (const path of [
        '/feeds/../private/canary.txt',
        '/feeds/%2e%2e/private/canary.txt',
        '/feeds/..%2fprivate%2fcanary.txt',
        '/feeds/%2E%2E%2Fprivate%2Fcanary.txt',
        '/feeds/all/../../private/canary.txt',
        '/private/canary.txt',
      ]) {
        const response = await rawGet(path);
        expect(response.status, path).toBe(404);
        expect(response.body).not.toContain('CANARY');
      }
    } finally {
      await stack.s3.send(new DeleteObjectCommand({ Bucket: stack.bucket, Key: secret }));
    }
  });
});
