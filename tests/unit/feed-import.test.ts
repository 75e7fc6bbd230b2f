import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeDocument } from '../../cli/import/charset.ts';
import { parseRfc822Date } from '../../cli/import/dates.ts';
import { FeedFormatError, FeedInputError } from '../../cli/import/errors.ts';
import { fetchFeed } from '../../cli/import/fetch.ts';
import { idempotencyKeyFor, toSubmission } from '../../cli/import/map.ts';
import { parseFeedDocument } from '../../cli/import/parse.ts';
import { progressLine } from '../../cli/import/progress.ts';
import type { ImportItem } from '../../cli/import/types.ts';

const RSS_NS =
  'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/"';

function rss(items: string, channel = '<link>https://news.example/section/</link>', prolog = ''): string {
  return `<?xml version="1.0" encoding="UTF-8"?>${prolog}<rss version="2.0" ${RSS_NS}><channel><title>News</title>${channel}${items}</channel></rss>`;
}

function atom(entries: string, attributes = '', head = ''): string {
  return `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"${attributes}><title>Dispatches</title>${head}${entries}</feed>`;
}

const item = (inner: string) => `<item>${inner}</item>`;
const entry = (inner: string, attributes = '') => `<entry${attributes}>${inner}</entry>`;
const BASIC = '<title>A story</title><link>https://news.example/a</link><description>Text</description>';

function only(xml: string, options: { documentUrl?: string } = {}): ImportItem {
  const parsed = parseFeedDocument(xml, options);
  expect(parsed.problems).toEqual([]);
  expect(parsed.items).toHaveLength(1);
  return parsed.items[0] as ImportItem;
}

describe('reading RFC 822 dates', () => {
  it.each([
    ['Wed, 16 Jul 2025 09:30:00 GMT', '2025-07-16T09:30:00.000Z'],
    ['Wed, 16 Jul 2025 11:30:00 +0200', '2025-07-16T09:30:00.000Z'],
    ['Wed, 16 Jul 2025 04:30:00 EST', '2025-07-16T09:30:00.000Z'],
    ['Wed, 16 Jul 2025 05:30:00 EDT', '2025-07-16T09:30:00.000Z'],
    ['Wed, 16 Jul 2025 02:30:00 PDT', '2025-07-16T09:30:00.000Z'],
    ['Tue, 15 Jul 2025 23:30:00 -1000', '2025-07-16T09:30:00.000Z'],
    ['Wed, 16 Jul 2025 15:00:00 +05:30', '2025-07-16T09:30:00.000Z'],
    ['16 Jul 2025 09:30 UT', '2025-07-16T09:30:00.000Z'],
    ['Wed, 16 Jul 25 09:30:00 Z', '2025-07-16T09:30:00.000Z'],
    ['wed, 16 july 2025 09:30:00 gmt', '2025-07-16T09:30:00.000Z'],
    ['Wed, 16 Jul 2025 09:30:00 +0000 (UTC)', '2025-07-16T09:30:00.000Z'],
    ['Fri, 31 Dec 99 23:59:59 PST', '2000-01-01T07:59:59.000Z'],
    ['Thu, 29 Feb 2024 00:00:00 GMT', '2024-02-29T00:00:00.000Z'],
  ])('reads %s as %s', (value, expected) => {
    expect(parseRfc822Date(value)).toBe(expected);
  });

  it.each([
    'Someday, 45 Foo 2025 25:61:00 GMT',
    'Thu, 29 Feb 2025 00:00:00 GMT',
    'Wed, 31 Apr 2025 10:00:00 GMT',
    'Wed, 16 Jul 2025 24:00:00 GMT',
    'Wed, 16 Jul 2025 09:60:00 GMT',
    'Wed, 16 Jul 2025 09:30:00',
    'Wed, 16 Jul 2025 09:30:00 CET',
    'Wed, 16 Jul 2025 09:30:00 +2500',
    '2025-07-16T09:30:00Z',
    '',
  ])('refuses %j', (value) => {
    expect(parseRfc822Date(value)).toBeUndefined();
  });
});

describe('mapping an RSS 2.0 item', () => {
  it('resolves relative links and enclosures against the channel link', () => {
    const parsed = parseFeedDocument(
      rss(
        item(
          '<title>One</title><link>story-1</link><description>x</description><enclosure url="../img/1.jpg" type="image/jpeg" length="1"/>',
        ) + item('<title>Two</title><link>/top/story-2</link><description>x</description>'),
      ),
    );
    expect(parsed.items.map((i) => i.url)).toEqual([
      'https://news.example/section/story-1',
      'https://news.example/top/story-2',
    ]);
    expect(parsed.items[0]?.image).toEqual({ url: 'https://news.example/img/1.jpg' });
  });

  it('resolves a relative channel link against the URL the feed was fetched from', () => {
    const mapped = only(
      rss(item('<title>One</title><link>story-1</link><description>x</description>'), '<link>/news/</link>'),
      {
        documentUrl: 'https://feeds.example/rss.xml',
      },
    );
    expect(mapped.url).toBe('https://feeds.example/news/story-1');
  });

  it('reports a relative link when the feed gives nothing to resolve it against', () => {
    const parsed = parseFeedDocument(
      rss(item('<title>One</title><link>story-1</link><description>x</description>'), ''),
    );
    expect(parsed.items).toEqual([]);
    expect(parsed.problems).toEqual([
      {
        index: 0,
        title: 'One',
        reason: 'no usable link: "story-1" is relative and the feed gives no base to resolve it against',
      },
    ]);
  });

  it('takes a permalink guid as the link when there is no link, but not a guid marked isPermaLink="false"', () => {
    const parsed = parseFeedDocument(
      rss(
        item('<title>One</title><guid>https://news.example/1</guid><description>x</description>') +
          item(
            '<title>Two</title><guid isPermaLink="false">https://news.example/2</guid><description>x</description>',
          ) +
          item('<title>Three</title><link>javascript:alert(1)</link><description>x</description>'),
      ),
    );
    expect(parsed.items.map((i) => [i.url, i.identity])).toEqual([
      ['https://news.example/1', 'https://news.example/1'],
    ]);
    expect(parsed.problems.map((p) => [p.index, p.reason])).toEqual([
      [1, 'no usable link: neither <link> nor a permalink <guid>'],
      [2, 'no usable link: "javascript:alert(1)" uses javascript, not http(s)'],
    ]);
  });

  it('takes content:encoded as the content and the description, stripped of markup, as the summary', () => {
    const mapped = only(
      rss(
        item(
          '<title>One</title><link>https://news.example/1</link><description>&lt;p&gt;Short &lt;b&gt;version&lt;/b&gt;&lt;/p&gt;</description><content:encoded><![CDATA[<p>Long & <em>full</em> version</p>]]></content:encoded>',
        ),
      ),
    );
    expect(mapped.contentHtml).toBe('<p>Long & <em>full</em> version</p>');
    expect(mapped.summary).toBe('Short version');
  });

  it('takes the description as the content when there is no content:encoded', () => {
    const mapped = only(
      rss(
        item(
          '<title>One</title><link>https://news.example/1</link><description><![CDATA[<p>Only <b>this</b></p>]]></description>',
        ),
      ),
    );
    expect(mapped.contentHtml).toBe('<p>Only <b>this</b></p>');
    expect(mapped.summary).toBe('Only this');
  });

  it('decodes character references, CDATA sections and entities the DOCTYPE declares', () => {
    const mapped = only(
      rss(
        item(
          '<title>&#8220;Quoted&#x201D; &amp; <![CDATA[<raw> & ]]>&brand;</title><link>https://news.example/1?a=1&amp;b=2</link><description>x</description>',
        ),
        '<link>https://news.example/</link>',
        '<!DOCTYPE rss [<!ENTITY brand "The Gaze">]>',
      ),
    );
    expect(mapped.title).toBe('“Quoted” & <raw> & The Gaze');
    expect(mapped.url).toBe('https://news.example/1?a=1&b=2');
  });

  it('reads namespaced elements whatever prefix the feed declares for their namespace', () => {
    const xml = `<rss version="2.0" xmlns:c="http://purl.org/rss/1.0/modules/content/" xmlns:who="http://purl.org/dc/elements/1.1/"><channel><link>https://news.example/</link>${item(
      '<title>One</title><link>/1</link><c:encoded>&lt;p&gt;Body&lt;/p&gt;</c:encoded><who:creator>Ada</who:creator><who:creator>Grace</who:creator>',
    )}</channel></rss>`;
    const mapped = only(xml);
    expect(mapped.contentHtml).toBe('<p>Body</p>');
    expect(mapped.author).toBe('Ada, Grace');
  });

  it('takes the name from an RSS author address, and an image from media:content or media:thumbnail', () => {
    const parsed = parseFeedDocument(
      rss(
        item(
          `${BASIC}<author>desk@news.example (Jo Bloggs)</author><media:group><media:content url="https://cdn.example/v.mp4" medium="video"/><media:content url="/pic.png" type="image/png"><media:title>A picture</media:title></media:content></media:group>`,
        ) +
          item(
            '<title>B</title><link>https://news.example/b</link><description>x</description><author>desk@news.example</author><media:thumbnail url="https://cdn.example/t.jpg"/>',
          ),
      ),
    );
    expect(parsed.items.map((i) => [i.author, i.image])).toEqual([
      ['Jo Bloggs', { url: 'https://news.example/pic.png', alt: 'A picture' }],
      ['desk@news.example', { url: 'https://cdn.example/t.jpg' }],
    ]);
  });

  it('reports and skips each malformed item, keeps reading the others, and reads HTML entities, a bare & and an item without a body', () => {
    const parsed = parseFeedDocument(
      rss(
        [
          item(BASIC),
          item(
            '<title>Nbsp&nbsp;here</title><link>https://news.example/b</link><description>x</description>',
          ),
          item('<title>Fish & chips</title><link>https://news.example/c</link><description>x</description>'),
          item(
            '<title>Broken</title><link>https://news.example/d</link><description><p>unclosed</description>',
          ),
          item('<title>  </title><link>https://news.example/e</link><description>x</description>'),
          item('<title>Bad char &#0;</title><link>https://news.example/f</link><description>x</description>'),
          item('<title>No content</title><link>https://news.example/g</link>'),
          item(
            '<title>Old</title><link>https://news.example/h</link><description>x</description><pubDate>Mon, 01 Jan 1968 00:00:00 GMT</pubDate>',
          ),
          item('<title>Again</title><link>https://news.example/a</link><description>y</description>'),
          item('<title>Last</title><link>https://news.example/z</link><description>x</description>'),
        ].join(''),
      ),
    );
    expect(parsed.items.map((i) => i.title)).toEqual([
      'A story',
      'Nbsp here',
      'Fish & chips',
      'No content',
      'Last',
    ]);
    expect(parsed.items[3]?.contentHtml).toBe('<p><a href="https://news.example/g">No content</a></p>');
    expect(parsed.items[3]?.warnings).toEqual([
      'no content in the feed: imported with a link to the original',
    ]);
    expect(parsed.problems).toEqual([
      {
        index: 3,
        title: 'Broken',
        reason: expect.stringMatching(/^not well-formed XML: Expected closing tag 'p'/),
      },
      { index: 4, reason: 'no title' },
      {
        index: 5,
        title: 'Bad char &#0;',
        reason: 'entity error: character reference &#0; is not a character XML allows',
      },
      {
        index: 7,
        title: 'Old',
        reason: 'pubDate "Mon, 01 Jan 1968 00:00:00 GMT" is before 1970, which the API refuses',
      },
      {
        index: 8,
        title: 'Again',
        reason: 'same guid as item 1 (https://news.example/a); only the first is imported',
      },
    ]);
  });

  it('reads the date from pubDate, accepting RFC 3339 too, or from dc:date', () => {
    const parsed = parseFeedDocument(
      rss(
        item(`${BASIC}<pubDate>2025-07-16T11:30:00+02:00</pubDate>`) +
          item(
            '<title>B</title><link>https://news.example/b</link><description>x</description><dc:date>2025-07-15T08:00:00Z</dc:date>',
          ) +
          item('<title>C</title><link>https://news.example/c</link><description>x</description>'),
      ),
    );
    expect(parsed.items.map((i) => i.publishedAt)).toEqual([
      '2025-07-16T09:30:00.000Z',
      '2025-07-15T08:00:00.000Z',
      undefined,
    ]);
  });
});

describe('mapping an Atom entry', () => {
  const head = '<author><name>Desk</name></author><link rel="alternate" href="https://atom.example/blog/"/>';

  it('turns html content into HTML, xhtml content into its markup and text content into escaped paragraphs', () => {
    const parsed = parseFeedDocument(
      atom(
        [
          entry(
            '<title>H</title><id>tag:a,1:h</id><link href="/h"/><content type="html">&lt;p&gt;Hi &amp;amp; bye&lt;/p&gt;</content>',
          ),
          entry(
            '<title>X</title><id>tag:a,1:x</id><link href="/x"/><content type="xhtml"><xhtml:div xmlns:xhtml="http://www.w3.org/1999/xhtml"><xhtml:p>Hi <xhtml:b>there</xhtml:b></xhtml:p></xhtml:div></content>',
          ),
          entry(
            '<title>T</title><id>tag:a,1:t</id><link href="/t"/><content>1 &lt; 2 &amp; 3\n\n  next   line</content>',
          ),
          entry(
            '<title>S</title><id>tag:a,1:s</id><link href="/s"/><content src="https://atom.example/s.html"/><summary type="html">&lt;p&gt;From the &lt;i&gt;summary&lt;/i&gt;&lt;/p&gt;</summary>',
          ),
          entry(
            '<title>N</title><id>tag:a,1:n</id><link href="/n"/><content type="image/png">iVBORw0KGgo=</content>',
          ),
        ].join(''),
        '',
        head,
      ),
    );
    expect(parsed.items.map((i) => i.contentHtml)).toEqual([
      '<p>Hi &amp; bye</p>',
      '<p>Hi <b>there</b></p>',
      '<p>1 &lt; 2 &amp; 3</p><p>next line</p>',
      '<p>From the <i>summary</i></p>',
      '<p><a href="https://atom.example/n">N</a></p>',
    ]);
    expect(parsed.items[3]?.summary).toBe('From the summary');
    expect(parsed.problems).toEqual([]);
  });

  it('reads an html or xhtml title as plain text', () => {
    const parsed = parseFeedDocument(
      atom(
        entry(
          '<title type="html">A &lt;em&gt;big&lt;/em&gt; day&amp;#8217;s news</title><id>tag:a,1:1</id><link href="/1"/><summary>x</summary>',
        ) +
          entry(
            '<title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">Small <b>print</b></div></title><id>tag:a,1:2</id><link href="/2"/><summary>x</summary>',
          ),
        '',
        head,
      ),
    );
    expect(parsed.items.map((i) => i.title)).toEqual(['A big day’s news', 'Small print']);
  });

  it('resolves links, enclosures and links in the content against xml:base of the feed, the entry and the link', () => {
    const parsed = parseFeedDocument(
      atom(
        entry(
          '<title>One</title><id>tag:a,1:1</id><link href="posts/1"/><link rel="enclosure" type="image/jpeg" href="img/1.jpg"/><content type="html">&lt;a href="notes"&gt;notes&lt;/a&gt;</content>',
          ' xml:base="2025/"',
        ) +
          entry(
            '<title>Two</title><id>tag:a,1:2</id><link xml:base="https://other.example/x/" href="two"/><summary>x</summary>',
          ),
        ' xml:base="https://atom.example/blog/"',
      ),
    );
    expect(parsed.baseUrl).toBe('https://atom.example/blog/');
    expect(parsed.items.map((i) => i.url)).toEqual([
      'https://atom.example/blog/2025/posts/1',
      'https://other.example/x/two',
    ]);
    expect(parsed.items[0]?.image).toEqual({ url: 'https://atom.example/blog/2025/img/1.jpg' });
    expect(parsed.items[0]?.contentHtml).toBe('<a href="https://atom.example/blog/2025/notes">notes</a>');
  });

  it('falls back on the feed alternate link, then the URL it came from, when there is no xml:base', () => {
    const body = entry('<title>One</title><id>tag:a,1:1</id><link href="one"/><summary>x</summary>');
    expect(only(atom(body, '', head)).url).toBe('https://atom.example/blog/one');
    expect(only(atom(body, '', head), { documentUrl: 'https://feeds.example/a/atom.xml' }).url).toBe(
      'https://feeds.example/a/one',
    );
  });

  it('chooses the alternate link, else the first other link, else an http(s) id', () => {
    const parsed = parseFeedDocument(
      atom(
        [
          entry(
            '<title>A</title><id>tag:a,1:a</id><link rel="self" href="https://api.example/a"/><link rel="alternate" href="https://atom.example/a"/><summary>x</summary>',
          ),
          entry(
            '<title>B</title><id>tag:a,1:b</id><link rel="related" href="https://atom.example/b"/><summary>x</summary>',
          ),
          entry('<title>C</title><id>https://atom.example/c</id><summary>x</summary>'),
          entry('<title>D</title><id>tag:a,1:d</id><summary>x</summary>'),
        ].join(''),
        '',
        head,
      ),
    );
    expect(parsed.items.map((i) => [i.url, i.identity])).toEqual([
      ['https://atom.example/a', 'tag:a,1:a'],
      ['https://atom.example/b', 'tag:a,1:b'],
      ['https://atom.example/c', 'https://atom.example/c'],
    ]);
    expect(parsed.problems).toEqual([
      { index: 3, title: 'D', reason: 'no usable link: no <link href> and the id is not an http(s) URL' },
    ]);
  });

  it('takes published, else updated, as the publication time, and guesses one that is not RFC 3339', () => {
    const parsed = parseFeedDocument(
      atom(
        [
          entry(
            '<title>A</title><id>tag:a,1:a</id><link href="/a"/><summary>x</summary><published>2025-07-12T09:00:00+02:00</published><updated>2025-07-13T00:00:00Z</updated>',
          ),
          entry(
            '<title>B</title><id>tag:a,1:b</id><link href="/b"/><summary>x</summary><updated>2025-07-13T00:00:00Z</updated>',
          ),
          entry(
            '<title>C</title><id>tag:a,1:c</id><link href="/c"/><summary>x</summary><published>12 July 2025</published>',
          ),
        ].join(''),
        '',
        head,
      ),
    );
    expect(parsed.items.map((i) => i.publishedAt)).toEqual([
      '2025-07-12T07:00:00.000Z',
      '2025-07-13T00:00:00.000Z',
      '2025-07-12T00:00:00.000Z',
    ]);
    expect(parsed.items.map((i) => i.dateGuessed ?? false)).toEqual([false, false, true]);
    expect(parsed.items[2]?.warnings).toEqual([
      'published "12 July 2025" guessed as 2025-07-12T00:00:00.000Z',
    ]);
    expect(parsed.problems).toEqual([]);
  });

  it('takes category labels, else terms, as tags, and the feed author when an entry has none', () => {
    const parsed = parseFeedDocument(
      atom(
        entry(
          '<title>A</title><id>tag:a,1:a</id><link href="/a"/><summary>x</summary><category term="odesa" label="Odesa &amp; region"/><category term="shipping"/><author><name>Maria</name></author>',
        ) + entry('<title>B</title><id>tag:a,1:b</id><link href="/b"/><summary>x</summary>'),
        '',
        head,
      ),
    );
    expect(parsed.items.map((i) => [i.tags, i.author])).toEqual([
      [['Odesa & region', 'shipping'], 'Maria'],
      [[], 'Desk'],
    ]);
  });

  it('reads an Atom document whose elements carry a namespace prefix', () => {
    const xml =
      '<a:feed xmlns:a="http://www.w3.org/2005/Atom"><a:title>F</a:title><a:entry><a:title>Pre</a:title><a:id>tag:a,1:p</a:id><a:link href="https://atom.example/p"/><a:summary>Fixed</a:summary></a:entry></a:feed>';
    const mapped = only(xml);
    expect([mapped.title, mapped.url, mapped.contentHtml]).toEqual([
      'Pre',
      'https://atom.example/p',
      '<p>Fixed</p>',
    ]);
  });
});

describe('documents that are not feeds', () => {
  it.each([
    [
      'an HTML page',
      '<!DOCTYPE html><html><body><p>Hi</p></body></html>',
      "the document's root element is <html>",
    ],
    ['JSON that is not a JSON Feed', '{"items": []}', 'a JSON document without a JSON Feed version'],
    ['an empty file', '', 'the input is not an XML or JSON document'],
    [
      'RDF that is not RSS 1.0',
      '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description/></rdf:RDF>',
      "the document's root element is <rdf:RDF>",
    ],
    [
      'Atom 0.3',
      '<feed xmlns="http://purl.org/atom/ns#"><title>Old</title></feed>',
      'in http://purl.org/atom/ns#',
    ],
    ['RSS without a channel', '<rss version="2.0"><item/></rss>', '<rss> has no <channel>'],
  ])('refuses %s with a FeedFormatError', (_, xml, message) => {
    expect(() => parseFeedDocument(xml)).toThrow(FeedFormatError);
    expect(() => parseFeedDocument(xml)).toThrow(message);
  });
});

describe('making a submission of an item', () => {
  const base: ImportItem = {
    index: 0,
    identity: 'guid-1',
    title: 'A story',
    url: 'https://news.example/a',
    contentHtml: '<p>Text</p>',
    tags: [],
    warnings: [],
  };

  it('keeps the first 10 distinct tags and warns about the ones it cuts', () => {
    const labels = Array.from({ length: 12 }, (_, i) => `Tag ${i + 1}`);
    const prepared = toSubmission({ ...base, tags: ['Tag 1', 'tag-1', '!!!', ...labels] }, 'the-gaze');
    expect(prepared.body.tags).toEqual(labels.slice(0, 10));
    expect(prepared.warnings).toEqual([
      'tag "!!!" dropped: it has no letter or digit to make a slug of',
      'kept the first 10 of 12 tags; dropped "Tag 11", "Tag 12"',
    ]);
  });

  it('sends ten tags or fewer unchanged and without a warning', () => {
    const labels = Array.from({ length: 10 }, (_, i) => `Tag ${i + 1}`);
    const prepared = toSubmission({ ...base, tags: labels }, 'the-gaze');
    expect(prepared.body.tags).toEqual(labels);
    expect(prepared.warnings).toEqual([]);
  });

  it('cuts a title and a summary longer than the API takes, with a warning for each', () => {
    const prepared = toSubmission(
      { ...base, title: 'word '.repeat(100).trim(), summary: 'text '.repeat(300).trim() },
      'the-gaze',
    );
    expect(Array.from(prepared.body.title).length).toBeLessThanOrEqual(300);
    expect(prepared.body.title.endsWith('…')).toBe(true);
    expect(Array.from(prepared.body.summary ?? '').length).toBeLessThanOrEqual(1000);
    expect(prepared.warnings).toEqual(['title cut to 300 characters', 'summary cut to 1000 characters']);
  });

  it('maps every field the API knows and nothing else', () => {
    const prepared = toSubmission(
      {
        ...base,
        summary: 'Short',
        publishedAt: '2025-07-16T09:30:00.000Z',
        tags: ['Ukraine'],
        author: 'Jo',
        image: { url: 'https://cdn.example/a.jpg', alt: 'A' },
      },
      'the-gaze',
    );
    expect(prepared.body).toEqual({
      source: 'the-gaze',
      externalId: 'guid-1',
      title: 'A story',
      url: 'https://news.example/a',
      contentHtml: '<p>Text</p>',
      summary: 'Short',
      author: { name: 'Jo' },
      tags: ['Ukraine'],
      image: { url: 'https://cdn.example/a.jpg', alt: 'A' },
      publishedAt: '2025-07-16T09:30:00.000Z',
    });
  });

  it('derives the idempotency key from the source, the item identity and the body: a changed item is a new request', () => {
    const prepared = toSubmission(base, 'the-gaze');
    const key = prepared.idempotencyKey;
    expect(key).toBe(idempotencyKeyFor('the-gaze', 'guid-1', prepared.body));
    expect(key).toMatch(/^import:[0-9a-f]{64}$/);
    expect(toSubmission(base, 'the-gaze').idempotencyKey).toBe(key);
    expect(toSubmission({ ...base, title: 'Retitled' }, 'the-gaze').idempotencyKey).not.toBe(key);
    expect(toSubmission(base, 'daily-planet').idempotencyKey).not.toBe(key);
    expect(toSubmission({ ...base, identity: 'guid-2' }, 'the-gaze').idempotencyKey).not.toBe(key);
  });

  it('carries the guid, id or link as externalId, and a hash of it when the API could not take it', () => {
    expect(toSubmission({ ...base, identity: ' tag:a,1:x ' }, 'the-gaze').body.externalId).toBe('tag:a,1:x');
    const long = toSubmission({ ...base, identity: `https://news.example/${'a'.repeat(1100)}` }, 'the-gaze');
    expect(long.body.externalId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(long.warnings).toContain(
      'guid, id or link too long or with control characters for an externalId: its SHA-256 stands in',
    );
  });
});

describe('the progress line', () => {
  it('draws the share done as a bar followed by the counts', () => {
    expect(progressLine({ total: 40, done: 12, created: 10, replayed: 2, skipped: 0, failed: 0 })).toBe(
      '[###.......] 12/40 created 10, replayed 2, skipped 0',
    );
    expect(progressLine({ total: 4, done: 4, created: 1, replayed: 1, skipped: 1, failed: 1 })).toBe(
      '[##########] 4/4 created 1, replayed 1, skipped 1, failed 1',
    );
  });
});

describe('reading a feed document', () => {
  let server: Server;
  let origin: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const hop = /^\/hop\/(\d+)$/.exec(req.url ?? '');
      if (hop) {
        const left = Number(hop[1]) - 1;
        res.writeHead(301, { location: left === 0 ? '/latin1.xml' : `/hop/${left}` });
        res.end();
      } else if (req.url === '/latin1.xml') {
        res.writeHead(200, { 'content-type': 'application/rss+xml; charset=ISO-8859-1' });
        res.end(Buffer.from('<rss><channel><title>Caf\u00e9</title></channel></rss>', 'latin1'));
      } else if (req.url === '/missing') {
        res.writeHead(404);
        res.end();
      }
      // Anything else never answers.
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('follows up to five redirects, decodes the charset the server declares and returns the final URL', async () => {
    const fetched = await fetchFeed(`${origin}/hop/5`);
    expect(fetched.url).toBe(`${origin}/latin1.xml`);
    expect(parseFeedDocument(fetched.text).title).toBe('Café');
  });

  it('refuses a sixth redirect, an HTTP error and a scheme other than http(s)', async () => {
    await expect(fetchFeed(`${origin}/hop/6`)).rejects.toThrow('redirects more than 5 times');
    await expect(fetchFeed(`${origin}/hop/2`, { maxRedirects: 1 })).rejects.toThrow(
      'redirects more than 1 times',
    );
    await expect(fetchFeed(`${origin}/missing`)).rejects.toThrow('answered 404');
    await expect(fetchFeed('ftp://127.0.0.1/feed.xml')).rejects.toThrow(FeedInputError);
  });

  it('gives up on a server that does not answer in time', async () => {
    await expect(fetchFeed(`${origin}/silent`, { timeoutMs: 300 })).rejects.toThrow(
      'did not answer within 0.3 s',
    );
  });

  it('decodes bytes by their byte order mark, else the XML declaration, else as UTF-8', () => {
    const latin1 = Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><rss>\u00e9</rss>', 'latin1');
    expect(decodeDocument(latin1)).toContain('<rss>é</rss>');
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<rss>é</rss>', 'utf16le')]);
    expect(decodeDocument(utf16)).toBe('<rss>é</rss>');
    expect(decodeDocument(Buffer.from('<rss>é</rss>', 'utf8'))).toBe('<rss>é</rss>');
    expect(() => decodeDocument(Buffer.from('<?xml version="1.0" encoding="x-klingon"?><rss/>'))).toThrow(
      'x-klingon is not supported',
    );
  });
});
