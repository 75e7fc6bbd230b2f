import { describe, expect, it } from 'vitest';
import type { Source } from '../../shared/articles/model.ts';
import {
  buildCatalogue,
  buildDirectoryPage,
  catalogueDocuments,
  directoryDocuments,
} from '../../shared/feeds/catalogue.ts';
import { describeFeed } from '../../shared/feeds/channel.ts';
import type { Listing } from '../../shared/feeds/directory.ts';
import { renderAtom } from '../../shared/feeds/render/atom.ts';
import { renderDirectoryHtml } from '../../shared/feeds/render/directory-html.ts';
import { renderIndexHtml } from '../../shared/feeds/render/index-html.ts';
import { renderDirectoryOpml, renderOpml } from '../../shared/feeds/render/opml.ts';
import { renderRss } from '../../shared/feeds/render/rss.ts';
import { renderTagIndex } from '../../shared/feeds/render/tag-index.ts';
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

/** The Gaze's tag directory, page 1 of 2: listings as the tag feeds recorded them, in no order. */
const LISTINGS: Listing[] = [
  { slug: 'nato', label: 'NATO', place: 3, count: 2, newestPublishedAt: '2025-07-16T09:30:00.000Z' },
  {
    slug: 'donald-trump',
    label: 'Donald Trump',
    place: 1,
    count: 5,
    newestPublishedAt: '2025-07-17T08:00:00.000Z',
  },
  { slug: 'ukraine', label: 'Ukraine', place: 2, count: 2, newestPublishedAt: '2025-07-15T00:00:00.000Z' },
  // Its feed has emptied: it keeps its place, and no page shows it.
  { slug: 'gone', label: 'Gone', place: 4, count: 0 },
];

const catalogue = () => buildCatalogue(SETTINGS, SOURCES);
const shuffled = () => buildCatalogue(SETTINGS, [...SOURCES].reverse());
const gazePage = (listings = LISTINGS) =>
  buildDirectoryPage(SETTINGS, 'sources/the-gaze/tags', 1, 2, listings, THE_GAZE);

function attr(element: XmlElement, local: string): string | undefined {
  return element.attributes.find((attribute) => attribute.uri === '' && attribute.local === local)?.value;
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

const feedsOf = (feed: string) => ({
  rss: `https://feeds.example/feeds/${feed}/rss.xml`,
  atom: `https://feeds.example/feeds/${feed}/atom.xml`,
  json: `https://feeds.example/feeds/${feed}/feed.json`,
  page: `https://feeds.example/feeds/${feed}/index.html`,
});

describe('the catalogue', () => {
  it('lists every source by name, whatever the order of its inputs, with its tag directory', () => {
    const built = catalogue();
    expect(built).toEqual(shuffled());
    expect(built.sources.map((source) => source.slug)).toEqual(['daily-planet', 'evil', 'the-gaze']);
    expect(built.sources[2]?.feeds).toEqual(feedsOf('sources/the-gaze'));
    expect(built.sources[2]?.tags).toEqual({
      html: 'https://feeds.example/feeds/sources/the-gaze/tags/index.html',
      opml: 'https://feeds.example/feeds/sources/the-gaze/tags/opml.xml',
      json: 'https://feeds.example/feeds/sources/the-gaze/tags.json',
    });
    expect(built.tags).toEqual({
      html: 'https://feeds.example/feeds/tags/index.html',
      opml: 'https://feeds.example/feeds/tags/opml.xml',
    });
    expect(built.all.rss).toBe('https://feeds.example/feeds/all/rss.xml');
  });

  it('dates itself by the latest registration, never by the clock', () => {
    expect(catalogue().updated).toBe('2025-03-01T00:00:00.000Z');
    expect(buildCatalogue(SETTINGS, SOURCES.slice(0, 1)).updated).toBe(THE_GAZE.createdAt);
    expect(buildCatalogue(SETTINGS, []).updated).toBe('1970-01-01T00:00:00.000Z');
  });

  it('publishes the index page and the OPML with their media types and the feeds Cache-Control', () => {
    const documents = catalogueDocuments(catalogue(), SETTINGS);
    expect(
      documents.map(({ key, contentType, cacheControl }) => ({ key, contentType, cacheControl })),
    ).toEqual([
      {
        key: 'feeds/index.html',
        contentType: 'text/html; charset=utf-8',
        cacheControl: 'public, max-age=300, s-maxage=30',
      },
      {
        key: 'feeds/opml.xml',
        contentType: 'text/x-opml; charset=utf-8',
        cacheControl: 'public, max-age=300, s-maxage=30',
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

  it('gives the same bytes for the same sources, in whatever order they were read', () => {
    expect(renderIndexHtml(shuffled())).toBe(html);
  });

  it('fits a phone: an HTML5 page with a viewport, its language and direction', () => {
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en" dir="ltr">')).toBe(true);
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain('<meta charset="utf-8">');
  });

  it('declares everything and every source in every format with a <link rel="alternate">, once', () => {
    const links = startTags(html, 'link').filter((link) => link.rel === 'alternate');
    const built = catalogue();
    const expected = [built.all, ...built.sources.map((source) => source.feeds)].flatMap((feeds) => [
      { type: 'application/rss+xml', href: feeds.rss },
      { type: 'application/atom+xml', href: feeds.atom },
      { type: 'application/feed+json', href: feeds.json },
    ]);
    expect(expected).toHaveLength(3 * (1 + 3));
    expect(links.map(({ type, href }) => ({ type, href: unescapeXml(href ?? '') }))).toEqual(expected);
    for (const link of links) expect(link.title).toBeTruthy();
    expect(html.lastIndexOf('<link ')).toBeLessThan(html.indexOf('<body>'));
  });

  it('loads nothing: no script, no stylesheet link, no image, no frame, and no URL but the links it offers', () => {
    expect(html).not.toMatch(/<(script|img|iframe|object|embed|video|audio|source|form|base)\b/i);
    expect(html).not.toMatch(/\bsrc(set)?=/i);
    expect(html).not.toMatch(/url\(|@import/i);
    expect(startTags(html, 'link').every((link) => link.rel === 'alternate')).toBe(true);
    const hrefs = new Set(
      [...startTags(html, 'a'), ...startTags(html, 'link')].map((element) => element.href).filter(Boolean),
    );
    const urls = [...html.matchAll(/https?:\/\/[^\s"<>]+/g)].map((match) => match[0]);
    expect(urls.length).toBeGreaterThan(20);
    for (const url of urls) expect(hrefs.has(url), url).toBe(true);
  });

  it('shows every source, its description and its tags, the tags across sources, the OPML and how to subscribe', () => {
    expect(html).toContain('<h3><a href="https://thegaze.example/">The Gaze</a></h3>');
    expect(html).toContain('News and analysis from The Gaze');
    expect(html).toContain(
      '<a href="https://feeds.example/feeds/sources/the-gaze/tags/index.html">Tags of The Gaze</a>',
    );
    expect(html).toContain(
      '<a href="https://feeds.example/feeds/tags/index.html">Tags across every source</a>',
    );
    expect(html).toContain('<a href="https://feeds.example/feeds/opml.xml" type="text/x-opml">opml.xml</a>');
    expect(html).toMatch(/How to subscribe\..*paste it into your feed reader/s);
    expect(html).toContain('<time datetime="2025-03-01T00:00:00.000Z">2025-03-01 00:00 UTC</time>');
  });

  it('escapes hostile source names, descriptions and URLs in text and attributes', () => {
    expect(html).not.toContain('<script');
    expect(html).not.toContain('</title><');
    expect(html).not.toContain('<!--');
    expect(html).not.toContain('<?pi');
    expect(html).toContain(
      "Evil &lt;/title&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 'Co' &lt;!-- ]]&gt; &lt;?pi?&gt;",
    );
    expect(html).toContain('<a href="https://evil.example/?a=1&amp;b=&quot;2&quot;">');
    const titles = startTags(html, 'link').map((link) => unescapeXml(link.title ?? ''));
    expect(titles).toContain(`${HOSTILE} (RSS)`);
  });

  it('links a homepage only when it is a web address', () => {
    const page = renderIndexHtml(
      buildCatalogue(SETTINGS, [{ ...(SOURCES[0] as Source), homepageUrl: 'javascript:alert(1)' }]),
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

  it('gives the same bytes for the same sources, in whatever order they were read', () => {
    expect(renderOpml(shuffled())).toBe(opml);
  });

  it('is OPML 2.0 with a title, the owner and the date of the latest registration', () => {
    expect(root.local).toBe('opml');
    expect(attr(root, 'version')).toBe('2.0');
    const text = (local: string) => head.children.find((element) => element.local === local)?.text;
    expect(text('title')).toBe('Newsroom: every feed');
    expect(text('ownerName')).toBe('Newsroom');
    expect(text('dateModified')).toBe('Sat, 01 Mar 2025 00:00:00 GMT');
  });

  it('lists everything and each source by RSS URL, and includes each tag directory (type="include")', () => {
    const groups = body.children;
    expect(groups.map((group) => attr(group, 'text'))).toEqual([
      'Everything',
      'daily Planet',
      HOSTILE,
      'The Gaze',
      'Tags across every source',
    ]);
    const outline = (group: XmlElement) =>
      group.children.map((child) => `${attr(child, 'type')} ${attr(child, 'xmlUrl') ?? attr(child, 'url')}`);
    expect(outline(groups[0] as XmlElement)).toEqual(['rss https://feeds.example/feeds/all/rss.xml']);
    expect(outline(groups[3] as XmlElement)).toEqual([
      'rss https://feeds.example/feeds/sources/the-gaze/rss.xml',
      'include https://feeds.example/feeds/sources/the-gaze/tags/opml.xml',
    ]);
    expect(outline(groups[4] as XmlElement)).toEqual(['include https://feeds.example/feeds/tags/opml.xml']);
    const gaze = groups[3]?.children[0] as XmlElement;
    expect(Object.fromEntries(gaze.attributes.map((a) => [a.local, a.value]))).toEqual({
      type: 'rss',
      version: 'RSS2',
      text: 'The Gaze',
      title: 'The Gaze',
      description: 'News and analysis from The Gaze',
      xmlUrl: 'https://feeds.example/feeds/sources/the-gaze/rss.xml',
      htmlUrl: 'https://thegaze.example/',
      language: 'en',
    });
  });

  it('keeps hostile names intact through escaping', () => {
    const evil = body.children.find((group) => attr(group, 'text') === HOSTILE);
    expect(attr(evil?.children[0] as XmlElement, 'description')).toBe(`About ${HOSTILE}`);
    expect(attr(evil?.children[0] as XmlElement, 'htmlUrl')).toBe('https://evil.example/?a=1&b="2"');
    expect(attr(evil?.children[1] as XmlElement, 'text')).toBe(`Tags of ${HOSTILE}`);
  });
});

describe('a tag directory page', () => {
  it('lists the tags with entries, most used first, whatever the order of the listings', () => {
    const page = gazePage();
    expect(page).toEqual(gazePage([...LISTINGS].reverse()));
    expect(page.tags.map((tag) => tag.slug)).toEqual(['donald-trump', 'nato', 'ukraine']);
    expect(page.tags[0]).toEqual({
      slug: 'donald-trump',
      label: 'Donald Trump',
      count: 5,
      newestPublishedAt: '2025-07-17T08:00:00.000Z',
      feeds: feedsOf('sources/the-gaze/tags/donald-trump'),
    });
    expect(page.next?.html).toBe('https://feeds.example/feeds/sources/the-gaze/tags/index-2.html');
    expect(page.previous).toBeUndefined();
  });

  it('publishes page 1 where the tag index always was, and later pages beside it', () => {
    const keys = (page: number) =>
      directoryDocuments(
        buildDirectoryPage(SETTINGS, 'sources/the-gaze/tags', page, 3, LISTINGS, THE_GAZE),
        SETTINGS,
      ).map(({ key, contentType }) => `${key} ${contentType}`);
    expect(keys(1)).toEqual([
      'feeds/sources/the-gaze/tags/index.html text/html; charset=utf-8',
      'feeds/sources/the-gaze/tags/opml.xml text/x-opml; charset=utf-8',
      'feeds/sources/the-gaze/tags.json application/json; charset=utf-8',
    ]);
    expect(keys(2)).toEqual([
      'feeds/sources/the-gaze/tags/index-2.html text/html; charset=utf-8',
      'feeds/sources/the-gaze/tags/opml-2.xml text/x-opml; charset=utf-8',
      'feeds/sources/the-gaze/tags-2.json application/json; charset=utf-8',
    ]);
    const across = directoryDocuments(buildDirectoryPage(SETTINGS, 'tags', 2, 2, LISTINGS), SETTINGS);
    expect(across.map((document) => document.key)).toEqual([
      'feeds/tags/index-2.html',
      'feeds/tags/opml-2.xml',
    ]);
  });

  it('keeps the JSON tag index readers know, and names the next page with next_url', () => {
    const index = JSON.parse(renderTagIndex(gazePage()));
    expect(index.source).toEqual({
      slug: 'the-gaze',
      name: 'The Gaze',
      home_page_url: 'https://thegaze.example/',
    });
    expect(index.tags[0]).toEqual({
      label: 'Donald Trump',
      slug: 'donald-trump',
      count: 5,
      newest_published_at: '2025-07-17T08:00:00.000Z',
      feeds: {
        rss: 'https://feeds.example/feeds/sources/the-gaze/tags/donald-trump/rss.xml',
        atom: 'https://feeds.example/feeds/sources/the-gaze/tags/donald-trump/atom.xml',
        json: 'https://feeds.example/feeds/sources/the-gaze/tags/donald-trump/feed.json',
      },
    });
    expect(index.next_url).toBe('https://feeds.example/feeds/sources/the-gaze/tags-2.json');
    const last = JSON.parse(
      renderTagIndex(buildDirectoryPage(SETTINGS, 'sources/the-gaze/tags', 2, 2, [], THE_GAZE)),
    );
    expect(last).toEqual({ source: index.source, tags: [], page: 2 });
  });

  it('shows each tag feed in three formats, with neither counts nor times, so a count does not change it', () => {
    const html = renderDirectoryHtml(gazePage());
    expect(html).toContain('<title>Tags of The Gaze</title>');
    expect(html).toContain(
      '<a href="https://feeds.example/feeds/sources/the-gaze/tags/donald-trump/index.html">Donald Trump</a>',
    );
    expect(html).toContain(
      'href="https://feeds.example/feeds/sources/the-gaze/tags/index-2.html" rel="next"',
    );
    expect(html).not.toContain('Gone');
    const recounted = LISTINGS.map((listing) => ({ ...listing, count: (listing.count ?? 0) + 7 }));
    expect(renderDirectoryHtml(gazePage(recounted))).toBe(html);
    expect(renderDirectoryOpml(gazePage(recounted))).toBe(renderDirectoryOpml(gazePage()));
    const links = startTags(html, 'link').filter((link) => link.rel === 'alternate');
    expect(links).toHaveLength(3 * 3);
  });

  it('is OPML 2.0 listing each tag feed once and including the next page', () => {
    const root = parseXml(renderDirectoryOpml(gazePage()));
    const body = root.children.find((element) => element.local === 'body') as XmlElement;
    expect(body.children.map((child) => attr(child, 'xmlUrl') ?? attr(child, 'url'))).toEqual([
      'https://feeds.example/feeds/sources/the-gaze/tags/donald-trump/rss.xml',
      'https://feeds.example/feeds/sources/the-gaze/tags/nato/rss.xml',
      'https://feeds.example/feeds/sources/the-gaze/tags/ukraine/rss.xml',
      'https://feeds.example/feeds/sources/the-gaze/tags/opml-2.xml',
    ]);
    expect(attr(body.children[3] as XmlElement, 'type')).toBe('include');
    // A page with no tag yet is still valid OPML: its body holds an outline.
    const empty = parseXml(renderDirectoryOpml(buildDirectoryPage(SETTINGS, 'tags', 1, 1, [])));
    const emptyBody = empty.children.find((element) => element.local === 'body') as XmlElement;
    expect(emptyBody.children.map((child) => attr(child, 'text'))).toEqual(['No tags yet']);
  });

  it('lists tags across sources by label, without counts, in the deployment language', () => {
    const page = buildDirectoryPage(SETTINGS, 'tags', 1, 1, LISTINGS);
    expect(page.tags.map((tag) => tag.label)).toEqual(['Donald Trump', 'NATO', 'Ukraine']);
    expect(page.tags.every((tag) => tag.count === undefined)).toBe(true);
    expect(page.tags[1]?.feeds).toEqual(feedsOf('tags/nato'));
    expect(renderDirectoryHtml(page)).toContain('<title>Tags of Newsroom, every source</title>');
    expect(() => buildDirectoryPage(SETTINGS, 'sources/the-gaze/tags', 1, 1, [])).toThrow(/own source/);
  });

  it('escapes hostile labels in every rendering', () => {
    const evil = SOURCES[1] as Source;
    const page = buildDirectoryPage(
      SETTINGS,
      'sources/evil/tags',
      1,
      1,
      [
        {
          slug: 'evil-tag',
          label: `<b>"${HOSTILE}"</b>`,
          place: 1,
          count: 1,
          newestPublishedAt: '2025-07-16T00:00:00.000Z',
        },
      ],
      evil,
    );
    const html = renderDirectoryHtml(page);
    expect(html).not.toContain('<script');
    expect(html).toContain('&lt;b&gt;&quot;Evil');
    const opml = parseXml(renderDirectoryOpml(page));
    const body = opml.children.find((element) => element.local === 'body') as XmlElement;
    expect(attr(body.children[0] as XmlElement, 'text')).toBe(`${HOSTILE}: <b>"${HOSTILE}"</b>`);
    expect(JSON.parse(renderTagIndex(page)).tags[0].label).toBe(`<b>"${HOSTILE}"</b>`);
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
