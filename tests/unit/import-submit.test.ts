import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseSubmission } from '#shared/articles/submission.ts';
import { changedFields, type StoredArticle } from '../../cli/import/compare.ts';
import { toSubmission } from '../../cli/import/map.ts';
import { submit } from '../../cli/import/submit.ts';
import type { ImportItem } from '../../cli/import/types.ts';

const item: ImportItem = {
  index: 0,
  identity: 'guid-1',
  title: 'A story',
  url: 'https://news.example/a',
  contentHtml: '<p>Text &amp; more</p><script>x()</script>',
  summary: 'Text',
  publishedAt: '2025-07-16T09:30:00.000Z',
  tags: ['Ukraine', 'Kyiv'],
  author: 'Jo',
  warnings: [],
};
const post = toSubmission(item, 'the-gaze');

/** The article as the API stores the post: the same normalisation. */
function stored(overrides: Partial<StoredArticle> = {}): StoredArticle {
  const { externalId: _, ...body } = post.body;
  const submission = parseSubmission(body, Date.now());
  return { ...submission, publishedAt: submission.publishedAt ?? '', ...overrides };
}

describe('comparing an imported article with its item', () => {
  it('finds nothing changed in the article the item made', () => {
    expect(changedFields(stored(), post.body)).toEqual([]);
  });

  it('names each field the feed now says otherwise', () => {
    expect(
      changedFields(
        stored({ title: 'Old title', tags: [{ label: 'Ukraine', slug: 'ukraine' }], summary: 'Old' }),
        post.body,
      ),
    ).toEqual(['title', 'summary', 'tags']);
  });

  it('leaves the date alone when the item has none', () => {
    const { publishedAt: _, ...undated } = post.body;
    expect(changedFields(stored({ publishedAt: '2020-01-01T00:00:00.000Z' }), undated)).toEqual([]);
    expect(changedFields(stored({ publishedAt: '2020-01-01T00:00:00.000Z' }), post.body)).toEqual([
      'publishedAt',
    ]);
  });
});

describe('posting an item imported before', () => {
  let server: Server;
  let origin: string;
  let article: StoredArticle;
  let puts: { ifMatch?: string; title: string }[];
  let putStatus: number;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      req.on('end', () => {
        const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
          res.writeHead(status, { 'content-type': 'application/json', ...headers });
          res.end(JSON.stringify(payload));
        };
        if (req.method === 'POST') {
          // Only a Location: the importer reads the article's id from it when the body does not name it.
          return send(409, { title: 'External id taken', status: 409 }, { location: '/articles/art-1' });
        }
        if (req.method === 'GET' && req.url === '/articles/art-1') {
          return send(200, { id: 'art-1', ...article }, { etag: '"3"' });
        }
        if (req.method === 'PUT' && req.url === '/articles/art-1') {
          puts.push({
            ifMatch: req.headers['if-match'],
            title: (JSON.parse(body) as { title: string }).title,
          });
          return send(putStatus, putStatus === 200 ? { id: 'art-1' } : { title: 'Precondition failed' });
        }
        send(404, { title: 'Not found' });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  beforeEach(() => {
    article = stored();
    puts = [];
    putStatus = 200;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const target = () => ({ apiUrl: origin, key: 'k' });

  it('counts an unchanged article as already imported and writes nothing, with or without --update', async () => {
    expect(await submit(target(), post)).toEqual({ kind: 'existing', id: 'art-1', changed: [] });
    expect(await submit(target(), post, { update: true })).toEqual({
      kind: 'existing',
      id: 'art-1',
      changed: [],
    });
    expect(puts).toEqual([]);
  });

  it('reports a changed article without --update, and corrects it with If-Match with --update', async () => {
    article = stored({ title: 'Old title' });
    expect(await submit(target(), post)).toEqual({ kind: 'existing', id: 'art-1', changed: ['title'] });
    expect(puts).toEqual([]);
    expect(await submit(target(), post, { update: true })).toEqual({
      kind: 'updated',
      id: 'art-1',
      changed: ['title'],
    });
    expect(puts).toEqual([{ ifMatch: '"3"', title: 'A story' }]);
  });

  it('fails, overwriting nothing, when the article was corrected between its GET and the PUT', async () => {
    article = stored({ title: 'Old title' });
    putStatus = 412;
    expect(await submit(target(), post, { update: true })).toEqual({
      kind: 'failed',
      reason: 'article art-1 was corrected meanwhile (412): run the import again',
    });
  });
});
