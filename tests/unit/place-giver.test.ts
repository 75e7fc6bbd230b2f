import { describe, expect, it } from 'vitest';
import { PlaceGiver } from '#shared/feeds/lookups.ts';

/** The directory counter as the table keeps it: places handed out in blocks, and every request counted. */
function counter() {
  const places = new Map<string, number>();
  const requests: { directory: string; count: number }[] = [];
  return {
    requests,
    places,
    async takePlaces(directory: string, count: number) {
      requests.push({ directory, count });
      const last = (places.get(directory) ?? 0) + count;
      places.set(directory, last);
      return last;
    },
  };
}

describe('places in a tag directory', () => {
  it('are reserved for a batch in one counter update per directory and handed out in order', async () => {
    const store = counter();
    const giver = new PlaceGiver(store);
    await giver.take('tags'); // place 1, before the batch
    await Promise.all([giver.reserve('tags', 40), giver.reserve('sources/a/tags', 3)]);
    const given = await Promise.all(Array.from({ length: 40 }, () => giver.take('tags')));
    expect(given).toEqual(Array.from({ length: 40 }, (_, i) => i + 2));
    expect(await giver.take('sources/a/tags')).toBe(1);
    expect(store.requests).toEqual([
      { directory: 'tags', count: 1 },
      { directory: 'tags', count: 40 },
      { directory: 'sources/a/tags', count: 3 },
    ]);
  });

  it('come from the counter once the reservation is spent, and never twice', async () => {
    const store = counter();
    const giver = new PlaceGiver(store);
    await giver.reserve('tags', 2);
    const given = await Promise.all(Array.from({ length: 5 }, () => giver.take('tags')));
    expect(new Set(given).size).toBe(5);
    expect(given.slice(0, 2)).toEqual([1, 2]);
    expect(Math.min(...given.slice(2))).toBeGreaterThan(2);
  });

  it('left unused by a batch are gaps: the next batch starts from the counter', async () => {
    const store = counter();
    const giver = new PlaceGiver(store);
    await giver.reserve('tags', 5);
    expect(await giver.take('tags')).toBe(1);
    giver.release();
    expect(await giver.take('tags')).toBe(6);
  });
});
