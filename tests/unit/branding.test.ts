/**
 * A source's branding (logo, icon, accent colour): the registry's rules for it, and how its feeds carry it (RSS
 * `image` and Feedly's `webfeeds`, Atom `icon` and `logo`, JSON Feed `icon` and `favicon`), read back by the strict
 * parsers, by feedsmith and by the W3C feed validator. Feeds that mix sources, and sources without branding, carry
 * none of it.
 */
import { parseAtomFeed, parseJsonFeed as parseJsonWithFeedsmith, parseRssFeed } from 'feedsmith';
import { describe, expect, it } from 'vitest';
import { memoryAdapters } from '#shared/adapters/memory/index.ts';
import type { Article, Source } from '#shared/articles/model.ts';
import { parseSubmission } from '#shared/articles/submission.ts';
import { changeOf } from '#shared/feeds/changes.ts';
import { describeFeed } from '#shared/feeds/channel.ts';
import type { FeedId } from '#shared/feeds/feed-ids.ts';
import { FeedRegenerator } from '#shared/feeds/regenerate.ts';
import { renderAtom } from '#shared/feeds/render/atom.ts';
import { renderJsonFeed } from '#shared/feeds/render/json-feed.ts';
import { renderRss } from '#shared/feeds/render/rss.ts';
import { Registry } from '#shared/registry.ts';
import sample from '../fixtures/seed-article.json' with { type: 'json' };
import { SETTINGS, THE_GAZE } from '../support/feed-fixtures.ts';
import { NS, parseAllFormats, parseXml } from '../support/feed-validation.ts';
import { describeW3cEvents, servedType, w3cValidate } from '../support/w3c-feed-validator.ts';

const NOW = Date.parse('2025-07-20T12:00:00Z');
const LOGO = 'https://thegaze.example/brand/logo.png';
const SVG_LOGO = 'https://thegaze.example/brand/logo.svg';
const ICON = 'https://thegaze.example/brand/icon.png';
const BRANDED: Source = { ...THE_GAZE, logoUrl: LOGO, iconUrl: ICON, accentColor: '#1a2b3c' };

function render(feed: FeedId, source: Source) {
  const channel = describeFeed(feed, {
    settings: SETTINGS,
    sources: new Map([[source.slug, source]]),
    updated: '2025-07-20T12:00:00.000Z',
    ...(feed.includes('tags/') ? { tagLabel: 'Harbour' } : {}),
  });
  return { rss: renderRss(channel, []), atom: renderAtom(channel, []), json: renderJsonFeed(channel, []) };
}

describe('a source’s branding in the registry', () => {
  const registry = () => new Registry(memoryAdapters().registry);
  const base = { slug: 'the-gaze', name: 'The Gaze', homepageUrl: 'https://thegaze.example/' };

  it('keeps https URLs and a lower-case colour, and leaves a source without them as it was', async () => {
    const r = registry();
    expect(await r.addSource(base)).not.toHaveProperty('logoUrl');
    const source = await r.addSource({ ...base, logoUrl: LOGO, iconUrl: ICON, accentColor: '#1A2B3C' });
    expect(source).toMatchObject({ logoUrl: LOGO, iconUrl: ICON, accentColor: '#1a2b3c' });
  });

  it.each([
    [{ logoUrl: 'http://thegaze.example/logo.png' }, '--logo must be an absolute https URL'],
    [{ logoUrl: '/logo.png' }, '--logo must be an absolute https URL'],
    [{ iconUrl: 'javascript:alert(1)' }, '--icon must be an absolute https URL'],
    [{ iconUrl: 'https://user:pw@thegaze.example/i.png' }, '--icon must be an absolute https URL'],
    [{ accentColor: '1a2b3c' }, '--accent must be a colour such as #1a2b3c'],
    [{ accentColor: '#abc' }, '--accent must be a colour such as #1a2b3c'],
    [{ accentColor: '#1a2b3c"' }, '--accent must be a colour such as #1a2b3c'],
  ])('refuses %o', async (branding, message) => {
    await expect(registry().addSource({ ...base, ...branding })).rejects.toThrow(message);
  });

  it('updates only the fields given, and an empty value removes one', async () => {
    const r = registry();
    await r.addSource({ ...base, logoUrl: LOGO, accentColor: '#1a2b3c' });
    const { after } = await r.updateSource('the-gaze', { iconUrl: ICON });
    expect(after).toMatchObject({ logoUrl: LOGO, iconUrl: ICON, accentColor: '#1a2b3c' });
    const { after: cleared } = await r.updateSource('the-gaze', { logoUrl: '', accentColor: '' });
    expect(cleared).not.toHaveProperty('logoUrl');
    expect(cleared).not.toHaveProperty('accentColor');
    expect(cleared.iconUrl).toBe(ICON);
  });
});

describe('a source’s branding in its feeds', () => {
  it('renders the source’s feeds without it exactly as before, with no webfeeds namespace', () => {
    const plain = render('sources/the-gaze', THE_GAZE);
    expect(plain.rss).not.toMatch(/webfeeds|<image>/);
    expect(plain.atom).not.toMatch(/<icon>|<logo>/);
    expect(plain.json).not.toMatch(/"icon"|"favicon"/);
  });

  it.each(['sources/the-gaze', 'sources/the-gaze/tags/harbour'] as FeedId[])(
    'carries it in %s, valid in every format',
    (feed) => {
      const docs = render(feed, BRANDED);
      parseAllFormats(docs);
      const rss = parseXml(docs.rss);
      const channel = rss.children.find((child) => child.local === 'channel');
      const title = channel?.children.find((child) => child.local === 'title' && child.uri === '')?.text;
      expect(docs.rss).toContain(' xmlns:webfeeds="http://webfeeds.org/rss/1.0"');
      expect(docs.rss).toContain(
        `<image><url>${LOGO}</url><title>${title}</title><link>https://thegaze.example/</link></image>\n`,
      );
      const webfeeds = Object.fromEntries(
        (channel?.children ?? [])
          .filter((child) => child.uri === NS.webfeeds)
          .map((child) => [child.local, child.text]),
      );
      expect(webfeeds).toEqual({ icon: ICON, logo: LOGO, accentColor: '1a2b3c' });
      expect(docs.atom).toContain(`<icon>${ICON}</icon>\n<logo>${LOGO}</logo>\n`);
      expect(JSON.parse(docs.json)).toMatchObject({ icon: ICON, favicon: ICON });

      // feedsmith reads image, icon and logo back (it has no webfeeds module; the strict parser reads those above).
      const read = parseRssFeed(docs.rss);
      expect(read.image).toMatchObject({ url: LOGO, title, link: 'https://thegaze.example/' });
      expect(parseAtomFeed(docs.atom)).toMatchObject({ icon: ICON, logo: LOGO });
      expect(parseJsonWithFeedsmith(docs.json)).toMatchObject({ icon: ICON, favicon: ICON });
    },
  );

  it('uses the icon as the RSS image when there is no logo, and writes only the elements it has', () => {
    const docs = render('sources/the-gaze', { ...THE_GAZE, iconUrl: ICON });
    parseAllFormats(docs);
    expect(docs.rss).toContain(`<image><url>${ICON}</url>`);
    expect(docs.rss).toContain(`<webfeeds:icon>${ICON}</webfeeds:icon>`);
    expect(docs.rss).not.toMatch(/webfeeds:logo|webfeeds:accentColor/);
    expect(docs.atom).not.toContain('<logo>');
    const accent = render('sources/the-gaze', { ...THE_GAZE, accentColor: '#00ff00' });
    expect(accent.rss).not.toContain('<image>');
    expect(accent.rss).toContain('<webfeeds:accentColor>00ff00</webfeeds:accentColor>');
    expect(accent.atom).toBe(render('sources/the-gaze', THE_GAZE).atom);
    expect(accent.json).toBe(render('sources/the-gaze', THE_GAZE).json);
  });

  it('gives RSS an image only in a format RSS 2.0 allows: an SVG logo is Feedly’s alone', () => {
    const svg = render('sources/the-gaze', { ...THE_GAZE, logoUrl: SVG_LOGO, iconUrl: ICON });
    parseAllFormats(svg);
    expect(svg.rss).toContain(`<image><url>${ICON}</url>`);
    expect(svg.rss).toContain(`<webfeeds:logo>${SVG_LOGO}</webfeeds:logo>`);
    expect(svg.atom).toContain(`<logo>${SVG_LOGO}</logo>`);
    const only = render('sources/the-gaze', { ...THE_GAZE, logoUrl: SVG_LOGO });
    expect(only.rss).not.toContain('<image>');
    expect(only.rss).toContain(`<webfeeds:logo>${SVG_LOGO}</webfeeds:logo>`);
  });

  it('leaves feeds that mix sources without any source’s branding', () => {
    for (const feed of ['all', 'tags/harbour'] as FeedId[]) {
      const docs = render(feed, BRANDED);
      expect(docs.rss).not.toMatch(/webfeeds|<image>/);
      expect(docs.atom).not.toMatch(/<icon>|<logo>/);
      expect(docs.json).not.toMatch(/"icon"|"favicon"/);
    }
  });
});

describe('the W3C feed validator on branded feeds', () => {
  it('finds no error in any feed of a branded source, and only its one unknown namespace as a warning', async () => {
    const stores = memoryAdapters();
    await new Registry(stores.registry).addSource({
      slug: 'the-gaze',
      name: THE_GAZE.name,
      homepageUrl: THE_GAZE.homepageUrl,
      logoUrl: SVG_LOGO,
      iconUrl: ICON,
      accentColor: '#1a2b3c',
    });
    const regenerator = new FeedRegenerator(stores.feeds, stores.publisher, SETTINGS);
    const { correction: _none, publishedAt, ...content } = parseSubmission(sample, NOW);
    const at = new Date(NOW).toISOString();
    const article: Article = {
      ...content,
      id: '20000000-0000-4000-8000-000000000001',
      status: 'published',
      version: 1,
      publishedAt: publishedAt ?? at,
      createdAt: at,
      updatedAt: at,
    };
    await stores.articles.createArticle(article);
    await regenerator.regenerate([changeOf('r1', undefined, article)].filter((c) => c !== undefined));
    const documents = [...stores.publisher.objects]
      .filter(([key]) => /\/(rss|atom)\.xml$/.test(key))
      .map(([key, object]) => ({
        name: key,
        url: `${SETTINGS.baseUrl}${key.split('/').map(encodeURIComponent).join('/')}`,
        contentType: servedType(key),
        body: Buffer.from(object.body).toString('utf8'),
      }));
    const branded = documents.filter((document) => document.name.startsWith('feeds/sources/the-gaze/'));
    expect(branded.length).toBeGreaterThan(2);
    for (const document of branded) expect(document.body).toMatch(/webfeeds:icon|<icon>/);
    const results = w3cValidate(documents);
    expect(results.size).toBe(documents.length);
    // The validator predates Feedly's webfeeds and warns of its namespace, once per branded RSS feed: the one event.
    const rss = branded
      .filter((document) => document.name.endsWith('rss.xml'))
      .map((document) => document.name);
    expect(describeW3cEvents(results)).toEqual(
      rss.map(
        (name) =>
          `${name} line 2: warning UnknownNamespace: Use of unknown namespace: http://webfeeds.org/rss/1.0`,
      ),
    );
  });
});
