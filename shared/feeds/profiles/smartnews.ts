import { CONTENT_TAGS } from '../../content-tags.ts';
import { escapeText, escapeXml, rfc822 } from '../render/xml.ts';
import { IMAGE_RULES } from './names.ts';
import type { Finding, Profile } from './types.ts';

/**
 * SmartNews (SmartFormat 2.1), from its public pages:
 * - https://publishers.smartnews.com/hc/en-us/articles/360036526213 (SmartFormat Specification Version 2.1): RSS
 *   2.0 with the `content`, `dc`, `media` and `snf` (http://www.smartnews.be/snf) namespaces; a channel with title
 *   (no HTML), link, a short description ("30 characters or less"), `pubDate` and `language`, all required; the
 *   publisher's logo in `snf:logo` (SmartView First); UTF-8 only;
 * - https://publishers.smartnews.com/hc/en-us/articles/360021354914 (Deleting Articles): an article is deleted by
 *   keeping its item with `<media:status>deleted</media:status>` and a changed `pubDate`; dropping the item deletes
 *   nothing;
 * - the desk summary (../shared/PARTNERS.md): an allowed-tag list for the body and a file of at most 1 MB. The
 *   stored pages do not show the tag list in full: the list below keeps text structure, links, images, lists and
 *   tables, the tags common to every partner's list, and drops the rest (keeping their text).
 *
 * Decisions: a correction keeps the item's `pubDate` (every feed's invariant: an article is never re-dated), so
 * SmartNews may keep the text it fetched first; only a withdrawal changes `pubDate` (the notice is dated by it).
 * A source without a logo gets a feed without `snf:logo`, and the report says so; a description longer than 30
 * characters is published as it is, and reported. Past 1 MB, the oldest items are left out until the file fits.
 */
export const smartnews: Profile = {
  name: 'smartnews',
  partner: 'SmartNews (SmartFormat 2.1)',
  specifications: [
    'https://publishers.smartnews.com/hc/en-us/articles/360036526213',
    'https://publishers.smartnews.com/hc/en-us/articles/360021354914',
  ],
  namespaces: [['snf', 'http://www.smartnews.be/snf']],
  channelElements: (channel) => [
    `<pubDate>${rfc822(channel.updated)}</pubDate>\n`,
    channel.branding?.logoUrl
      ? `<snf:logo><url>${escapeXml(channel.branding.logoUrl)}</url></snf:logo>\n`
      : '',
  ],
  withdrawalElements: (withdrawal) => [
    // Media RSS 1.5 writes the state as an attribute; SmartNews's guide writes it as the element's value.
    `<media:status state="deleted" reason="${escapeText(withdrawal.status)}">deleted</media:status>\n`,
  ],
  channelFindings: (channel) => {
    const findings: Finding[] = [];
    if (!channel.branding?.logoUrl)
      findings.push({
        field: 'logo',
        reason:
          'the source has no logo, so the feed has no snf:logo, which SmartView First shows (source update --logo)',
      });
    const length = [...channel.description].length;
    if (length > 30)
      findings.push({
        field: 'description',
        reason: `is ${length} characters; SmartFormat asks for 30 or fewer`,
      });
    return findings;
  },
  items: { maxBytes: 1_000_000 },
  html: {
    // What the API lets through but the few elements no partner list names (a conservative reading: the stored
    // pages do not show SmartNews's list in full).
    allowedTags: CONTENT_TAGS.filter((tag) => !['hr', 'mark', 'abbr', 'time'].includes(tag)),
  },
  image: IMAGE_RULES.smartnews,
  thumbnail: true,
  dates: {
    correction:
      'same guid, same pubDate (an article is never re-dated); atom:updated moves to the correction',
    withdrawal:
      'same guid; a notice with media:status deleted whose pubDate is the withdrawal time (the changed pubDate SmartNews needs to delete it)',
  },
};
