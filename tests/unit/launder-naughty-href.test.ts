import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BUNDLE_REDIRECTS } from '../../infra/house-function.ts';

const require = createRequire(import.meta.url);
type NaughtyHref = (
  href: unknown,
  options?: { allowedSchemes?: string[]; allowProtocolRelative?: boolean },
) => boolean;
const packaged: NaughtyHref = require(
  require.resolve('launder', { paths: [require.resolve('sanitize-html')] }),
).naughtyHref;
const copy: NaughtyHref = require(BUNDLE_REDIRECTS.launder as string).naughtyHref;

/** Pieces of hrefs that hostile markup combines: schemes in any case, control characters, comments, slashes. */
const piece = fc.constantFrom(
  'javascript:',
  'JaVaScRiPt:',
  'java\tscript:',
  'java\u0000script:',
  ' ',
  '\n',
  '<!--',
  '-->',
  'data:',
  'vbscript:',
  'http:',
  'https:',
  'mailto:',
  '//',
  '\\\\',
  '/\\',
  'a',
  ':',
  '+',
  '.',
  '-',
  'é',
  '%3A',
);
const href = fc.oneof(
  fc.string(),
  fc.array(piece, { maxLength: 8 }).map((parts) => parts.join('')),
);
const options = fc.option(
  fc.record(
    {
      allowedSchemes: fc.subarray(['http', 'https', 'mailto', 'ftp', 'tel', 'data']),
      allowProtocolRelative: fc.boolean(),
    },
    { requiredKeys: [] },
  ),
  { nil: undefined },
);

describe("the bundles' copy of launder's naughtyHref", () => {
  it('answers as the package does for any href and options', () => {
    fc.assert(
      fc.property(href, options, (value, opts) => {
        expect(copy(value, opts)).toBe(packaged(value, opts));
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses the schemes hostile markup uses, as the package does', () => {
    for (const value of [
      'javascript:alert(1)',
      ' java\tscript:x',
      'java<!-- -->script:x',
      'data:text/html,x',
    ])
      expect([
        copy(value, { allowedSchemes: ['http', 'https'] }),
        packaged(value, { allowedSchemes: ['http', 'https'] }),
      ]).toEqual([true, true]);
    expect(copy(42)).toBe(false);
  });
});
