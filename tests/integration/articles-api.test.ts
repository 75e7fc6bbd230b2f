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

const post = (body: unknown, options: { key?: string | null; headers?: Record<string, string> } = {}) =>
  api.call('POST', '/articles', { body, ...options });

const countByType = async () => {
  const counts: Record<string, number> = {};
  for (const item of await api.items()) counts[String(item.type)] = (counts[String(item.type)] ?? 0) + 1;
  return counts;
};

/** Runs a request that must be refused and checks the table is exactly as before. */
async function expectNothingWritten<R extends { status: number }>(
  request: () => Promise<R>,
  status: number,
): Promise<R> {
  const before = await api.items();
  const response = await request();
  expect(response.status).toBe(status);
  expect(await api.items()).toEqual(before);
  return response;
}

describe('POST /articles', () => {
  it('stores the sample article and answers 201 with Location, ETag and the minted fields', async () => {
    const response = await post(seed);
    expect(response.status).toBe(201);
    const article = response.body;
    expect(article.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(response.headers.get('location')).toBe(`/articles/${article.id}`);
    expect(response.headers.get('etag')).toBe('"1"');
    expect(article).toMatchObject({
      status: 'published',
      version: 1,
      source: 'the-gaze',
      title: seed.title,
      publishedAt: '2025-07-16T09:30:00.000Z',
      tags: [
        { label: 'Ukraine', slug: 'ukraine' },
        { label: 'Russia', slug: 'russia' },
        { label: 'Donald Trump', slug: 'donald-trump' },
        { label: 'Volodymyr Zelenskyy', slug: 'volodymyr-zelenskyy' },
        { label: 'NATO', slug: 'nato' },
      ],
      citations: seed.citations,
    });
    expect(article.createdAt).toBe(article.updatedAt);
    expect(article.contentHtml).toContain('“make them feel the pain”');
    expect(article.summary.length).toBeLessThanOrEqual(280);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('writes the article and one membership per feed it belongs to, in one go', async () => {
    const before = await countByType();
    const response = await post({ ...seed, tags: ['Ukraine', 'Russia'] });
    expect(response.status).toBe(201);
    const after = await countByType();
    expect((after.article ?? 0) - (before.article ?? 0)).toBe(1);
    // everything, the source, two tags, two tags within the source
    expect((after.entry ?? 0) - (before.entry ?? 0)).toBe(6);
  });

  it('defaults publishedAt to the time of acceptance', async () => {
    const { publishedAt: _, ...withoutDate } = seed;
    const started = Date.now();
    const response = await post(withoutDate);
    expect(response.status).toBe(201);
    const published = Date.parse(response.body.publishedAt);
    expect(published).toBeGreaterThanOrEqual(started - 1000);
    expect(published).toBeLessThanOrEqual(Date.now() + 1000);
    expect(response.body.publishedAt).toBe(response.body.createdAt);
  });

  it('sanitises the HTML and makes relative links absolute', async () => {
    const response = await post({
      ...seed,
      contentHtml:
        '<p onclick="steal()">Read <a href="/more">more</a><script>alert(1)</script></p><iframe src="https://x.example"></iframe>',
    });
    expect(response.status).toBe(201);
    expect(response.body.contentHtml).toBe('<p>Read <a href="https://thegaze.example/more">more</a></p>');
  });

  it('refuses a request without a key or with an unknown key with 401 and writes nothing', async () => {
    const missing = await expectNothingWritten(() => post(seed, { key: null }), 401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    await expectNothingWritten(
      () => post(seed, { key: 'fpk_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }),
      401,
    );
    await expectNothingWritten(() => post(seed, { key: 'not-a-key' }), 401);
    const tampered = `${api.keys.all.slice(0, -1)}${api.keys.all.endsWith('A') ? 'B' : 'A'}`;
    await expectNothingWritten(() => post(seed, { key: tampered }), 401);
  });

  it('refuses a source outside the key scope with 403', async () => {
    const response = await expectNothingWritten(() => post(seed, { key: api.keys.planet }), 403);
    expect(response.body.detail).toContain('the-gaze');
  });

  it('refuses an unregistered source with 422 naming the source', async () => {
    const response = await expectNothingWritten(() => post({ ...seed, source: 'nowhere-news' }), 422);
    expect(response.body.errors).toEqual([
      { field: 'source', in: 'body', pointer: '/source', detail: 'nowhere-news is not a registered source' },
    ]);
  });

  it('answers malformed JSON with 400, a wrong content type with 415 and a huge body with 413', async () => {
    const malformed = await expectNothingWritten(
      () =>
        api.call('POST', '/articles', {
          raw: '{"title": "x",',
          headers: { 'content-type': 'application/json' },
        }),
      400,
    );
    expect(malformed.body).toMatchObject({ status: 400, title: 'Malformed request' });
    await expectNothingWritten(
      () =>
        api.call('POST', '/articles', {
          raw: JSON.stringify(seed),
          headers: { 'content-type': 'text/plain' },
        }),
      415,
    );
    const twice = await expectNothingWritten(
      () =>
        api.call('POST', '/articles', {
          raw: JSON.stringify(seed).replace('{', '{"title":"A first title",'),
          headers: { 'content-type': 'application/json' },
        }),
      400,
    );
    expect(twice.body.errors).toEqual([
      { field: 'title', in: 'body', pointer: '/title', detail: 'appears twice in the same object' },
    ]);
    const huge = { ...seed, contentHtml: `<p>${'x'.repeat(300 * 1024)}</p>` };
    await expectNothingWritten(() => post(huge), 413);
  });

  it('answers schema violations with 422 and a field error for each', async () => {
    const response = await expectNothingWritten(
      () => post({ ...seed, title: '', url: 'javascript:alert(1)', id: 'mine', tags: ['!!!'], extra: 1 }),
      422,
    );
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const fields = response.body.errors.map((error: { field: string }) => error.field).sort();
    expect(fields).toEqual(['extra', 'id', 'title', 'url']);
    expect(response.body.errors.find((e: { field: string }) => e.field === 'id').detail).toBe(
      'is assigned by the server',
    );
    expect(JSON.stringify(response.body)).not.toMatch(/at \w+ \(|node_modules|\.ts:\d/);
  });
});

describe('Idempotency-Key', () => {
  it('returns the first response for a retry with the same key and body, writing nothing new', async () => {
    const headers = { 'idempotency-key': 'retry-1' };
    const first = await post(seed, { headers });
    expect(first.status).toBe(201);
    const before = await api.items();
    const again = await post(seed, { headers });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await api.items()).toEqual(before);
  });

  it('refuses the same key with a different body with 422', async () => {
    const headers = { 'idempotency-key': 'retry-2' };
    expect((await post(seed, { headers })).status).toBe(201);
    const response = await expectNothingWritten(
      () => post({ ...seed, title: 'Another story' }, { headers }),
      422,
    );
    expect(response.body.errors[0].field).toBe('Idempotency-Key');
  });

  it('creates exactly one article from ten concurrent requests with one key', async () => {
    const before = await countByType();
    const body = { ...seed, title: 'Concurrent retries' };
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => post(body, { headers: { 'idempotency-key': 'burst-of-ten' } })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(201));
    expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
    const after = await countByType();
    expect((after.article ?? 0) - (before.article ?? 0)).toBe(1);
    expect((after.idempotency ?? 0) - (before.idempotency ?? 0)).toBe(1);
  });

  it('refuses an Idempotency-Key that is empty, too long or not printable ASCII', async () => {
    for (const key of [' ', 'x'.repeat(256), 'clé']) {
      const response = await expectNothingWritten(
        () => post(seed, { headers: { 'idempotency-key': key } }),
        422,
      );
      expect(response.body.errors[0].field).toBe('Idempotency-Key');
    }
  });

  it('keeps the keys of different editors apart', async () => {
    const headers = { 'idempotency-key': 'shared-name' };
    const mine = await post(seed, { headers, key: api.keys.all });
    const theirs = await post(seed, { headers, key: api.keys.gaze });
    expect(mine.status).toBe(201);
    expect(theirs.status).toBe(201);
    expect(theirs.body.id).not.toBe(mine.body.id);
  });
});

describe('GET /articles/{id}', () => {
  it('returns the article with its version as ETag', async () => {
    const created = (await post(seed)).body;
    const response = await api.call('GET', `/articles/${created.id}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toBe('"1"');
    expect(response.body).toEqual(created);
  });

  it('answers 404 for an unknown id and 403 outside the key scope', async () => {
    expect((await api.call('GET', '/articles/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await api.call('GET', `/articles/${'a'.repeat(3000)}`)).status).toBe(404);
    const created = (await post(seed)).body;
    expect((await api.call('GET', `/articles/${created.id}`, { key: api.keys.planet })).status).toBe(403);
    expect((await api.call('GET', `/articles/${created.id}`, { key: api.keys.gaze })).status).toBe(200);
  });
});

describe('PUT /articles/{id}', () => {
  it('corrects an article: same id and publishedAt, version and updatedAt move on', async () => {
    const created = (await post(seed)).body;
    const { publishedAt: _, ...correction } = { ...seed, title: 'Corrected title' };
    const response = await api.call('PUT', `/articles/${created.id}`, {
      body: correction,
      headers: { 'if-match': '"1"' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toBe('"2"');
    expect(response.body).toMatchObject({
      id: created.id,
      title: 'Corrected title',
      version: 2,
      publishedAt: created.publishedAt,
      createdAt: created.createdAt,
    });
    expect(response.body.updatedAt > created.updatedAt).toBe(true);
    expect((await api.call('GET', `/articles/${created.id}`)).body).toEqual(response.body);
  });

  it('changes publishedAt only when the editor sets it', async () => {
    const created = (await post(seed)).body;
    const response = await api.call('PUT', `/articles/${created.id}`, {
      body: { ...seed, publishedAt: '2025-07-17T08:00:00+02:00' },
      headers: { 'if-match': '"1"' },
    });
    expect(response.body.publishedAt).toBe('2025-07-17T06:00:00.000Z');
  });

  it('removes the article from the feed of a tag the correction drops', async () => {
    const created = (await post({ ...seed, tags: ['Ukraine', 'Dropped Tag'] })).body;
    const inTag = async () =>
      (await api.call('GET', '/articles?tag=dropped-tag&limit=100')).body.items.map(
        (i: { id: string }) => i.id,
      );
    expect(await inTag()).toContain(created.id);
    const response = await api.call('PUT', `/articles/${created.id}`, {
      body: { ...seed, tags: ['Ukraine'] },
      headers: { 'if-match': '"1"' },
    });
    expect(response.status).toBe(200);
    expect(await inTag()).not.toContain(created.id);
    const entries = (await api.items()).filter((item) => String(item.sk).endsWith(created.id));
    expect(entries.map((item) => item.pk).sort()).toEqual(
      ['feed#all', 'feed#sources/the-gaze', 'feed#sources/the-gaze/tags/ukraine', 'feed#tags/ukraine'].sort(),
    );
  });

  it('moves an article with ten tags to ten other tags and another date in one transaction', async () => {
    const tags = (prefix: string) => Array.from({ length: 10 }, (_, i) => `${prefix} ${i}`);
    const created = (await post({ ...seed, tags: tags('Before') })).body;
    const response = await api.call('PUT', `/articles/${created.id}`, {
      body: { ...seed, tags: tags('After'), publishedAt: '2025-07-18T00:00:00Z' },
      headers: { 'if-match': '"1"' },
    });
    expect(response.status).toBe(200);
    const entries = (await api.items()).filter(
      (item) => item.type === 'entry' && String(item.sk).endsWith(created.id),
    );
    expect(entries).toHaveLength(22);
    expect(entries.every((item) => String(item.sk).startsWith('2025-07-18T00:00:00.000Z#'))).toBe(true);
    expect(entries.some((item) => String(item.pk).includes('before-'))).toBe(false);
  });

  it('requires If-Match: 428 without it, 412 when stale, and writes nothing', async () => {
    const created = (await post(seed)).body;
    const path = `/articles/${created.id}`;
    const missing = await expectNothingWritten(() => api.call('PUT', path, { body: seed }), 428);
    expect(missing.body.detail).toContain('If-Match');
    expect((await api.call('PUT', path, { body: seed, headers: { 'if-match': '"1"' } })).status).toBe(200);
    await expectNothingWritten(
      () => api.call('PUT', path, { body: { ...seed, title: 'Late' }, headers: { 'if-match': '"1"' } }),
      412,
    );
  });

  it('lets exactly one of two corrections based on the same version win', async () => {
    const created = (await post(seed)).body;
    const path = `/articles/${created.id}`;
    const results = await Promise.all(
      ['First', 'Second'].map((title) =>
        api.call('PUT', path, { body: { ...seed, title }, headers: { 'if-match': '"1"' } }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 412]);
    const winner = results.find((r) => r.status === 200)?.body;
    const stored = (await api.call('GET', path)).body;
    expect(stored).toEqual(winner);
    expect(stored.version).toBe(2);
  });

  it('answers 404 for an unknown id, 403 outside the scope, 422 for an invalid body', async () => {
    const unknown = '/articles/00000000-0000-4000-8000-000000000000';
    expect((await api.call('PUT', unknown, { body: seed, headers: { 'if-match': '"1"' } })).status).toBe(404);
    const created = (await post(seed)).body;
    const path = `/articles/${created.id}`;
    await expectNothingWritten(
      () => api.call('PUT', path, { body: seed, key: api.keys.planet, headers: { 'if-match': '"1"' } }),
      403,
    );
    await expectNothingWritten(
      () =>
        api.call('PUT', path, {
          body: { ...seed, source: 'daily-planet' },
          key: api.keys.gaze,
          headers: { 'if-match': '"1"' },
        }),
      403,
    );
    await expectNothingWritten(
      () =>
        api.call('PUT', path, { body: { ...seed, url: 'relative/path' }, headers: { 'if-match': '"1"' } }),
      422,
    );
  });
});

describe('DELETE /articles/{id}', () => {
  it('retracts: 204, the record stays as retracted, every membership goes', async () => {
    const created = (await post(seed)).body;
    const path = `/articles/${created.id}`;
    const response = await api.call('DELETE', path);
    expect(response.status).toBe(204);
    expect(response.text).toBe('');
    const shown = await api.call('GET', path);
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({
      id: created.id,
      status: 'retracted',
      version: 2,
      publishedAt: created.publishedAt,
    });
    expect(shown.body.retractedAt).toBe(shown.body.updatedAt);
    const entries = (await api.items()).filter(
      (item) => item.type === 'entry' && String(item.sk).endsWith(created.id),
    );
    expect(entries).toEqual([]);
    const listed = (await api.call('GET', '/articles?source=the-gaze&limit=100')).body.items.map(
      (i: { id: string }) => i.id,
    );
    expect(listed).not.toContain(created.id);
  });

  it('refuses to correct a retracted article with 409 and keeps retraction idempotent', async () => {
    const created = (await post(seed)).body;
    const path = `/articles/${created.id}`;
    expect((await api.call('DELETE', path)).status).toBe(204);
    expect((await api.call('DELETE', path)).status).toBe(204);
    expect((await api.call('GET', path)).body.version).toBe(2);
    await expectNothingWritten(
      () => api.call('PUT', path, { body: seed, headers: { 'if-match': '"2"' } }),
      409,
    );
  });

  it('honours an If-Match when one is sent, and the key scope', async () => {
    const created = (await post(seed)).body;
    const path = `/articles/${created.id}`;
    await expectNothingWritten(() => api.call('DELETE', path, { headers: { 'if-match': '"7"' } }), 412);
    await expectNothingWritten(() => api.call('DELETE', path, { key: api.keys.planet }), 403);
    expect((await api.call('DELETE', '/articles/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await api.call('DELETE', path, { headers: { 'if-match': '"1"' } })).status).toBe(204);
  });
});

describe('GET /articles', () => {
  it('lists newest first and pages with an opaque cursor until every article is seen once', async () => {
    const source = 'daily-planet';
    const ids: string[] = [];
    for (let day = 1; day <= 7; day++) {
      const body = {
        ...seed,
        source,
        url: `https://planet.example/${day}`,
        publishedAt: `2025-03-0${day}T12:00:00Z`,
      };
      ids.push((await post(body)).body.id);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const query = new URLSearchParams({ source, limit: '3', ...(cursor ? { cursor } : {}) });
      const page = await api.call('GET', `/articles?${query}`, { key: api.keys.planet });
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((item: { id: string }) => item.id));
      cursor = page.body.nextCursor;
      if (cursor) expect(page.headers.get('link')).toContain('rel="next"');
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toEqual([...ids].reverse());
    const first = (await api.call('GET', `/articles?source=${source}&limit=1`)).body.items[0];
    expect(Object.keys(first)).not.toContain('contentHtml');
  });

  it('filters by tag, and by tag within a source', async () => {
    const gaze = (await post({ ...seed, tags: ['Filter Probe'] })).body;
    const planet = (await post({ ...seed, source: 'daily-planet', tags: ['Filter Probe'] })).body;
    const ids = async (query: string) =>
      (await api.call('GET', `/articles?${query}`)).body.items.map((i: { id: string }) => i.id).sort();
    expect(await ids('tag=filter-probe')).toEqual([gaze.id, planet.id].sort());
    expect(await ids('tag=filter-probe&source=daily-planet')).toEqual([planet.id]);
  });

  it('refuses other sources for a scoped key, and bad parameters with 422', async () => {
    expect((await api.call('GET', '/articles?source=daily-planet', { key: api.keys.gaze })).status).toBe(403);
    expect((await api.call('GET', '/articles', { key: api.keys.gaze })).status).toBe(403);
    const bad = await api.call('GET', '/articles?limit=0&tag=..%2F..');
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['limit', 'tag']);
    const cursor = await api.call('GET', '/articles?cursor=bm90LWEtY3Vyc29y');
    expect(cursor.status).toBe(422);
    expect(cursor.body.errors[0].field).toBe('cursor');
  });
});

describe('routing and keys', () => {
  it('answers an unknown path with 404 and a wrong method with 405 and Allow', async () => {
    const unknown = await api.call('GET', '/nothing-here');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const wrong = await api.call('PATCH', '/articles/abc');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, PUT, DELETE');
    // API Gateway matches routes exactly: a trailing slash is another path, not another method.
    expect((await api.call('GET', '/articles/')).status).toBe(404);
    const malformed = await api.call('GET', '/articles/%E0');
    expect(malformed.status).toBe(404);
    expect(malformed.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('stops accepting a revoked key at once', async () => {
    const { key, stored } = await api.registry.createKey(['the-gaze'], 'short-lived');
    expect((await post(seed, { key })).status).toBe(201);
    expect(await api.registry.revokeKey(stored.keyId)).toBe(true);
    await expectNothingWritten(() => post(seed, { key }), 401);
  });
});

describe('correction notes and history', () => {
  it('keeps the note of each correction and returns every version, newest first', async () => {
    const created = (await post(seed)).body;
    const path = `/articles/${created.id}`;
    const first = await api.call('PUT', path, {
      body: {
        ...seed,
        title: 'Corrected once',
        correction: 'An earlier version gave the wrong date of the call.',
      },
      headers: { 'if-match': '"1"' },
    });
    expect(first.status).toBe(200);
    const silent = await api.call('PUT', path, {
      body: { ...seed, title: 'Corrected twice' },
      headers: { 'if-match': '"2"' },
    });
    expect(silent.body.corrections).toEqual([
      { version: 2, at: first.body.updatedAt, note: 'An earlier version gave the wrong date of the call.' },
    ]);
    expect((await api.call('DELETE', path)).status).toBe(204);
    const history = await api.call('GET', `${path}/history`);
    expect(history.status).toBe(200);
    expect(
      history.body.items.map((v: { version: number; status: string; title: string }) => [
        v.version,
        v.status,
        v.title,
      ]),
    ).toEqual([
      [4, 'retracted', 'Corrected twice'],
      [3, 'published', 'Corrected twice'],
      [2, 'published', 'Corrected once'],
      [1, 'published', seed.title],
    ]);
    expect(history.body.items[3]).toEqual(created);
    expect((await api.call('GET', `${path}/history`, { key: api.keys.planet })).status).toBe(403);
    expect((await api.call('GET', '/articles/00000000-0000-4000-8000-000000000000/history')).status).toBe(
      404,
    );
  });

  it('refuses a correction note on a new article, and an overlong one', async () => {
    const onPost = await expectNothingWritten(
      () => post({ ...seed, correction: 'Nothing to correct yet.' }),
      422,
    );
    expect(onPost.body.errors).toEqual([
      {
        field: 'correction',
        in: 'body',
        pointer: '/correction',
        detail: 'can only accompany a correction (PUT)',
      },
    ]);
    const created = (await post(seed)).body;
    const long = await expectNothingWritten(
      () =>
        api.call('PUT', `/articles/${created.id}`, {
          body: { ...seed, correction: 'x'.repeat(1001) },
          headers: { 'if-match': '"1"' },
        }),
      422,
    );
    expect(long.body.errors[0].field).toBe('correction');
  });
});
