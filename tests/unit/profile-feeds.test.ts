/**
 * Where the partner profiles are published: beside each of a source's own feeds (and its tags' feeds within it), one
 * RSS feed and one report per profile the source lists, in the same publish as the public documents; none for a
 * source without profiles, for the feeds that mix sources, or for archive pages; a profiles edit re-renders them.
 */
import { describe, expect, it } from 'vitest';
import { memoryAdapters } from '#shared/adapters/memory/index.ts';
import type { Article } from '#shared/articles/model.ts';
import { parseSubmission } from '#shared/articles/submission.ts';
import { changeOf } from '#shared/feeds/changes.ts';
import { FeedRegenerator } from '#shared/feeds/regenerate.ts';
import { Registry } from '#shared/registry.ts';
import sample from '../fixtures/seed-article.json' with { type: 'json' };
import { SETTINGS, THE_GAZE } from '../support/feed-fixtures.ts';
import { parseRss } from '../support/feed-validation.ts';
import { describeW3cEvents, w3cValidate } from '../support/w3c-feed-validator.ts';

const NOW = Date.parse('2025-07-20T12:00:00Z');
const PARTNERS = /^feeds\/partners\//;

async function deployment(profiles: string[]) {
  const stores = memoryAdapters();
  const registry = new Registry(stores.registry);
  await registry.addSource({
    slug: THE_GAZE.slug,
    name: THE_GAZE.name,
    homepageUrl: THE_GAZE.homepageUrl,
    logoUrl: 'https://thegaze.example/brand/logo.png',
    profiles,
  });
  const regenerator = new FeedRegenerator(stores.feeds, stores.publisher, SETTINGS);
  const { correction: _none, publishedAt, ...content } = parseSubmission(sample, NOW);
  const at = new Date(NOW).toISOString();
  const article: Article = {
    ...content,
    image: { url: 'https://thegaze.example/img/strike.jpg', width: 1200, height: 675 },
    id: '20000000-0000-4000-8000-000000000001',
    status: 'published',
    version: 1,
    publishedAt: publishedAt ?? at,
    createdAt: at,
    updatedAt: at,
  };
  await stores.articles.createArticle(article);
  const first = await regenerator.regenerate(
    [changeOf('r1', undefined, article)].filter((c) => c !== undefined),
  );
  const keys = () => [...stores.publisher.objects.keys()].sort();
  return { stores, registry, regenerator, article, first, keys };
}

describe('a source’s partner profiles in its feeds', () => {
  it('publish an RSS feed and a report per profile beside its own feed and each tag’s feed within it', async () => {
    const { stores, article, first, keys } = await deployment(['smartnews', 'msn']);
    const tags = article.tags.map((tag) => tag.slug);
    expect(tags.length).toBeGreaterThan(0);
    const expected = ['msn', 'smartnews'].flatMap((profile) =>
      ['sources/the-gaze', ...tags.map((tag) => `sources/the-gaze/tags/${tag}`)].flatMap((feed) => [
        `feeds/partners/${profile}/${feed}/report.json`,
        `feeds/partners/${profile}/${feed}/rss.xml`,
      ]),
    );
    expect(keys().filter((key) => PARTNERS.test(key))).toEqual(expected.sort());
    const publicRss = stores.publisher.objects.get('feeds/sources/the-gaze/rss.xml');
    for (const key of expected) {
      const object = stores.publisher.objects.get(key);
      expect(object?.cacheControl).toBe(publicRss?.cacheControl);
      if (key.endsWith('rss.xml')) {
        expect(object?.contentType).toBe('application/rss+xml; charset=utf-8');
        const parsed = parseRss(object?.body.toString('utf8') ?? '');
        expect(parsed.selfUrl).toBe(`${SETTINGS.baseUrl}${key}`);
        expect(parsed.items.map((item) => item.id)).toEqual([`urn:uuid:${article.id}`]);
      } else {
        expect(object?.contentType).toBe('application/json; charset=utf-8');
        const report = JSON.parse(object?.body.toString('utf8') ?? '{}');
        expect(report.rss).toBe(`${SETTINGS.baseUrl}${key.replace(/report\.json$/, 'rss.xml')}`);
        expect(report.counts).toEqual({ items: 1, withdrawn: 0, leftOut: 0 });
      }
    }
    // The private feeds are announced to no public hub.
    expect(first.changedTopics.filter((topic) => topic.includes('/partners/'))).toEqual([]);
    expect(first.changedTopics).toContain(`${SETTINGS.baseUrl}feeds/sources/the-gaze/rss.xml`);
  });

  it('pass the W3C validator in every feed, the tags’ included, with only each profile’s known events', async () => {
    const { stores } = await deployment(['msn', 'smartnews', 'flipboard', 'full-text']);
    const documents = [...stores.publisher.objects]
      .filter(([key]) => PARTNERS.test(key) && key.endsWith('rss.xml'))
      .map(([key, object]) => ({
        name: key,
        url: `${SETTINGS.baseUrl}${key}`,
        contentType: object.contentType,
        body: object.body.toString('utf8'),
      }));
    expect(documents.length).toBeGreaterThan(4);
    const known = [
      'warning UnknownNamespace: Use of unknown namespace: http://webfeeds.org/rss/1.0',
      'warning UnknownNamespace: Use of unknown namespace: http://www.smartnews.be/snf',
      'error NotInANamespace: Missing namespace for url',
    ];
    for (const line of describeW3cEvents(w3cValidate(documents))) {
      const event = line.replace(/^\S+ line \d+: /, '');
      expect(known, line).toContain(event);
      if (event !== known[0]) expect(line, 'SmartNews’s own').toMatch(/^feeds\/partners\/smartnews\//);
    }
  });

  it('publish nothing under feeds/partners/ for a source without profiles, nor for the feeds that mix sources', async () => {
    expect((await deployment([])).keys().filter((key) => PARTNERS.test(key))).toEqual([]);
    const { keys } = await deployment(['flipboard']);
    expect(
      keys().filter(
        (key) => PARTNERS.test(key) && !key.startsWith('feeds/partners/flipboard/sources/the-gaze/'),
      ),
    ).toEqual([]);
  });

  it('follow a profiles edit: the source’s feeds are rendered again with the new profile, and nothing else moves', async () => {
    const { stores, registry, regenerator, keys } = await deployment(['msn']);
    const before = new Map([...stores.publisher.objects].map(([key, object]) => [key, object.sha256]));
    await registry.updateSource('the-gaze', { profiles: ['msn', 'flipboard'] });
    const edit = await regenerator.regenerate(
      [],
      [{ recordId: 'r2', slug: 'the-gaze', edited: { feeds: true, name: false } }],
    );
    expect(edit.failedRecordIds).toEqual([]);
    // The catalogue and the source's tag directory follow any source edit: not the feeds' business.
    const listings = /^feeds\/(index\.html|opml\.xml)$|\/tags(\.json|\/index\.html|\/opml\.xml)$/;
    const added = keys().filter((key) => !before.has(key) && !listings.test(key));
    expect(added.length).toBeGreaterThan(0);
    expect(added.filter((key) => !key.startsWith('feeds/partners/flipboard/sources/the-gaze/'))).toEqual([]);
    // The public documents and the MSN variants are the same bytes: nothing of them was uploaded again.
    for (const [key, sha256] of before)
      if (!listings.test(key)) expect(stores.publisher.objects.get(key)?.sha256, key).toBe(sha256);
    const flipboardReport = JSON.parse(
      stores.publisher.objects
        .get('feeds/partners/flipboard/sources/the-gaze/report.json')
        ?.body.toString('utf8') ?? '{}',
    );
    expect(flipboardReport.findings).toEqual([
      { field: 'items', reason: '1 items; Flipboard asks for at least 30' },
    ]);
  });

  it('keep a removed profile’s feed to announce withdrawals only, and bring its articles back when listed again', async () => {
    const { stores, registry, regenerator, article } = await deployment(['msn', 'smartnews']);
    const rss = (profile: string) =>
      parseRss(stores.publisher.text(`feeds/partners/${profile}/sources/the-gaze/rss.xml`) ?? '');
    const report = (profile: string) =>
      JSON.parse(stores.publisher.text(`feeds/partners/${profile}/sources/the-gaze/report.json`) ?? '{}');
    const edit = (recordId: string) =>
      regenerator.regenerate([], [{ recordId, slug: 'the-gaze', edited: { feeds: true, name: false } }]);
    await registry.updateSource('the-gaze', { profiles: ['msn'] });
    await edit('r2');
    expect(rss('smartnews').items).toEqual([]);
    expect(report('smartnews').findings[0]).toMatchObject({ field: 'profile' });
    expect(rss('msn').items.map((item) => item.id)).toEqual([`urn:uuid:${article.id}`]);
    // A profile never published for the source is not published by the edit either.
    expect(
      [...stores.publisher.objects.keys()].some((key) => key.startsWith('feeds/partners/flipboard/')),
    ).toBe(false);

    // Listed again: its articles are back.
    await registry.updateSource('the-gaze', { profiles: ['msn', 'smartnews'] });
    await edit('r3');
    expect(rss('smartnews').items.map((item) => item.id)).toEqual([`urn:uuid:${article.id}`]);
    expect(report('smartnews').findings.map((finding: { field: string }) => finding.field)).not.toContain(
      'profile',
    );

    // Removed again, then the article is retracted: the removed profile's feed still announces it.
    await registry.updateSource('the-gaze', { profiles: ['msn'] });
    await edit('r4');
    const retracted: Article = {
      ...article,
      status: 'retracted',
      version: 2,
      retractedAt: '2025-07-20T13:00:00.000Z',
      updatedAt: '2025-07-20T13:00:00.000Z',
    };
    await stores.articles.replaceArticle(article, retracted);
    await regenerator.regenerate([changeOf('r5', article, retracted)].filter((c) => c !== undefined));
    for (const profile of ['msn', 'smartnews'])
      expect(
        rss(profile).withdrawn.map((w) => w.id),
        profile,
      ).toEqual([`urn:uuid:${article.id}`]);
    expect(stores.publisher.text('feeds/partners/smartnews/sources/the-gaze/rss.xml')).toContain(
      '<media:status state="deleted" reason="retracted">deleted</media:status>',
    );
  });

  it('upload nothing when the feed is rendered again from the same state', async () => {
    const { regenerator, first } = await deployment(['msn', 'smartnews', 'flipboard', 'full-text']);
    expect(first.uploaded).toBeGreaterThan(0);
    const again = await regenerator.publishFeed('sources/the-gaze', '');
    expect(again.keys).toEqual([]);
  });
});
