import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Submission } from '../../shared/articles/model.ts';
import { LIMITS, parseRfc3339, parseSubmission } from '../../shared/articles/submission.ts';
import { type FieldError, InvalidInputError } from '../../shared/domain/errors.ts';
import { problemOf } from '../../shared/http/problems.ts';
import { isSlug, isTagSlug } from '../../shared/slug.ts';
import { stripXmlInvalid } from '../../shared/text.ts';
import seedJson from '../fixtures/seed-article.json' with { type: 'json' };

/** The server clock for every test: half an hour after the seed article's publication time. */
const NOW = Date.parse('2025-07-16T10:00:00Z');

function seed(): Record<string, any> {
  return structuredClone(seedJson) as Record<string, any>;
}

function withFields(fields: Record<string, unknown>): Record<string, unknown> {
  return { ...seed(), ...fields };
}

function without(...keys: string[]): Record<string, unknown> {
  const body = seed();
  for (const key of keys) delete body[key];
  return body;
}

/** The field errors a body is rejected with; fails the test when it is accepted or rejected some other way. */
function rejection(body: unknown, now = NOW): FieldError[] {
  let caught: unknown;
  try {
    parseSubmission(body, now);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(InvalidInputError);
  const error = caught as InvalidInputError;
  // The HTTP edge reports it as a 422 listing the same field errors.
  expect(problemOf(error)?.status).toBe(422);
  expect(error.errors.length).toBeGreaterThan(0);
  expect(problemOf(error)?.extra.errors).toEqual(error.errors);
  return error.errors;
}

/** Asserts that `body` is rejected with an error on `field` (and its pointer) whose detail matches `detail`. */
function expectFieldError(body: unknown, field: string, pointer: string, detail: string | RegExp): void {
  const errors = rejection(body);
  expect(errors).toContainEqual({
    field,
    in: 'body',
    pointer,
    detail: typeof detail === 'string' ? detail : expect.stringMatching(detail),
  });
}

function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, inner]) => [key, ...stringsIn(inner)]);
  }
  return [];
}

describe('parseSubmission on the seed article', () => {
  const submission = parseSubmission(seed(), NOW);

  it('keeps the source slug, title, url, author and citations', () => {
    expect(submission.source).toBe('the-gaze');
    expect(submission.title).toBe(seedJson.title);
    expect(submission.url).toBe(seedJson.url);
    expect(submission.author).toEqual({ name: 'The Gaze newsroom' });
    expect(submission.citations).toEqual(seedJson.citations);
  });

  it('turns tags into slugs while keeping the labels', () => {
    expect(submission.tags).toEqual([
      { label: 'Ukraine', slug: 'ukraine' },
      { label: 'Russia', slug: 'russia' },
      { label: 'Donald Trump', slug: 'donald-trump' },
      { label: 'Volodymyr Zelenskyy', slug: 'volodymyr-zelenskyy' },
      { label: 'NATO', slug: 'nato' },
    ]);
  });

  it('derives a summary of at most 280 characters from the start of the content', () => {
    expect(Array.from(submission.summary).length).toBeLessThanOrEqual(LIMITS.derivedSummaryChars);
    expect(submission.summary.startsWith('The White House has confirmed that President Donald Trump')).toBe(
      true,
    );
    expect(submission.summary.endsWith('…')).toBe(true);
    expect(submission.summary).not.toMatch(/<|>/);
  });

  it('keeps the already safe content HTML, curly quotes and dashes included', () => {
    expect(submission.contentHtml).toBe(seedJson.contentHtml);
  });

  it('normalises publishedAt to UTC ISO 8601 with milliseconds', () => {
    expect(submission.publishedAt).toBe('2025-07-16T09:30:00.000Z');
  });

  it('gives the same result for the same body and clock', () => {
    expect(parseSubmission(seed(), NOW)).toEqual(submission);
  });
});

describe('parseSubmission normalisation', () => {
  it('slugs the source name', () => {
    expect(parseSubmission(withFields({ source: '  The Gaze ' }), NOW).source).toBe('the-gaze');
  });

  it('collapses whitespace in the title, author name and a given summary', () => {
    const submission = parseSubmission(
      withFields({
        title: ' A\n  title ',
        author: { name: ' The\tdesk ' },
        summary: '  A   short\nsummary ',
      }),
      NOW,
    );
    expect(submission.title).toBe('A title');
    expect(submission.author).toEqual({ name: 'The desk' });
    expect(submission.summary).toBe('A short summary');
  });

  it('derives the summary from the content when the given one is blank', () => {
    const submission = parseSubmission(
      withFields({ summary: '   ', contentHtml: '<p>Only <b>this</b>.</p>' }),
      NOW,
    );
    expect(submission.summary).toBe('Only this.');
  });

  it('keeps a short derived summary uncut', () => {
    const submission = parseSubmission(withFields({ contentHtml: '<p>One.</p><p>Two.</p>' }), NOW);
    expect(submission.summary).toBe('One. Two.');
  });

  it('deduplicates tags by slug, keeping the first label, and collapses label whitespace', () => {
    const submission = parseSubmission(
      withFields({ tags: ['New York', 'new-york', ' NEW   YORK ', 'Київ', ' Kyiv  Post '] }),
      NOW,
    );
    expect(submission.tags).toEqual([
      { label: 'New York', slug: 'new-york' },
      { label: 'Київ', slug: 'kiyiv' },
      { label: 'Kyiv Post', slug: 'kyiv-post' },
    ]);
  });

  it('accepts no tags and no citations as empty lists', () => {
    const submission = parseSubmission(without('tags', 'citations'), NOW);
    expect(submission.tags).toEqual([]);
    expect(submission.citations).toEqual([]);
  });

  it('deduplicates citations by name regardless of case', () => {
    const submission = parseSubmission(
      withFields({
        citations: [{ name: 'Newsweek' }, { name: 'NEWSWEEK', url: 'https://www.newsweek.com/' }],
      }),
      NOW,
    );
    expect(submission.citations).toEqual([{ name: 'Newsweek' }]);
  });

  it('sanitises the content HTML against the article URL', () => {
    const submission = parseSubmission(
      withFields({
        contentHtml:
          '<p onclick="x()">Hi <a href="/more">more</a></p><script>alert(1)</script><img src="a.png">',
      }),
      NOW,
    );
    expect(submission.contentHtml).toBe(
      '<p>Hi <a href="https://thegaze.example/more">more</a></p><img src="https://thegaze.example/news/a.png" />',
    );
  });

  it('accepts content that is only an image', () => {
    const submission = parseSubmission(
      withFields({ contentHtml: '<img src="https://img.example/a.png">' }),
      NOW,
    );
    expect(submission.summary).toBe('');
    expect(submission.contentHtml).toBe('<img src="https://img.example/a.png" />');
  });

  it('keeps an image, dropping a blank alt text', () => {
    expect(
      parseSubmission(withFields({ image: { url: 'https://img.example/a.png', alt: ' A  cat ' } }), NOW)
        .image,
    ).toEqual({ url: 'https://img.example/a.png', alt: 'A cat' });
    expect(
      parseSubmission(withFields({ image: { url: 'https://img.example/a.png', alt: '  ' } }), NOW).image,
    ).toEqual({
      url: 'https://img.example/a.png',
    });
  });

  it('trims the author email and normalises urls', () => {
    const submission = parseSubmission(
      withFields({
        author: { name: 'Desk', email: ' desk@thegaze.example ', url: 'HTTPS://TheGaze.example' },
      }),
      NOW,
    );
    expect(submission.author).toEqual({
      name: 'Desk',
      email: 'desk@thegaze.example',
      url: 'https://thegaze.example/',
    });
  });

  it('leaves publishedAt out when the editor leaves it to the server', () => {
    expect(parseSubmission(without('publishedAt'), NOW)).not.toHaveProperty('publishedAt');
  });

  it.each([
    ['2024-02-29T12:00:00+02:00', '2024-02-29T10:00:00.000Z'],
    ['2024-02-29T23:30:00-01:00', '2024-03-01T00:30:00.000Z'],
    ['2025-07-16T09:30:00.123456+05:30', '2025-07-16T04:00:00.123Z'],
    ['2025-07-16t09:30:00z', '2025-07-16T09:30:00.000Z'],
    [' 2025-07-16T09:30:00Z ', '2025-07-16T09:30:00.000Z'],
    ['1970-01-01T00:00:00Z', '1970-01-01T00:00:00.000Z'],
    ['2025-07-16T11:00:00Z', '2025-07-16T11:00:00.000Z'],
  ])('normalises publishedAt %j to %j', (given, expected) => {
    expect(parseSubmission(withFields({ publishedAt: given }), NOW).publishedAt).toBe(expected);
  });

  it('accepts strings with NUL, U+FFFE and lone surrogates with those characters removed', () => {
    const submission = parseSubmission(
      withFields({
        source: 'the-\u0000gaze',
        title: 'A\u0000B\ufffeC\ud800D\udc00E\uffff',
        summary: 'Sum\u0001mary',
        contentHtml: '<p>Body\u0000 text\ufffe</p>',
        author: { name: 'N\udc00ame' },
        tags: ['Uk\u0000raine'],
        citations: [{ name: 'News\ufffeweek' }],
      }),
      NOW,
    );
    expect(submission.source).toBe('the-gaze');
    expect(submission.title).toBe('ABCDE');
    expect(submission.summary).toBe('Summary');
    expect(submission.contentHtml).toBe('<p>Body text</p>');
    expect(submission.author).toEqual({ name: 'Name' });
    expect(submission.tags).toEqual([{ label: 'Ukraine', slug: 'ukraine' }]);
    expect(submission.citations).toEqual([{ name: 'Newsweek' }]);
  });

  it('keeps emoji and other astral characters intact', () => {
    expect(parseSubmission(withFields({ title: 'Launch 🚀 day' }), NOW).title).toBe('Launch 🚀 day');
  });

  it('removes XML-invalid characters that arrive as character references in the content', () => {
    const submission = parseSubmission(withFields({ contentHtml: '<p>a&#1;b&#xFFFE;c&#xFFFF;d</p>' }), NOW);
    expect(submission.contentHtml).toBe('<p>abcd</p>');
    expect(submission.summary).toBe('abcd');
  });
});

describe('parseSubmission field errors', () => {
  it.each([['source'], ['title'], ['url'], ['contentHtml']])('requires %s', (field) => {
    expectFieldError(without(field), field, `/${field}`, 'is required');
  });

  it('lists every missing required field at once', () => {
    const errors = rejection({});
    expect(errors.map((error) => error.field).sort()).toEqual(['contentHtml', 'source', 'title', 'url']);
  });

  it.each([
    ['author.name', '/author/name', { author: {} }],
    ['image.url', '/image/url', { image: {} }],
    ['citations[0].name', '/citations/0/name', { citations: [{ url: 'https://x.example/' }] }],
  ])('requires %s', (field, pointer, fields) => {
    expectFieldError(withFields(fields), field, pointer, 'is required');
  });

  const stringFields = ['source', 'title', 'url', 'contentHtml', 'summary', 'publishedAt'];
  const wrongForString: [string, unknown, string][] = [
    ['a number', 42, 'a number'],
    ['a boolean', true, 'a boolean'],
    ['null', null, 'null'],
    ['an array', ['x'], 'an array'],
    ['an object', { x: 1 }, 'an object'],
  ];
  it.each(
    stringFields.flatMap((field) =>
      wrongForString.map(([name, value, described]) => [field, name, value, described]),
    ),
  )('rejects %s given as %s', (field, _name, value, described) => {
    expectFieldError(
      withFields({ [field as string]: value }),
      field as string,
      `/${field}`,
      `must be a string, not ${described}`,
    );
  });

  it.each([
    ['author', 'an object', 'x', 'a string'],
    ['author', 'an object', ['x'], 'an array'],
    ['author', 'an object', null, 'null'],
    ['image', 'an object', 7, 'a number'],
    ['tags', 'an array', 'Ukraine', 'a string'],
    ['tags', 'an array', { 0: 'x' }, 'an object'],
    ['citations', 'an array', true, 'a boolean'],
    ['citations', 'an array', null, 'null'],
  ])('rejects %s that is not %s', (field, expected, value, described) => {
    expectFieldError(
      withFields({ [field]: value }),
      field,
      `/${field}`,
      `must be ${expected}, not ${described}`,
    );
  });

  it.each([
    ['author.name', '/author/name', { author: { name: 1 } }, 'must be a string, not a number'],
    [
      'author.email',
      '/author/email',
      { author: { name: 'A', email: false } },
      'must be a string, not a boolean',
    ],
    ['author.url', '/author/url', { author: { name: 'A', url: [] } }, 'must be a string, not an array'],
    ['image.url', '/image/url', { image: { url: 1 } }, 'must be a string, not a number'],
    [
      'image.alt',
      '/image/alt',
      { image: { url: 'https://i.example/a.png', alt: {} } },
      'must be a string, not an object',
    ],
    ['tags[0]', '/tags/0', { tags: [3] }, 'must be a string, not a number'],
    ['tags[2]', '/tags/2', { tags: ['a', 'b', null] }, 'must be a string, not null'],
    ['citations[0]', '/citations/0', { citations: ['Newsweek'] }, 'must be an object, not a string'],
    [
      'citations[1].name',
      '/citations/1/name',
      { citations: [{ name: 'A' }, { name: 2 }] },
      'must be a string, not a number',
    ],
    [
      'citations[0].url',
      '/citations/0/url',
      { citations: [{ name: 'A', url: 5 }] },
      'must be a string, not a number',
    ],
  ])('names the nested field %s with pointer %s when its type is wrong', (field, pointer, fields, detail) => {
    expectFieldError(withFields(fields), field, pointer, detail);
  });

  it('keeps an image size given in whole pixels', () => {
    expect(
      parseSubmission(
        withFields({ image: { url: 'https://img.example/a.png', width: 1200, height: 675 } }),
        NOW,
      ).image,
    ).toEqual({ url: 'https://img.example/a.png', width: 1200, height: 675 });
  });

  it.each([0, -3, 1.5, 100_001, '1200', null, true])(
    'names image.width when it is %j, which is no size in pixels',
    (width) => {
      expectFieldError(
        withFields({ image: { url: 'https://img.example/a.png', width } }),
        'image.width',
        '/image/width',
        'must be a whole number of pixels from 1 to 100000',
      );
    },
  );

  it('names author.email with pointer /author/email when it is not an email address', () => {
    expectFieldError(
      withFields({ author: { name: 'Desk', email: 'not-an-email' } }),
      'author.email',
      '/author/email',
      'must be an email address',
    );
  });

  it.each([
    ['foo', '/foo', { foo: 1 }],
    ['author.twitter', '/author/twitter', { author: { name: 'A', twitter: '@a' } }],
    ['image.caption', '/image/caption', { image: { url: 'https://i.example/a.png', caption: 'c' } }],
    ['citations[0].id', '/citations/0/id', { citations: [{ name: 'A', id: 'x' }] }],
    ['a/b~c', '/a~1b~0c', { 'a/b~c': 1 }],
  ])('rejects the unknown field %s', (field, pointer, fields) => {
    expectFieldError(withFields(fields), field, pointer, 'is not a known field');
  });

  it.each([['id'], ['version'], ['createdAt'], ['updatedAt'], ['status'], ['retractedAt']])(
    'tells the client that %s is assigned by the server',
    (field) => {
      expectFieldError(withFields({ [field]: 'x' }), field, `/${field}`, 'is assigned by the server');
    },
  );

  it('reports a server field inside a nested object as unknown rather than server-assigned', () => {
    expectFieldError(
      withFields({ author: { name: 'A', id: 'x' } }),
      'author.id',
      '/author/id',
      'is not a known field',
    );
  });

  it('reports a __proto__ key as an unknown field instead of letting it smuggle in fields', () => {
    const body = JSON.parse(
      JSON.stringify(without('title')).replace('{', '{"__proto__":{"title":"Hidden"},'),
    );
    const errors = rejection(body);
    expect(errors).toContainEqual({
      field: '__proto__',
      in: 'body',
      pointer: '/__proto__',
      detail: 'is not a known field',
    });
    expect(errors).toContainEqual({ field: 'title', in: 'body', pointer: '/title', detail: 'is required' });
  });

  it.each([
    ['javascript:alert(1)', 'must use http or https, not javascript'],
    ['data:text/html,<script>alert(1)</script>', 'must use http or https, not data'],
    ['ftp://files.example/a', 'must use http or https, not ftp'],
    ['/news/story', 'must be an absolute http(s) URL'],
    ['news/story', 'must be an absolute http(s) URL'],
    ['', 'must be an absolute http(s) URL'],
    ['https://user:pass@thegaze.example/', 'must not contain credentials'],
    [`https://thegaze.example/${'a'.repeat(2048)}`, 'must be at most 2048 characters'],
  ])('rejects the url %j', (url, detail) => {
    expectFieldError(withFields({ url }), 'url', '/url', detail);
  });

  it('applies the same url rules to author, citation and image urls', () => {
    expectFieldError(
      withFields({ author: { name: 'A', url: 'javascript:alert(1)' } }),
      'author.url',
      '/author/url',
      /not javascript/,
    );
    expectFieldError(
      withFields({ citations: [{ name: 'A', url: 'data:,x' }] }),
      'citations[0].url',
      '/citations/0/url',
      /not data/,
    );
    expectFieldError(withFields({ image: { url: '/img.png' } }), 'image.url', '/image/url', /absolute/);
  });

  it('rejects a source that slugs to nothing', () => {
    expectFieldError(
      withFields({ source: '!!!' }),
      'source',
      '/source',
      'must name a source (letters or digits)',
    );
  });

  it('names each tag that slugs to nothing by its index', () => {
    const errors = rejection(withFields({ tags: ['Ukraine', '!!!', '   ', '—'] }));
    expect(errors.map((error) => [error.field, error.pointer])).toEqual([
      ['tags[1]', '/tags/1'],
      ['tags[2]', '/tags/2'],
      ['tags[3]', '/tags/3'],
    ]);
    for (const error of errors)
      expect(error.detail).toBe('must contain a letter or digit that can form a slug');
  });

  it('rejects more than 10 tags and accepts exactly 10', () => {
    const tags = Array.from({ length: 11 }, (_, index) => `tag ${index}`);
    expectFieldError(withFields({ tags }), 'tags', '/tags', 'must hold at most 10 tags');
    expect(parseSubmission(withFields({ tags: tags.slice(0, 10) }), NOW).tags).toHaveLength(10);
  });

  it('rejects a tag longer than 100 characters', () => {
    expectFieldError(
      withFields({ tags: ['x'.repeat(101)] }),
      'tags[0]',
      '/tags/0',
      'must be at most 100 characters',
    );
  });

  it('rejects more than 30 citations', () => {
    const citations = Array.from({ length: 31 }, (_, index) => ({ name: `Outlet ${index}` }));
    expectFieldError(withFields({ citations }), 'citations', '/citations', 'must hold at most 30 citations');
  });

  it('rejects a blank or overlong title', () => {
    expectFieldError(withFields({ title: ' \n ' }), 'title', '/title', 'must not be empty');
    expectFieldError(
      withFields({ title: 'x'.repeat(301) }),
      'title',
      '/title',
      'must be at most 300 characters',
    );
  });

  it('rejects a title that is empty once XML-invalid characters are removed', () => {
    expectFieldError(withFields({ title: '\u0000\ufffe' }), 'title', '/title', 'must not be empty');
  });

  it('rejects a summary over 1000 characters', () => {
    expectFieldError(
      withFields({ summary: 'x'.repeat(1001) }),
      'summary',
      '/summary',
      'must be at most 1000 characters',
    );
  });

  it('rejects content that is empty once unsafe markup is removed', () => {
    expectFieldError(
      withFields({ contentHtml: '<script>alert(1)</script><iframe src="https://e.example/"></iframe>' }),
      'contentHtml',
      '/contentHtml',
      'is empty once unsafe markup is removed',
    );
  });

  it('rejects content larger than 100 KiB once sanitised', () => {
    expectFieldError(
      withFields({ contentHtml: `<p>${'x'.repeat(100 * 1024)}</p>` }),
      'contentHtml',
      '/contentHtml',
      /bytes once sanitised; at most 102400 are allowed/,
    );
  });

  const RFC3339_DETAIL = 'must be an RFC 3339 date-time with a zone, e.g. 2025-07-16T09:30:00Z';
  it.each([
    ['an invalid date', 'yesterday', RFC3339_DETAIL],
    ['a date without a zone', '2025-07-16T09:30:00', RFC3339_DETAIL],
    ['a date without a time', '2025-07-16', RFC3339_DETAIL],
    ['a date with a space for T', '2025-07-16 09:30:00Z', RFC3339_DETAIL],
    ['February 30', '2025-02-30T00:00:00Z', RFC3339_DETAIL],
    ['February 29 of a common year', '2025-02-29T00:00:00Z', RFC3339_DETAIL],
    ['month 13', '2025-13-01T00:00:00Z', RFC3339_DETAIL],
    ['hour 24', '2025-07-16T24:00:00Z', RFC3339_DETAIL],
    ['second 60', '2025-07-16T09:30:60Z', RFC3339_DETAIL],
    ['a zone offset of 24 hours', '2025-07-16T09:30:00+24:00', RFC3339_DETAIL],
    ['year 0000', '0000-01-01T00:00:00Z', /RFC 3339|before 1970/],
    ['a date before 1970', '1969-12-31T23:59:59Z', 'must not be before 1970-01-01T00:00:00Z'],
    [
      'a date more than a year in the future',
      '2026-07-16T10:00:01Z',
      'must not be more than one year in the future',
    ],
    ['a date far in the future', '2999-01-01T00:00:00Z', 'must not be more than one year in the future'],
  ])('rejects %s as publishedAt', (_name, publishedAt, detail) => {
    expectFieldError(withFields({ publishedAt }), 'publishedAt', '/publishedAt', detail);
  });

  it('measures the future limit against the clock it is given', () => {
    const later = Date.parse('2025-07-16T10:00:02Z');
    expect(parseSubmission(withFields({ publishedAt: '2026-07-16T10:00:01Z' }), later).publishedAt).toBe(
      '2026-07-16T10:00:01.000Z',
    );
  });

  it('reads an expiry as a date-time, and refuses one that is not', () => {
    expect(parseSubmission(withFields({ expiresAt: '2025-07-17T10:00:00+02:00' }), NOW).expiresAt).toBe(
      '2025-07-17T08:00:00.000Z',
    );
    expectFieldError(withFields({ expiresAt: 'tomorrow' }), 'expiresAt', '/expiresAt', RFC3339_DETAIL);
    expectFieldError(
      withFields({ expiredAt: '2025-07-17T10:00:00Z' }),
      'expiredAt',
      '/expiredAt',
      'is assigned by the server',
    );
  });

  it.each([
    ['an array', [], 'must be a JSON object, not an array'],
    ['a string', '{"title":"x"}', 'must be a JSON object, not a string'],
    ['null', null, 'must be a JSON object, not null'],
    ['a number', 3, 'must be a JSON object, not a number'],
    ['a boolean', false, 'must be a JSON object, not a boolean'],
  ])('rejects a body that is %s', (_name, body, detail) => {
    expect(rejection(body)).toEqual([{ field: '(body)', in: 'body', pointer: '', detail }]);
  });

  it('reports several problems in one error, summarised in its message', () => {
    let caught: unknown;
    try {
      parseSubmission(withFields({ title: 5, url: 'javascript:x', id: 'a' }), NOW);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidInputError);
    const error = caught as InvalidInputError;
    expect(error.errors.map((item) => item.field).sort()).toEqual(['id', 'title', 'url']);
    expect(error.message).toMatch(/\(and 2 more\)$/);
  });
});

describe('parseRfc3339', () => {
  it('returns undefined for a string that is not an RFC 3339 date-time', () => {
    expect(parseRfc3339('2025-07-16T09:30:00')).toBeUndefined();
    expect(parseRfc3339('2025-02-30T00:00:00Z')).toBeUndefined();
    expect(parseRfc3339('2025-07-16T09:30:00+05:60')).toBeUndefined();
  });

  it('accepts February 29 of a leap year', () => {
    expect(parseRfc3339('2024-02-29T00:00:00Z')).toBe('2024-02-29T00:00:00.000Z');
    expect(parseRfc3339('2000-02-29T00:00:00Z')).toBe('2000-02-29T00:00:00.000Z');
  });

  it('rejects February 29 of a century that is not a leap year', () => {
    expect(parseRfc3339('2100-02-29T00:00:00Z')).toBeUndefined();
  });
});

describe('parseSubmission on arbitrary input', () => {
  /** Any UTF-16 code unit, so strings can hold controls, U+FFFE/U+FFFF and lone surrogates. */
  const anyUnit = fc.oneof(
    fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
    fc.constantFrom(
      '\u0000',
      '\u0001',
      '\u001f',
      '\ufffe',
      '\uffff',
      '\ud800',
      '\udfff',
      '😀',
      '&#1;',
      '&#xFFFE;',
    ),
    fc.string({ maxLength: 3 }),
  );
  const messyString = fc.string({ unit: anyUnit, maxLength: 30 });
  const htmlish = fc
    .array(
      fc.oneof(
        messyString,
        fc.constantFrom(
          '<script>alert(1)</script>',
          '<SCRIPT>x</SCRIPT>',
          '<img src=x onerror=alert(1)>',
          '<a href="javascript:alert(1)">j</a>',
          '<iframe src="https://e.example/"></iframe>',
          '<svg onload=alert(1)>',
          '<p>',
          '</p>',
          '<p>Text &amp; more &#1;</p>',
          '<img src="/a.png">',
        ),
      ),
      { maxLength: 6 },
    )
    .map((pieces) => pieces.join(''));
  const anyValue = fc.oneof(
    fc.jsonValue({ maxDepth: 3, stringUnit: anyUnit }),
    messyString,
    fc.constantFrom('The Gaze', 'https://thegaze.example/x', '2025-07-16T09:00:00+01:00', 'a@b.example'),
  );
  const tagList = fc.array(fc.oneof(messyString, fc.constantFrom('Ukraine', 'ukraine', '!!!', 'Київ')), {
    maxLength: 12,
  });

  /** The seed article with some fields replaced by (or added as) arbitrary values and some removed. */
  const mutatedSeed = fc
    .record(
      {
        source: fc.option(anyValue),
        title: fc.option(fc.oneof(anyValue, messyString)),
        url: fc.option(anyValue),
        contentHtml: fc.option(fc.oneof(htmlish, anyValue)),
        summary: fc.option(fc.oneof(messyString, anyValue)),
        author: fc.option(
          fc.oneof(
            anyValue,
            fc.record({ name: messyString, email: fc.option(anyValue), url: fc.option(anyValue) }),
          ),
        ),
        tags: fc.option(fc.oneof(tagList, anyValue)),
        citations: fc.option(
          fc.oneof(fc.array(fc.record({ name: messyString }), { maxLength: 3 }), anyValue),
        ),
        image: fc.option(fc.oneof(fc.record({ url: anyValue, alt: messyString }), anyValue)),
        publishedAt: fc.option(anyValue),
        extra: fc.option(fc.tuple(fc.string({ maxLength: 10 }), anyValue)),
      },
      { requiredKeys: [] },
    )
    .chain((changes) =>
      fc.subarray(Object.keys(seedJson), { maxLength: 2 }).map((removed) => {
        const body: Record<string, unknown> = seed();
        for (const [key, value] of Object.entries(changes)) {
          if (value === null) continue;
          if (key === 'extra') {
            const [name, inner] = value as [string, unknown];
            Object.defineProperty(body, name, {
              value: inner,
              enumerable: true,
              writable: true,
              configurable: true,
            });
          } else {
            body[key] = value;
          }
        }
        for (const key of removed) delete body[key];
        return body;
      }),
    );

  function checkOutcome(body: unknown): void {
    let submission: Submission;
    try {
      submission = parseSubmission(body, NOW);
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidInputError);
      const { errors } = error as InvalidInputError;
      expect(problemOf(error)?.status).toBe(422);
      expect(errors.length).toBeGreaterThan(0);
      for (const item of errors) {
        expect(typeof item.field).toBe('string');
        expect(item.field.length).toBeGreaterThan(0);
        expect(item.in).toBe('body');
        expect(item.pointer === '' || item.pointer?.startsWith('/')).toBe(true);
        expect(typeof item.detail).toBe('string');
      }
      return;
    }
    for (const text of stringsIn(submission)) expect(stripXmlInvalid(text)).toBe(text);
    expect(submission.contentHtml).not.toMatch(/<script/i);
    expect(submission.contentHtml).not.toMatch(/<iframe/i);
    expect(isSlug(submission.source)).toBe(true);
    expect(submission.tags.length).toBeLessThanOrEqual(LIMITS.tags);
    for (const tag of submission.tags) expect(isTagSlug(tag.slug)).toBe(true);
    expect(new Set(submission.tags.map((tag) => tag.slug)).size).toBe(submission.tags.length);
    expect(submission.url).toMatch(/^https?:\/\//);
    if (submission.publishedAt !== undefined) {
      expect(submission.publishedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    }
  }

  it('either rejects an arbitrary object with field errors or returns a clean submission', () => {
    fc.assert(fc.property(fc.object({ maxDepth: 3 }), checkOutcome), { numRuns: 200 });
  });

  it('either rejects an arbitrary JSON value with field errors or returns a clean submission', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 3, stringUnit: anyUnit }), checkOutcome), {
      numRuns: 200,
    });
  });

  it('either rejects the seed article with arbitrary fields replaced or returns a clean submission', () => {
    fc.assert(fc.property(mutatedSeed, checkOutcome), { numRuns: 400 });
  });

  it('accepts the seed article with XML-invalid characters in any string, and returns them stripped', () => {
    fc.assert(
      fc.property(messyString, fc.constantFrom('title', 'summary', 'contentHtml'), (noise, field) => {
        const body = withFields({ [field]: `Readable ${noise} text` });
        const submission = parseSubmission(body, NOW);
        for (const text of stringsIn(submission)) expect(stripXmlInvalid(text)).toBe(text);
        expect(submission.contentHtml).not.toMatch(/<script/i);
      }),
      { numRuns: 200 },
    );
  });
});

describe('keys with characters XML forbids', () => {
  it('treats them as unknown fields rather than folding them into a known one', () => {
    const body = { ...structuredClone(seedJson), 'ti\u0000tle': 'Smuggled' };
    expect(() => parseSubmission(body, Date.parse('2026-01-01T00:00:00Z'))).toThrow(InvalidInputError);
    try {
      parseSubmission(body, Date.parse('2026-01-01T00:00:00Z'));
    } catch (error) {
      expect((error as InvalidInputError).errors).toContainEqual({
        field: 'ti\u0000tle',
        in: 'body',
        pointer: '/ti\u0000tle',
        detail: 'is not a known field',
      });
    }
  });
});

describe('plain-text fields: markup removed, text that only looks like markup kept', () => {
  it.each([
    ['Why <b>bold</b> & <script>alert(1)</script>', 'Why bold &'],
    ['<a href="https://evil.example/" onclick="alert(1)">Linked</a> story', 'Linked story'],
    ['One<br>Two<p>Three</p>', 'One Two Three'],
    ['<img src=x onerror=alert(1)>Picture', 'Picture'],
    ['Close every </p > tag <!-- hidden -->', 'Close every tag'],
    ['<style>p{}</style><B>Loud</B>', 'Loud'],
    // An unclosed script takes the rest with it, as a browser would: nothing is left, so it is refused.
    ['<script>alert(1) never closed', ''],
    ['AT&amp;T &lt;/b&gt;&#60;i&#62;quoted&lt;/i&gt;', 'AT&T quoted'],
    ['<<b></b>/b>Nested', 'Nested'],
    ['Q&A with AT&T', 'Q&A with AT&T'],
    ['5 < 6 and 7 > 3', '5 < 6 and 7 > 3'],
    ['I <3 my city', 'I <3 my city'],
    ['C++ <templates> explained', 'C++ <templates> explained'],
    ['If a<b>c then a<c', 'If a<b>c then a<c'],
    ['vector<int> and List<String>', 'vector<int> and List<String>'],
    ['Fish &chips, &para; and &#0;', 'Fish &chips, &para; and &#0;'],
  ])('stores the title %j as %j', (title, stored) => {
    if (stored === '') {
      expectFieldError(withFields({ title }), 'title', '/title', 'is empty once markup is removed');
      return;
    }
    expect(parseSubmission(withFields({ title }), NOW).title).toBe(stored);
  });

  it('applies the rule to every plain-text field: summary, author, citations, alt text, tags, correction notes', () => {
    const text = 'Why <b>bold</b> & a<b>c <script>x</script>';
    const parsed = parseSubmission(
      withFields({
        summary: text,
        author: { name: text },
        citations: [{ name: text, url: 'https://wire.example/' }],
        image: { url: 'https://thegaze.example/a.png', alt: text },
        tags: [text],
        correction: text,
      }),
      NOW,
      { correction: true },
    );
    const expected = 'Why bold & a<b>c';
    expect(parsed.summary).toBe(expected);
    expect(parsed.author?.name).toBe(expected);
    expect(parsed.citations[0]?.name).toBe(expected);
    expect(parsed.image?.alt).toBe(expected);
    expect(parsed.tags[0]?.label).toBe(expected);
    expect(parsed.correction).toBe(expected);
  });

  it('derives a summary without the markup the content spells in its text', () => {
    const parsed = parseSubmission(
      withFields({ contentHtml: '<p>Close every &lt;/p&gt; tag &amp; write 5 &lt; 6.</p>' }),
      NOW,
    );
    expect(parsed.summary).toBe('Close every tag & write 5 < 6.');
  });

  it.each([
    ['title', '/title', { title: '<b> </b><script>alert(1)</script>' }],
    ['author.name', '/author/name', { author: { name: '<i></i>' } }],
    ['citations[0].name', '/citations/0/name', { citations: [{ name: '<em></em>' }] }],
    ['summary', '/summary', { summary: '<p></p>' }],
  ])(
    'refuses a %s that is nothing but markup with 422 naming it (a problem document in the house format)',
    (field, pointer, fields) => {
      expectFieldError(withFields(fields), field, pointer, 'is empty once markup is removed');
    },
  );

  it('refuses a title four times its limit before reading markup out of it', () => {
    expectFieldError(
      withFields({ title: '<b>'.repeat(LIMITS.titleChars * 2) }),
      'title',
      '/title',
      `must be at most ${LIMITS.titleChars} characters`,
    );
  });

  it('leaves no HTML end tag in any plain-text field, whatever is sent', () => {
    const piece = fc.constantFrom(
      '<',
      '>',
      '/',
      '&',
      ';',
      '#',
      'b',
      'p',
      'script',
      'lt',
      'gt',
      'amp',
      ' ',
      'x',
      '!--',
      '60',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (pieces) => {
        const text = `T ${pieces.join('')}`;
        let parsed: Submission;
        try {
          parsed = parseSubmission(withFields({ title: text, summary: text, author: { name: text } }), NOW);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidInputError);
          return;
        }
        for (const value of [parsed.title, parsed.summary, parsed.author?.name ?? ''])
          expect(value).not.toMatch(/<\/(b|p|script)\s*>|<!--[\s\S]*-->/i);
      }),
    );
  });
});
