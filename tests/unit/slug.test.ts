import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSlug, toSlug } from '../../shared/slug.ts';

const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** Labels with the characters that matter to slugs: separators, path characters, homoglyphs, non-Latin scripts. */
const labelish = fc.string({
  unit: fc.oneof(
    fc.constantFrom(
      ' ',
      '-',
      '_',
      '.',
      '/',
      '\\',
      '%',
      '&',
      '~',
      '?',
      '#',
      "'",
      '"',
      '\u0000',
      '\n',
      '\u00a0',
    ),
    fc.constantFrom('a', 'Z', '7', 'é', 'ß', 'е', 'і', 'ї', 'Ж', 'Київ', '東京', '😀', 'İ', 'ﬁ', 'Æ'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  ),
  maxLength: 120,
});

describe('toSlug', () => {
  it.each([
    ['Financial Times', 'financial-times'],
    ['Київ', 'kiyiv'],
    ['!!!', ''],
    ['', ''],
    ['../../x', 'x'],
    ['a/b', 'a-b'],
    ['%2e%2e', '2e-2e'],
    ['thе-gaze', 'the-gaze'],
    ['  Donald   Trump  ', 'donald-trump'],
    ['Foo & Bar', 'foo-and-bar'],
    ['NATO', 'nato'],
    ["Conway's Law", 'conways-law'],
    ['Don\u2019t Panic', 'dont-panic'],
    ['Zürich', 'zuerich'],
    ['Zu\u0308rich', 'zuerich'],
    ['Łódź', 'lodz'],
    ['Ærø', 'aero'],
    ['Þingvellir', 'thingvellir'],
    ['İstanbul', 'istanbul'],
    ['Việt Nam', 'viet-nam'],
    ['São Paulo', 'sao-paulo'],
    ['Москва', 'moskva'],
    ['Ђоковић', 'djokovic'],
    ['Беларусь', 'belarus'],
    ['Αθήνα', 'athina'],
    ['ΕΛΛΆΔΑ', 'ellada'],
    ['\uFF34\uFF28\uFF25-\uFF27\uFF21\uFF3A\uFF25', 'the-gaze'],
    ['\uFB01nance', 'finance'],
    ['東京', ''],
    ['\u0627\u0644\u0639\u0631\u0628\u064A\u0629', ''],
    ['😀', ''],
  ])('turns %j into %j', (label, slug) => {
    expect(toSlug(label)).toBe(slug);
  });

  it('turns a Cyrillic homoglyph into the same slug as the Latin spelling', () => {
    // The "е" in the first label is U+0435 CYRILLIC SMALL LETTER IE.
    expect('thе-gaze').not.toBe('the-gaze');
    expect(toSlug('thе-gaze')).toBe(toSlug('the-gaze'));
  });

  it('gives a label the same slug however its accents are encoded (composed or decomposed)', () => {
    fc.assert(
      fc.property(labelish, (label) => {
        expect(toSlug(label.normalize('NFD'))).toBe(toSlug(label.normalize('NFC')));
      }),
      { numRuns: 500 },
    );
  });

  it('gives a name in fullwidth letters the slug of the name', () => {
    const fullwidth = (text: string) =>
      text.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'abcXYZ019 -_&.'.split('')), maxLength: 40 }),
        (name) => {
          expect(toSlug(fullwidth(name))).toBe(toSlug(name));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('cuts long labels to 80 characters without leaving a trailing hyphen', () => {
    expect(toSlug('x'.repeat(100))).toBe('x'.repeat(80));
    const slug = toSlug(`${'a'.repeat(79)} b`);
    expect(slug).toBe('a'.repeat(79));
    expect(isSlug(slug)).toBe(true);
  });

  it('returns an empty string or a path-safe slug of at most 80 characters for any input', () => {
    fc.assert(
      fc.property(fc.oneof(labelish, fc.string({ unit: 'binary', maxLength: 200 })), (label) => {
        const slug = toSlug(label);
        if (slug === '') return;
        expect(slug).toMatch(SLUG);
        expect(slug.length).toBeLessThanOrEqual(80);
        expect(slug).not.toMatch(/[/.%]/);
        expect(isSlug(slug)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(labelish, (label) => {
        const slug = toSlug(label);
        expect(toSlug(slug)).toBe(slug);
      }),
      { numRuns: 500 },
    );
  });
});

describe('isSlug', () => {
  it.each(['a', 'financial-times', '2025', 'a-1-b', 'x'.repeat(80)])('accepts %j', (value) => {
    expect(isSlug(value)).toBe(true);
  });

  it.each(['', 'A', 'a--b', '-a', 'a-', 'a_b', 'a.b', 'a/b', '%2e', 'é', 'x'.repeat(81)])(
    'rejects %j',
    (value) => {
      expect(isSlug(value)).toBe(false);
    },
  );
});
