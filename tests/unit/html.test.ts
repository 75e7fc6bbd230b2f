import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { absoluteHttpUrl, htmlToText, sanitizeContentHtml } from '../../shared/html.ts';
import { stripXmlInvalid } from '../../shared/text.ts';

const BASE = 'https://thegaze.example/news/story';

const clean = (html: string) => sanitizeContentHtml(html, BASE);

const DANGEROUS = [
  '<script>alert(1)</script>',
  '<SCRIPT SRC=https://evil.example/x.js></SCRIPT>',
  '<scr<script>ipt>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '<img src="/a.png" onerror="alert(1)">',
  '<p onclick="alert(1)">click</p>',
  '<a href="#" onmouseover=alert(1)>hover</a>',
  '<body onload=alert(1)>',
  '<iframe src="https://evil.example/"></iframe>',
  '<IFRAME SRC=javascript:alert(1)>',
  '<svg onload=alert(1)><circle r="1"/></svg>',
  '<svg/onload=alert(1)>',
  '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
  '<p style="width: expression(alert(1))">styled</p>',
  '<style>p { background: url(javascript:alert(1)) }</style>',
  '<a href="java&#x09;script:alert(1)">tab</a>',
  '<a href="jav&#x0A;ascript:alert(1)">newline</a>',
  '<a href="&#106;avascript:alert(1)">entity</a>',
  '<a href="javascript:alert(1)">js</a>',
  '<a href=" JaVaScRiPt:alert(1)">mixed</a>',
  '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>',
  '<img src="data:image/svg+xml,<svg onload=alert(1)>">',
  '<object data="javascript:alert(1)"></object>',
  '<embed src="javascript:alert(1)">',
  '<form action="javascript:alert(1)"><button>go</button></form>',
  '<input onfocus=alert(1) autofocus>',
  '<details open ontoggle=alert(1)>',
  '<blockquote cite="javascript:alert(1)">q</blockquote>',
  '<a href="vbscript:msgbox(1)">vb</a>',
  '<!--<script>alert(1)</script>-->',
  '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
  '"><script>alert(1)</script>',
  "'><img src=x onerror=alert(1)>",
];

/** Each tag of sanitised output (sanitize-html escapes `<` and `>` inside text and attribute values). */
function tagsOf(html: string): string[] {
  return html.match(/<[^>]*>/g) ?? [];
}

/** The attributes of one tag as sanitize-html writes them: `name="value"`. */
function attributesOf(tag: string): [string, string][] {
  return Array.from(tag.matchAll(/\s([^\s=/>]+)(?:="([^"]*)")?/g), (match) => [
    (match[1] ?? '').toLowerCase(),
    match[2] ?? '',
  ]);
}

describe('sanitizeContentHtml', () => {
  it('leaves the text of a style element swallowed by a bogus comment as escaped, inert text', () => {
    const out = clean('<?<style>p { background: url(javascript:alert(1)) }</style>');
    expect(out).toBe('p { background: url(javascript:alert(1)) }');
    expect(tagsOf(out)).toEqual([]);
  });

  it('turns a relative href that merely spells javascript: in its path into an inert http URL', () => {
    expect(clean('<a href="x javascript:alert(1)">t</a>')).toBe(
      '<a href="https://thegaze.example/news/x%20javascript:alert(1)">t</a>',
    );
  });

  it('removes script elements together with their content', () => {
    const out = clean('<p>Before</p><script>alert("x")</script><p>After</p>');
    expect(out).toBe('<p>Before</p><p>After</p>');
  });

  it('removes event handler attributes but keeps the element', () => {
    expect(clean('<p onclick="alert(1)">Text</p>')).toBe('<p>Text</p>');
    expect(clean('<img src="https://img.example/a.png" onerror="alert(1)" alt="A">')).toBe(
      '<img src="https://img.example/a.png" alt="A" />',
    );
  });

  it('removes iframes and their content', () => {
    expect(clean('<p>a</p><iframe src="https://evil.example/">fallback</iframe><p>b</p>')).toBe(
      '<p>a</p><p>b</p>',
    );
  });

  it('removes an svg with an onload handler and everything inside it', () => {
    expect(clean('<svg onload="alert(1)"><p>inside</p></svg><p>outside</p>')).toBe('<p>outside</p>');
  });

  it('removes style attributes, including ones with expression()', () => {
    expect(clean('<p style="width: expression(alert(1))">styled</p>')).toBe('<p>styled</p>');
    expect(clean('<p style="color: red">red</p>')).toBe('<p>red</p>');
  });

  it('drops an href whose javascript: scheme is hidden by an encoded tab', () => {
    expect(clean('<a href="java&#x09;script:alert(1)">x</a>')).toBe('<a>x</a>');
  });

  it.each([
    'javascript:alert(1)',
    'JAVASCRIPT:alert(1)',
    '  javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:msgbox(1)',
  ])('drops the href %j', (href) => {
    expect(clean(`<a href="${href.replace(/"/g, '&quot;')}">link</a>`)).toBe('<a>link</a>');
  });

  it('drops an image whose only source is a data: or javascript: URL', () => {
    expect(clean('<p>x</p><img src="data:image/png;base64,AAAA"><img src="javascript:alert(1)">')).toBe(
      '<p>x</p>',
    );
  });

  it('makes relative links and image sources absolute against the base URL', () => {
    expect(clean('<a href="../about">About</a>')).toBe('<a href="https://thegaze.example/about">About</a>');
    expect(clean('<a href="/contact?x=1#top">C</a>')).toBe(
      '<a href="https://thegaze.example/contact?x=1#top">C</a>',
    );
    expect(clean('<img src="images/a.png" alt="A">')).toBe(
      '<img src="https://thegaze.example/news/images/a.png" alt="A" />',
    );
    expect(clean('<blockquote cite="/source">Q</blockquote>')).toBe(
      '<blockquote cite="https://thegaze.example/source">Q</blockquote>',
    );
  });

  it('keeps absolute http(s) and mailto links as they are', () => {
    expect(clean('<a href="https://www.ft.com/">FT</a>')).toBe('<a href="https://www.ft.com/">FT</a>');
    expect(clean('<a href="mailto:desk@thegaze.example">Mail</a>')).toBe(
      '<a href="mailto:desk@thegaze.example">Mail</a>',
    );
  });

  it('does not allow a mailto: image source', () => {
    expect(clean('<p>t</p><img src="mailto:a@b.example">')).toBe('<p>t</p>');
  });

  it('keeps allowed structural and inline markup', () => {
    const html =
      '<h2>Title</h2><p><strong>Bold</strong> <em>it</em> <code>x</code></p>' +
      '<ul><li>one</li></ul><blockquote>quote</blockquote>' +
      '<table><tr><td colspan="2">cell</td></tr></table><time datetime="2025-07-16">today</time>';
    const out = clean(html);
    for (const fragment of [
      '<h2>Title</h2>',
      '<strong>Bold</strong>',
      '<em>it</em>',
      '<code>x</code>',
      '<ul><li>one</li></ul>',
      '<blockquote>quote</blockquote>',
      '<td colspan="2">cell</td>',
      '<time datetime="2025-07-16">today</time>',
    ]) {
      expect(out).toContain(fragment);
    }
  });

  it('unwraps disallowed but harmless elements and keeps their text', () => {
    expect(clean('<div><span class="x">Hello</span></div>')).toBe('Hello');
  });

  it('keeps curly quotes, apostrophes and em dashes as characters', () => {
    expect(clean('<p>“make them feel the pain” — He’s working</p>')).toBe(
      '<p>“make them feel the pain” — He’s working</p>',
    );
  });

  it('escapes markup-like text instead of letting it become markup', () => {
    expect(clean('<p>1 &lt; 2 &amp;&amp; &lt;script&gt;</p>')).toBe(
      '<p>1 &lt; 2 &amp;&amp; &lt;script&gt;</p>',
    );
  });

  it('removes characters XML forbids even when they arrive as character references', () => {
    const out = clean('<p>a&#1;b&#xFFFE;c&#xFFFF;d&#x1F;e <abbr title="&#1;T&#xFFFF;">t</abbr></p>');
    expect(stripXmlInvalid(out)).toBe(out);
    expect(out).toBe('<p>abcde <abbr title="T">t</abbr></p>');
  });

  it.each(DANGEROUS)('neutralises %j', (fragment) => {
    const out = clean(`<p>x</p>${fragment}<p>y</p>`);
    expect(out).not.toMatch(/<script|<iframe|<svg|<object|<embed|<style|<form|<input/i);
    expect(out).not.toMatch(/\son\w+=/i);
    expect(out).not.toMatch(/javascript:|vbscript:|data:/i);
    expect(out).not.toMatch(/\sstyle=/i);
  });

  // `<script` and `<iframe` are checked across the whole output: text never carries a raw `<`. Event handlers and
  // `javascript:` are checked in the markup outside attribute values, because inert text can legitimately hold them:
  // `<?<style>p{background:url(javascript:x)}</style>` leaves the text `p{background:url(javascript:x)}` (`<?...>` is
  // a bogus comment), and `<a href="<x javascript:y>">` becomes an http URL whose path spells `javascript:`.
  // Attribute values are checked structurally instead: URL attributes must be http(s) or mailto.
  it('never lets script, iframes, event handlers or javascript: URLs through arbitrary text mixed with attacks', () => {
    const piece = fc.oneof(
      { weight: 2, arbitrary: fc.string({ maxLength: 20 }) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 10 }) },
      { weight: 2, arbitrary: fc.constantFrom(...DANGEROUS) },
      {
        weight: 1,
        arbitrary: fc.constantFrom('<p>', '</p>', '<a href="', '">', '<b>', '</b>', '<', '>', '"', "'", '='),
      },
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
        const out = clean(pieces.join(''));
        expect(out).not.toMatch(/<script/i);
        expect(out).not.toMatch(/<iframe/i);
        expect(stripXmlInvalid(out)).toBe(out);
        for (const tag of tagsOf(out)) {
          const markup = tag.replace(/="[^"]*"/g, '=""');
          expect(markup).not.toMatch(/ on\w+=/i);
          expect(markup).not.toMatch(/javascript:/i);
          for (const [name, value] of attributesOf(tag)) {
            expect(name).not.toMatch(/^on/);
            expect(name).not.toBe('style');
            if (name === 'href' || name === 'src' || name === 'cite') {
              expect(value).toMatch(/^(https?:\/\/|mailto:)/i);
            }
          }
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe('absoluteHttpUrl', () => {
  it('resolves relative URLs and rejects schemes other than http(s)', () => {
    expect(absoluteHttpUrl('x.png', BASE)).toBe('https://thegaze.example/news/x.png');
    expect(absoluteHttpUrl('//cdn.example/a', BASE)).toBe('https://cdn.example/a');
    expect(absoluteHttpUrl('javascript:alert(1)', BASE)).toBeUndefined();
    expect(absoluteHttpUrl('ftp://files.example/a', BASE)).toBeUndefined();
    expect(absoluteHttpUrl('http://[::1', BASE)).toBeUndefined();
  });
});

describe('htmlToText', () => {
  it('returns the visible text on one line with block boundaries as spaces', () => {
    expect(htmlToText('<h2>Head</h2><p>First <strong>bold</strong> para.</p><p>Second<br>line</p>')).toBe(
      'Head First bold para. Second line',
    );
  });

  it('separates list items and table rows', () => {
    expect(
      htmlToText('<ul><li>one</li><li>two</li></ul><table><tr><td>a</td></tr><tr><td>b</td></tr></table>'),
    ).toBe('one two a b');
  });

  it('drops the content of script, style and iframe elements', () => {
    expect(htmlToText('<p>Keep</p><script>var x = 1;</script><style>p{}</style><iframe>frame</iframe>')).toBe(
      'Keep',
    );
  });

  it('decodes entities into plain characters', () => {
    expect(htmlToText('<p>Fish &amp; chips &lt;3 &quot;ok&quot; &#8212; &#x2019;</p>')).toBe(
      'Fish & chips <3 "ok" — ’',
    );
  });

  it('does not decode an escaped entity twice', () => {
    expect(htmlToText('<p>&amp;lt;b&amp;gt;</p>')).toBe('&lt;b&gt;');
  });

  it('keeps curly quotes and em dashes', () => {
    expect(htmlToText('<p>“Quoted” — text</p>')).toBe('“Quoted” — text');
  });

  it('never returns a character that XML forbids', () => {
    expect(htmlToText('<p>a&#1;b&#xFFFE;c</p>')).toBe('abc');
  });

  it('returns an empty string when there is no visible text', () => {
    expect(htmlToText('<img src="https://img.example/a.png"><script>x</script>')).toBe('');
  });
});
