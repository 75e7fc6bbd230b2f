import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Source } from '../../shared/articles/model.ts';
import { parseSubmission } from '../../shared/articles/submission.ts';
import { InvalidInputError } from '../../shared/domain/errors.ts';
import { describeFeed } from '../../shared/feeds/channel.ts';
import type { FeedId } from '../../shared/feeds/feed-ids.ts';
import type { FeedChannel, FeedEntry } from '../../shared/feeds/model.ts';
import { renderAtom } from '../../shared/feeds/render/atom.ts';
import { renderJsonFeed } from '../../shared/feeds/render/json-feed.ts';
import { renderRss } from '../../shared/feeds/render/rss.ts';
import seedJson from '../fixtures/seed-article.json' with { type: 'json' };
import { SETTINGS, THE_GAZE } from '../support/feed-fixtures.ts';
import {
  NS,
  type ParsedFeed,
  parseAllFormats,
  parseAtom,
  parseJsonFeed,
  parseRss,
  parseXml,
  type XmlElement,
} from '../support/feed-validation.ts';

/** The server clock when the seed article was submitted: half an hour after its publication time. */
const NOW = Date.parse('2025-07-16T10:00:00Z');
const PUBLISHED = '2025-07-16T09:30:00.000Z';
/** A correction, a day later, with milliseconds as the service mints them. */
const CORRECTED = '2025-07-17T08:15:42.123Z';
/** The channel's last change. */
const FEED_UPDATED = '2025-07-17T08:20:00.500Z';
const ARTICLE_ID = '01981a2b-3c4d-7e5f-8a9b-0c1d2e3f4a5b';

const SOURCES: ReadonlyMap<string, Source> = new Map([
  ['the-gaze', THE_GAZE],
  [
    'daily-planet',
    {
      slug: 'daily-planet',
      name: 'Daily Planet',
      homepageUrl: 'https://dailyplanet.example/',
      description: 'Metropolis news',
      language: 'en-US',
      createdAt: '2025-01-02T00:00:00.000Z',
    },
  ],
]);

function channelOf(feed: FeedId, tagLabel?: string): FeedChannel {
  return describeFeed(feed, { settings: SETTINGS, sources: SOURCES, tagLabel, updated: FEED_UPDATED });
}

/** A feed entry from the seed article with `overrides` applied to the submitted body, normalised as the API normalises it. */
function entry(
  overrides: Record<string, unknown> = {},
  meta: { id?: string; updatedAt?: string } = {},
): FeedEntry {
  const body = { ...structuredClone(seedJson), ...overrides };
  const submission = parseSubmission(body, NOW);
  return {
    ...submission,
    id: meta.id ?? ARTICLE_ID,
    publishedAt: submission.publishedAt ?? PUBLISHED,
    updatedAt: meta.updatedAt ?? CORRECTED,
  };
}

function renderAll(channel: FeedChannel, entries: readonly FeedEntry[]) {
  return {
    rss: renderRss(channel, entries),
    atom: renderAtom(channel, entries),
    json: renderJsonFeed(channel, entries),
  };
}

/** A copy of the channel that shares nothing with it but its function, which cannot be cloned. */
function cloneChannel(channel: FeedChannel): FeedChannel {
  const { tagFeeds, ...data } = channel;
  return { ...structuredClone(data), ...(tagFeeds ? { tagFeeds } : {}) };
}

function descendants(root: XmlElement, uri: string, local: string): XmlElement[] {
  const found: XmlElement[] = [];
  const visit = (element: XmlElement) => {
    if (element.uri === uri && element.local === local) found.push(element);
    element.children.forEach(visit);
  };
  visit(root);
  return found;
}

function child(parent: XmlElement, uri: string, local: string): XmlElement {
  const found = parent.children.filter((element) => element.uri === uri && element.local === local);
  expect(found, `${parent.path} should have one <${local}>`).toHaveLength(1);
  return found[0] as XmlElement;
}

function attr(element: XmlElement, local: string): string | undefined {
  return element.attributes.find((attribute) => attribute.uri === '' && attribute.local === local)?.value;
}

function rssItems(xml: string): XmlElement[] {
  return descendants(parseXml(xml), '', 'item');
}

function atomEntries(xml: string): XmlElement[] {
  return descendants(parseXml(xml), NS.atom, 'entry');
}

function jsonItems(text: string): Record<string, any>[] {
  return JSON.parse(text).items;
}

function only<T>(items: readonly T[]): T {
  expect(items).toHaveLength(1);
  return items[0] as T;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the rendered feeds of the seed article', () => {
  const channel = channelOf('all');
  const seed = entry();
  const docs = renderAll(channel, [seed]);
  /** The seed article as every format must give it back. */
  const seedItem = {
    id: `urn:uuid:${ARTICLE_ID}`,
    title: seed.title,
    link: seed.url,
    published: PUBLISHED,
    updated: CORRECTED,
    summary: seed.summary,
    contentHtml: seed.contentHtml,
    tags: ['Ukraine', 'Russia', 'Donald Trump', 'Volodymyr Zelenskyy', 'NATO'],
    author: 'The Gaze newsroom',
  };

  it('give an RSS 2.0 channel with title, link, description, language, self link, lastBuildDate and ttl', () => {
    const feed = parseRss(docs.rss);
    expect(feed).toMatchObject({
      format: 'rss',
      title: 'Newsroom: all articles',
      selfUrl: 'https://feeds.example/feeds/all/rss.xml',
      updated: '2025-07-17T08:20:00.000Z',
    });
    const xmlChannel = child(parseXml(docs.rss), '', 'channel');
    expect(child(xmlChannel, '', 'link').text).toBe('https://feeds.example/feeds/index.html');
    expect(child(xmlChannel, '', 'description').text).toBe('Every article from every source of Newsroom');
    expect(child(xmlChannel, '', 'language').text).toBe('en');
    expect(child(xmlChannel, '', 'lastBuildDate').text).toBe('Thu, 17 Jul 2025 08:20:00 GMT');
    expect(child(xmlChannel, '', 'ttl').text).toBe('5');
    const self = child(xmlChannel, NS.atom, 'link');
    expect(attr(self, 'rel')).toBe('self');
    expect(attr(self, 'type')).toBe('application/rss+xml');
  });

  it('give an RSS item with title, link, guid, pubDate, description, content and categories', () => {
    const item = only(parseRss(docs.rss).items);
    expect(item).toEqual(seedItem);
    const guid = child(only(rssItems(docs.rss)), '', 'guid');
    expect(attr(guid, 'isPermaLink')).toBe('false');
  });

  it('give an Atom feed with id, title, updated, author, self and alternate links, and a complete entry', () => {
    const feed = parseAtom(docs.atom);
    expect(feed).toMatchObject({
      format: 'atom',
      title: 'Newsroom: all articles',
      selfUrl: 'https://feeds.example/feeds/all/atom.xml',
      updated: FEED_UPDATED,
    });
    const root = parseXml(docs.atom);
    expect(child(root, NS.atom, 'id').text).toBe(channel.urn);
    expect(child(root, NS.atom, 'id').text).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab]/);
    expect(child(child(root, NS.atom, 'author'), NS.atom, 'name').text).toBe('Newsroom');
    const alternate = root.children.find(
      (element) => element.local === 'link' && attr(element, 'rel') === 'alternate',
    );
    expect(alternate && attr(alternate, 'href')).toBe('https://feeds.example/feeds/index.html');
    expect(only(feed.items)).toEqual(seedItem);
  });

  it('give a JSON Feed 1.1 that validates against the schema and holds a complete item', () => {
    const feed = parseJsonFeed(docs.json);
    expect(feed).toMatchObject({
      format: 'json',
      title: 'Newsroom: all articles',
      selfUrl: 'https://feeds.example/feeds/all/feed.json',
      updated: CORRECTED,
    });
    expect(JSON.parse(docs.json)).toMatchObject({
      version: 'https://jsonfeed.org/version/1.1',
      home_page_url: 'https://feeds.example/feeds/index.html',
      feed_url: 'https://feeds.example/feeds/all/feed.json',
    });
    expect(only(feed.items)).toEqual(seedItem);
  });

  it('hold the same items in the same order in all three formats', () => {
    const entries = [
      entry({ title: 'Newest' }, { id: '01981a2b-0000-7000-8000-000000000003' }),
      entry(
        { title: 'Middle', publishedAt: '2025-07-16T08:00:00.250Z' },
        { id: '01981a2b-0000-7000-8000-000000000002' },
      ),
      entry(
        { title: 'Oldest', publishedAt: '2025-07-15T08:00:00Z' },
        { id: '01981a2b-0000-7000-8000-000000000001' },
      ),
    ];
    const parsed = parseAllFormats(renderAll(channel, entries));
    for (const feed of Object.values(parsed)) {
      expect(feed.items.map((item) => item.title)).toEqual(['Newest', 'Middle', 'Oldest']);
      expect(feed.items.map((item) => item.id)).toEqual(entries.map((e) => `urn:uuid:${e.id}`));
    }
  });
});

describe('rendering', () => {
  const entries = [
    entry({ image: { url: 'https://thegaze.example/img/strike.jpg', alt: 'A map' } }),
    entry({ title: 'Second', source: 'daily-planet' }, { id: '01981a2b-0000-7000-8000-00000000000b' }),
  ];

  it('gives byte-identical documents when the same input is rendered twice', () => {
    for (const feed of ['all', 'sources/the-gaze', 'tags/ukraine', 'sources/the-gaze/tags/nato']) {
      const channel = channelOf(feed, 'Label');
      const first = renderAll(channel, entries);
      const second = renderAll(channel, entries);
      expect(Buffer.from(second.rss)).toEqual(Buffer.from(first.rss));
      expect(Buffer.from(second.atom)).toEqual(Buffer.from(first.atom));
      expect(Buffer.from(second.json)).toEqual(Buffer.from(first.json));
    }
  });

  it('gives the same bytes for deep copies of the inputs and leaves the inputs unchanged', () => {
    const channel = channelOf('all');
    const before = JSON.stringify({ channel, entries });
    const original = renderAll(channel, entries);
    const copies = renderAll(cloneChannel(channel), structuredClone(entries));
    expect(copies).toEqual(original);
    expect(JSON.stringify({ channel, entries })).toBe(before);
  });

  it('does not read the clock: documents rendered at two different times are identical', () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2001-02-03T04:05:06.789Z'));
    expect(Date.now()).toBe(Date.parse('2001-02-03T04:05:06.789Z'));
    const early = renderAll(channelOf('tags/ukraine', 'Ukraine'), entries);
    vi.setSystemTime(new Date('2040-11-12T13:14:15.999Z'));
    expect(new Date().toISOString()).toBe('2040-11-12T13:14:15.999Z');
    const late = renderAll(channelOf('tags/ukraine', 'Ukraine'), entries);
    expect(late).toEqual(early);
  });

  it('writes the publication time as RSS pubDate and the correction time as atom:updated', () => {
    const docs = renderAll(channelOf('all'), [entry()]);
    const item = only(rssItems(docs.rss));
    expect(child(item, '', 'pubDate').text).toBe('Wed, 16 Jul 2025 09:30:00 GMT');
    expect(child(item, NS.atom, 'updated').text).toBe(CORRECTED);
    const atomEntry = only(atomEntries(docs.atom));
    expect(child(atomEntry, NS.atom, 'published').text).toBe(PUBLISHED);
    expect(child(atomEntry, NS.atom, 'updated').text).toBe(CORRECTED);
    expect(only(jsonItems(docs.json))).toMatchObject({ date_published: PUBLISHED, date_modified: CORRECTED });
  });

  it('writes the publication time to the whole second in RSS when it has milliseconds', () => {
    const docs = renderAll(channelOf('all'), [entry({ publishedAt: '2025-07-16T09:30:59.999Z' })]);
    const { rss, atom } = parseAllFormats(docs);
    expect(only(rss.items).published).toBe('2025-07-16T09:30:59.000Z');
    expect(only(atom.items).published).toBe('2025-07-16T09:30:59.999Z');
  });

  it('identifies the article as urn:uuid:<article id> in the RSS guid, the Atom id and the JSON Feed id', () => {
    const docs = renderAll(channelOf('all'), [entry()]);
    expect(child(only(rssItems(docs.rss)), '', 'guid').text).toBe(`urn:uuid:${ARTICLE_ID}`);
    expect(child(only(atomEntries(docs.atom)), NS.atom, 'id').text).toBe(`urn:uuid:${ARTICLE_ID}`);
    expect(only(jsonItems(docs.json)).id).toBe(`urn:uuid:${ARTICLE_ID}`);
  });

  it('keeps content containing ]]> intact through the CDATA sections of RSS and Atom', () => {
    const contentHtml = ']]><p>a ]]> b ]]]]> c ]]>]]> <![CDATA[ d ]] > ]</p><pre>x]]</pre>]]>';
    const docs = renderAll(channelOf('all'), [{ ...entry(), contentHtml }]);
    const parsed = parseAllFormats(docs);
    expect(only(parsed.rss.items).contentHtml).toBe(contentHtml);
    expect(only(parsed.atom.items).contentHtml).toBe(contentHtml);
    expect(only(parsed.json.items).contentHtml).toBe(contentHtml);
  });

  it('escapes ampersands, angle brackets and quotes in titles, labels, names and attributes', () => {
    // Text, not markup (markup is removed on the way in): what is left of `&` and `<` must survive every format.
    const title = `Tom & Jerry "live" at 5 > 3 ]]> 'today' a<b>c &T`;
    const labels = ['R&D <lab> "x"', "Q&A 'y' ]]>"];
    const authorName = `O'Brien & "Sons" <Ltd>`;
    const alt = '"Alt" & <text> ]]>';
    const url = 'https://thegaze.example/news/story?x=1&y=2&quote=%22';
    const imageUrl = 'https://thegaze.example/img/a.png?w=1&h=2';
    const seed = entry({
      title,
      tags: labels,
      author: { name: authorName },
      url,
      image: { url: imageUrl, alt },
    });
    expect(seed.title).toBe(title);
    const channel = channelOf('tags/r-and-d-lab-x', labels[0]);
    const docs = renderAll(channel, [seed]);
    const parsed = parseAllFormats(docs);
    for (const feed of Object.values(parsed)) {
      expect(feed.title).toBe('Newsroom: R&D <lab> "x"');
      expect(only(feed.items)).toMatchObject({ title, tags: labels, author: authorName, link: url });
    }
    const item = only(rssItems(docs.rss));
    const media = child(item, NS.media, 'content');
    expect(attr(media, 'url')).toBe(imageUrl);
    expect(child(media, NS.media, 'description').text).toBe(alt);
    // `&` and `<` in plain text are hexadecimal references, as the RSS Profile asks (an XML parser reads them alike).
    expect(docs.rss).toContain(
      `<title>Tom &#x26; Jerry &quot;live&quot; at 5 &gt; 3 ]]&gt; 'today' a&#x3C;b&gt;c &#x26;T</title>`,
    );
    expect(docs.atom).toContain(
      `<title>Tom &#x26; Jerry &quot;live&quot; at 5 &gt; 3 ]]&gt; 'today' a&#x3C;b&gt;c &#x26;T</title>`,
    );
    const atomEntry = only(atomEntries(docs.atom));
    const categories = descendants(atomEntry, NS.atom, 'category');
    expect(categories.map((category) => attr(category, 'label'))).toEqual(labels);
    const enclosure = atomEntry.children.find((link) => attr(link, 'rel') === 'enclosure');
    expect(enclosure && attr(enclosure, 'href')).toBe(imageUrl);
  });

  it('escapes a summary as HTML inside an RSS description, so that no reader renders it as markup', () => {
    const summary = 'a<b>c & 5 < 6, AT&T';
    const docs = renderAll(channelOf('all'), [entry({ summary })]);
    expect(docs.rss).toContain(
      '<description>a&amp;lt;b&amp;gt;c &amp;amp; 5 &amp;lt; 6, AT&amp;amp;T</description>',
    );
    expect(docs.atom).toContain('<summary>a&#x3C;b&gt;c &#x26; 5 &#x3C; 6, AT&#x26;T</summary>');
    for (const feed of Object.values(parseAllFormats(docs))) expect(only(feed.items).summary).toBe(summary);
  });

  it('escapes citation names in the title attribute of Atom related links', () => {
    const citations = [
      { name: `Smith & "Jones" <Daily>`, url: 'https://smith.example/?a=1&b=2' },
      { name: 'No link' },
    ];
    const docs = renderAll(channelOf('all'), [entry({ citations })]);
    parseAtom(docs.atom);
    const related = only(atomEntries(docs.atom)).children.filter((link) => attr(link, 'rel') === 'related');
    expect(related.map((link) => [attr(link, 'title'), attr(link, 'href')])).toEqual([
      [`Smith & "Jones" <Daily>`, 'https://smith.example/?a=1&b=2'],
    ]);
  });
});

describe('source and category links', () => {
  const entries = [
    entry(),
    entry({ source: 'daily-planet' }, { id: '01981a2b-0000-7000-8000-00000000000d' }),
  ];

  it.each(['all', 'tags/ukraine'])('items of the %s feed say which source they come from', (feed) => {
    const docs = renderAll(channelOf(feed, 'Ukraine'), entries);
    parseAllFormats(docs);
    const expected = [
      ['The Gaze', 'https://feeds.example/feeds/sources/the-gaze/rss.xml'],
      ['Daily Planet', 'https://feeds.example/feeds/sources/daily-planet/rss.xml'],
    ];
    expect(
      rssItems(docs.rss)
        .map((item) => child(item, '', 'source'))
        .map((s) => [s.text, attr(s, 'url')]),
    ).toEqual(expected);
    expect(
      atomEntries(docs.atom)
        .map((atomEntry) => child(atomEntry, NS.atom, 'source'))
        .map((s) => [child(s, NS.atom, 'title').text, attr(child(s, NS.atom, 'link'), 'href')]),
    ).toEqual(expected);
    expect(jsonItems(docs.json).map((item) => [item._source?.name, item._source?.feed_url])).toEqual(
      expected,
    );
    // RFC 4287 4.2.11: the source feed's updated time as the entry was copied, which is the entry's own.
    expect(
      atomEntries(docs.atom).map(
        (atomEntry) => child(child(atomEntry, NS.atom, 'source'), NS.atom, 'updated').text,
      ),
    ).toEqual(entries.map((e) => e.updatedAt));
  });

  it.each(['sources/the-gaze', 'sources/the-gaze/tags/ukraine'])(
    'items of the %s feed carry no source element',
    (feed) => {
      const docs = renderAll(channelOf(feed, 'Ukraine'), [entry()]);
      parseAllFormats(docs);
      expect(descendants(parseXml(docs.rss), '', 'source')).toEqual([]);
      expect(descendants(parseXml(docs.atom), NS.atom, 'source')).toEqual([]);
      expect(only(jsonItems(docs.json))).not.toHaveProperty('_source');
    },
  );

  it.each([
    ['all', 'https://feeds.example/feeds/tags/nato/rss.xml'],
    ['tags/ukraine', 'https://feeds.example/feeds/tags/nato/rss.xml'],
    ['sources/the-gaze', 'https://feeds.example/feeds/sources/the-gaze/tags/nato/rss.xml'],
  ])('categories in the %s feed link to the tag feed of the same scope', (feed, natoUrl) => {
    const docs = renderAll(channelOf(feed, 'Ukraine'), [entry()]);
    const rssCategories = descendants(parseXml(docs.rss), '', 'category');
    expect(rssCategories.map((category) => [category.text, attr(category, 'domain')]).at(-1)).toEqual([
      'NATO',
      natoUrl,
    ]);
    const atomCategories = descendants(parseXml(docs.atom), NS.atom, 'category');
    expect(atomCategories.map((c) => [attr(c, 'term'), attr(c, 'label'), attr(c, 'scheme')]).at(-1)).toEqual([
      'nato',
      'NATO',
      natoUrl,
    ]);
  });
});

describe('images', () => {
  it.each([
    ['https://thegaze.example/img/strike.jpg', 'image/jpeg'],
    ['https://thegaze.example/img/strike.JPEG?w=800', 'image/jpeg'],
    ['https://thegaze.example/img/chart.png', 'image/png'],
    ['https://thegaze.example/img/photo.webp#crop', 'image/webp'],
  ])('an image at %s is typed %s in RSS media:content and the Atom enclosure', (url, type) => {
    const docs = renderAll(channelOf('all'), [entry({ image: { url } })]);
    parseAllFormats(docs);
    const media = child(only(rssItems(docs.rss)), NS.media, 'content');
    expect([attr(media, 'url'), attr(media, 'type'), attr(media, 'medium')]).toEqual([url, type, 'image']);
    const enclosure = only(
      only(atomEntries(docs.atom)).children.filter((l) => attr(l, 'rel') === 'enclosure'),
    );
    expect([attr(enclosure, 'href'), attr(enclosure, 'type')]).toEqual([url, type]);
    expect(only(jsonItems(docs.json)).image).toBe(url);
  });

  it.each(['https://thegaze.example/img/strike.xyz', 'https://thegaze.example/img/render?format=jpg'])(
    'an image at %s, whose type is unknown, is linked without a type',
    (url) => {
      const docs = renderAll(channelOf('all'), [entry({ image: { url } })]);
      parseAllFormats(docs);
      const media = child(only(rssItems(docs.rss)), NS.media, 'content');
      expect(attr(media, 'url')).toBe(url);
      expect(media.attributes.map((a) => a.local)).not.toContain('type');
      const enclosure = only(
        only(atomEntries(docs.atom)).children.filter((l) => attr(l, 'rel') === 'enclosure'),
      );
      expect(attr(enclosure, 'href')).toBe(url);
      expect(enclosure.attributes.map((a) => a.local)).not.toContain('type');
    },
  );

  it('an image whose size is known carries it as Media RSS width and height; one half-known carries neither', () => {
    const url = 'https://thegaze.example/img/strike.jpg';
    // The size set on the stored entry: the submission's fields for it are the editor API's to add.
    const sized = renderAll(channelOf('all'), [{ ...entry(), image: { url, width: 1200, height: 675 } }]);
    parseAllFormats(sized);
    const media = child(only(rssItems(sized.rss)), NS.media, 'content');
    expect([attr(media, 'width'), attr(media, 'height')]).toEqual(['1200', '675']);
    const half = renderAll(channelOf('all'), [{ ...entry(), image: { url, width: 1200 } }]);
    const attributes = child(only(rssItems(half.rss)), NS.media, 'content').attributes.map((a) => a.local);
    expect(attributes).not.toContain('width');
    expect(attributes).not.toContain('height');
  });

  it('an article without an image has no media:content, enclosure or image', () => {
    const docs = renderAll(channelOf('all'), [entry()]);
    expect(descendants(parseXml(docs.rss), NS.media, 'content')).toEqual([]);
    expect(only(atomEntries(docs.atom)).children.filter((l) => attr(l, 'rel') === 'enclosure')).toEqual([]);
    expect(only(jsonItems(docs.json))).not.toHaveProperty('image');
  });
});

describe('feeds without entries and tag feeds', () => {
  it.each(['all', 'sources/the-gaze', 'tags/ukraine'])(
    'an empty %s feed is still valid in all three formats',
    (feed) => {
      const { rss, atom, json } = parseAllFormats(renderAll(channelOf(feed, 'Ukraine'), []));
      expect([rss.items, atom.items, json.items]).toEqual([[], [], []]);
      expect(rss.updated).toBe('2025-07-17T08:20:00.000Z');
      expect(atom.updated).toBe(FEED_UPDATED);
      expect(json.updated).toBe('');
    },
  );

  it.each([
    ['tags/ukraine', 'Ukraine', 'Newsroom: Ukraine'],
    ['sources/the-gaze/tags/nato', 'NATO', 'The Gaze: NATO'],
    ['tags/donald-trump', undefined, 'Newsroom: donald-trump'],
  ])('the %s feed names its tag in its title in all three formats', (feed, label, title) => {
    const parsed = parseAllFormats(renderAll(channelOf(feed, label), [entry()]));
    expect([parsed.rss.title, parsed.atom.title, parsed.json.title]).toEqual([title, title, title]);
  });
});

describe('citations', () => {
  it('an article that cites outlets gives a JSON Feed that validates against the JSON Feed 1.1 schema', () => {
    const docs = renderAll(channelOf('all'), [entry()]);
    expect(entry().citations).toHaveLength(3);
    expect(() => parseJsonFeed(docs.json)).not.toThrow();
    expect(docs.json).toContain('https://www.washingtonpost.com/');
  });

  it('each cited outlet with a URL becomes an Atom related link titled with its name', () => {
    const docs = renderAll(channelOf('all'), [entry()]);
    parseAtom(docs.atom);
    const related = only(atomEntries(docs.atom)).children.filter((link) => attr(link, 'rel') === 'related');
    expect(related.map((link) => [attr(link, 'title'), attr(link, 'href')])).toEqual(
      seedJson.citations.map((citation) => [citation.name, citation.url]),
    );
  });
});

describe('line ends', () => {
  // An XML parser turns CR LF and a lone CR into LF (XML 1.0 section 2.11), and CR cannot be escaped inside
  // CDATA, so content must reach the renderers without CR for the three formats to agree.
  it('content with carriage returns reaches RSS and Atom readers exactly as JSON Feed readers get it', () => {
    const seed = entry({ contentHtml: '<p>one\r\ntwo\rthree</p><pre>a\r\nb</pre>' });
    const { rss, atom, json } = parseAllFormats(renderAll(channelOf('all'), [seed]));
    const jsonContent = only(json.items).contentHtml;
    expect(jsonContent).toBe(seed.contentHtml);
    expect(only(rss.items).contentHtml).toBe(jsonContent);
    expect(only(atom.items).contentHtml).toBe(jsonContent);
  });
});

describe('the feed validator', () => {
  const two = [
    entry({ title: 'First' }),
    entry({ title: 'Second' }, { id: '01981a2b-0000-7000-8000-0000000000ff' }),
  ];
  const docs = renderAll(channelOf('all'), two);

  it('accepts the documents the mutations below start from', () => {
    expect(parseAllFormats(docs).atom.items).toHaveLength(2);
  });

  it.each<[string, (xml: string) => string, RegExp]>([
    ['an RSS version other than 2.0', (s) => s.replace('version="2.0"', 'version="0.92"'), /version/],
    ['a channel without ttl', (s) => s.replace(/<ttl>\d+<\/ttl>\n/, ''), /no <ttl>/],
    ['a channel without language', (s) => s.replace(/<language>.*<\/language>\n/, ''), /no <language>/],
    ['a ttl that is not a number', (s) => s.replace(/<ttl>\d+</, '<ttl>soon<'), /ttl/],
    ['a channel without a self link', (s) => s.replace(/<atom:link [^>]*\/>\n/, ''), /rel="self"/],
    [
      'a guid that claims to be a permalink',
      (s) => s.replace('isPermaLink="false"', 'isPermaLink="true"'),
      /isPermaLink/,
    ],
    ['a guid that is not a urn:uuid', (s) => s.replace('>urn:uuid:', '>tag:'), /urn:uuid/],
    [
      'a pubDate naming the wrong weekday',
      (s) => s.replace('Wed, 16 Jul 2025', 'Thu, 16 Jul 2025'),
      /day of the week/,
    ],
    ['an ISO 8601 pubDate', (s) => s.replace(/<pubDate>[^<]*</, `<pubDate>${PUBLISHED}<`), /RFC 822/],
    [
      'a lastBuildDate on 31 June',
      (s) => s.replace(/<lastBuildDate>[^<]*</, '<lastBuildDate>31 Jun 2025 10:00 GMT<'),
      /impossible day/,
    ],
    ['a relative item link', (s) => s.replace('<link>https://thegaze.example/', '<link>/'), /absolute URL/],
    [
      'a category domain that is not http(s)',
      (s) => s.replace('domain="https:', 'domain="ftp:'),
      /http\(s\)/,
    ],
    [
      'an item without content:encoded',
      (s) => s.replace(/<content:encoded>[\s\S]*?<\/content:encoded>\n/, ''),
      /no <encoded>/,
    ],
    [
      'an item without description',
      (s) => s.replace(/<description>[^<]*<\/description>\n(?=<content)/, ''),
      /no <description>/,
    ],
    ['an undeclared namespace prefix', (s) => s.replaceAll('atom:updated>', 'x:updated>'), /not well-formed/],
    ['an unescaped ampersand', (s) => s.replace('<title>First', '<title>A & B'), /not well-formed/],
    ['a character XML forbids', (s) => s.replace('<title>First', '<title>\u0001'), /not well-formed/],
    ['two channels', (s) => s.replace('</channel>', '</channel><channel/>'), /<channel>/],
    [
      'a self link with a tag in raw UTF-8 (an IRI, where RSS requires a URI)',
      (s) => s.replace(/(<atom:link href="[^"]*)\/rss\.xml" rel="self"/, '$1/tags/中国/rss.xml" rel="self"'),
      /not a URI/,
    ],
    [
      'a category domain in a spelling a URL parser would change',
      (s) => s.replace('domain="https://feeds.example/', 'domain="HTTPS://feeds.example:443/'),
      /normal form/,
    ],
  ])('rejects RSS with %s', (_, mutate, message) => {
    const mutated = mutate(docs.rss);
    expect(mutated).not.toBe(docs.rss);
    expect(() => parseRss(mutated)).toThrow(message);
  });

  it.each<[string, (xml: string) => string, RegExp]>([
    [
      'a root outside the Atom namespace',
      (s) => s.replace('http://www.w3.org/2005/Atom', 'http://purl.org/atom/ns#'),
      /atom:feed/,
    ],
    ['a feed without a self link', (s) => s.replace(/<link rel="self"[^>]*\/>\n/, ''), /rel="self"/],
    [
      'a feed without an author',
      (s) => s.replace(/<author><name>Newsroom<\/name>.*<\/author>\n/, ''),
      /no <author>/,
    ],
    [
      'an updated time without a zone',
      (s) => s.replace(`<updated>${FEED_UPDATED}`, '<updated>2025-07-17T08:20:00'),
      /RFC 3339/,
    ],
    ['an entry without published', (s) => s.replace(/<published>[^<]*<\/published>\n/, ''), /no <published>/],
    ['an entry without summary', (s) => s.replace(/<summary>[^<]*<\/summary>\n/, ''), /no <summary>/],
    ['content typed text', (s) => s.replace('<content type="html">', '<content type="text">'), /not "html"/],
    [
      'a relative alternate link',
      (s) => s.replace('href="https://thegaze.example/', 'href="/'),
      /absolute URL/,
    ],
    [
      'a category scheme with a tag in raw UTF-8',
      (s) => s.replace(/scheme="([^"]*)\/tags\/[^/"]+\/rss\.xml"/, 'scheme="$1/tags/한국/rss.xml"'),
      /not a URI/,
    ],
    [
      'an entry with two ids',
      (s) => s.replace('<entry>\n', '<entry>\n<id>urn:uuid:x</id>\n'),
      /2 <id> elements/,
    ],
    [
      'the same entry twice',
      (s) => s.replace('urn:uuid:01981a2b-0000-7000-8000-0000000000ff', `urn:uuid:${ARTICLE_ID}`),
      /more than once/,
    ],
  ])('rejects Atom with %s', (_, mutate, message) => {
    const mutated = mutate(docs.atom);
    expect(mutated).not.toBe(docs.atom);
    expect(() => parseAtom(mutated)).toThrow(message);
  });

  it.each<[string, (feed: Record<string, any>) => void, RegExp]>([
    [
      'version 1',
      (f) => {
        f.version = 'https://jsonfeed.org/version/1';
      },
      /version/,
    ],
    [
      'no feed_url',
      (f) => {
        delete f.feed_url;
      },
      /feed_url/,
    ],
    [
      'a relative item url',
      (f) => {
        f.items[0].url = '/news/story';
      },
      /url/,
    ],
    [
      'an ftp home page',
      (f) => {
        f.home_page_url = 'ftp://feeds.example/';
      },
      /http\(s\)/,
    ],
    [
      'an item without date_modified',
      (f) => {
        delete f.items[0].date_modified;
      },
      /date_modified/,
    ],
    [
      'a date_published that is not a date-time',
      (f) => {
        f.items[0].date_published = '16 July 2025';
      },
      /date/,
    ],
    [
      'an item without content_html',
      (f) => {
        delete f.items[0].content_html;
      },
      /content_html/,
    ],
    [
      'a field the schema does not know',
      (f) => {
        f.colour = 'blue';
      },
      /schema/,
    ],
    [
      'an id that is not a urn:uuid',
      (f) => {
        f.items[0].id = '42';
      },
      /urn:uuid/,
    ],
  ])('rejects a JSON Feed with %s', (_, mutate, message) => {
    const feed = JSON.parse(docs.json);
    mutate(feed);
    expect(() => parseJsonFeed(JSON.stringify(feed))).toThrow(message);
  });

  it('rejects formats that disagree on a title, the order of items or a correction time', () => {
    expect(() => parseAllFormats({ ...docs, rss: docs.rss.replace('<title>Second', '<title>2nd') })).toThrow(
      /title of urn:uuid:/,
    );
    const reordered = JSON.parse(docs.json);
    reordered.items.reverse();
    expect(() => parseAllFormats({ ...docs, json: JSON.stringify(reordered) })).toThrow(/item ids/);
    expect(() =>
      parseAllFormats({
        ...docs,
        rss: docs.rss.replace(`<atom:updated>${CORRECTED}`, '<atom:updated>2025-07-18T00:00:00Z'),
      }),
    ).toThrow(/updated of urn:uuid:/);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Property: hostile text, normalised as the API normalises it, renders to three formats that agree
// ---------------------------------------------------------------------------------------------------------

const HOSTILE = [
  ']]>',
  ']]]]>',
  '<![CDATA[',
  '&',
  '&amp;',
  '&#1;',
  '&#xD800;',
  '&#xFFFE;',
  '&#x1F600;',
  '<',
  '>',
  '"',
  "'",
  '\u202E',
  '\u200F',
  '\u061C',
  '😀',
  '👩‍👩‍👧',
  'Привет',
  'Київ',
  '\u0000',
  '\u0001',
  '\u0008',
  '\u000B',
  '\u001F',
  '\u007F',
  '\u0085',
  '\uFFFE',
  '\uFFFF',
  '\uD800',
  '\uDFFF',
  '\uDBFF\uDFFF',
  '\t',
  '\n',
  '\r',
  '\r\n',
  '\u00A0',
  '\u2028',
  ' ',
];

const HTML_FRAGMENTS = [
  '<p>',
  '</p>',
  '<b>bold</b>',
  '<em>',
  '<script>alert(1)</script>',
  '<a href="/rel?a=1&b=2" onclick="x()">link</a>',
  '<a href="javascript:alert(1)">js</a>',
  '<img src="pic.png" alt="]]> & &quot;">',
  '<img src="javascript:alert(1)">',
  '<pre>\r\n  code ]]&gt; </pre>',
  '<!-- comment -->',
  '<![CDATA[ x ]]>',
  '<q cite="https://cited.example/">q</q>',
  '<iframe src="https://evil.example/"></iframe>',
  '<style>p{}</style>',
  '<br>',
  '<table><tr><td>1</td></tr></table>',
  '&lt;',
  '&nbsp;',
];

const unit = fc.oneof(
  { arbitrary: fc.constantFrom(...HOSTILE), weight: 3 },
  { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }), weight: 2 },
  { arbitrary: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)), weight: 2 },
  { arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }), weight: 2 },
);
const text = (maxLength: number) => fc.string({ unit, maxLength });
/** Hostile text around one character that survives normalisation and makes a slug, so few inputs are rejected. */
const line = (maxLength: number) =>
  fc
    .tuple(text(maxLength), fc.constantFrom('a', 'Ж', '7', 'Ü', 'ß'), text(maxLength))
    .map((parts) => parts.join(''));
const html = fc
  .tuple(
    fc.array(fc.oneof(text(8), fc.constantFrom(...HTML_FRAGMENTS)), { maxLength: 6 }),
    fc.constantFrom('word', 'слово', 'x'),
    fc.array(fc.oneof(text(8), fc.constantFrom(...HTML_FRAGMENTS)), { maxLength: 6 }),
  )
  .map(([before, middle, after]) => [...before, middle, ...after].join(''));

const articleInput = fc.record({
  id: fc.uuid(),
  source: fc.constantFrom('the-gaze', 'daily-planet'),
  title: line(20),
  summary: fc.option(text(30), { nil: undefined }),
  labels: fc.array(line(6), { maxLength: 4 }),
  authorName: fc.option(line(15), { nil: undefined }),
  contentHtml: html,
  alt: fc.option(text(15), { nil: undefined }),
  citations: fc.array(
    fc.record(
      { name: line(10), url: fc.constantFrom('https://cited.example/?a=1&b="2"', 'https://cited.example/x') },
      { requiredKeys: ['name'] },
    ),
    { maxLength: 3 },
  ),
  published: fc.date({ min: new Date(0), max: new Date(NOW), noInvalidDate: true }),
  correctedAfterMs: fc.nat({ max: 400 * 24 * 3600 * 1000 }),
});

describe('rendering hostile input', () => {
  it('gives three documents that parse and agree, with titles, labels, names and content intact', () => {
    let accepted = 0;
    let rejected = 0;
    fc.assert(
      fc.property(
        fc.uniqueArray(articleInput, { minLength: 1, maxLength: 3, selector: (input) => input.id }),
        fc.constantFrom<FeedId>('all', 'sources/the-gaze', 'tags/x'),
        (inputs, feed) => {
          const entries: FeedEntry[] = [];
          for (const input of inputs) {
            const body: Record<string, unknown> = {
              source: input.source,
              title: input.title,
              url: 'https://thegaze.example/news/story?a=1&b=2',
              contentHtml: input.contentHtml,
              tags: input.labels,
              citations: input.citations,
              publishedAt: input.published.toISOString(),
              ...(input.summary === undefined ? {} : { summary: input.summary }),
              ...(input.authorName === undefined ? {} : { author: { name: input.authorName } }),
              ...(input.alt === undefined
                ? {}
                : { image: { url: 'https://thegaze.example/img/pic.webp', alt: input.alt } }),
            };
            let normalised: ReturnType<typeof parseSubmission> | undefined;
            try {
              normalised = parseSubmission(body, NOW);
            } catch (error) {
              if (!(error instanceof InvalidInputError)) throw error;
            }
            if (!normalised) rejected++;
            fc.pre(normalised !== undefined);
            entries.push({
              ...(normalised as ReturnType<typeof parseSubmission>),
              id: input.id,
              publishedAt: input.published.toISOString(),
              updatedAt: new Date(input.published.getTime() + input.correctedAfterMs).toISOString(),
            });
          }
          accepted++;
          const tagLabel = entries[0]?.tags[0]?.label;
          const channel = channelOf(feed, tagLabel);
          const docs = renderAll(channel, entries);
          const parsed = parseAllFormats(docs);
          expect(
            atomEntries(docs.atom).map((atomEntry) =>
              atomEntry.children
                .filter((link) => attr(link, 'rel') === 'related')
                .map((link) => attr(link, 'title')),
            ),
          ).toEqual(entries.map((e) => e.citations.filter((c) => c.url).map((c) => c.name)));
          const check = (result: ParsedFeed) => {
            expect(result.title).toBe(channel.title);
            expect(result.items.map((item) => item.title)).toEqual(entries.map((e) => e.title));
            expect(result.items.map((item) => item.contentHtml)).toEqual(entries.map((e) => e.contentHtml));
            expect(result.items.map((item) => item.summary)).toEqual(entries.map((e) => e.summary));
            expect(result.items.map((item) => item.tags)).toEqual(
              entries.map((e) => e.tags.map((t) => t.label)),
            );
            expect(result.items.map((item) => item.author)).toEqual(entries.map((e) => e.author?.name));
          };
          check(parsed.json);
          check(parsed.rss);
          check(parsed.atom);
        },
      ),
      { numRuns: 250 },
    );
    // The property is about accepted input: most generated articles must get through normalisation.
    expect(rejected).toBeLessThan(accepted);
  });
});
