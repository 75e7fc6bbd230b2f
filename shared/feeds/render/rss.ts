import { entryUrn, type FeedChannel, type FeedEntry, type Withdrawal } from '../model.ts';
import { feedItems, WITHDRAWAL_NOTICES, withdrawalUrn } from '../withdrawals.ts';
import { historyLinks } from './history.ts';
import { cdata, escapeTextAsHtml, imageType, rfc822, escapeText as t, escapeXml as x } from './xml.ts';

/**
 * What a variant of the RSS feed adds to it (a partner profile, shared/feeds/profiles/): the public feed is the
 * renderer without options, and a variant only adds namespaces and elements, from the same items. Each element is
 * given as well-formed XML, escaped by whoever writes it; each ends with a line break.
 */
export interface RssVariant {
  /** More namespace declarations on `rss`, prefix to URI, in the order given. */
  namespaces?: readonly (readonly [prefix: string, uri: string])[];
  /** More channel elements, after the public ones. */
  channelElements?: (channel: FeedChannel) => readonly string[];
  /** More elements of a live item, after the public ones. */
  itemElements?: (entry: FeedEntry) => readonly string[];
  /** More elements of a withdrawal's notice, after the public ones. */
  withdrawalElements?: (withdrawal: Withdrawal) => readonly string[];
}

/**
 * RSS 2.0, with the content, Dublin Core, Atom and Media RSS modules (and DCMI Terms while it announces a withdrawal).
 * Pure: the same input gives the same bytes. `variant` adds what a partner profile asks for to the same document.
 */
export function renderRss(
  channel: FeedChannel,
  entries: readonly FeedEntry[],
  variant: RssVariant = {},
): string {
  const items = feedItems(entries, channel.withdrawn);
  const namespaces: (readonly [string, string])[] = [
    ...(items.some((item) => item.withdrawal) ? [['dcterms', DCTERMS] as const] : []),
    ...(channel.history?.archive ? [['fh', 'http://purl.org/syndication/history/1.0'] as const] : []),
    ...(channel.branding ? [['webfeeds', 'http://webfeeds.org/rss/1.0'] as const] : []),
  ];
  // A variant's own, once each: it may need one the feed declares only at times (dcterms).
  for (const [prefix, uri] of variant.namespaces ?? [])
    if (!namespaces.some(([known]) => known === prefix)) namespaces.push([prefix, uri]);
  const parts: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>\n',
    '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/"',
    ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/"',
    ...namespaces.map(([prefix, uri]) => ` xmlns:${prefix}="${x(uri)}"`),
    '>\n<channel>\n',
    `<title>${t(channel.title)}</title>\n`,
    `<link>${x(channel.homePageUrl)}</link>\n`,
    `<description>${t(channel.description)}</description>\n`,
    `<language>${x(channel.language)}</language>\n`,
    `<atom:link href="${x(channel.urls.rss)}" rel="self" type="application/rss+xml"/>\n`,
    ...channel.hubs.map((hub) => `<atom:link href="${x(hub)}" rel="hub"/>\n`),
    ...historyLinks(channel, 'rss').map(
      ([rel, href]) => `<atom:link href="${x(href)}" rel="${rel}" type="application/rss+xml"/>\n`,
    ),
    channel.history?.archive ? '<fh:archive/>\n' : '',
    `<lastBuildDate>${rfc822(channel.updated)}</lastBuildDate>\n`,
    `<ttl>${channel.ttlMinutes}</ttl>\n`,
    '<generator>feed-pipeline</generator>\n',
    ...brandingElements(channel),
    ...(variant.channelElements?.(channel) ?? []),
  ];
  for (const { entry, withdrawal } of items) {
    if (withdrawal) {
      parts.push(withdrawnItem(withdrawal, variant.withdrawalElements?.(withdrawal) ?? []));
      continue;
    }
    parts.push(
      '<item>\n',
      `<title>${t(entry.title)}</title>\n`,
      `<link>${x(entry.url)}</link>\n`,
      `<guid isPermaLink="false">${entryUrn(entry.id)}</guid>\n`,
      `<pubDate>${rfc822(entry.publishedAt)}</pubDate>\n`,
      `<atom:updated>${entry.updatedAt}</atom:updated>\n`,
      // The summary is plain text, and an item's description holds HTML.
      `<description>${escapeTextAsHtml(entry.summary)}</description>\n`,
      `<content:encoded>${cdata(entry.contentHtml)}</content:encoded>\n`,
    );
    if (entry.author) parts.push(`<dc:creator>${t(entry.author.name)}</dc:creator>\n`);
    for (const tag of entry.tags) {
      const domain = channel.tagFeeds ? ` domain="${x(channel.tagFeeds(tag.slug).rss)}"` : '';
      parts.push(`<category${domain}>${t(tag.label)}</category>\n`);
    }
    const source = channel.sources?.[entry.source];
    if (source) parts.push(`<source url="${x(source.rssUrl)}">${t(source.name)}</source>\n`);
    if (entry.image) {
      const type = imageType(entry.image.url);
      parts.push(
        `<media:content url="${x(entry.image.url)}" medium="image"${type ? ` type="${type}"` : ''}${imageSize(entry.image)}`,
        entry.image.alt
          ? `>\n<media:description type="plain">${t(entry.image.alt)}</media:description>\n</media:content>\n`
          : '/>\n',
      );
    }
    if (variant.itemElements) parts.push(...variant.itemElements(entry));
    parts.push('</item>\n');
  }
  parts.push('</channel>\n</rss>\n');
  return parts.join('');
}

/** DCMI Terms, for a withdrawal's dates (and a partner profile's). */
export const DCTERMS = 'http://purl.org/dc/terms/';

/** The formats RSS 2.0 allows an `image` in. */
const RSS_IMAGE_TYPES = new Set(['image/gif', 'image/jpeg', 'image/png']);

/**
 * A source's branding: the RSS 2.0 `image` (the logo, else the icon, whichever is a GIF, JPEG or PNG as the
 * specification requires, so an SVG logo goes to Feedly alone; its title and link are the channel's, as the
 * specification asks) and Feedly's `webfeeds` elements (the accent colour without its `#`).
 */
function brandingElements(channel: FeedChannel): string[] {
  const branding = channel.branding;
  if (!branding) return [];
  const image = [branding.logoUrl, branding.iconUrl].find(
    (url) => url !== undefined && RSS_IMAGE_TYPES.has(imageType(url) ?? ''),
  );
  return [
    image
      ? `<image><url>${x(image)}</url><title>${t(channel.title)}</title><link>${x(channel.homePageUrl)}</link></image>\n`
      : '',
    branding.iconUrl ? `<webfeeds:icon>${x(branding.iconUrl)}</webfeeds:icon>\n` : '',
    branding.logoUrl ? `<webfeeds:logo>${x(branding.logoUrl)}</webfeeds:logo>\n` : '',
    branding.accentColor
      ? `<webfeeds:accentColor>${x(branding.accentColor.slice(1))}</webfeeds:accentColor>\n`
      : '',
  ];
}

/** Media RSS `width` and `height` attributes of an image, when both are known (an empty string otherwise). */
export function imageSize(image: { width?: number; height?: number }): string {
  return image.width && image.height ? ` width="${image.width}" height="${image.height}"` : '';
}

/**
 * The notice of a withdrawn article, in the item's place (same guid and link): a notice instead of its text, dated
 * by the withdrawal, with `dcterms:modified` and `dcterms:valid` (an expiry in the past) at its time, which is how
 * MSN takes an item down (a newer updated date and an expiry in the past). SmartNews's `media:status` is its
 * profile's alone (shared/feeds/profiles/smartnews.ts): the W3C validator knows no such element in RSS.
 */
function withdrawnItem(withdrawal: Withdrawal, extra: readonly string[]): string {
  const { title, notice } = WITHDRAWAL_NOTICES[withdrawal.status];
  return [
    '<item>\n',
    `<title>${t(title)}</title>\n`,
    withdrawal.url ? `<link>${x(withdrawal.url)}</link>\n` : '',
    `<guid isPermaLink="false">${withdrawalUrn(withdrawal)}</guid>\n`,
    `<pubDate>${rfc822(withdrawal.at)}</pubDate>\n`,
    `<atom:updated>${withdrawal.at}</atom:updated>\n`,
    `<description>${escapeTextAsHtml(notice)}</description>\n`,
    `<content:encoded>${cdata(`<p>${x(notice)}</p>`)}</content:encoded>\n`,
    `<dcterms:modified>${withdrawal.at}</dcterms:modified>\n`,
    `<dcterms:valid>${withdrawal.at}</dcterms:valid>\n`,
    ...extra,
    '</item>\n',
  ].join('');
}
