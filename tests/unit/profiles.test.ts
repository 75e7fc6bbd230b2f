/**
 * Partner profiles (shared/feeds/profiles/): each renders the sample article and a retraction into a feed that
 * passes a checklist written from the partner's public specification (cited per rule), the strict RSS parser and the
 * W3C feed validator; any title, HTML or tag label, in any script, still gives well-formed XML that passes the
 * profile's rules; what a profile leaves out is in its report, with the reason.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Source } from '#shared/articles/model.ts';
import { parseSubmission } from '#shared/articles/submission.ts';
import { describeFeed } from '#shared/feeds/channel.ts';
import type { FeedChannel, FeedEntry, Withdrawal } from '#shared/feeds/model.ts';
import { filterHtml } from '#shared/feeds/profiles/html.ts';
import { PROFILES } from '#shared/feeds/profiles/index.ts';
import { PROFILE_NAMES, type ProfileName } from '#shared/feeds/profiles/names.ts';
import { profileRssUrl, renderProfile, reportJson } from '#shared/feeds/profiles/render.ts';
import type { ProfileReport } from '#shared/feeds/profiles/types.ts';
import { renderRss } from '#shared/feeds/render/rss.ts';
import { sanitizeContentHtml } from '#shared/html.ts';
import sample from '../fixtures/seed-article.json' with { type: 'json' };
import { SETTINGS, THE_GAZE } from '../support/feed-fixtures.ts';
import { NS, parseRfc822, parseRss, parseXml, type XmlElement } from '../support/feed-validation.ts';
import { describeW3cEvents, w3cValidate } from '../support/w3c-feed-validator.ts';

const NOW = Date.parse('2025-07-20T12:00:00Z');
const LOGO = 'https://thegaze.example/brand/logo.png';
const SOURCE: Source = { ...THE_GAZE, logoUrl: LOGO, profiles: [...PROFILE_NAMES] };
const FEED = 'sources/the-gaze';
const IMAGE = { url: 'https://thegaze.example/img/strike.jpg', alt: 'A strike', width: 1200, height: 675 };

/** The sample article as the feeds hold it; `image` as the editor gave it (the sample has none of its own). */
function sampleEntry(overrides: Partial<FeedEntry> = {}): FeedEntry {
  const { correction: _none, publishedAt, expiresAt: _no, ...content } = parseSubmission(sample, NOW);
  return {
    ...content,
    id: '20000000-0000-4000-8000-000000000001',
    publishedAt: publishedAt ?? new Date(NOW).toISOString(),
    updatedAt: '2025-07-20T11:30:00.000Z',
    ...overrides,
  };
}

const RETRACTION: Withdrawal = {
  id: '20000000-0000-4000-8000-000000000002',
  status: 'retracted',
  at: '2025-07-20T11:00:00.000Z',
  url: 'https://thegaze.example/news/retracted',
};

function channelFor(source: Source = SOURCE, withdrawn: Withdrawal[] = [RETRACTION]): FeedChannel {
  const channel = describeFeed(FEED, {
    settings: SETTINGS,
    sources: new Map([[source.slug, source]]),
    updated: '2025-07-20T12:00:00.000Z',
  });
  if (withdrawn.length) channel.withdrawn = withdrawn;
  return channel;
}

function render(name: ProfileName, entries: readonly FeedEntry[], channel = channelFor()) {
  const url = profileRssUrl(SETTINGS, name, FEED);
  return { url, ...renderProfile(PROFILES[name], channel, entries, url) };
}

// ---------------------------------------------------------------------------------------------------------------
// The checklists: one per profile, each rule with the page it comes from. A rule returns what is wrong, or nothing.
// ---------------------------------------------------------------------------------------------------------------

interface Feed {
  root: XmlElement;
  channel: XmlElement;
  /** Live items and withdrawal notices (those with dcterms:valid). */
  items: XmlElement[];
  notices: XmlElement[];
  bytes: number;
}

interface Rule {
  rule: string;
  spec: string;
  broken: (feed: Feed) => string | undefined;
}

const kids = (parent: XmlElement, uri: string, local: string) =>
  parent.children.filter((child) => child.uri === uri && child.local === local);
const kid = (parent: XmlElement, uri: string, local: string) => kids(parent, uri, local)[0];
const attr = (element: XmlElement | undefined, local: string) =>
  element?.attributes.find((a) => a.uri === '' && a.local === local)?.value;
const text = (parent: XmlElement, uri: string, local: string) => kid(parent, uri, local)?.text.trim();

/** The start tags of an HTML fragment, lower case. */
const tagsOf = (html: string) =>
  [...html.matchAll(/<([a-zA-Z][a-zA-Z0-9]*)/g)].map((m) => (m[1] ?? '').toLowerCase());

function everyItem(check: (item: XmlElement) => string | undefined): (feed: Feed) => string | undefined {
  return (feed) => {
    for (const item of feed.items) {
      const problem = check(item);
      if (problem) return `${item.path}: ${problem}`;
    }
    return undefined;
  };
}

function onlyTags(allowed: readonly string[]): (feed: Feed) => string | undefined {
  return everyItem((item) => {
    const html = text(item, NS.content, 'encoded') ?? '';
    const stray = tagsOf(html).filter((tag) => !allowed.includes(tag));
    return stray.length ? `content:encoded has ${[...new Set(stray)].join(', ')}` : undefined;
  });
}

const noReadMore = everyItem((item) =>
  /<a\b[^>]*>\s*(read more|continue reading)/i.test(text(item, NS.content, 'encoded') ?? '')
    ? 'a "read more" link'
    : undefined,
);

const MSN_ITEMS = 'https://support.microsoft.com/en-us/msn/partner-hub/msn-feed-item-metadata-requirements';
const MSN_HTML =
  'https://support.microsoft.com/en-us/msn/partner-hub/msn-html-guidelines-and-tag-restrictions';
const MSN_TAKEDOWN =
  'https://support.microsoft.com/en-us/msn/partner-hub/msn-content-expiration-and-takedown-rules';
const MSN_IMAGES = 'https://helpcenter.microsoftstart.com/kb/articles/25-feed-content-specifications';
const SMARTFORMAT = 'https://publishers.smartnews.com/hc/en-us/articles/360036526213';
const SMARTNEWS_DELETE = 'https://publishers.smartnews.com/hc/en-us/articles/360021354914';
const FLIPBOARD = 'https://about.flipboard.com/rss-spec/';

/** Every notice is a takedown MSN understands: same id, expiry in the past, a newer updated date paired with it. */
const takedown = (feed: Feed) => {
  for (const notice of feed.notices) {
    const valid = text(notice, NS.dcterms, 'valid');
    const modified = text(notice, NS.dcterms, 'modified');
    const updated = text(notice, NS.atom, 'updated');
    const built = parseRfc822(text(feed.channel, '', 'lastBuildDate') ?? '');
    if (!valid || !modified || !updated)
      return `${notice.path}: dcterms:valid, dcterms:modified and atom:updated`;
    if (valid > built) return `${notice.path}: the expiry ${valid} is not in the past`;
    if (modified !== updated) return `${notice.path}: dcterms:modified is not the updated date`;
  }
  return undefined;
};

const CHECKLISTS: Record<ProfileName, Rule[]> = {
  msn: [
    {
      rule: 'an article has a durable unique id, a title, a published date, a body and a link',
      spec: MSN_ITEMS,
      broken: everyItem(
        (item) =>
          ['guid', 'title', 'pubDate', 'link'].find((name) => !text(item, '', name)) ??
          (text(item, NS.content, 'encoded') ? undefined : 'no body'),
      ),
    },
    {
      rule: 'a title is more than 20 characters and at most 150, with no HTML tags',
      spec: MSN_ITEMS,
      broken: everyItem((item) => {
        const title = text(item, '', 'title') ?? '';
        const length = [...title].length;
        // Text, never elements: a `<` an editor typed is escaped (`&#x3C;`), which RSS readers take for text.
        if (kid(item, '', 'title')?.children.length) return 'markup in the title';
        return length > 20 && length <= 150 ? undefined : `a title of ${length} characters`;
      }),
    },
    {
      rule: 'the published date is in the past and less than 365 days old',
      spec: MSN_ITEMS,
      broken: everyItem((item) => {
        const published = Date.parse(parseRfc822(text(item, '', 'pubDate') ?? ''));
        const age = NOW - published;
        return age >= 0 && age < 365 * 86_400_000
          ? undefined
          : `published ${new Date(published).toISOString()}`;
      }),
    },
    {
      rule: 'an updated date marks a new version of the same id (dcterms:modified, as atom:updated)',
      spec: MSN_TAKEDOWN,
      broken: everyItem((item) =>
        text(item, NS.dcterms, 'modified') === text(item, NS.atom, 'updated') ? undefined : 'no updated date',
      ),
    },
    {
      rule: 'the body uses only the allowed tags',
      spec: MSN_HTML,
      broken: onlyTags(PROFILES.msn.html.allowedTags ?? []),
    },
    {
      rule: 'an image of known size is at least 720 px on its longer side, width over height from .5 to 1.89',
      spec: MSN_IMAGES,
      broken: everyItem((item) => {
        const media = kid(item, NS.media, 'content');
        const [w, h] = [Number(attr(media, 'width')), Number(attr(media, 'height'))];
        if (!media || !w || !h) return undefined;
        return Math.max(w, h) >= 720 && w / h >= 0.5 && w / h <= 1.89 ? undefined : `an image ${w}×${h}`;
      }),
    },
    {
      rule: 'a takedown: same id, an expiry in the past and a newer updated date',
      spec: MSN_TAKEDOWN,
      broken: takedown,
    },
  ],
  smartnews: [
    {
      rule: 'RSS 2.0 with the content, dc, media and snf namespaces, in UTF-8',
      spec: SMARTFORMAT,
      broken: (feed) => {
        const declared = feed.root.attributes.map((a) => a.value);
        const missing = [NS.content, NS.dc, NS.media, 'http://www.smartnews.be/snf'].filter(
          (uri) => !declared.includes(uri),
        );
        return missing.length ? `undeclared ${missing.join(', ')}` : undefined;
      },
    },
    {
      rule: 'the channel has title, link, description, pubDate and language',
      spec: SMARTFORMAT,
      broken: (feed) =>
        ['title', 'link', 'description', 'pubDate', 'language'].find((name) => !text(feed.channel, '', name)),
    },
    {
      rule: 'the channel gives the publisher’s logo in snf:logo',
      spec: SMARTFORMAT,
      broken: (feed) => {
        const logo = kid(feed.channel, 'http://www.smartnews.be/snf', 'logo');
        return logo && text(logo, '', 'url') === LOGO ? undefined : 'no snf:logo/url';
      },
    },
    {
      rule: 'every item has a title, a link, a guid and a pubDate',
      spec: SMARTFORMAT,
      broken: everyItem((item) => ['title', 'link', 'guid', 'pubDate'].find((name) => !text(item, '', name))),
    },
    {
      rule: 'a deleted article keeps its item, with media:status deleted and a changed pubDate',
      spec: SMARTNEWS_DELETE,
      broken: (feed) => {
        for (const notice of feed.notices) {
          if (kid(notice, NS.media, 'status')?.text.trim() !== 'deleted')
            return `${notice.path}: no media:status`;
          if (Date.parse(parseRfc822(text(notice, '', 'pubDate') ?? '')) !== Date.parse(RETRACTION.at))
            return `${notice.path}: pubDate is not the deletion's`;
        }
        return feed.notices.length ? undefined : 'no notice of the deleted article';
      },
    },
    {
      rule: 'the body uses only the allowed tags',
      spec: SMARTFORMAT,
      broken: onlyTags(PROFILES.smartnews.html.allowedTags ?? []),
    },
    {
      rule: 'the file is at most 1 MB',
      spec: SMARTFORMAT,
      broken: (feed) => (feed.bytes <= 1_000_000 ? undefined : `${feed.bytes} bytes`),
    },
  ],
  flipboard: [
    {
      rule: 'every item has link, title, content:encoded (the full body), dc:creator, guid and pubDate with its zone',
      spec: FLIPBOARD,
      broken: everyItem((item) => {
        const missing = ['link', 'title', 'guid', 'pubDate'].find((name) => !text(item, '', name));
        if (missing) return `no ${missing}`;
        if (!text(item, NS.content, 'encoded')) return 'no content:encoded';
        if (!text(item, NS.dc, 'creator')) return 'no dc:creator';
        return /(GMT|[+-]\d{4})$/.test(text(item, '', 'pubDate') ?? '')
          ? undefined
          : 'a pubDate without a zone';
      }),
    },
    {
      rule: 'at least one image per article (Media RSS), no less than 400 px in the smallest dimension',
      spec: FLIPBOARD,
      broken: everyItem((item) => {
        const media = kid(item, NS.media, 'content');
        if (!media || attr(media, 'medium') !== 'image') return 'no image';
        const [w, h] = [Number(attr(media, 'width')), Number(attr(media, 'height'))];
        return !w || !h || Math.min(w, h) >= 400 ? undefined : `an image ${w}×${h}`;
      }),
    },
    { rule: 'full text: no "read more" link in the body', spec: FLIPBOARD, broken: noReadMore },
  ],
  'full-text': [
    {
      rule: 'every item carries the full body and, with an image, Media RSS content and thumbnail',
      spec: 'https://www.rssboard.org/media-rss',
      broken: everyItem((item) => {
        if (!text(item, NS.content, 'encoded')) return 'no content:encoded';
        const media = kid(item, NS.media, 'content');
        return !media || kid(item, NS.media, 'thumbnail')
          ? undefined
          : 'media:content without media:thumbnail';
      }),
    },
    {
      rule: 'no "read more" link in the body',
      spec: 'https://www.rssboard.org/rss-specification',
      broken: noReadMore,
    },
  ],
};

/** Rules every profile keeps: its own URL as self link, no public hub, the public feed's notices kept. */
const COMMON: Rule[] = [
  {
    rule: 'a notice keeps the withdrawn article’s guid, with dcterms:valid in the past',
    spec: MSN_TAKEDOWN,
    broken: (feed) =>
      feed.notices.every((notice) => text(notice, '', 'guid') === `urn:uuid:${RETRACTION.id}`)
        ? takedown(feed)
        : 'a notice with another guid',
  },
  {
    rule: 'no WebSub hub: a partner feed is private',
    spec: 'https://www.w3.org/TR/websub/',
    broken: (feed) =>
      kids(feed.channel, NS.atom, 'link').some((link) => attr(link, 'rel') === 'hub')
        ? 'a hub link'
        : undefined,
  },
];

function feedOf(rss: string): Feed {
  const root = parseXml(rss);
  const channel = kid(root, '', 'channel') as XmlElement;
  const all = kids(channel, '', 'item');
  const isNotice = (item: XmlElement) => kid(item, NS.dcterms, 'valid') !== undefined;
  return {
    root,
    channel,
    items: all.filter((item) => !isNotice(item)),
    notices: all.filter(isNotice),
    bytes: Buffer.byteLength(rss),
  };
}

/** What a profile's checklist (and the common rules) find wrong with a document: nothing when it passes. */
function checklist(name: ProfileName, rss: string, selfUrl: string): string[] {
  const feed = feedOf(rss);
  const problems = [...CHECKLISTS[name], ...COMMON]
    .map(({ rule, spec, broken }) => {
      const problem = broken(feed);
      return problem ? `${rule} (${spec}): ${problem}` : undefined;
    })
    .filter((problem): problem is string => problem !== undefined);
  const self = kids(feed.channel, NS.atom, 'link').find((link) => attr(link, 'rel') === 'self');
  if (attr(self, 'href') !== selfUrl) problems.push(`self link ${attr(self, 'href')}, not ${selfUrl}`);
  return problems;
}

/** The W3C validator's events a profile's document may have: pinned, each with its reason. */
const KNOWN_W3C: Record<ProfileName, string[]> = {
  // The source's branding (webfeeds) in every profile, as in its public feed.
  msn: ['warning UnknownNamespace: Use of unknown namespace: http://webfeeds.org/rss/1.0'],
  smartnews: [
    'warning UnknownNamespace: Use of unknown namespace: http://webfeeds.org/rss/1.0',
    'warning UnknownNamespace: Use of unknown namespace: http://www.smartnews.be/snf',
    // SmartFormat writes snf:logo's url without a prefix, as every published SmartFormat feed does.
    'error NotInANamespace: Missing namespace for url',
    // SmartNews deletes an item only by media:status (Media RSS 1.5), which the validator (Media RSS 1.1) knows not.
    'error UndefinedElement: Undefined item element: media:status',
  ],
  flipboard: ['warning UnknownNamespace: Use of unknown namespace: http://webfeeds.org/rss/1.0'],
  'full-text': ['warning UnknownNamespace: Use of unknown namespace: http://webfeeds.org/rss/1.0'],
};

describe.each(PROFILE_NAMES)('the %s profile', (name) => {
  // Flipboard requires an image on every article: the sample is given one (1200×675), as its editor would.
  const entry = sampleEntry({ image: IMAGE });
  const { rss, report, url } = render(name, [entry]);

  it('renders the sample article and a retraction into a feed that passes its checklist', () => {
    expect(checklist(name, rss, url)).toEqual([]);
    expect(feedOf(rss).items.map((item) => text(item, '', 'guid'))).toEqual([`urn:uuid:${entry.id}`]);
    expect(feedOf(rss).notices).toHaveLength(1);
    expect(report).toMatchObject({
      profile: name,
      feed: FEED,
      rss: url,
      counts: { items: 1, withdrawn: 1, leftOut: 0 },
    });
  });

  it('passes the strict RSS parser and the W3C validator, with only its pinned events', () => {
    const parsed = parseRss(rss);
    expect(parsed.selfUrl).toBe(url);
    expect(parsed.withdrawn.map((w) => w.status)).toEqual(['retracted']);
    const results = w3cValidate([
      { name, url, contentType: 'application/rss+xml; charset=utf-8', body: rss },
    ]);
    const events = describeW3cEvents(results).map((line) => line.replace(/^\S+ line \d+: /, ''));
    expect(events).toEqual(KNOWN_W3C[name]);
  });

  it('carries the image’s size in Media RSS and names no more than the feed’s own documents', () => {
    const item = feedOf(rss).items[0] as XmlElement;
    const media = kid(item, NS.media, 'content');
    expect([attr(media, 'url'), attr(media, 'width'), attr(media, 'height')]).toEqual([
      IMAGE.url,
      '1200',
      '675',
    ]);
    const thumbnail = kid(item, NS.media, 'thumbnail');
    expect(thumbnail === undefined).toBe(!PROFILES[name].thumbnail);
    if (thumbnail) expect([attr(thumbnail, 'width'), attr(thumbnail, 'height')]).toEqual(['1200', '675']);
  });
});

describe('the checklists', () => {
  it('find in the public RSS what each partner would miss: they can fail', () => {
    const channel = channelFor();
    const publicRss = renderRss(channel, [
      sampleEntry({ image: { url: IMAGE.url, width: 300, height: 200 } }),
    ]);
    const rules = (name: ProfileName) =>
      checklist(name, publicRss, channel.urls.rss).map((problem) => problem.replace(/ \(https?:.*$/, ''));
    expect(rules('smartnews')).toEqual([
      'RSS 2.0 with the content, dc, media and snf namespaces, in UTF-8',
      'the channel has title, link, description, pubDate and language',
      'the channel gives the publisher’s logo in snf:logo',
      'a deleted article keeps its item, with media:status deleted and a changed pubDate',
    ]);
    expect(rules('msn')).toEqual([
      'an updated date marks a new version of the same id (dcterms:modified, as atom:updated)',
      'an image of known size is at least 720 px on its longer side, width over height from .5 to 1.89',
    ]);
    expect(rules('flipboard')).toEqual([
      'at least one image per article (Media RSS), no less than 400 px in the smallest dimension',
    ]);
    expect(rules('full-text')).toEqual([
      'every item carries the full body and, with an image, Media RSS content and thumbnail',
    ]);
  });
});

describe('what a profile leaves out, and its report', () => {
  it('Flipboard leaves out the sample as published (it has no image) and says so, and that it is under 30 items', () => {
    const { rss, report } = render('flipboard', [sampleEntry()]);
    expect(feedOf(rss).items).toEqual([]);
    expect(report.leftOut).toEqual([
      {
        id: 'urn:uuid:20000000-0000-4000-8000-000000000001',
        title: sample.title,
        left: 'item',
        field: 'image',
        reason: 'has no image',
      },
    ]);
    expect(report.findings).toEqual([{ field: 'items', reason: '0 items; Flipboard asks for at least 30' }]);
  });

  it('Flipboard leaves out an article whose image is too small; MSN keeps it without the image', () => {
    const small = sampleEntry({ image: { url: IMAGE.url, width: 300, height: 200 } });
    const flipboard = render('flipboard', [small]);
    expect(feedOf(flipboard.rss).items).toEqual([]);
    expect(flipboard.report.leftOut[0]).toMatchObject({
      left: 'item',
      field: 'image',
      reason: 'is 300×200 px; its shorter side must be at least 400 px',
    });
    const msn = render('msn', [small]);
    const item = feedOf(msn.rss).items[0] as XmlElement;
    expect(kid(item, NS.media, 'content')).toBeUndefined();
    expect(kid(item, NS.media, 'thumbnail')).toBeUndefined();
    expect(msn.report.leftOut).toEqual([
      expect.objectContaining({
        left: 'image',
        field: 'image',
        reason: 'is 300×200 px; its longer side must be at least 720 px',
      }),
    ]);
    // SmartNews and the full-text profile set no size: the same image stays.
    expect(
      kid(feedOf(render('smartnews', [small]).rss).items[0] as XmlElement, NS.media, 'content'),
    ).toBeDefined();
  });

  it('MSN leaves out an item whose title is 20 characters or fewer, or over 150, and keeps the others', () => {
    const short = sampleEntry({ id: '20000000-0000-4000-8000-00000000000a', title: 'Twenty chars exactly' });
    const long = sampleEntry({ id: '20000000-0000-4000-8000-00000000000b', title: 'Ж'.repeat(151) });
    const fine = sampleEntry({ id: '20000000-0000-4000-8000-00000000000c', title: 'Ж'.repeat(150) });
    const { rss, report } = render('msn', [short, long, fine]);
    expect(feedOf(rss).items.map((item) => text(item, '', 'guid'))).toEqual([`urn:uuid:${fine.id}`]);
    expect(report.leftOut.map(({ id, field, reason }) => ({ id, field, reason }))).toEqual([
      {
        id: `urn:uuid:${short.id}`,
        field: 'title',
        reason: 'is 20 characters; MSN (Microsoft Start partner hub) asks for at least 21',
      },
      {
        id: `urn:uuid:${long.id}`,
        field: 'title',
        reason: 'is 151 characters; MSN (Microsoft Start partner hub) asks for at most 150',
      },
    ]);
  });

  it('MSN leaves out an article published more than 365 days before the feed’s last change', () => {
    const old = sampleEntry({ publishedAt: '2024-07-01T00:00:00.000Z' });
    const { rss, report } = render('msn', [old]);
    expect(feedOf(rss).items).toEqual([]);
    expect(report.leftOut[0]).toMatchObject({ left: 'item', field: 'pubDate' });
  });

  it('SmartNews reports a source without a logo and a description over 30 characters, and publishes all the same', () => {
    const plain = { ...SOURCE };
    delete plain.logoUrl;
    const { rss, report } = render('smartnews', [sampleEntry()], channelFor(plain));
    expect(rss).not.toContain('snf:logo');
    expect(report.findings.map((finding) => finding.field)).toEqual(['logo', 'description']);
    expect(feedOf(rss).items).toHaveLength(1);
  });

  it('SmartNews leaves out the oldest items once the file would pass 1 MB', () => {
    const body = `<p>${'Lorem ipsum dolor sit amet. '.repeat(4000)}</p>`;
    const entries = Array.from({ length: 12 }, (_, i) =>
      sampleEntry({
        id: `20000000-0000-4000-8000-0000000001${String(i).padStart(2, '0')}`,
        contentHtml: body,
        publishedAt: new Date(NOW - i * 60_000).toISOString(),
      }),
    );
    const { rss, report } = render('smartnews', entries);
    expect(Buffer.byteLength(rss)).toBeLessThanOrEqual(1_000_000);
    const kept = feedOf(rss).items.map((item) => text(item, '', 'guid'));
    expect(kept.length).toBeGreaterThan(0);
    expect(kept).toEqual(entries.slice(0, kept.length).map((e) => `urn:uuid:${e.id}`));
    expect(report.leftOut.map((out) => out.id)).toEqual(
      entries
        .slice(kept.length)
        .reverse()
        .map((e) => `urn:uuid:${e.id}`),
    );
  });

  it('strips the tags a partner does not take, keeping their text, and every profile drops "read more" links', () => {
    const html = sanitizeContentHtml(
      '<p>A <abbr title="North Atlantic">NATO</abbr> summit.</p><figure><img src="https://thegaze.example/a.jpg" alt="x"><figcaption>Leaders</figcaption></figure><dl><dt>Where</dt><dd>Vilnius</dd></dl><p><a href="https://thegaze.example/full">Read more »</a></p>',
      'https://thegaze.example/',
    );
    const msn = render('msn', [sampleEntry({ contentHtml: html })]);
    const body = text(feedOf(msn.rss).items[0] as XmlElement, NS.content, 'encoded') ?? '';
    expect(body).toContain('A NATO summit.');
    expect(body).toContain('<img src="https://thegaze.example/a.jpg" alt="x" />');
    expect(body).toMatch(/Leaders\s+Where\s+Vilnius/);
    expect(body).not.toMatch(/<(abbr|figure|figcaption|dl|dt|dd)\b/);
    expect(body).not.toContain('Read more');
    expect(msn.report.findings).toContainEqual({
      field: 'content',
      reason:
        'tags MSN (Microsoft Start partner hub) does not take were removed, their text kept: abbr, dd, dl, dt, figcaption, figure',
    });
    const full = text(
      feedOf(render('full-text', [sampleEntry({ contentHtml: html })]).rss).items[0] as XmlElement,
      NS.content,
      'encoded',
    );
    expect(full).toContain('<abbr title="North Atlantic">NATO</abbr>');
    expect(full).not.toContain('Read more');
    // A link that only starts like one is the article's own.
    expect(filterHtml('<p><a href="https://x.example/">Read more about the treaty</a></p>')).toContain(
      'Read more about',
    );
  });

  it('gives the same report bytes for the same state, and names each profile’s date policy', () => {
    for (const name of PROFILE_NAMES) {
      const first = reportJson(render(name, [sampleEntry()]).report);
      expect(reportJson(render(name, [sampleEntry()]).report)).toBe(first);
      const report = JSON.parse(first) as ProfileReport;
      expect(report.dates.correction).toMatch(/same guid, same pubDate/);
      expect(report.specifications.length).toBeGreaterThan(0);
      expect(first.endsWith('}\n')).toBe(true);
    }
  });
});

describe('any editor input in a profile', () => {
  const anyText = fc.oneof(
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 160 }),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 160 }),
    fc
      .array(
        fc.constantFrom(
          'Київ',
          'Αθήνα',
          '東京',
          'القدس',
          'ירושלים',
          'मुंबई',
          '<b>',
          '&amp;',
          ']]>',
          '"',
          '👩🏽‍💻',
          ' ',
        ),
        {
          minLength: 1,
          maxLength: 30,
        },
      )
      .map((parts) => parts.join('')),
  );
  const anyHtml = fc
    .array(
      fc.oneof(
        anyText,
        fc.constantFrom(
          '<p>',
          '</p>',
          '<abbr title="x">',
          '</abbr>',
          '<a href="https://thegaze.example/more">Read more</a>',
          '<figure><img src="https://thegaze.example/i.png"><figcaption>c</figcaption></figure>',
          '<script>alert(1)</script>',
          '<table><tr><td>1</td></tr></table>',
          '<q>',
          '<dl><dt>a</dt><dd>b</dd></dl>',
        ),
      ),
      { maxLength: 12 },
    )
    .map((parts) => parts.join(''));

  it('gives well-formed XML that passes the profile’s rules, and leaves out nothing it does not report', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PROFILE_NAMES),
        anyText,
        anyHtml,
        anyText,
        fc.option(
          fc.record({ width: fc.integer({ min: 1, max: 3000 }), height: fc.integer({ min: 1, max: 3000 }) }),
          {
            nil: undefined,
          },
        ),
        (name, title, html, label, size) => {
          let submitted: FeedEntry;
          try {
            submitted = sampleEntry({
              ...(() => {
                const parsed = parseSubmission(
                  { ...sample, title, contentHtml: html || 'x', tags: [label] },
                  NOW,
                );
                return { title: parsed.title, contentHtml: parsed.contentHtml, tags: parsed.tags };
              })(),
            });
          } catch {
            return; // The API refuses it: no feed ever holds it.
          }
          const entry = size ? { ...submitted, image: { url: IMAGE.url, ...size } } : submitted;
          const { rss, report, url } = render(name, [entry]);
          parseRss(rss);
          expect(checklist(name, rss, url)).toEqual([]);
          const kept = feedOf(rss).items.length;
          expect(kept + report.leftOut.filter((out) => out.left === 'item').length).toBe(1);
        },
      ),
      { numRuns: 150 },
    );
  });
});
