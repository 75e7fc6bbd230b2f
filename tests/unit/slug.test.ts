import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  archivePagePartition,
  feedStateKey,
  membershipKey,
  tagCountKey,
} from '../../shared/adapters/dynamodb/layout.ts';
import { feedObjects } from '../../shared/feeds/channel.ts';
import { feedIdFor } from '../../shared/feeds/feed-ids.ts';
import { isSlug, isTagSlug, MAX_SLUG_CHARS, tagSlug, toSlug, urlPath } from '../../shared/slug.ts';
import { SCRIPTS } from '../support/scripts.ts';

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
        if (made.slug !== undefined && /^\p{ASCII}*$/u.test(made.slug)) expect(made.slug).toBe(ascii);
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

describe('the longest slugs', () => {
  it('fit S3 keys (1,024 bytes) and DynamoDB keys (2,048 bytes a partition key, 1,024 a sort key)', () => {
    // 80 characters of four UTF-8 bytes each, for the source as for the tag: the worst a key can hold.
    const tag = '\u{20000}'.repeat(MAX_SLUG_CHARS);
    const source = 'a'.repeat(MAX_SLUG_CHARS);
    expect(tagSlug(tag)).toEqual({ slug: tag });
    const feed = feedIdFor({ source, tag });
    const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
    const deepest = feedObjects(`${feed}/archive/999999`);
    for (const { key } of Object.values(deepest)) expect(bytes(key)).toBeLessThanOrEqual(1_024);
    const membership = membershipKey(feed, {
      publishedAt: '2026-11-30T07:00:00.000Z',
      id: crypto.randomUUID(),
    });
    expect(bytes(membership.pk)).toBeLessThanOrEqual(2_048);
    expect(bytes(membership.sk)).toBeLessThanOrEqual(1_024);
    const state = feedStateKey(`${feed}/archive`);
    expect(bytes(state.pk)).toBeLessThanOrEqual(2_048);
    expect(bytes(state.sk)).toBeLessThanOrEqual(1_024);
    expect(bytes(tagCountKey(source, tag).sk)).toBeLessThanOrEqual(1_024);
    expect(bytes(archivePagePartition(feed))).toBeLessThanOrEqual(2_048);
    // And a URL of it stays well within what servers and CDNs take (8 KB request lines).
    expect(`https://feeds.example/feeds/${urlPath(feed)}/archive/999999/index.html`.length).toBeLessThan(
      2_048,
    );
  });
});
