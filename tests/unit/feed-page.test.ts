import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Source } from '../../shared/articles/model.ts';
import { archiveUrls } from '../../shared/feeds/archives.ts';
import { describeFeed } from '../../shared/feeds/channel.ts';
import type { FeedChannel, FeedEntry } from '../../shared/feeds/model.ts';
import { renderFeedPage } from '../../shared/feeds/render/feed-page.ts';
import { directionOf } from '../../shared/feeds/render/page.ts';
import { SETTINGS, THE_GAZE } from '../support/feed-fixtures.ts';

const SOURCES = new Map<string, Source>([
  ['the-gaze', THE_GAZE],
  [
    'al-rased',
    {
      slug: 'al-rased',
      name: 'الراصد',
      homepageUrl: 'https://alrased.example/',
      description: 'أخبار وتحليلات',
      language: 'ar',
      createdAt: '2025-01-02T00:00:00.000Z',
    },
  ],
]);

/** Never shown: the pages carry text, never the article HTML. */
const CONTENT_MARKER = 'CONTENT-HTML-NEVER-ON-THE-PAGE';

function entry(overrides: Partial<FeedEntry> = {}): FeedEntry {
  return {
    id: '01981a2b-3c4d-7e5f-8a9b-0c1d2e3f4a5b',
    source: 'the-gaze',
    title: 'White House Confirms Trump and Zelenskyy Discussed Possible Strikes on Moscow',
    url: 'https://thegaze.example/news/strikes-on-moscow',
    contentHtml: `<p>${CONTENT_MARKER}</p>`,
    summary: 'The White House has confirmed that President Donald Trump asked a question.',
    author: { name: 'The Gaze newsroom' },
    tags: [
      { label: 'Ukraine', slug: 'ukraine' },
      { label: 'NATO', slug: 'nato' },
    ],
    citations: [],
    publishedAt: '2025-07-16T09:30:00.000Z',
    updatedAt: '2025-07-16T09:30:00.000Z',
    corrections: [],
    ...overrides,
  };
}

const OLDER = entry({
  id: '01981a2b-0000-7000-8000-000000000001',
  title: 'An older story',
  url: 'https://thegaze.example/news/older',
  publishedAt: '2025-07-14T23:59:00.000Z',
  updatedAt: '2025-07-15T08:00:00.000Z',
  tags: [],
  summary: '',
});

function channelOf(feed: string): FeedChannel {
  return describeFeed(feed, { settings: SETTINGS, sources: SOURCES, updated: '2025-07-16T09:30:00.000Z' });
}

/** A feed's page; one that has archive pages links the newest as its older articles. */
function feedPage(
  feed = 'sources/the-gaze',
  entries: FeedEntry[] = [entry(), OLDER],
  archived = true,
): string {
  return renderFeedPage(channelOf(feed), entries, archived ? { older: archiveUrls(SETTINGS, feed, 7) } : {});
}

function archivePage(): string {
  const feed = 'sources/the-gaze';
  const channel = channelOf(feed);
  const current = channel.urls;
  channel.urls = archiveUrls(SETTINGS, feed, 6);
  channel.title = 'The Gaze (archive, page 6)';
  channel.history = {
    archive: true,
    current,
    prevArchive: archiveUrls(SETTINGS, feed, 5),
    nextArchive: archiveUrls(SETTINGS, feed, 7),
  };
  return renderFeedPage(channel, [entry()], { archive: { page: 6, feedTitle: 'The Gaze' } });
}

/** The attributes of every `<tag ...>` start tag (double-quoted values, as the renderer writes them). */
function startTags(html: string, tag: string): Record<string, string>[] {
  return [...html.matchAll(new RegExp(`<${tag}\\b([^>]*)>`, 'g'))].map((match) =>
    Object.fromEntries(
      [...(match[1] ?? '').matchAll(/([a-z-]+)="([^"]*)"/g)].map((pair) => [pair[1], pair[2]] as const),
    ),
  );
}

/** Every element name the page opens: what a hostile value would add to if it were not escaped. */
const elementNames = (html: string) => new Set([...html.matchAll(/<([a-zA-Z][\w-]*)/g)].map((m) => m[1]));
const PAGE_ELEMENTS = new Set(
  'html head meta title link style body main p h1 h2 h3 div dl dt dd a code ol li time nav strong'.split(' '),
);

const FEED = 'https://feeds.example/feeds/sources/the-gaze/';

describe('the page of a feed', () => {
  const html = feedPage();

  it('gives the same bytes for the same feed', () => {
    expect(feedPage()).toBe(html);
  });

  it('is an HTML5 page in the source language that fits a phone, titled by the feed', () => {
    expect(
      html.startsWith('<!DOCTYPE html>\n<html lang="en" dir="ltr">\n<head>\n<meta charset="utf-8">\n'),
    ).toBe(true);
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain('<title>The Gaze (web feed)</title>');
    expect(html).toContain('<h1 dir="auto">The Gaze</h1>');
    expect(html).toContain('<p dir="auto">News and analysis from The Gaze</p>');
  });

  it('says it is a web feed to copy into a reader, with its URL in each format, each linked with its type', () => {
    expect(html).toContain(
      '<strong>This is a web feed.</strong> Copy its URL into your feed reader to get every new article',
    );
    for (const [name, file, type] of [
      ['RSS', 'rss.xml', 'application/rss+xml'],
      ['Atom', 'atom.xml', 'application/atom+xml'],
      ['JSON Feed', 'feed.json', 'application/feed+json'],
    ])
      expect(html).toContain(
        `<dt><a href="${FEED}${file}" type="${type}">${name}</a></dt><dd><code class="url">${FEED}${file}</code></dd>`,
      );
  });

  it('declares the feed in its three formats for readers given the page', () => {
    expect(startTags(html, 'link')).toEqual([
      { rel: 'alternate', type: 'application/rss+xml', title: 'The Gaze (RSS)', href: `${FEED}rss.xml` },
      { rel: 'alternate', type: 'application/atom+xml', title: 'The Gaze (Atom)', href: `${FEED}atom.xml` },
      {
        rel: 'alternate',
        type: 'application/feed+json',
        title: 'The Gaze (JSON Feed)',
        href: `${FEED}feed.json`,
      },
    ]);
  });

  it('links every feed of the site and the source website', () => {
    expect(html).toContain('<a href="https://feeds.example/feeds/index.html">Every feed</a>');
    expect(html).toContain('Website: <a href="https://thegaze.example/">https://thegaze.example/</a>');
  });

  it('lists the newest items: headline linking the article, time, author, summary and tags linking their pages', () => {
    const items = html.slice(html.indexOf('<ol class="items">'), html.indexOf('</ol>'));
    expect(html).toContain('<h2>Newest articles</h2>');
    expect(startTags(items, 'li')).toEqual([
      { id: 'item-01981a2b-3c4d-7e5f-8a9b-0c1d2e3f4a5b' },
      { id: 'item-01981a2b-0000-7000-8000-000000000001' },
    ]);
    expect(items).toContain(
      '<h3 dir="auto"><a href="https://thegaze.example/news/strikes-on-moscow">White House Confirms Trump and Zelenskyy Discussed Possible Strikes on Moscow</a></h3>',
    );
    expect(items).toContain(
      '<p class="muted"><time datetime="2025-07-16T09:30:00.000Z">2025-07-16 09:30 UTC</time> · The Gaze newsroom</p>',
    );
    expect(items).toContain(
      '<p dir="auto">The White House has confirmed that President Donald Trump asked a question.</p>',
    );
    expect(items).toContain(
      `Tags: <a href="${FEED}tags/ukraine/index.html">Ukraine</a>, <a href="${FEED}tags/nato/index.html">NATO</a>`,
    );
    // The newest first, and a correction's time beside the publication time.
    expect(items.indexOf('Strikes on Moscow')).toBeLessThan(items.indexOf('An older story'));
    expect(items).toContain('updated <time datetime="2025-07-15T08:00:00.000Z">2025-07-15 08:00 UTC</time>');
  });

  it('never carries the article HTML', () => {
    expect(html).not.toContain(CONTENT_MARKER);
  });

  it('links older articles: the archive page of the oldest day it shows', () => {
    expect(html).toContain(
      `<nav class="pages">\n<a href="${FEED}archive/7/index.html" rel="prev">Older articles</a>\n</nav>`,
    );
  });

  it('names the source of each item in a feed that mixes sources, and the catalogue as its home', () => {
    const all = feedPage('all', [entry(), entry({ id: 'x', source: 'al-rased', title: 'خبر عاجل' })]);
    expect(all).toContain('<h1 dir="auto">Newsroom: all articles</h1>');
    expect(all).toContain('2025-07-16 09:30 UTC</time> · The Gaze newsroom · The Gaze</p>');
    expect(all).toContain('· الراصد</p>');
    expect(all).not.toContain('Website:');
    expect(all).toContain('<a href="https://feeds.example/feeds/tags/ukraine/index.html">Ukraine</a>');
  });

  it('reads right to left for a source written right to left', () => {
    const arabic = feedPage('sources/al-rased', [entry({ source: 'al-rased', title: 'خبر عاجل' })]);
    expect(arabic).toContain('<html lang="ar" dir="rtl">');
    expect(arabic).toContain('<h1 dir="auto">الراصد</h1>');
    expect(directionOf('he-IL')).toBe('rtl');
    expect(directionOf('fa')).toBe('rtl');
    expect(directionOf('en-GB')).toBe('ltr');
    expect(directionOf('zh-Hans')).toBe('ltr');
  });

  it('says so when the feed is empty, and links no archive when it has none', () => {
    const empty = feedPage('sources/the-gaze', [], false);
    expect(empty).toContain('<p>No articles yet.</p>');
    expect(empty).not.toContain('<ol');
    expect(empty).not.toContain('<nav');
  });

  it('loads nothing and runs nothing: no script, image, frame, form or style sheet link', () => {
    expect(html).not.toMatch(/<(script|img|iframe|object|embed|video|audio|source|form|base|svg)\b/i);
    expect(html).not.toMatch(/\bsrc(set)?=|\bon[a-z]+=|url\(|@import|javascript:/i);
    expect(startTags(html, 'link').every((link) => link.rel === 'alternate')).toBe(true);
    expect([...elementNames(html)].filter((name) => !PAGE_ELEMENTS.has(name as string))).toEqual([]);
  });
});

describe('the page of an archive page', () => {
  const html = archivePage();

  it('says it is one page of the archive and subscribes readers to the current feed, not the page', () => {
    expect(html).toContain('<p class="kicker">Web feed archive</p>');
    expect(html).toContain('<h1 dir="auto">The Gaze (archive, page 6)</h1>');
    expect(html).toContain('copy the current feed’s URL into your feed reader');
    expect(html).toContain(`<code class="url">${FEED}rss.xml</code>`);
    expect(html).toContain(
      `This page of the archive as <a href="${FEED}archive/6/rss.xml" type="application/rss+xml">RSS</a>`,
    );
    expect(startTags(html, 'link').map((link) => [link.title, link.href])).toEqual([
      ['The Gaze (RSS)', `${FEED}rss.xml`],
      ['The Gaze (Atom)', `${FEED}atom.xml`],
      ['The Gaze (JSON Feed)', `${FEED}feed.json`],
    ]);
    expect(html).toContain('<h2>Archived articles, page 6</h2>');
  });

  it('links the later and the earlier page and the current feed', () => {
    expect(html).toContain(
      [
        '<nav class="pages">',
        `<a href="${FEED}archive/7/index.html" rel="next">Later articles</a>`,
        `<a href="${FEED}archive/5/index.html" rel="prev">Earlier articles</a>`,
        `<a href="${FEED}index.html">Current feed</a>`,
        '</nav>',
      ].join('\n'),
    );
  });
});

describe('whatever an editor or operator wrote', () => {
  it('stays text: no value adds an element, an attribute or a link that is not a web address', () => {
    const text = fc.string({ unit: 'binary', maxLength: 80 });
    fc.assert(
      fc.property(text, text, text, text, text, (title, summary, author, label, name) => {
        const sources = new Map([['the-gaze', { ...THE_GAZE, name, description: name }]]);
        const channel = describeFeed('sources/the-gaze', {
          settings: SETTINGS,
          sources,
          updated: '2025-07-16T09:30:00.000Z',
        });
        const url = `https://thegaze.example/?q=${encodeURIComponent(title)}&x="${label}`;
        const html = renderFeedPage(channel, [
          entry({ title, summary, author: { name: author }, tags: [{ label, slug: 'tag' }], url }),
          entry({ url: `javascript:alert(${JSON.stringify(title)})` }),
        ]);
        expect([...elementNames(html)].filter((element) => !PAGE_ELEMENTS.has(element as string))).toEqual(
          [],
        );
        expect(html).not.toMatch(/href="(?!https:\/\/)/);
        expect(html.includes(CONTENT_MARKER)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
