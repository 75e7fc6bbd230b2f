import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashRequest } from '../../shared/articles/service.ts';
import { etagMatches, etagOf } from '../../shared/http/etag.ts';
import { hashSecret, mintKey, parseKey, secretMatches } from '../../shared/keys.ts';

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** `value` with the character at `index` replaced by a different one from the same alphabet. */
function changeAt(value: string, index: number, alphabet: string): string {
  const current = value[index] ?? '';
  const next = alphabet[(alphabet.indexOf(current) + 1) % alphabet.length] ?? '';
  return value.slice(0, index) + next + value.slice(index + 1);
}

describe('mintKey and parseKey', () => {
  it('mints a key of the form fpk_<16 hex id>_<43 base64url secret>', () => {
    const minted = mintKey();
    expect(minted.key).toMatch(/^fpk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(minted.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(minted.secretHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('parses a minted key back into its id and a secret that matches the stored hash', () => {
    for (let round = 0; round < 50; round++) {
      const minted = mintKey();
      const parsed = parseKey(minted.key);
      expect(parsed?.keyId).toBe(minted.keyId);
      expect(parsed).toBeDefined();
      expect(`fpk_${parsed?.keyId}_${parsed?.secret}`).toBe(minted.key);
      expect(secretMatches(parsed?.secret ?? '', minted.secretHash)).toBe(true);
      expect(hashSecret(parsed?.secret ?? '')).toBe(minted.secretHash);
    }
  });

  it('does not store the secret itself', () => {
    const minted = mintKey();
    const secret = parseKey(minted.key)?.secret ?? '';
    expect(secret).toHaveLength(43);
    expect(minted.secretHash).not.toContain(secret);
  });

  it('rejects a secret with any single character changed', () => {
    const minted = mintKey();
    const secret = parseKey(minted.key)?.secret ?? '';
    fc.assert(
      fc.property(fc.integer({ min: 0, max: secret.length - 1 }), (index) => {
        const changed = changeAt(secret, index, BASE64URL);
        expect(changed).not.toBe(secret);
        expect(secretMatches(changed, minted.secretHash)).toBe(false);
      }),
      { numRuns: 43 },
    );
  });

  it('rejects a changed whole key once parsed, whichever character changed in the secret', () => {
    const minted = mintKey();
    for (let index = minted.key.length - 43; index < minted.key.length; index++) {
      const parsed = parseKey(changeAt(minted.key, index, BASE64URL));
      expect(parsed).toBeDefined();
      expect(secretMatches(parsed?.secret ?? '', minted.secretHash)).toBe(false);
    }
  });

  it('rejects a secret checked against another key’s hash', () => {
    const first = mintKey();
    const second = mintKey();
    expect(secretMatches(parseKey(first.key)?.secret ?? '', second.secretHash)).toBe(false);
  });

  it('rejects any secret when the stored hash is malformed', () => {
    const secret = parseKey(mintKey().key)?.secret ?? '';
    expect(secretMatches(secret, '')).toBe(false);
    expect(secretMatches(secret, 'not-hex')).toBe(false);
    expect(secretMatches(secret, hashSecret(secret).slice(0, 62))).toBe(false);
  });

  it('mints unique ids and secrets across many keys', () => {
    const minted = Array.from({ length: 2000 }, () => mintKey());
    expect(new Set(minted.map((key) => key.keyId)).size).toBe(minted.length);
    expect(new Set(minted.map((key) => key.key)).size).toBe(minted.length);
    expect(new Set(minted.map((key) => key.secretHash)).size).toBe(minted.length);
  });

  it.each([
    ['an empty string', ''],
    ['a key without its prefix', 'a1b2c3d4e5f60718_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ'],
    ['a key with another prefix', 'xpk_a1b2c3d4e5f60718_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ'],
    ['a key with an upper-case id', 'fpk_A1B2C3D4E5F60718_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ'],
    ['a key with a short id', 'fpk_a1b2c3d4e5f6071_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ'],
    ['a key with a short secret', 'fpk_a1b2c3d4e5f60718_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP'],
    ['a key with a long secret', 'fpk_a1b2c3d4e5f60718_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQR'],
    ['a key with a padded secret', 'fpk_a1b2c3d4e5f60718_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP='],
    [
      'a key with a standard base64 character',
      'fpk_a1b2c3d4e5f60718_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP+',
    ],
    [
      'a key with surrounding whitespace',
      ' fpk_a1b2c3d4e5f60718_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ ',
    ],
    ['a key with a trailing newline', 'fpk_a1b2c3d4e5f60718_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ\n'],
    ['a Bearer header value', 'Bearer fpk_a1b2c3d4e5f60718_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ'],
  ])('parses %s to undefined', (_name, key) => {
    expect(parseKey(key)).toBeUndefined();
  });

  it('parses a well-formed key that was not minted here', () => {
    expect(parseKey('fpk_a1b2c3d4e5f60718_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ')).toEqual({
      keyId: 'a1b2c3d4e5f60718',
      secret: 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ',
    });
  });

  it('parses arbitrary strings to undefined unless they have the exact key shape', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (value) => {
        const parsed = parseKey(value);
        if (/^fpk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/.test(value)) expect(parsed).toBeDefined();
        else expect(parsed).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });
});

describe('etagOf and etagMatches', () => {
  it('makes a strong ETag of the version number', () => {
    expect(etagOf(1)).toBe('"1"');
    expect(etagOf(42)).toBe('"42"');
  });

  it('matches its own ETag, a bare version number and the wildcard', () => {
    expect(etagMatches('"3"', 3)).toBe(true);
    expect(etagMatches('3', 3)).toBe(true);
    expect(etagMatches('*', 3)).toBe(true);
    expect(etagMatches(' "3" ', 3)).toBe(true);
  });

  it('matches when the version is anywhere in a list', () => {
    expect(etagMatches('"1", "2", "3"', 3)).toBe(true);
    expect(etagMatches('"1","3"', 3)).toBe(true);
    expect(etagMatches('"1", *', 3)).toBe(true);
  });

  it('does not match another version, a weak ETag, a prefix or an empty header', () => {
    expect(etagMatches('"2"', 3)).toBe(false);
    expect(etagMatches('"1", "2"', 3)).toBe(false);
    expect(etagMatches('W/"3"', 3)).toBe(false);
    expect(etagMatches('"33"', 3)).toBe(false);
    expect(etagMatches('"3', 3)).toBe(false);
    expect(etagMatches('', 3)).toBe(false);
  });

  it('matches exactly the versions whose ETag is listed', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 1000 }),
        (listed, version) => {
          const header = listed.map(etagOf).join(', ');
          expect(etagMatches(header, version)).toBe(listed.includes(version));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('hashRequest', () => {
  /** The same JSON value with the keys of every object in a shuffled order. */
  function reorder(value: unknown, order: number[]): unknown {
    if (Array.isArray(value)) return value.map((item) => reorder(item, order));
    if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value);
      const shuffled = entries
        .map((entry, index) => ({ entry, rank: order[index % order.length] ?? 0 }))
        .sort((a, b) => a.rank - b.rank)
        .map(({ entry: [key, inner] }) => [key, reorder(inner, order)] as const);
      return Object.fromEntries(shuffled);
    }
    return value;
  }

  it('gives the same hash whatever the key order', () => {
    expect(hashRequest({ a: 1, b: { c: [1, 2], d: 'x' } })).toBe(
      hashRequest({ b: { d: 'x', c: [1, 2] }, a: 1 }),
    );
  });

  it('gives a 64-character hex SHA-256', () => {
    expect(hashRequest({ a: 1 })).toMatch(/^[0-9a-f]{64}$/);
  });

  it('gives different hashes for different values, array orders and types', () => {
    expect(hashRequest({ a: 1 })).not.toBe(hashRequest({ a: 2 }));
    expect(hashRequest({ a: [1, 2] })).not.toBe(hashRequest({ a: [2, 1] }));
    expect(hashRequest({ a: '1' })).not.toBe(hashRequest({ a: 1 }));
    expect(hashRequest({ a: 1 })).not.toBe(hashRequest({ b: 1 }));
    expect(hashRequest({ a: { b: 1 } })).not.toBe(hashRequest({ 'a.b': 1 }));
    expect(hashRequest({})).not.toBe(hashRequest([]));
  });

  it('ignores key order for any JSON value', () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 4 }),
        fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 8 }),
        (value, order) => {
          expect(hashRequest(reorder(value, order))).toBe(hashRequest(value));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('distinguishes JSON values that serialise differently once keys are sorted', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), fc.jsonValue({ maxDepth: 3 }), (first, second) => {
        const sortedJson = (value: unknown): string => JSON.stringify(reorderSorted(value));
        fc.pre(sortedJson(first) !== sortedJson(second));
        expect(hashRequest(first)).not.toBe(hashRequest(second));
      }),
      { numRuns: 300 },
    );
  });

  function reorderSorted(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(reorderSorted);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([key, inner]) => [key, reorderSorted(inner)]),
      );
    }
    return value;
  }
});
