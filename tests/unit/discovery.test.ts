import { describe, expect, it } from 'vitest';
import type { Source } from '../../shared/articles/model.ts';
import { buildCatalogue, type Catalogue, catalogueDocuments } from '../../shared/feeds/catalogue.ts';
import { describeFeed } from '../../shared/feeds/channel.ts';
import type { FeedUrls } from '../../shared/feeds/model.ts';
import type { TagRow } from '../../shared/feeds/ports.ts';
import { renderAtom } from '../../shared/feeds/render/atom.ts';
import { renderIndexHtml } from '../../shared/feeds/render/index-html.ts';
import { renderOpml } from '../../shared/feeds/render/opml.ts';
import { renderRss } from '../../shared/feeds/render/rss.ts';
import { SETTINGS, THE_GAZE } from '../support/feed-fixtures.ts';
import { parseAtom, parseRss, parseXml, type XmlElement } from '../support/feed-validation.ts';

/** A name that would break out of every context it is written into if it were not escaped. */
const HOSTILE = `Evil </title><script>alert("x")</script> & 'Co' <!-- ]]> <?pi?>`;

const SOURCES: Source[] = [
  THE_GAZE,
  {
    slug: 'evil',
    name: HOSTILE,
    homepageUrl: 'https://evil.example/?a=1&b="2"',
    description: `About ${HOSTILE}`,
    language: 'en-GB',
    createdAt: '2025-03-01T00:00:00.000Z',
  },
  {
    slug: 'daily-planet',
    name: 'daily Planet',
    homepageUrl: 'https://dailyplanet.example/',
    description: 'Metropolis news',
    language: 'en-US',
    createdAt: '2025-02-01T00:00:00.000Z',
  },
];

const ROWS = new Map<string, TagRow[]>([
  [
    'the-gaze',
    [
      { slug: 'nato', label: 'NATO', count: 2, newestPublishedAt: '2025-07-16T09:30:00.000Z' },
      {
        slug: 'donald-trump',
        label: 'Donald Trump',
        count: 5,
        newestPublishedAt: '2025-07-17T08:00:00.000Z',
      },
      { slug: 'ukraine', label: 'Ukraine', count: 2, newestPublishedAt: '2025-07-15T00:00:00.000Z' },
    ],
  ],
  [
    'daily-planet',
    [
      { slug: 'nato', label: 'Nato', count: 1, newestPublishedAt: '2025-07-18T12:00:00.000Z' },
      { slug: 'metropolis', label: 'Metropolis', count: 3 },
    ],
  ],
  ['evil', [{ slug: 'evil-tag', label: `<b>"${HOSTILE}"</b>`, count: 1 }]],
]);

const catalogue = () => buildCatalogue(SETTINGS, SOURCES, ROWS);

/** The same sources and rows, in another order. */
function shuffled(): Catalogue {
  const rows = new Map([...ROWS].reverse().map(([source, list]) => [source, [...list].reverse()]));
  return buildCatalogue(SETTINGS, [...SOURCES].reverse(), rows);
}

/** Every feed of a catalogue once, with where it belongs: `everything`, a source slug, or `tags`. */
function everyFeed(of: Catalogue): { group: string; feeds: FeedUrls }[] {
  return [
    { group: 'everything', feeds: of.all },
    ...of.sources.flatMap((source) => [
      { group: source.slug, feeds: source.feeds },
      ...source.tags.map((tag) => ({ group: source.slug, feeds: tag.feeds })),
    ]),
    ...of.tags.map((tag) => ({ group: 'tags', feeds: tag.feeds })),
  ];
}

function attr(element: XmlElement, local: string): string | undefined {
  return element.attributes.find((attribute) => attribute.uri === '' && attribute.local === local)?.value;
}

function elements(root: XmlElement): XmlElement[] {
  return [root, ...root.children.flatMap(elements)];
}

/** The attributes of every `<tag ...>` start tag in an HTML string (double-quoted values, as the renderer writes). */
function startTags(html: string, tag: string): Record<string, string>[] {
  return [...html.matchAll(new RegExp(`<${tag}\\b([^>]*)>`, 'g'))].map((match) =>
    Object.fromEntries(
      [...(match[1] ?? '').matchAll(/([a-z-]+)="([^"]*)"/g)].map((pair) => [pair[1], pair[2]] as const),
    ),
  );
}

const unescapeXml = (text: string) =>
  text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&amp;', '&');

describe('the catalogue', () => {
  it('lists every source by name, whatever the order of its inputs, with each tag most used first', () => {
    const built = catalogue();
    expect(built).toEqual(shuffled());
    expect(built.sources.map((source) => source.slug)).toEqual(['daily-planet', 'evil', 'the-gaze']);
    expect(built.sources[2]?.tags.map((tag) => tag.slug)).toEqual(['donald-trump', 'nato', 'ukraine']);
    expect(built.sources[2]?.tags[0]).toEqual({
      slug: 'donald-trump',
      label: 'Donald Trump',
      count: 5,
      feeds: {
        rss: 'https://feeds.example/feeds/sources/the-gaze/tags/donald-trump/rss.xml',
        atom: 'https://feeds.example/feeds/sources/the-gaze/tags/donald-trump/atom.xml',
        json: 'https://feeds.example/feeds/sources/the-gaze/tags/donald-trump/feed.json',
        page: 'https://feeds.example/feeds/sources/the-gaze/tags/donald-trump/index.html',
      },
    });
    expect(built.all.rss).toBe('https://feeds.example/feeds/all/rss.xml');
  });

  it('sums each tag over the sources for the cross-source feeds, with the spelling most articles use', () => {
    const nato = catalogue().tags.find((tag) => tag.slug === 'nato');
    expect(nato).toEqual({
      slug: 'nato',
      label: 'NATO',
      count: 3,
      feeds: {
        rss: 'https://feeds.example/feeds/tags/nato/rss.xml',
        atom: 'https://feeds.example/feeds/tags/nato/atom.xml',
        json: 'https://feeds.example/feeds/tags/nato/feed.json',
        page: 'https://feeds.example/feeds/tags/nato/index.html',
      },
    });
    expect(catalogue().tags.map((tag) => tag.slug)).toEqual([
      'donald-trump',
      'metropolis',
      'nato',
      'ukraine',
      'evil-tag',
    ]);
  });

  it('dates itself by the newest change in its inputs, never by the clock', () => {
    expect(catalogue().updated).toBe('2025-07-18T12:00:00.000Z');
    expect(buildCatalogue(SETTINGS, SOURCES.slice(0, 1), new Map()).updated).toBe('2025-01-01T00:00:00.000Z');
    expect(buildCatalogue(SETTINGS, [], new Map()).updated).toBe('1970-01-01T00:00:00.000Z');
  });

  it('publishes the index page and the OPML with their media types and the feeds Cache-Control', () => {
    const documents = catalogueDocuments(catalogue(), SETTINGS);
    expect(
      documents.map(({ key, contentType, cacheControl }) => ({ key, contentType, cacheControl })),
    ).toEqual([
      {
        key: 'feeds/index.html',
        contentType: 'text/html; charset=utf-8',
        cacheControl: 'public, max-age=300, stale-while-revalidate=60',
      },
      {
        key: 'feeds/opml.xml',
        contentType: 'text/x-opml; charset=utf-8',
        cacheControl: 'public, max-age=300, stale-while-revalidate=60',
      },
    ]);
    expect(documents[0]?.body.toString('utf8')).toBe(renderIndexHtml(catalogue()));
    expect(
      Buffer.compare(
        documents[1]?.body as Buffer,
        catalogueDocuments(shuffled(), SETTINGS)[1]?.body as Buffer,
      ),
    ).toBe(0);
  });
});

describe('the index page', () => {
  const html = renderIndexHtml(catalogue());

  it('gives the same bytes for the same catalogue, in whatever order it was gathered', () => {
    expect(renderIndexHtml(shuffled())).toBe(html);
  });

  it('fits a phone: an HTML5 page with a viewport, its language and direction', () => {
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en" dir="ltr">')).toBe(true);
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain('<meta charset="utf-8">');
  });

  it('declares every feed in every format with a <link rel="alternate"> of its media type, once', () => {
    const links = startTags(html, 'link').filter((link) => link.rel === 'alternate');
    const expected = everyFeed(catalogue()).flatMap(({ feeds }) => [
      { type: 'application/rss+xml', href: feeds.rss },
      { type: 'application/atom+xml', href: feeds.atom },
      { type: 'application/feed+json', href: feeds.json },
    ]);
    // everything, 3 sources, 6 tags within them, 5 tags across them
    expect(expected).toHaveLength(3 * (1 + 3 + 6 + 5));
    expect(links.map(({ type, href }) => ({ type, href: unescapeXml(href ?? '') }))).toEqual(expected);
    for (const link of links) expect(link.title).toBeTruthy();
    // In the head, before the body.
    expect(html.lastIndexOf('<link ')).toBeLessThan(html.indexOf('<body>'));
  });

  it('loads nothing: no script, no stylesheet link, no image, no frame, and no URL but the links it offers', () => {
    expect(html).not.toMatch(/<(script|img|iframe|object|embed|video|audio|source|form|base)\b/i);
    expect(html).not.toMatch(/\bsrc(set)?=/i);
    expect(html).not.toMatch(/url\(|@import/i);
    expect(startTags(html, 'link').every((link) => link.rel === 'alternate')).toBe(true);
    // Every absolute URL is the href of a link or of an anchor.
    const hrefs = new Set(
      [...startTags(html, 'a'), ...startTags(html, 'link')].map((element) => element.href).filter(Boolean),
    );
    const urls = [...html.matchAll(/https?:\/\/[^\s"<>]+/g)].map((match) => match[0]);
    expect(urls.length).toBeGreaterThan(40);
    for (const url of urls) expect(hrefs.has(url), url).toBe(true);
  });

  it('shows every source, its description and tags with their counts, the OPML and how to subscribe', () => {
    expect(html).toContain('<h3><a href="https://thegaze.example/">The Gaze</a></h3>');
    expect(html).toContain('News and analysis from The Gaze');
    expect(html).toContain(
      '<a href="https://feeds.example/feeds/sources/the-gaze/tags/donald-trump/index.html">Donald Trump</a> <span class="muted">5 articles</span>',
    );
    expect(html).toContain('>Metropolis</a> <span class="muted">3 articles</span>');
    expect(html).toContain('<a href="https://feeds.example/feeds/opml.xml" type="text/x-opml">opml.xml</a>');
    expect(html).toMatch(/How to subscribe\..*paste it into your feed reader/s);
    expect(html).toContain('<time datetime="2025-07-18T12:00:00.000Z">2025-07-18 12:00 UTC</time>');
  });

  it('escapes hostile source names, descriptions, tags and URLs in text and attributes', () => {
    expect(html).not.toContain('<script');
    expect(html).not.toContain('</title><');
    expect(html).not.toContain('<!--');
    expect(html).not.toContain('<?pi');
    expect(html).toContain(
      "Evil &lt;/title&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 'Co' &lt;!-- ]]&gt; &lt;?pi?&gt;",
    );
    expect(html).toContain('<a href="https://evil.example/?a=1&amp;b=&quot;2&quot;">');
    expect(html).toContain('&lt;b&gt;&quot;Evil');
    // Every title of a discovery link still reads as the name once unescaped.
    const titles = startTags(html, 'link').map((link) => unescapeXml(link.title ?? ''));
    expect(titles).toContain(`${HOSTILE} (RSS)`);
  });

  it('links a homepage only when it is a web address', () => {
    const page = renderIndexHtml(
      buildCatalogue(
        SETTINGS,
        [{ ...(SOURCES[0] as Source), homepageUrl: 'javascript:alert(1)' }],
        new Map(),
      ),
    );
    expect(page).not.toContain('javascript:');
    expect(page).toContain('<h3>The Gaze</h3>');
  });
});

describe('the OPML catalogue', () => {
  const opml = renderOpml(catalogue());
  const root = parseXml(opml);
  const body = root.children.find((element) => element.local === 'body') as XmlElement;
  const head = root.children.find((element) => element.local === 'head') as XmlElement;

  it('gives the same bytes for the same catalogue, in whatever order it was gathered', () => {
    expect(renderOpml(shuffled())).toBe(opml);
  });

  it('is OPML 2.0 with a title, the owner and the date of the newest change', () => {
    expect(root.local).toBe('opml');
    expect(attr(root, 'version')).toBe('2.0');
    const text = (local: string) => head.children.find((element) => element.local === local)?.text;
    expect(text('title')).toBe('Newsroom: every feed');
    expect(text('ownerName')).toBe('Newsroom');
    expect(text('dateModified')).toBe('Fri, 18 Jul 2025 12:00:00 GMT');
  });

  it('lists every feed exactly once, by its RSS URL, within its source or group', () => {
    const feeds = elements(body).filter((element) => attr(element, 'type') === 'rss');
    const urls = feeds.map((feed) => attr(feed, 'xmlUrl'));
    expect(new Set(urls).size).toBe(urls.length);
    const expected = everyFeed(catalogue());
    expect(urls.sort()).toEqual(expected.map(({ feeds }) => feeds.rss).sort());
    const groups = body.children;
    expect(groups.map((group) => attr(group, 'text'))).toEqual([
      'Everything',
      'daily Planet',
      HOSTILE,
      'The Gaze',
      'Tags across every source',
    ]);
    const slugOfGroup = ['everything', 'daily-planet', 'evil', 'the-gaze', 'tags'];
    groups.forEach((group, index) => {
      expect(group.children.map((feed) => attr(feed, 'xmlUrl'))).toEqual(
        expected.filter((feed) => feed.group === slugOfGroup[index]).map(({ feeds }) => feeds.rss),
      );
    });
  });

  it('describes each feed with its title, site, language and format', () => {
    const feeds = elements(body).filter((element) => attr(element, 'type') === 'rss');
    const trump = feeds.find((feed) => attr(feed, 'xmlUrl')?.includes('the-gaze/tags/donald-trump'));
    expect(trump && Object.fromEntries(trump.attributes.map((a) => [a.local, a.value]))).toEqual({
      type: 'rss',
      version: 'RSS2',
      text: 'The Gaze: Donald Trump',
      title: 'The Gaze: Donald Trump',
      description: 'Articles from The Gaze tagged “Donald Trump”',
      xmlUrl: 'https://feeds.example/feeds/sources/the-gaze/tags/donald-trump/rss.xml',
      htmlUrl: 'https://thegaze.example/',
      language: 'en',
    });
    const everything = feeds[0] as XmlElement;
    expect(attr(everything, 'htmlUrl')).toBe('https://feeds.example/feeds/index.html');
    expect(
      attr(
        feeds.find((feed) => attr(feed, 'xmlUrl')?.includes('/sources/daily-planet/rss.xml')) as XmlElement,
        'language',
      ),
    ).toBe('en-US');
    for (const feed of feeds) expect(attr(feed, 'text')).toBeTruthy();
  });

  it('keeps hostile names intact through escaping', () => {
    const evil = body.children.find((group) => attr(group, 'text') === HOSTILE);
    expect(evil).toBeDefined();
    expect(attr(evil?.children[0] as XmlElement, 'description')).toBe(`About ${HOSTILE}`);
    expect(attr(evil?.children[0] as XmlElement, 'htmlUrl')).toBe('https://evil.example/?a=1&b="2"');
    expect(attr(evil?.children[1] as XmlElement, 'text')).toBe(`${HOSTILE}: <b>"${HOSTILE}"</b>`);
  });
});

describe('the feeds', () => {
  const channel = describeFeed('sources/the-gaze', {
    settings: SETTINGS,
    sources: new Map(SOURCES.map((source) => [source.slug, source])),
    updated: '2025-07-17T08:20:00.500Z',
  });

  it('start with the XML declaration and reference no stylesheet: browsers get a page instead', () => {
    const rss = renderRss(channel, []);
    const atom = renderAtom(channel, []);
    expect(rss.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<rss ')).toBe(true);
    expect(atom.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<feed ')).toBe(true);
    expect(rss + atom).not.toMatch(/xml-stylesheet|\.xsl/);
    expect(parseRss(rss).title).toBe('The Gaze');
    expect(parseAtom(atom).title).toBe('The Gaze');
  });
});
