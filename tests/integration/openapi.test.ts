import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTICLE_ROUTES } from '#functions/articles/routes.ts';
import { PREVIEW_ROUTES } from '#functions/preview/routes.ts';
import { MAX_BODY_BYTES } from '#shared/http/request.ts';
import type { LocalHttpApi } from '../../local/api-server.ts';
import { freePort } from '../../local/dynamodb-local.ts';
import {
  type ApiResponse,
  type CallOptions,
  callApi,
  localApi,
  startTestApi,
  type TestApi,
} from '../support/api.ts';

/**
 * Holds docs/openapi.json against the real editor API: the documented operations are the routes, every
 * documented (operation, status) pair has a scenario that really produces it, and every scenario's answer
 * has the documented content type, body schema and required headers.
 */

const doc = JSON.parse(readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8'));
const seed = JSON.parse(readFileSync(new URL('../fixtures/seed-article.json', import.meta.url), 'utf8'));

const DOC_ID = 'https://feed-pipeline.invalid/docs/openapi.json';
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
/** A well-formed article id that no article has. */
const MISSING_ID = '00000000-0000-4000-8000-000000000000';

// The document's top-level fields are not JSON Schema keywords; declaring them keeps strict mode on for the
// schemas themselves, so a keyword ajv does not know (an OpenAPI-only `example`, a typo) fails the run.
// Both packages are CommonJS: under NodeNext their default import is the module, which carries `default`.
const ajv = new Ajv2020.default({ allErrors: true });
ajvFormats.default(ajv);
ajv.addVocabulary(['openapi', 'info', 'servers', 'security', 'tags', 'paths', 'components']);
ajv.addSchema(doc, DOC_ID);

const validators = new Map<string, ReturnType<typeof ajv.compile>>();
function validatorAt(pointer: string) {
  let validate = validators.get(pointer);
  if (!validate) {
    validate = ajv.compile({ $ref: `${DOC_ID}#${pointer.split('/').map(encodeURIComponent).join('/')}` });
    validators.set(pointer, validate);
  }
  return validate;
}

function expectValid(pointer: string, value: unknown, what: string) {
  const validate = validatorAt(pointer);
  const valid = validate(value);
  expect(valid, `${what} against ${pointer}: ${ajv.errorsText(validate.errors)}`).toBe(true);
}

const escapeToken = (token: string) => token.replace(/~/g, '~0').replace(/\//g, '~1');
const pointerOf = (...tokens: string[]) => tokens.map((token) => `/${escapeToken(token)}`).join('');

function at(pointer: string): any {
  let value: any = doc;
  for (const token of pointer.split('/').slice(1)) {
    value = value?.[token.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return value;
}

/** Follows a document-local `$ref` (a response or header object), returning the object and where it lives. */
function resolved(pointer: string): { value: any; pointer: string } {
  let current = pointer;
  let value = at(current);
  while (typeof value?.$ref === 'string') {
    expect(value.$ref, `${current} refers within the document`).toMatch(/^#\//);
    current = value.$ref.slice(1);
    value = at(current);
  }
  expect(value, `${pointer} resolves`).toBeTypeOf('object');
  return { value, pointer: current };
}

function documentedOperations(): string[] {
  return Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
    HTTP_METHODS.filter((method) => method in item).map((method) => `${method.toUpperCase()} ${path}`),
  );
}

function documentedResponsePairs(): string[] {
  return documentedOperations().flatMap((operation) => {
    const [method = '', path = ''] = operation.split(' ');
    const responses = doc.paths[path][method.toLowerCase()].responses as Record<string, unknown>;
    return Object.keys(responses).map((status) => `${operation} ${status}`);
  });
}

/** Checks one real response against the response object at `pointer` (a `$ref` is followed). */
function expectAsDocumented(responsePointer: string, expectedStatus: number, response: ApiResponse) {
  expect(response.status, response.text).toBe(expectedStatus);
  const { value: documented, pointer } = resolved(responsePointer);
  const content = (documented.content ?? {}) as Record<string, unknown>;
  const mediaType = response.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (Object.keys(content).length === 0) {
    expect(mediaType, 'a response documented without content has no Content-Type').toBeUndefined();
    expect(response.text, 'a response documented without content has no body').toBe('');
  } else {
    expect(Object.keys(content)).toContain(mediaType);
    // A JSON body is held to its schema as parsed; any other (a preview's RSS or Atom) as the text it is.
    const body = /[/+]json$/.test(mediaType ?? '') ? response.body : response.text;
    expectValid(`${pointer}${pointerOf('content', mediaType ?? '', 'schema')}`, body, 'the body');
  }
  for (const name of Object.keys(documented.headers ?? {})) {
    const header = resolved(`${pointer}${pointerOf('headers', name)}`);
    const value = response.headers.get(name);
    if (header.value.required) expect(value, `the required ${name} header`).not.toBeNull();
    if (value !== null) expectValid(`${header.pointer}/schema`, value, `the ${name} header`);
  }
}

let api: TestApi;
let down: LocalHttpApi;
let downUrl: string;

beforeAll(async () => {
  api = await startTestApi();
  // The same handler over a DynamoDB endpoint where nothing listens: every store call is refused.
  const closedPort = await freePort();
  down = localApi({ TABLE_NAME: api.tableName, DYNAMODB_ENDPOINT: `http://127.0.0.1:${closedPort}` });
  downUrl = await down.listen(0);
});

afterAll(async () => {
  await down?.close();
  await api?.stop();
});

/** A request to the API whose store is down, with the all-sources key (well-formed, so the store is asked). */
function callDown(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse> {
  return callApi(downUrl, api.keys.all, method, path, options);
}

/** Posts an article (the sample one unless told) and returns its id and ETag. */
async function posted(key: string = api.keys.all, body: unknown = seed) {
  const response = await api.call('POST', '/articles', { key, body });
  expect(response.status, response.text).toBe(201);
  return { id: response.body.id as string, etag: response.headers.get('etag') ?? '' };
}

/** Posts an article and retracts it; returns its id and the retracted version's ETag. */
async function retracted() {
  const { id, etag } = await posted();
  const response = await api.call('DELETE', `/articles/${id}`, { headers: { 'if-match': etag } });
  expect(response.status, response.text).toBe(204);
  return { id, etag: response.headers.get('etag') ?? '' };
}

/** The same request without a key, with a malformed key, an unknown key and a revoked key. */
async function unauthenticated(method: string, path: string, options: CallOptions = {}) {
  const revoked = await api.registry.createKey('*', 'revoked for the contract test');
  expect(await api.registry.revokeKey(revoked.stored.keyId)).toBe(true);
  const keys = [null, 'not-an-editor-key', `fpk_${'0'.repeat(16)}_${'A'.repeat(43)}`, revoked.key];
  const responses: ApiResponse[] = [];
  for (const key of keys) responses.push(await api.call(method, path, { ...options, key }));
  return responses;
}

const json = (raw: string, headers: Record<string, string> = {}): CallOptions => ({
  raw,
  headers: { 'content-type': 'application/json', ...headers },
});
/** A JSON body one byte over the limit. */
const oversized = () => {
  const text = JSON.stringify({ ...seed, contentHtml: '' });
  return JSON.stringify({ ...seed, contentHtml: 'x'.repeat(MAX_BODY_BYTES + 1 - text.length) });
};
const invalid = { ...seed, title: '   ', url: 'javascript:alert(1)', tags: ['!!!'], id: 'mine' };
/** The preview's formats and the media types they answer with. */
const PREVIEW_TYPES = [
  ['rss', 'application/rss+xml'],
  ['atom', 'application/atom+xml'],
  ['json', 'application/feed+json'],
] as const;

interface Scenario {
  /** Completes "answers <status> as documented when …". */
  when: string;
  run: () => Promise<ApiResponse | ApiResponse[]>;
}

/** One scenario per documented (operation, status) pair, keyed `METHOD /path status`. */
const scenarios: Record<string, Scenario> = {
  'POST /articles 201': {
    when: 'the sample article is posted, and again with the same Idempotency-Key',
    run: async () => {
      const headers = { 'idempotency-key': 'contract-201' };
      const first = await api.call('POST', '/articles', { body: seed, headers });
      const replay = await api.call('POST', '/articles', { body: seed, headers });
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.body.id).toBe(first.body.id);
      return [first, replay];
    },
  },
  'POST /articles 400': {
    when: 'the body is truncated JSON or empty',
    run: async () => [
      await api.call('POST', '/articles', json('{"title": ')),
      await api.call('POST', '/articles', json('')),
    ],
  },
  'POST /articles 401': {
    when: 'the key is missing, malformed, unknown or revoked',
    run: () => unauthenticated('POST', '/articles', { body: seed }),
  },
  'POST /articles 403': {
    when: 'a key for daily-planet posts an article of the-gaze',
    run: () => api.call('POST', '/articles', { key: api.keys.planet, body: seed }),
  },
  'POST /articles 413': {
    when: 'the JSON body is over 256 KiB',
    run: () => api.call('POST', '/articles', json(oversized())),
  },
  'POST /articles 415': {
    when: 'the body is sent as text/plain or as JSON in another charset',
    run: async () => [
      await api.call('POST', '/articles', {
        raw: JSON.stringify(seed),
        headers: { 'content-type': 'text/plain' },
      }),
      await api.call(
        'POST',
        '/articles',
        json(JSON.stringify(seed), { 'content-type': 'application/json; charset=latin1' }),
      ),
    ],
  },
  'POST /articles 422': {
    when: 'fields are invalid, the source is not registered, or an Idempotency-Key is reused with another body',
    run: async () => {
      const headers = { 'idempotency-key': 'contract-422' };
      const first = await api.call('POST', '/articles', { body: seed, headers });
      expect(first.status).toBe(201);
      return [
        await api.call('POST', '/articles', { body: invalid }),
        await api.call('POST', '/articles', { body: { ...seed, source: 'the-daily-bugle' } }),
        await api.call('POST', '/articles', { body: { ...seed, title: 'Another title' }, headers }),
      ];
    },
  },
  'POST /articles 409': {
    when: 'an article whose externalId the source has is posted again, with another editor key',
    run: async () => {
      const body = { ...seed, externalId: `contract-409-${Date.now()}` };
      const first = await posted(api.keys.all, body);
      const again = await api.call('POST', '/articles', { key: api.keys.gaze, body });
      expect(again.body.articleId).toBe(first.id);
      expect(again.headers.get('location')).toBe(`/articles/${first.id}`);
      return again;
    },
  },
  'POST /articles 503': {
    when: 'the store is unreachable',
    run: () => callDown('POST', '/articles', { body: seed }),
  },

  'GET /articles 200': {
    when: 'a source is listed a page at a time by following nextCursor',
    run: async () => {
      const planet = { ...seed, source: 'daily-planet' };
      await posted(api.keys.planet, planet);
      await posted(api.keys.planet, { ...planet, tags: [], publishedAt: '2025-07-15T08:00:00Z' });
      const pages: ApiResponse[] = [];
      let query = '?source=daily-planet&limit=1';
      for (let page = 0; page < 5 && query; page++) {
        const response = await api.call('GET', `/articles${query}`, { key: api.keys.planet });
        pages.push(response);
        const cursor = response.body?.nextCursor;
        query = cursor ? `?source=daily-planet&limit=1&cursor=${encodeURIComponent(cursor)}` : '';
      }
      expect(pages[0]?.headers.get('link')).not.toBeNull();
      expect(pages.flatMap((page) => page.body.items)).toHaveLength(2);
      // The lookup by external id: a page of one item, a retracted one here, or of none.
      const externalId = `contract-lookup-${Date.now()}`;
      const { id } = await posted(api.keys.all, { ...seed, externalId });
      expect((await api.call('DELETE', `/articles/${id}`)).status).toBe(204);
      const lookup = (value: string) =>
        api.call('GET', `/articles?source=the-gaze&externalId=${encodeURIComponent(value)}`);
      const found = await lookup(externalId);
      expect(found.body.items).toEqual([expect.objectContaining({ id, status: 'retracted', externalId })]);
      const none = await lookup(`${externalId}-unknown`);
      expect(none.body.items).toEqual([]);
      return [...pages, found, none];
    },
  },
  'GET /articles 401': {
    when: 'the key is missing, malformed, unknown or revoked',
    run: () => unauthenticated('GET', '/articles'),
  },
  'GET /articles 403': {
    when: 'a scoped key lists without source, or lists a source outside its scope',
    run: async () => [
      await api.call('GET', '/articles', { key: api.keys.gaze }),
      await api.call('GET', '/articles?source=daily-planet', { key: api.keys.gaze }),
    ],
  },
  'GET /articles 422': {
    when: 'limit is 0, the cursor is not one of the listing, the filters are not slugs, or externalId is misused',
    run: async () => [
      await api.call('GET', '/articles?limit=0'),
      await api.call('GET', '/articles?cursor=not-a-cursor'),
      await api.call('GET', '/articles?source=The%20Gaze&tag=%21%21%21&limit=101'),
      await api.call('GET', '/articles?externalId=%20'),
      await api.call('GET', '/articles?source=the-gaze&externalId=x&tag=nato'),
    ],
  },
  'GET /articles 503': {
    when: 'the store is unreachable',
    run: () => callDown('GET', '/articles'),
  },

  'GET /articles/{id} 200': {
    when: 'a published article and a retracted one are read',
    run: async () => {
      const published = await posted();
      const gone = await retracted();
      return [
        await api.call('GET', `/articles/${published.id}`),
        await api.call('GET', `/articles/${gone.id}`),
      ];
    },
  },
  'GET /articles/{id} 401': {
    when: 'the key is missing, malformed, unknown or revoked',
    run: async () => unauthenticated('GET', `/articles/${(await posted()).id}`),
  },
  'GET /articles/{id} 403': {
    when: 'a key for daily-planet reads an article of the-gaze',
    run: async () => api.call('GET', `/articles/${(await posted()).id}`, { key: api.keys.planet }),
  },
  'GET /articles/{id} 404': {
    when: 'no article has the id, UUID or not',
    run: async () => [
      await api.call('GET', `/articles/${MISSING_ID}`),
      await api.call('GET', '/articles/not-a-uuid'),
    ],
  },
  'GET /articles/{id} 503': {
    when: 'the store is unreachable',
    run: () => callDown('GET', `/articles/${MISSING_ID}`),
  },

  'GET /articles/{id}/history 200': {
    when: 'an article was posted, corrected with a note, and retracted',
    run: async () => {
      const { id } = await posted();
      const corrected = await api.call('PUT', `/articles/${id}`, {
        body: { ...seed, correction: 'The headline misnamed the day of the call.' },
        headers: { 'if-match': '"1"' },
      });
      expect(corrected.status).toBe(200);
      expect((await api.call('DELETE', `/articles/${id}`)).status).toBe(204);
      const history = await api.call('GET', `/articles/${id}/history`);
      expect(history.body.items.map((v: { version: number }) => v.version)).toEqual([3, 2, 1]);
      return history;
    },
  },
  'GET /articles/{id}/history 401': {
    when: 'the key is missing, malformed, unknown or revoked',
    run: async () => unauthenticated('GET', `/articles/${(await posted()).id}/history`),
  },
  'GET /articles/{id}/history 403': {
    when: 'a key for daily-planet reads the history of an article of the-gaze',
    run: async () => api.call('GET', `/articles/${(await posted()).id}/history`, { key: api.keys.planet }),
  },
  'GET /articles/{id}/history 404': {
    when: 'no article has the id',
    run: async () => api.call('GET', `/articles/${MISSING_ID}/history`),
  },
  'GET /articles/{id}/history 503': {
    when: 'the store is unreachable',
    run: () => callDown('GET', `/articles/${MISSING_ID}/history`),
  },

  'PUT /articles/{id} 200': {
    when: 'a correction names the current ETag',
    run: async () => {
      const { id, etag } = await posted();
      const title = seed.title.replace('White House Confirms', 'White House confirms');
      return api.call('PUT', `/articles/${id}`, { body: { ...seed, title }, headers: { 'if-match': etag } });
    },
  },
  'PUT /articles/{id} 400': {
    when: 'the body is truncated JSON',
    run: async () => {
      const { id, etag } = await posted();
      return api.call('PUT', `/articles/${id}`, json('{"title": ', { 'if-match': etag }));
    },
  },
  'PUT /articles/{id} 401': {
    when: 'the key is missing, malformed, unknown or revoked',
    run: async () => {
      const { id, etag } = await posted();
      return unauthenticated('PUT', `/articles/${id}`, { body: seed, headers: { 'if-match': etag } });
    },
  },
  'PUT /articles/{id} 403': {
    when: 'the article or the source it is moved to is outside the key’s scope',
    run: async () => {
      const { id, etag } = await posted();
      const headers = { 'if-match': etag };
      return [
        await api.call('PUT', `/articles/${id}`, { key: api.keys.planet, body: seed, headers }),
        await api.call('PUT', `/articles/${id}`, {
          key: api.keys.gaze,
          body: { ...seed, source: 'daily-planet' },
          headers,
        }),
      ];
    },
  },
  'PUT /articles/{id} 404': {
    when: 'no article has the id',
    run: () => api.call('PUT', `/articles/${MISSING_ID}`, { body: seed, headers: { 'if-match': '"1"' } }),
  },
  'PUT /articles/{id} 409': {
    when: 'the article is retracted, or a correction gives it an externalId another article has',
    run: async () => {
      const { id, etag } = await retracted();
      const body = { ...seed, externalId: `contract-put-409-${Date.now()}` };
      const holder = await posted(api.keys.all, body);
      const other = await posted();
      const taken = await api.call('PUT', `/articles/${other.id}`, {
        body,
        headers: { 'if-match': other.etag },
      });
      expect(taken.body.articleId).toBe(holder.id);
      return [await api.call('PUT', `/articles/${id}`, { body: seed, headers: { 'if-match': etag } }), taken];
    },
  },
  'PUT /articles/{id} 412': {
    when: 'If-Match names a version that is no longer current',
    run: async () => {
      const { id, etag } = await posted();
      const first = await api.call('PUT', `/articles/${id}`, { body: seed, headers: { 'if-match': etag } });
      expect(first.status).toBe(200);
      return api.call('PUT', `/articles/${id}`, { body: seed, headers: { 'if-match': etag } });
    },
  },
  'PUT /articles/{id} 413': {
    when: 'the JSON body is over 256 KiB',
    run: async () => {
      const { id, etag } = await posted();
      return api.call('PUT', `/articles/${id}`, json(oversized(), { 'if-match': etag }));
    },
  },
  'PUT /articles/{id} 415': {
    when: 'the body is sent as text/plain',
    run: async () => {
      const { id, etag } = await posted();
      return api.call('PUT', `/articles/${id}`, {
        raw: JSON.stringify(seed),
        headers: { 'content-type': 'text/plain', 'if-match': etag },
      });
    },
  },
  'PUT /articles/{id} 422': {
    when: 'fields are invalid or the new source is not registered',
    run: async () => {
      const { id, etag } = await posted();
      const headers = { 'if-match': etag };
      return [
        await api.call('PUT', `/articles/${id}`, { body: invalid, headers }),
        await api.call('PUT', `/articles/${id}`, { body: { ...seed, source: 'the-daily-bugle' }, headers }),
      ];
    },
  },
  'PUT /articles/{id} 428': {
    when: 'a correction has no If-Match',
    run: async () => api.call('PUT', `/articles/${(await posted()).id}`, { body: seed }),
  },
  'PUT /articles/{id} 503': {
    when: 'the store is unreachable',
    run: () => callDown('PUT', `/articles/${MISSING_ID}`, { body: seed, headers: { 'if-match': '"1"' } }),
  },

  'DELETE /articles/{id} 204': {
    when: 'an article is retracted with If-Match, without it, and again once retracted',
    run: async () => {
      const first = await posted();
      const second = await posted();
      return [
        await api.call('DELETE', `/articles/${first.id}`, { headers: { 'if-match': first.etag } }),
        await api.call('DELETE', `/articles/${second.id}`),
        await api.call('DELETE', `/articles/${second.id}`),
      ];
    },
  },
  'DELETE /articles/{id} 401': {
    when: 'the key is missing, malformed, unknown or revoked',
    run: async () => unauthenticated('DELETE', `/articles/${(await posted()).id}`),
  },
  'DELETE /articles/{id} 403': {
    when: 'a key for daily-planet retracts an article of the-gaze',
    run: async () => api.call('DELETE', `/articles/${(await posted()).id}`, { key: api.keys.planet }),
  },
  'DELETE /articles/{id} 404': {
    when: 'no article has the id',
    run: () => api.call('DELETE', `/articles/${MISSING_ID}`),
  },
  'DELETE /articles/{id} 412': {
    when: 'If-Match names a version that is not current',
    run: async () => {
      const { id } = await posted();
      return api.call('DELETE', `/articles/${id}`, { headers: { 'if-match': '"7"' } });
    },
  },
  'DELETE /articles/{id} 503': {
    when: 'the store is unreachable',
    run: () => callDown('DELETE', `/articles/${MISSING_ID}`),
  },

  'GET /articles/{id}/preview 200': {
    when: 'an article is posted, then previewed in each format, and a retracted one too',
    run: async () => {
      const responses: ApiResponse[] = [];
      for (const { id } of [await posted(), await retracted()])
        for (const [format, type] of PREVIEW_TYPES) {
          const response = await api.call('GET', `/articles/${id}/preview?format=${format}`);
          expect(response.headers.get('content-type')).toBe(`${type}; charset=utf-8`);
          expect(response.headers.get('cache-control')).toBe('private, no-store');
          expect(response.text).toContain(`urn:uuid:${id}`);
          responses.push(response);
        }
      return responses;
    },
  },
  'GET /articles/{id}/preview 401': {
    when: 'the key is missing, malformed, unknown or revoked',
    run: async () => unauthenticated('GET', `/articles/${(await posted()).id}/preview?format=rss`),
  },
  'GET /articles/{id}/preview 403': {
    when: 'a key for daily-planet previews an article of the-gaze',
    run: async () =>
      api.call('GET', `/articles/${(await posted()).id}/preview?format=atom`, { key: api.keys.planet }),
  },
  'GET /articles/{id}/preview 404': {
    when: 'no article has the id, UUID or not',
    run: async () => [
      await api.call('GET', `/articles/${MISSING_ID}/preview?format=json`),
      await api.call('GET', '/articles/not-a-uuid/preview?format=rss'),
    ],
  },
  'GET /articles/{id}/preview 422': {
    when: 'format is missing, unknown or given twice',
    run: async () => {
      const { id } = await posted();
      const responses: ApiResponse[] = [];
      for (const query of ['', '?format=html', '?format=RSS', '?format=rss&format=atom']) {
        const response = await api.call('GET', `/articles/${id}/preview${query}`);
        expect(response.body?.errors, query).toEqual([
          expect.objectContaining({ field: 'format', in: 'query' }),
        ]);
        responses.push(response);
      }
      return responses;
    },
  },
  'GET /articles/{id}/preview 503': {
    when: 'the store is unreachable',
    run: () => callDown('GET', `/articles/${MISSING_ID}/preview?format=rss`),
  },
};

describe('docs/openapi.json', () => {
  it('documents exactly the routes the API serves', () => {
    expect(documentedOperations().sort()).toEqual([...ARTICLE_ROUTES, ...PREVIEW_ROUTES].sort());
  });

  it('has a scenario for every documented status of every operation, and documents every scenario', () => {
    expect(Object.keys(scenarios).sort()).toEqual(documentedResponsePairs().sort());
  });

  it('gives examples that satisfy the schemas they illustrate', () => {
    let checked = 0;
    const visit = (value: unknown, pointer: string) => {
      if (value === null || typeof value !== 'object') return;
      const node = value as Record<string, any>;
      if (Array.isArray(node.examples)) {
        for (const example of node.examples) expectValid(pointer, example, `an example at ${pointer}`);
        checked += node.examples.length;
      }
      if (node.schema !== undefined && 'example' in node) {
        expectValid(`${pointer}/schema`, node.example, `the example at ${pointer}`);
        checked++;
      }
      if (node.schema !== undefined && node.examples && !Array.isArray(node.examples)) {
        for (const [name, example] of Object.entries(node.examples as Record<string, { value: unknown }>)) {
          expectValid(`${pointer}/schema`, example.value, `example ${name} at ${pointer}`);
          checked++;
        }
      }
      for (const [key, inner] of Object.entries(node)) visit(inner, `${pointer}${pointerOf(key)}`);
    };
    visit(doc, '');
    expect(checked).toBeGreaterThan(20);
  });

  for (const [key, scenario] of Object.entries(scenarios)) {
    const [method = '', path = '', status = ''] = key.split(' ');
    it(`${method} ${path} answers ${status} as documented when ${scenario.when}`, async () => {
      const responses = [await scenario.run()].flat();
      expect(responses.length).toBeGreaterThan(0);
      const pointer = pointerOf('paths', path, method.toLowerCase(), 'responses', status);
      for (const response of responses) expectAsDocumented(pointer, Number(status), response);
    });
  }

  it('answers a documented path with an unsupported method with 405 and Allow, as the description says', async () => {
    const pointer = pointerOf('components', 'responses', 'MethodNotAllowed');
    const { id } = await posted();
    const patch = await api.call('PATCH', `/articles/${id}`, { key: null, body: seed });
    expectAsDocumented(pointer, 405, patch);
    expect(patch.headers.get('allow')).toBe('GET, PUT, DELETE');
    const remove = await api.call('DELETE', '/articles', { key: null });
    expectAsDocumented(pointer, 405, remove);
    expect(remove.headers.get('allow')).toBe('POST, GET');
    // The preview's path, served by another function, is known to the one that answers every other method.
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const other = await api.call(method, `/articles/${id}/preview?format=rss`, { key: null });
      expectAsDocumented(pointer, 405, other);
      expect(other.headers.get('allow')).toBe('GET');
    }
  });

  it('answers a path outside the document with the documented 404 problem, as the description says', async () => {
    const response = await api.call('GET', '/feeds/all', { key: null });
    expectAsDocumented(pointerOf('components', 'responses', 'NotFound'), 404, response);
  });
});
