/**
 * A source's partner profiles in the registry: only known names, each once, in one order; an update replaces the
 * list, and an empty one removes it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memoryAdapters } from '#shared/adapters/memory/index.ts';
import { PROFILE_NAMES } from '#shared/feeds/profiles/names.ts';
import { Registry } from '#shared/registry.ts';

const base = { slug: 'the-gaze', name: 'The Gaze', homepageUrl: 'https://thegaze.example/' };
const registry = () => new Registry(memoryAdapters().registry);

describe('a source’s partner profiles in the registry', () => {
  it('keeps known names once each, sorted, and leaves a source without them as it was', async () => {
    const r = registry();
    expect(await r.addSource(base)).not.toHaveProperty('profiles');
    expect(await r.addSource({ ...base, profiles: [] })).not.toHaveProperty('profiles');
    const source = await r.addSource({ ...base, profiles: ['smartnews', 'msn', ' smartnews', 'msn'] });
    expect(source.profiles).toEqual(['msn', 'smartnews']);
    expect((await r.listSources())[0]?.profiles).toEqual(['msn', 'smartnews']);
  });

  it('keeps any selection of known names as its sorted set', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...PROFILE_NAMES), { maxLength: 8 }), async (names) => {
        const source = await registry().addSource({ ...base, profiles: names });
        const expected = [...new Set(names)].sort();
        expect(source.profiles ?? []).toEqual(expected);
      }),
      { numRuns: 50 },
    );
  });

  it.each([['google'], ['MSN'], ['msn', 'full text'], ['../msn']])(
    'refuses %o, naming the known profiles',
    async (...names) => {
      await expect(registry().addSource({ ...base, profiles: names })).rejects.toThrow(
        /--profiles must name profiles among msn, smartnews, flipboard, full-text/,
      );
    },
  );

  it('updates the list only when given, and an empty list removes it', async () => {
    const r = registry();
    await r.addSource({ ...base, profiles: ['msn'], logoUrl: 'https://thegaze.example/logo.png' });
    const { after: renamed } = await r.updateSource('the-gaze', { name: 'The Gaze, renamed' });
    expect(renamed.profiles).toEqual(['msn']);
    const { after } = await r.updateSource('the-gaze', { profiles: ['flipboard', 'smartnews'] });
    expect(after.profiles).toEqual(['flipboard', 'smartnews']);
    expect(after.logoUrl).toBe('https://thegaze.example/logo.png');
    const { after: cleared } = await r.updateSource('the-gaze', { profiles: [''] });
    expect(cleared).not.toHaveProperty('profiles');
    expect(cleared.logoUrl).toBe('https://thegaze.example/logo.png');
  });
});
