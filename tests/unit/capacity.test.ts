/**
 * DynamoDB's capacity rules (shared/adapters/dynamodb/capacity.ts), which the bench prices transactions with, and the
 * cache of version items (version-cache.ts) the regenerator keeps across batches.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { itemBytes, transactWriteUnits, writeUnits } from '#shared/adapters/dynamodb/capacity.ts';
import { VersionCache } from '#shared/adapters/dynamodb/version-cache.ts';

const item = (kilobytes: number, sk = '1') => ({ pk: 'p', sk, body: 'x'.repeat(kilobytes * 1024 - 12) });

describe('write units of a transaction', () => {
  it('charges 2 units per KB of each item put, whatever the number of items', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 25 }), (sizes) => {
        const items = sizes.map((kilobytes, i) => ({ Put: { Item: item(kilobytes, String(i)) } }));
        for (const [i, kilobytes] of sizes.entries())
          expect(itemBytes(items[i]?.Put.Item as Record<string, unknown>)).toBeLessThanOrEqual(
            kilobytes * 1024,
          );
        expect(transactWriteUnits(items)).toBe(sizes.reduce((sum, kilobytes) => sum + 2 * kilobytes, 0));
      }),
    );
  });

  it('charges an update, delete or condition check at least 2 units, more for what it writes', () => {
    expect(
      transactWriteUnits([
        { Update: { Key: { pk: 'count', sk: 'a' }, ExpressionAttributeValues: { ':one': 1 } } },
        { Delete: { Key: { pk: 'due', sk: 'b' } } },
        { ConditionCheck: { Key: { pk: 'source', sk: 'c' } } },
      ]),
    ).toBe(6);
    expect(
      transactWriteUnits([
        {
          Update: { Key: { pk: 'state', sk: 'a' }, ExpressionAttributeValues: { ':body': 'y'.repeat(3000) } },
        },
      ]),
    ).toBe(6);
  });

  it('rounds each item up to the next KB, twice in a transaction', () => {
    expect(writeUnits(1, true)).toBe(2);
    expect(writeUnits(1024, false)).toBe(1);
    expect(writeUnits(1025, false)).toBe(2);
  });
});

describe('the version cache', () => {
  it('gives back what it kept, and lets the least recently used go past its size', () => {
    const one = itemBytes(item(1, 'a'));
    const cache = new VersionCache(3 * one);
    cache.set('a', item(1, 'a'));
    cache.set('b', item(1, 'b'));
    cache.set('c', item(1, 'c'));
    expect(cache.size).toBe(3 * one);
    expect(cache.get('a')?.sk).toBe('a');
    cache.set('d', item(1, 'd'));
    // b was the least recently used: a was read after it was kept.
    expect(cache.get('b')).toBeUndefined();
    expect(['a', 'c', 'd'].map((key) => cache.get(key)?.sk)).toEqual(['a', 'c', 'd']);
    expect(cache.size).toBe(3 * one);
  });

  it('never holds more than its size, and keeps nothing larger than it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), fc.integer({ min: 1, max: 6 }))),
        (writes) => {
          const cache = new VersionCache(8 * 1024);
          for (const [key, kilobytes] of writes) {
            cache.set(key, item(kilobytes, key));
            expect(cache.size).toBeLessThanOrEqual(8 * 1024);
            // The newest is always kept: it fits on its own.
            expect(cache.get(key)?.body).toBe(item(kilobytes, key).body);
          }
        },
      ),
    );
    const cache = new VersionCache(1024);
    cache.set('big', item(2));
    expect(cache.get('big')).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
