import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.ts';

const seed = JSON.parse(readFileSync(new URL('../fixtures/seed-article.json', import.meta.url), 'utf8'));

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api?.stop();
});

let serial = 0;
/** A submission with an external id no other test uses. */
const withNewId = (extra: Record<string, unknown> = {}) => ({
  ...seed,
  externalId: `https://thegaze.example/?p=${++serial}&run=${Date.now()}`,
  ...extra,
});

/** Runs a request that must be refused and checks the table is exactly as before. */
async function expectNothingWritten<R extends { status: number; text: string }>(
  request: () => Promise<R>,
  status: number,
): Promise<R> {
  const before = await api.items();
  const response = await request();
  expect(response.status, response.text).toBe(status);
  expect(await api.items()).toEqual(before);
  return response;
}

const lookup = (source: string, externalId: string, key?: string) =>
  api.call('GET', `/articles?source=${source}&externalId=${encodeURIComponent(externalId)}`, { key });

describe('externalId on POST /articles', () => {
  it('is stored with the article, in one item of its own, and returned by GET /articles/{id}', async () => {
    const body = withNewId();
    const keysOf = async () =>
      new Set((await api.items()).filter((item) => item.type === 'import').map((item) => item.pk));
    const before = await keysOf();
    const created = await api.call('POST', '/articles', { body });
    expect(created.status, created.text).toBe(201);
    expect(created.body.externalId).toBe(body.externalId);
    const read = await api.call('GET', `/articles/${created.body.id}`);
    expect(read.body.externalId).toBe(body.externalId);
    const added = [...(await keysOf())].filter((pk) => !before.has(pk));
    expect(added).toEqual([expect.stringMatching(/^import#the-gaze#[0-9a-f]{64}$/)]);
  });

  it('answers a second post with it, from another editor key, 409 naming the field and the article that has it', async () => {
    const body = withNewId();
    const first = await api.call('POST', '/articles', { body, headers: { 'idempotency-key': 'ext-1' } });
    expect(first.status).toBe(201);
    const id = first.body.id as string;
    const again = await expectNothingWritten(
      () =>
        api.call('POST', '/articles', {
          key: api.keys.gaze,
          body,
          headers: { 'idempotency-key': 'ext-1' },
        }),
      409,
    );
    expect(again.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(again.headers.get('location')).toBe(`/articles/${id}`);
    expect(again.body).toMatchObject({
      type: 'tag:feed-pipeline,2026:problems/external-id-taken',
      title: 'External id taken',
      status: 409,
      articleId: id,
      errors: [{ field: 'externalId', in: 'body', pointer: '/externalId' }],
    });
    // The same key and body within the idempotency window: the first answer, replayed, as before.
    const replay = await api.call('POST', '/articles', { body, headers: { 'idempotency-key': 'ext-1' } });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.id).toBe(id);
  });

  it('stays taken once the article is retracted, and is free in another source', async () => {
    const body = withNewId();
    const first = await api.call('POST', '/articles', { body });
    expect((await api.call('DELETE', `/articles/${first.body.id}`)).status).toBe(204);
    const again = await expectNothingWritten(() => api.call('POST', '/articles', { body }), 409);
    expect(again.body.articleId).toBe(first.body.id);
    const planet = await api.call('POST', '/articles', {
      key: api.keys.planet,
      body: { ...body, source: 'daily-planet' },
    });
    expect(planet.status, planet.text).toBe(201);
  });

  it('gives one article to ten concurrent posts with it, and 409 to the nine others', async () => {
    const body = withNewId();
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => api.call('POST', '/articles', { body })),
    );
    const created = responses.filter((response) => response.status === 201);
    expect(created).toHaveLength(1);
    const refused = responses.filter((response) => response.status === 409);
    expect(refused).toHaveLength(9);
    for (const response of refused) expect(response.body.articleId).toBe(created[0]?.body.id);
  });

  it('is refused with 422 naming the field when empty, too long or holding a control character', async () => {
    for (const externalId of [' ', 'x'.repeat(1_025), 'a\u0001b', 42]) {
      const response = await expectNothingWritten(
        () => api.call('POST', '/articles', { body: { ...seed, externalId } }),
        422,
      );
      expect(response.body.errors).toEqual([expect.objectContaining({ field: 'externalId', in: 'body' })]);
    }
  });
});

describe('externalId on PUT /articles/{id}', () => {
  it('is kept when repeated or left out, refused with 422 when changed', async () => {
    const body = withNewId();
    const { id } = (await api.call('POST', '/articles', { body })).body;
    const same = await api.call('PUT', `/articles/${id}`, { body, headers: { 'if-match': '"1"' } });
    expect(same.status, same.text).toBe(200);
    const { externalId: _, ...without } = body;
    const omitted = await api.call('PUT', `/articles/${id}`, {
      body: without,
      headers: { 'if-match': '"2"' },
    });
    expect(omitted.body.externalId).toBe(body.externalId);
    const changed = await expectNothingWritten(
      () =>
        api.call('PUT', `/articles/${id}`, {
          body: { ...body, externalId: 'another' },
          headers: { 'if-match': '"3"' },
        }),
      422,
    );
    expect(changed.body.errors).toEqual([expect.objectContaining({ field: 'externalId' })]);
  });

  it('answers 409 naming the holder when a correction gives an article an id another one has', async () => {
    const body = withNewId();
    const holder = (await api.call('POST', '/articles', { body })).body.id;
    const { id } = (await api.call('POST', '/articles', { body: seed })).body;
    const response = await expectNothingWritten(
      () => api.call('PUT', `/articles/${id}`, { body, headers: { 'if-match': '"1"' } }),
      409,
    );
    expect(response.body.articleId).toBe(holder);
    expect(response.headers.get('location')).toBe(`/articles/${holder}`);
  });
});

describe('GET /articles?source=…&externalId=…', () => {
  it('finds the article of the source with that id, retracted or not, and nothing for another', async () => {
    const body = withNewId({ externalId: `tag:thegaze.example,2026:é/${Date.now()} & more` });
    const { id } = (await api.call('POST', '/articles', { body })).body;
    await api.call('DELETE', `/articles/${id}`);
    const found = await lookup('the-gaze', body.externalId);
    expect(found.status, found.text).toBe(200);
    expect(found.body).toEqual({
      items: [expect.objectContaining({ id, status: 'retracted', version: 2, externalId: body.externalId })],
    });
    expect((await lookup('the-gaze', `${body.externalId}x`)).body).toEqual({ items: [] });
    expect((await lookup('daily-planet', body.externalId)).body).toEqual({ items: [] });
    expect((await lookup('the-gaze', body.externalId, api.keys.planet)).status).toBe(403);
    const alone = await api.call('GET', `/articles?externalId=${encodeURIComponent(body.externalId)}`);
    expect(alone.status).toBe(422);
    expect(alone.body.errors).toEqual([expect.objectContaining({ field: 'source', in: 'query' })]);
  });
});
