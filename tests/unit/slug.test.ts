import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSlug, isTagSlug, MAX_SLUG_CHARS, tagSlug, toSlug, urlPath } from '../../shared/slug.ts';

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

/**
 * Tags in every script, pinned to their slugs and to the path of their feed in a URL: a slug is part of every feed
 * URL and key, so a change here moves feeds. Labels spelt in Latin (Latin, Cyrillic, Greek) keep the ASCII slugs
 * they always had; any other script keeps its letters, percent-encoded in URLs.
 */
const SCRIPTS: [script: string, label: string, slug: string, path: string][] = [
  ['Latin', 'Donald Trump', 'donald-trump', 'tags/donald-trump'],
  ['Latin with marks', 'Élysée Palace', 'elysee-palace', 'tags/elysee-palace'],
  ['Cyrillic', 'Москва', 'moskva', 'tags/moskva'],
  ['Greek', 'Ελλάδα 2024', 'ellada-2024', 'tags/ellada-2024'],
  ['Han (Chinese)', '中国', '中国', 'tags/%E4%B8%AD%E5%9B%BD'],
  [
    'Han and Katakana (Japanese)',
    '東京オリンピック',
    '東京オリンピック',
    'tags/%E6%9D%B1%E4%BA%AC%E3%82%AA%E3%83%AA%E3%83%B3%E3%83%94%E3%83%83%E3%82%AF',
  ],
  ['Hangul (Korean)', '한국', '한국', 'tags/%ED%95%9C%EA%B5%AD'],
  ['Hangul and Latin', '서울 Seoul', '서울-seoul', 'tags/%EC%84%9C%EC%9A%B8-seoul'],
  ['Arabic', 'العربية', 'العربية', 'tags/%D8%A7%D9%84%D8%B9%D8%B1%D8%A8%D9%8A%D8%A9'],
  [
    'Arabic with Arabic-Indic digits',
    '٢٠٢٤ انتخابات',
    '٢٠٢٤-انتخابات',
    'tags/%D9%A2%D9%A0%D9%A2%D9%A4-%D8%A7%D9%86%D8%AA%D8%AE%D8%A7%D8%A8%D8%A7%D8%AA',
  ],
  [
    'Persian, with a zero-width non-joiner',
    'می\u200cخواهم',
    'میخواهم',
    'tags/%D9%85%DB%8C%D8%AE%D9%88%D8%A7%D9%87%D9%85',
  ],
  ['Hebrew', 'ישראל', 'ישראל', 'tags/%D7%99%D7%A9%D7%A8%D7%90%D7%9C'],
  ['Devanagari (Hindi)', 'भारत', 'भारत', 'tags/%E0%A4%AD%E0%A4%BE%E0%A4%B0%E0%A4%A4'],
  [
    'Bengali',
    'বাংলাদেশ',
    'বাংলাদেশ',
    'tags/%E0%A6%AC%E0%A6%BE%E0%A6%82%E0%A6%B2%E0%A6%BE%E0%A6%A6%E0%A7%87%E0%A6%B6',
  ],
  [
    'Tamil',
    'தமிழ்நாடு',
    'தமிழ்நாடு',
    'tags/%E0%AE%A4%E0%AE%AE%E0%AE%BF%E0%AE%B4%E0%AF%8D%E0%AE%A8%E0%AE%BE%E0%AE%9F%E0%AF%81',
  ],
  [
    'Thai',
    'ประเทศไทย',
    'ประเทศไทย',
    'tags/%E0%B8%9B%E0%B8%A3%E0%B8%B0%E0%B9%80%E0%B8%97%E0%B8%A8%E0%B9%84%E0%B8%97%E0%B8%A2',
  ],
  [
    'Georgian',
    'საქართველო',
    'საქართველო',
    'tags/%E1%83%A1%E1%83%90%E1%83%A5%E1%83%90%E1%83%A0%E1%83%97%E1%83%95%E1%83%94%E1%83%9A%E1%83%9D',
  ],
  ['Armenian, lower-cased', 'Հայաստան', 'հայաստան', 'tags/%D5%B0%D5%A1%D5%B5%D5%A1%D5%BD%D5%BF%D5%A1%D5%B6'],
  ['Ethiopic (Amharic)', 'ኢትዮጵያ', 'ኢትዮጵያ', 'tags/%E1%8A%A2%E1%89%B5%E1%8B%AE%E1%8C%B5%E1%8B%AB'],
  [
    'Fullwidth Latin with Han',
    '\uFF34\uFF2F\uFF2B\uFF39\uFF2F 東京',
    'tokyo-東京',
    'tags/tokyo-%E6%9D%B1%E4%BA%AC',
  ],
  [
    'Cyrillic with Han: every letter kept',
    'Россия и 中国',
    'россия-и-中国',
    'tags/%D1%80%D0%BE%D1%81%D1%81%D0%B8%D1%8F-%D0%B8-%E4%B8%AD%E5%9B%BD',
  ],
];

describe('tagSlug', () => {
  it.each(SCRIPTS)('gives a %s label (%j) the slug %j, at %j', (_script, label, slug, path) => {
    expect(tagSlug(label)).toEqual({ slug });
    expect(urlPath(`tags/${slug}`)).toBe(path);
    // A URL carries it percent-encoded, and reads back to the same slug.
    expect(decodeURIComponent(path.slice('tags/'.length))).toBe(slug);
    expect(isTagSlug(slug)).toBe(true);
  });

  it('keeps every slug a Latin, Cyrillic or Greek label had: it is toSlug, cut to nothing', () => {
    fc.assert(
      fc.property(labelish, (label) => {
        const made = tagSlug(label);
        const ascii = toSlug(label);
        if (made.slug !== undefined && /^[\x00-\x7f]*$/.test(made.slug)) expect(made.slug).toBe(ascii);
      }),
    );
  });

  it('refuses symbols and emoji alone, and a slug longer than 80 characters, never cutting it', () => {
    for (const label of ['😀🎉', '!!!', '—', '\u200d', '♥ ★'])
      expect(tagSlug(label), label).toEqual({
        problem: 'must contain a letter or digit that can form a slug',
      });
    expect(tagSlug('中'.repeat(MAX_SLUG_CHARS)).slug).toBe('中'.repeat(MAX_SLUG_CHARS));
    expect(tagSlug('中'.repeat(MAX_SLUG_CHARS + 1)).problem).toMatch(/^makes a slug of 81 characters/);
    expect(tagSlug(`${'word '.repeat(17)}x`).problem).toMatch(/^makes a slug of 86 characters/);
  });

  it('gives any label a path-safe slug or a reason, and a slug is its own slug', () => {
    const anyScript = fc.string({
      unit: fc.oneof(
        fc.constantFrom(
          '中',
          'ا',
          'ש',
          'भ',
          'ा',
          '한',
          'ก',
          'ж',
          'é',
          'Z',
          '7',
          '٣',
          '\u200c',
          ' ',
          '-',
          '/',
          '.',
          '%',
          '😀',
        ),
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
      ),
      maxLength: 60,
    });
    fc.assert(
      fc.property(anyScript, (label) => {
        const made = tagSlug(label);
        if (made.slug === undefined) return;
        expect(isTagSlug(made.slug)).toBe(true);
        expect(made.slug).not.toMatch(/[/.%\s]/u);
        expect([...made.slug].length).toBeLessThanOrEqual(MAX_SLUG_CHARS);
        expect(tagSlug(made.slug)).toEqual({ slug: made.slug });
      }),
    );
  });

  it('keeps labels that differ by more than case, width and punctuation apart', () => {
    expect(tagSlug('中国').slug).not.toBe(tagSlug('中國').slug);
    expect(tagSlug('Tokyo 東京').slug).not.toBe(tagSlug('Tokyo').slug);
    expect(tagSlug('العربية!').slug).toBe(tagSlug('العربية').slug);
    expect(tagSlug('ＳＥＯＵＬ 서울').slug).toBe(tagSlug('seoul 서울').slug);
  });
});
