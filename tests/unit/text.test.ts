import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  collapseWhitespace,
  deepStripXmlInvalid,
  plainText,
  stripDiscouraged,
  stripMarkup,
  stripXmlInvalid,
  truncateText,
} from '../../shared/text.ts';

/** XML 1.0 `Char`: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]. */
function isXmlChar(codePoint: number): boolean {
  return (
    codePoint === 0x9 ||
    codePoint === 0xa ||
    codePoint === 0xd ||
    (codePoint >= 0x20 && codePoint <= 0xd7ff) ||
    (codePoint >= 0xe000 && codePoint <= 0xfffd) ||
    (codePoint >= 0x10000 && codePoint <= 0x10ffff)
  );
}

/** Whether every code point of `value` is allowed by XML 1.0; a lone surrogate iterates as its own code point. */
function isXmlSafe(value: string): boolean {
  for (const char of value) if (!isXmlChar(char.codePointAt(0) ?? -1)) return false;
  return true;
}

/** Any single UTF-16 code unit (so lone surrogates, controls, U+FFFE/U+FFFF) or any full code point. */
const anyUnit = fc.oneof(
  fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
  fc.constantFrom('\u0000', '\u0008', '\u000b', '\u000c', '\u001f', '\ufffe', '\uffff', '\ud800', '\udfff'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);
const messyString = fc.string({ unit: anyUnit, maxLength: 40 });
/** Strings made only of characters XML 1.0 allows, including astral characters such as emoji. */
const validString = fc.string({
  unit: fc.oneof(
    fc.constantFrom(
      '\t',
      '\n',
      '\r',
      'a',
      ' ',
      'é',
      'Ж',
      '😀',
      '👍🏽',
      '\ud7ff',
      '\ue000',
      '\ufffd',
      '\u{10ffff}',
    ),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((char) => isXmlSafe(char)),
  ),
  maxLength: 40,
});

const FORBIDDEN = [
  '\u0000',
  '\u0001',
  '\u0008',
  '\u000b',
  '\u000c',
  '\u000e',
  '\u001f',
  '\ufffe',
  '\uffff',
  '\ud800',
  '\udbff',
  '\udc00',
  '\udfff',
];

describe('stripXmlInvalid', () => {
  it.each(
    FORBIDDEN.map((char) => [`U+${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`, char]),
  )('removes %s wherever it appears', (_name, char) => {
    expect(stripXmlInvalid(`${char}a${char}b${char}`)).toBe('ab');
  });

  it('keeps tab, line feed and carriage return', () => {
    expect(stripXmlInvalid('a\tb\nc\rd')).toBe('a\tb\nc\rd');
  });

  it('keeps valid surrogate pairs such as emoji while dropping a lone half next to them', () => {
    expect(stripXmlInvalid('😀')).toBe('😀');
    expect(stripXmlInvalid('\ud83d😀\ude00')).toBe('😀');
    expect(stripXmlInvalid('\ud800\ud800\udc00')).toBe('\ud800\udc00');
    expect(stripXmlInvalid('\ud800\udc00\udc00')).toBe('\ud800\udc00');
  });

  it('removes a high and a low surrogate that are separated by a forbidden character without pairing them', () => {
    expect(stripXmlInvalid('\ud83d\u0000\ude00')).toBe('');
  });

  it('never returns a character that XML 1.0 forbids', () => {
    fc.assert(
      fc.property(messyString, (value) => {
        expect(isXmlSafe(stripXmlInvalid(value))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('removes exactly the forbidden code points and nothing else', () => {
    fc.assert(
      fc.property(messyString, (value) => {
        const expected = Array.from(value)
          .filter((char) => isXmlChar(char.codePointAt(0) ?? -1))
          .join('');
        expect(stripXmlInvalid(value)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('returns a string with only valid characters unchanged', () => {
    fc.assert(
      fc.property(validString, (value) => {
        expect(stripXmlInvalid(value)).toBe(value);
      }),
      { numRuns: 500 },
    );
  });
});

describe('deepStripXmlInvalid', () => {
  it('strips every string of nested objects and arrays, and leaves keys and other values alone', () => {
    const input = {
      'ti\u0000tle': 'A\u0001B',
      list: ['x\ufffe', 1, true, null, { 'k\uffff': ['\ud800y'] }],
      count: 3,
      flag: false,
      nothing: null,
    };
    expect(deepStripXmlInvalid(input)).toEqual({
      'ti\u0000tle': 'AB',
      list: ['x', 1, true, null, { 'k\uffff': ['y'] }],
      count: 3,
      flag: false,
      nothing: null,
    });
  });

  it('does not modify its input', () => {
    const input = { a: 'x\u0000', b: ['\u0001'] };
    deepStripXmlInvalid(input);
    expect(input).toEqual({ a: 'x\u0000', b: ['\u0001'] });
  });

  it('returns non-string scalars as they are', () => {
    expect(deepStripXmlInvalid(42)).toBe(42);
    expect(deepStripXmlInvalid(null)).toBeNull();
    expect(deepStripXmlInvalid(undefined)).toBeUndefined();
    expect(deepStripXmlInvalid('\u0000ok')).toBe('ok');
  });

  it('keeps a "__proto__" key of parsed JSON as an ordinary field instead of turning it into the prototype', () => {
    const out = deepStripXmlInvalid(JSON.parse('{"__proto__": {"polluted": "yes"}, "a": "b"}')) as Record<
      string,
      unknown
    >;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(out.polluted).toBeUndefined();
    expect(Object.keys(out).sort()).toEqual(['__proto__', 'a']);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toEqual({ polluted: 'yes' });
  });

  it('leaves no XML-invalid character in any string value of an arbitrary JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: anyUnit, maxDepth: 4 }), (value) => {
        for (const text of valuesIn(deepStripXmlInvalid(value))) expect(isXmlSafe(text)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('returns a JSON value with only valid strings equal to the original', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        expect(deepStripXmlInvalid(value)).toStrictEqual(value);
      }),
      { numRuns: 300 },
    );
  });
});

/** Every string value (not key) inside a JSON value. */
function valuesIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(valuesIn);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(valuesIn);
  return [];
}

describe('collapseWhitespace', () => {
  it('folds runs of spaces, tabs and line breaks into one space and trims the ends', () => {
    expect(collapseWhitespace('  Hello,\n\n\tworld  \r\n again ')).toBe('Hello, world again');
  });

  it('treats non-breaking and Unicode line separators as whitespace', () => {
    expect(collapseWhitespace('a\u00a0\u00a0b\u2028c\u3000d')).toBe('a b c d');
  });

  it('returns an empty string for whitespace only', () => {
    expect(collapseWhitespace(' \n\t ')).toBe('');
  });

  it('leaves no leading, trailing, doubled or non-space whitespace and is idempotent', () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.constantFrom('a', 'b', ' ', '\n', '\t', '\r', '\u00a0', '\u2003', 'é'),
          maxLength: 40,
        }),
        (value) => {
          const out = collapseWhitespace(value);
          expect(out).not.toMatch(/^\s|\s$|\s\s|[^\S ]/u);
          expect(collapseWhitespace(out)).toBe(out);
          expect(out.replace(/ /g, '')).toBe(value.replace(/\s/gu, ''));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('truncateText', () => {
  it('returns text that fits unchanged', () => {
    expect(truncateText('Short text.', 11)).toBe('Short text.');
    expect(truncateText('', 5)).toBe('');
  });

  it('cuts at the last word boundary and marks the cut with an ellipsis', () => {
    expect(truncateText('The quick brown fox jumps over the lazy dog', 18)).toBe('The quick brown…');
  });

  it('drops punctuation left dangling before the ellipsis', () => {
    expect(truncateText('Hello, world, and more words here', 14)).toBe('Hello, world…');
  });

  it('cuts inside a word when the last boundary is too early', () => {
    expect(truncateText('Supercalifragilistic expialidocious', 10)).toBe('Supercali…');
  });

  it('counts astral characters such as emoji as one character and never splits them', () => {
    const out = truncateText('😀😀😀😀😀😀', 4);
    expect(out).toBe('😀😀😀…');
    expect(Array.from(out)).toHaveLength(4);
  });

  it('is never longer than the maximum, ends with an ellipsis when cut and keeps a prefix of the input', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', 'B', ' ', '.', ',', '—', '😀', 'ж', '\n'), maxLength: 60 }),
        fc.integer({ min: 1, max: 50 }),
        (value, max) => {
          const out = truncateText(value, max);
          const length = Array.from(out).length;
          expect(length).toBeLessThanOrEqual(max);
          if (Array.from(value).length <= max) {
            expect(out).toBe(value);
          } else {
            expect(out.endsWith('…')).toBe(true);
            expect(value.startsWith(out.slice(0, -1))).toBe(true);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('truncateText at a word that fits exactly', () => {
  it('keeps the last word when the space after it falls just past the cut', () => {
    expect(truncateText('The quick brown fox jumps over the lazy dog', 20)).toBe('The quick brown fox…');
  });
});

describe('plainText', () => {
  /** Pieces of markup and of text that only looks like it. */
  const piece = fc.oneof(
    fc.constantFrom('<', '>', '/', '&', ';', '#', '=', '"', "'", ' ', '!--', '-->'),
    fc.constantFrom(
      'b',
      'p',
      'script',
      'a href="x"',
      'br',
      'templates',
      'int',
      'lt',
      'gt',
      'amp',
      '60',
      'x',
      '3',
    ),
  );
  const markupLike = fc.array(piece, { maxLength: 30 }).map((pieces) => pieces.join(''));

  it('leaves no comment and no end tag of an HTML element, however the pieces combine', () => {
    fc.assert(
      fc.property(markupLike, (value) => {
        expect(plainText(value)).not.toMatch(/<\/(b|p|script|a|br)\s*>|<!--[\s\S]*?-->/i);
      }),
    );
  });

  it('changes no text without < or & but its whitespace', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (value) => {
        fc.pre(!value.includes('<') && !value.includes('&'));
        expect(plainText(value)).toBe(collapseWhitespace(value));
      }),
    );
  });

  it('is done with markup after one call: stripping again changes nothing', () => {
    fc.assert(
      fc.property(markupLike, (value) => {
        const once = stripMarkup(value);
        expect(stripMarkup(once)).toBe(once);
      }),
    );
  });

  it('reads a 4,000-character run of nested tags in well under a second', () => {
    const nested = `${'<'.repeat(1000)}<b></b>${'/b>'.repeat(1000)}`;
    const started = performance.now();
    expect(plainText(nested)).toBe('');
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('stripDiscouraged', () => {
  it('removes C1 controls and U+FFFD, which validators flag, and nothing else', () => {
    expect(stripDiscouraged('a\u0085b\u0092c\uFFFDd é 中 😀')).toBe('abcd é 中 😀');
  });
});
