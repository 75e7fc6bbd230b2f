/**
 * Feeds with tags in every script of the slug table (tests/support/scripts.ts): every document passes the strict
 * checks (saxes for XML well-formedness and namespaces, the JSON Feed 1.1 schema, every link a URI in normal form),
 * carries each tag's feed URL exactly as the table pins its path, and a third-party parser (feedsmith, which reads
 * with fast-xml-parser) reads the tag and feed URLs back unchanged.
 */
import {
  parseAtomFeed,
  parseJsonFeed as parseJsonFeedWithFeedsmith,
  parseOpml,
  parseRssFeed,
} from 'feedsmith';
import { describe, expect, it } from 'vitest';
import { parseSubmission } from '../../shared/articles/submission.ts';
import { archiveUrls } from '../../shared/feeds/archives.ts';
import { buildDirectoryPage, directoryDocuments } from '../../shared/feeds/catalogue.ts';
import { describeFeed } from '../../shared/feeds/channel.ts';
import type { Listing } from '../../shared/feeds/directory.ts';
import { type FeedId, feedIdFor } from '../../shared/feeds/feed-ids.ts';
import type { FeedEntry } from '../../shared/feeds/model.ts';
import { renderAtom } from '../../shared/feeds/render/atom.ts';
import { renderFeedPage } from '../../shared/feeds/render/feed-page.ts';
import { renderJsonFeed } from '../../shared/feeds/render/json-feed.ts';
import { renderRss } from '../../shared/feeds/render/rss.ts';
import seed from '../fixtures/seed-article.json' with { type: 'json' };
import { SETTINGS, THE_GAZE } from '../support/feed-fixtures.ts';
import { parseAllFormats, parseXml } from '../support/feed-validation.ts';
import { SCRIPTS } from '../support/scripts.ts';

const BASE = `${SETTINGS.baseUrl}feeds/`;
const SOURCES = new Map([[THE_GAZE.slug, THE_GAZE]]);
const UPDATED = '2025-07-17T08:20:00.500Z';

/** The articles that carry the table's labels, ten tags each (the most an article may carry). */
const ENTRIES: FeedEntry[] = [0, 10, 20].map((start, index) => {
  const labels = SCRIPTS.slice(start, start + 10).map(([, label]) => label);
  const submission = parseSubmission(
    { ...structuredClone(seed), title: `Tags ${start + 1} to ${start + labels.length}`, tags: labels },
    Date.parse('2025-07-16T10:00:00Z'),
  );
  return {
    ...submission,
    id: `01981a2b-0000-7000-8000-00000000000${index}`,
    publishedAt: `2025-07-1${6 - index}T09:30:00.000Z`,
    updatedAt: `2025-07-1${6 - index}T09:30:00.000Z`,
  };
});

/** The expected URL of a tag's RSS feed, from the table's pinned path (`tags/%E4%B8%AD%E5%9B%BD`). */
const rssOf = (path: string, source?: string) =>
  `${BASE}${source ? `sources/${source}/` : ''}${path}/rss.xml`;

function render(feed: FeedId, label?: string) {
  const holding = label ? ENTRIES.filter((entry) => entry.tags.some((t) => t.label === label)) : ENTRIES;
  const channel = {
    ...describeFeed(feed, { settings: SETTINGS, sources: SOURCES, tagLabel: label, updated: UPDATED }),
    // As if the feed had older entries: its archive is linked, in every format.
    history: { archive: false, prevArchive: archiveUrls(SETTINGS, feed, 1) },
  };
  return {
    channel,
    docs: {
      rss: renderRss(channel, holding),
      atom: renderAtom(channel, holding),
      json: renderJsonFeed(channel, holding),
    },
    page: renderFeedPage(channel, holding),
  };
}

describe('every entry of the slug table', () => {
  it('is on one of the articles the feeds below hold', () => {
    expect(ENTRIES.flatMap((entry) => entry.tags.map((tag) => [tag.label, tag.slug]))).toEqual(
      SCRIPTS.map(([, label, slug]) => [label, slug]),
    );
  });
});

describe.each(['all', 'sources/the-gaze'])('the %s feed, with tags in every script', (feed) => {
  const source = feed === 'all' ? undefined : THE_GAZE.slug;
  const { docs } = render(feed);

  it('passes strict XML, the JSON Feed 1.1 schema and the URI checks, and agrees across formats', () => {
    const parsed = parseAllFormats(docs);
    expect(parsed.atom.items.flatMap((item) => item.tags)).toEqual(SCRIPTS.map(([, label]) => label));
  });

  it('links each tag to its feed at the URL the table pins, read back unchanged by a third-party parser', () => {
    const wanted = SCRIPTS.map(([, label, slug, path]) => ({ label, slug, url: rssOf(path, source) }));
    const rss = parseRssFeed(docs.rss);
    expect(
      (rss.items ?? []).flatMap((item) =>
        (item.categories ?? []).map((c) => ({ label: c.name, url: c.domain })),
      ),
    ).toEqual(wanted.map(({ label, url }) => ({ label, url })));
    const atom = parseAtomFeed(docs.atom);
    expect(
      (atom.entries ?? []).flatMap((entry) =>
        (entry.categories ?? []).map((c) => ({ label: c.label, slug: c.term, url: c.scheme })),
      ),
    ).toEqual(wanted);
    // The saxes tree reads the same values.
    const domains = [...docs.rss.matchAll(/<category domain="([^"]*)">/g)].map((match) => match[1]);
    expect(domains).toEqual(wanted.map(({ url }) => url));
    for (const { url } of wanted) expect(new URL(url).href).toBe(url);
  });
});

describe.each(SCRIPTS)('the feeds of a %s tag (%j)', (_script, label, slug, path) => {
  for (const source of [undefined, THE_GAZE.slug]) {
    const feed = feedIdFor({ ...(source ? { source } : {}), tag: slug });
    it(`${feed}: valid in every format, its own and its archive's URLs encoded as the table pins them`, () => {
      const { channel, docs, page } = render(feed, label);
      const parsed = parseAllFormats(docs);
      const prefix = `${BASE}${source ? `sources/${source}/` : ''}${path}/`;
      expect(channel.urls.rss).toBe(`${prefix}rss.xml`);
      expect(parsed.rss.selfUrl).toBe(`${prefix}rss.xml`);
      expect(parsed.atom.selfUrl).toBe(`${prefix}atom.xml`);
      expect(parsed.json.selfUrl).toBe(`${prefix}feed.json`);
      expect(parsed.atom.items.length).toBeGreaterThan(0);
      expect(parsed.atom.title).toContain(label);
      // A third-party parser reads the same URLs back.
      const rss = parseRssFeed(docs.rss);
      expect(rss.atom?.links?.map((link) => [link.rel, link.href])).toEqual([
        ['self', `${prefix}rss.xml`],
        ['prev-archive', `${prefix}archive/1/rss.xml`],
      ]);
      expect(rss.items?.[0]?.categories).toContainEqual({ name: label, domain: rssOf(path, source) });
      const atom = parseAtomFeed(docs.atom);
      expect(atom.links?.map((link) => [link.rel, link.href])).toEqual([
        ['self', `${prefix}atom.xml`],
        ['prev-archive', `${prefix}archive/1/atom.xml`],
        ['alternate', source ? THE_GAZE.homepageUrl : `${BASE}index.html`],
      ]);
      expect(atom.entries?.[0]?.categories).toContainEqual({
        term: slug,
        label,
        scheme: rssOf(path, source),
      });
      const json = parseJsonFeedWithFeedsmith(JSON.parse(docs.json));
      expect(json.feed_url).toBe(`${prefix}feed.json`);
      expect(json.next_url).toBe(`${prefix}archive/1/feed.json`);
      expect(json.items?.[0]?.tags).toContain(label);
      // The feed's page links its formats and the tag's feeds by the same URLs.
      const hrefs = [...page.matchAll(/\shref="([^"]*)"/g)].map((match) => match[1] ?? '');
      for (const href of hrefs) expect(href, href).toMatch(/^https?:\/\/[\x21-\x7e]+$/);
      expect(hrefs).toContain(`${prefix}feed.json`);
      expect(hrefs).toContain(`${prefix}index.html`);
    });
  }
});

describe('the tag directories, with tags in every script', () => {
  const listings: Listing[] = SCRIPTS.map(([, label, slug], index) => ({
    slug,
    label,
    place: index + 1,
    count: 1,
    newestPublishedAt: '2025-07-16T09:30:00.000Z',
  }));

  it.each([
    ['a source', `sources/${THE_GAZE.slug}/tags`, THE_GAZE.slug],
    ['every source', 'tags', undefined],
  ] as const)(
    'of %s list every tag by the URLs the table pins, in HTML, OPML and JSON',
    (_, directory, source) => {
      const page = buildDirectoryPage(SETTINGS, directory, 1, 1, listings, source ? THE_GAZE : undefined);
      const documents = directoryDocuments(page, SETTINGS);
      const body = (suffix: string) => {
        const document = documents.find((d) => d.key.endsWith(suffix));
        if (!document) throw new Error(`no ${suffix}`);
        return Buffer.from(document.body).toString('utf8');
      };
      const wanted = SCRIPTS.map(([, , , path]) => rssOf(path, source)).sort();
      // OPML: strict XML, and what a third-party OPML parser reads.
      const opml = body('opml.xml');
      parseXml(opml);
      const outlines = parseOpml(opml).body?.outlines ?? [];
      expect(outlines.map((outline) => outline.xmlUrl).sort()).toEqual(wanted);
      // HTML: every tag feed's page and formats linked, every link a URI.
      const html = body('index.html');
      const hrefs = [...html.matchAll(/\shref="([^"]*)"/g)].map((match) => match[1] ?? '');
      for (const href of hrefs) expect(href, href).toMatch(/^https?:\/\/[\x21-\x7e]+$/);
      for (const url of wanted) {
        expect(hrefs).toContain(url);
        expect(hrefs).toContain(url.replace(/rss\.xml$/, 'index.html'));
      }
      for (const [, label] of SCRIPTS) expect(html).toContain(label);
      if (source) {
        const index = JSON.parse(body('tags.json'));
        expect(index.tags.map((tag: { feeds: { rss: string } }) => tag.feeds.rss).sort()).toEqual(wanted);
        expect(index.tags.map((tag: { label: string }) => tag.label).sort()).toEqual(
          SCRIPTS.map(([, label]) => label).sort(),
        );
      }
    },
  );
});
