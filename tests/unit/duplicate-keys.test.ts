import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inspectJson } from '../../shared/http/duplicate-keys.ts';

/** The path of the first key repeated within one object, or undefined. */
const findDuplicateKey = (text: string) => {
  const finding = inspectJson(text);
  return finding?.problem === 'duplicate' ? finding.path : undefined;
};

describe('findDuplicateKey', () => {
  it.each([
    ['{"title":"a","title":"b"}', ['title']],
    ['{"author":{"name":"a","name":"b"}}', ['author', 'name']],
    ['{"tags":["x"],"citations":[{"name":"a"},{"name":"b","name":"c"}]}', ['citations', 1, 'name']],
    ['{"a\\"b":1,"a\\u0022b":2}', ['a"b']],
    [' { "x" : { } , "x" : 1 } ', ['x']],
  ])('finds the repeated key in %s', (text, path) => {
    expect(findDuplicateKey(text)).toEqual(path);
  });

  it.each([
    '{"title":"a","body":{"title":"b"}}',
    '[{"a":1},{"a":2}]',
    '{"s":"{\\"a\\":1,\\"a\\":2}"}',
    '{"a":[1,{"b":2}],"b":{"a":3}}',
    '"just a string"',
    '{}',
  ])('finds none in %s', (text) => {
    expect(findDuplicateKey(text)).toBeUndefined();
  });

  it('finds nothing in anything JSON.stringify writes, which never repeats a key', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(findDuplicateKey(JSON.stringify(value))).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });
});

describe('inspectJson', () => {
  it('reports the place where nesting goes deeper than the limit, however deep the text goes', async () => {
    const { inspectJson, MAX_JSON_DEPTH } = await import('../../shared/http/duplicate-keys.ts');
    const deep = `{"extra":${'['.repeat(50_000)}${']'.repeat(50_000)}}`;
    const finding = inspectJson(deep);
    expect(finding?.problem).toBe('too-deep');
    expect(finding?.path).toHaveLength(MAX_JSON_DEPTH);
    expect(
      inspectJson(`{"a":${'['.repeat(MAX_JSON_DEPTH - 1)}${']'.repeat(MAX_JSON_DEPTH - 1)}}`),
    ).toBeUndefined();
  });
});
