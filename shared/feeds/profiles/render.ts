import { urlPath } from '../../slug.ts';
import type { FeedId } from '../feed-ids.ts';
import { entryUrn, type FeedChannel, type FeedEntry } from '../model.ts';
import { imageSize, renderRss } from '../render/rss.ts';
import { escapeXml as x } from '../render/xml.ts';
import type { FeedSettings } from '../settings.ts';
import { disallowedTags, filterHtml } from './html.ts';
import { imageProblem, type ProfileName } from './names.ts';
import type { Finding, LeftOut, Profile, ProfileReport } from './types.ts';

/** Where a profile's variant of a feed is published, under `feeds/partners/{profile}/` (private, edge-checked). */
export function profileFolder(profile: ProfileName, feed: FeedId): string {
  return `partners/${profile}/${feed}`;
}

/** S3 keys and media types of a profile's feed and its report. */
export function profileObjects(profile: ProfileName, feed: FeedId) {
  const folder = `feeds/${profileFolder(profile, feed)}`;
  return {
    rss: { key: `${folder}/rss.xml`, contentType: 'application/rss+xml; charset=utf-8' },
    report: { key: `${folder}/report.json`, contentType: 'application/json; charset=utf-8' },
  } as const;
}

/** The public URL of a profile's feed: its own `rel="self"`. */
export function profileRssUrl(settings: FeedSettings, profile: ProfileName, feed: FeedId): string {
  return `${settings.baseUrl}feeds/${urlPath(profileFolder(profile, feed))}/rss.xml`;
}

const DAY_MS = 86_400_000;

/**
 * A source's feed (or a tag's within it) as one partner profile has it: the public RSS renderer with the profile's
 * namespaces and elements, over the entries that meet its rules (their HTML filtered to its tags, their image left
 * out where it breaks its rule), and the report of what it left out and why, after `notes` about the feed. Pure,
 * as the renderers are: the age limit counts from the feed's last change, never from a clock.
 */
export function renderProfile(
  profile: Profile,
  channel: FeedChannel,
  entries: readonly FeedEntry[],
  rssUrl: string,
  notes: readonly Finding[] = [],
): { rss: string; report: ProfileReport } {
  const leftOut: LeftOut[] = [];
  const findings: Finding[] = [...notes, ...(profile.channelFindings?.(channel) ?? [])];
  const allowed = profile.html.allowedTags ? new Set(profile.html.allowedTags) : undefined;
  const oldest =
    profile.items.maxAgeDays !== undefined
      ? new Date(Date.parse(channel.updated) - profile.items.maxAgeDays * DAY_MS).toISOString()
      : undefined;
  const strippedTags = new Set<string>();
  const kept: FeedEntry[] = [];
  for (const entry of entries) {
    const out = (left: LeftOut['left'], field: string, reason: string) =>
      leftOut.push({ id: entryUrn(entry.id), title: entry.title, left, field, reason });
    const length = [...entry.title].length;
    const { min, max, outside } = profile.title ?? { outside: 'keep' };
    const titleProblem =
      min !== undefined && length < min
        ? `is ${length} characters; ${profile.partner} asks for at least ${min}`
        : max !== undefined && length > max
          ? `is ${length} characters; ${profile.partner} asks for at most ${max}`
          : undefined;
    if (titleProblem && outside === 'leave-out') {
      out('item', 'title', titleProblem);
      continue;
    }
    if (titleProblem) findings.push({ field: 'title', reason: `${entry.title}: ${titleProblem}` });
    if (oldest && entry.publishedAt < oldest) {
      out(
        'item',
        'pubDate',
        `was published more than ${profile.items.maxAgeDays} days before the feed's last change`,
      );
      continue;
    }
    const problem = imageProblem(profile.image, entry.image);
    if (problem && profile.image.required) {
      out('item', 'image', problem);
      continue;
    }
    let next: FeedEntry = entry;
    if (problem && entry.image) {
      out('image', 'image', problem);
      const { image: _left, ...rest } = entry;
      next = rest;
    }
    for (const tag of disallowedTags(next.contentHtml, allowed)) strippedTags.add(tag);
    const contentHtml = filterHtml(next.contentHtml, allowed);
    // Every partner here takes full text: an item whose body was only a "read more" link has nothing to give.
    if (!/<img\b/i.test(contentHtml) && !contentHtml.replace(/<[^>]*>/g, '').trim()) {
      out(
        'item',
        'content',
        'has no body once what the partner does not take is removed ("read more" links)',
      );
      continue;
    }
    kept.push(contentHtml === next.contentHtml ? next : { ...next, contentHtml });
  }
  if (strippedTags.size)
    findings.push({
      field: 'content',
      reason: `tags ${profile.partner} does not take were removed, their text kept: ${[...strippedTags].sort().join(', ')}`,
    });
  // A private feed: no hub can fetch it, and the public archives are the public feed's.
  const variantChannel: FeedChannel = {
    ...channel,
    urls: { ...channel.urls, rss: rssUrl },
    hubs: [],
  };
  delete variantChannel.history;
  const variant = {
    ...(profile.namespaces ? { namespaces: profile.namespaces } : {}),
    ...(profile.channelElements ? { channelElements: profile.channelElements } : {}),
    itemElements: (entry: FeedEntry) => [
      ...(profile.thumbnail && entry.image
        ? [`<media:thumbnail url="${x(entry.image.url)}"${imageSize(entry.image)}/>\n`]
        : []),
      ...(profile.itemElements?.(entry) ?? []),
    ],
    ...(profile.withdrawalElements ? { withdrawalElements: profile.withdrawalElements } : {}),
  };
  let rss = renderRss(variantChannel, kept, variant);
  // Past the size limit, the oldest items go: the most items that fit, found in a few renders (a binary search
  // over how many of the newest are kept), not one render per item dropped.
  const maxBytes = profile.items.maxBytes;
  if (maxBytes !== undefined && Buffer.byteLength(rss) > maxBytes) {
    let fits = 0;
    let fitting = renderRss(variantChannel, [], variant);
    for (let low = 1, high = kept.length - 1; low <= high; ) {
      const middle = Math.floor((low + high) / 2);
      const candidate = renderRss(variantChannel, kept.slice(0, middle), variant);
      if (Buffer.byteLength(candidate) <= maxBytes) {
        fits = middle;
        fitting = candidate;
        low = middle + 1;
      } else high = middle - 1;
    }
    for (const dropped of kept.splice(fits).reverse())
      leftOut.push({
        id: entryUrn(dropped.id),
        title: dropped.title,
        left: 'item',
        field: 'item',
        reason: `the feed would pass ${maxBytes} bytes with it (the oldest items go first)`,
      });
    rss = fitting;
  }
  if (profile.items.atLeast !== undefined && kept.length < profile.items.atLeast)
    findings.push({
      field: 'items',
      reason: `${kept.length} items; ${profile.partner} asks for at least ${profile.items.atLeast}`,
    });
  const live = new Set(kept.map((entry) => entry.id));
  const withdrawn = (channel.withdrawn ?? []).filter((withdrawal) => !live.has(withdrawal.id)).length;
  return {
    rss,
    report: {
      profile: profile.name,
      partner: profile.partner,
      feed: channel.id,
      rss: rssUrl,
      specifications: profile.specifications,
      dates: profile.dates,
      counts: { items: kept.length, withdrawn, leftOut: leftOut.length },
      leftOut,
      findings,
    },
  };
}

/** A report as published: two-space JSON and a final line break, the same bytes for the same state. */
export function reportJson(report: ProfileReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
