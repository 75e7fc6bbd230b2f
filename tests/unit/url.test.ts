import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSubmission } from '../../shared/articles/submission.ts';
import { toUri } from '../../shared/url.ts';

/** RFC 3986 URI characters, with every `%` starting an escape. */
const RFC3986 =
  /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[A-Za-z0-9\-._~!$&'()*+,;=:@[\]%]*(?:[/?#][A-Za-z0-9\-._~!$&'()*+,;=:@/?#%]*)?$/;

describe('toUri', () => {
  it.each([
    ['https://thegaze.example/a|b', 'https://thegaze.example/a%7Cb'],
    ['https://thegaze.example/news?q={a}', 'https://thegaze.example/news?q=%7Ba%7D'],
    ['https://thegaze.example/x?a=[1]', 'https://thegaze.example/x?a=%5B1%5D'],
    ['https://thegaze.example/x^y', 'https://thegaze.example/x%5Ey'],
    ['https://thegaze.example/100%', 'https://thegaze.example/100%25'],
    ['https://thegaze.example/ok%20fine?x=1&y=2#top', 'https://thegaze.example/ok%20fine?x=1&y=2#top'],
    ['https://münchen.example/straße', 'https://xn--mnchen-3ya.example/stra%C3%9Fe'],
  ])('writes %s as the strict URI %s', (input, expected) => {
    expect(toUri(new URL(input))).toBe(expected);
  });

  it('always gives a strict RFC 3986 URI that parses back to the same URL', () => {
    fc.assert(
      fc.property(
        fc.webUrl({ withQueryParameters: true, withFragments: true }),
        fc.string({ unit: 'binary', maxLength: 10 }),
        fc.string({ unit: 'binary', maxLength: 10 }),
        (base, path, fragment) => {
          const url = new URL(base);
          url.pathname += path;
          url.hash = fragment;
          const uri = toUri(url);
          expect(uri).toMatch(RFC3986);
          // Already strict: encoding again changes nothing.
          expect(toUri(new URL(uri))).toBe(uri);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is what the API stores for article links', () => {
    const submission = parseSubmission(
      {
        source: 'the-gaze',
        title: 't',
        url: 'https://thegaze.example/a|b?q={x}',
        contentHtml: '<a href="/p^q">x</a>',
      },
      Date.now(),
    );
    expect(submission.url).toBe('https://thegaze.example/a%7Cb?q=%7Bx%7D');
    expect(submission.contentHtml).toBe('<a href="https://thegaze.example/p%5Eq">x</a>');
  });
});
