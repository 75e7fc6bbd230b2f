import { DCTERMS } from '../render/rss.ts';
import { IMAGE_RULES } from './names.ts';
import type { Profile } from './types.ts';

/**
 * MSN (Microsoft Start partner hub), from its public pages:
 * - https://support.microsoft.com/en-us/msn/partner-hub/msn-feed-item-metadata-requirements (also
 *   https://helpcenter.microsoft.com/kb/articles/51-feed-item-requirements): an article needs a durable unique id,
 *   a title of "more than 20 characters" and at most 150 (without a short title), no HTML in it, a published date
 *   in the past and less than 365 days old, a body and a link; an "updated date" marks a new version of the same id;
 * - https://helpcenter.microsoftstart.com/kb/articles/54-html and
 *   https://support.microsoft.com/en-us/msn/partner-hub/msn-html-guidelines-and-tag-restrictions: the tags allowed
 *   in the body (others are stripped, "the tag contents and children might be removed as well"; `figure` is named
 *   among the restricted ones);
 * - https://support.microsoft.com/en-us/msn/partner-hub/msn-content-expiration-and-takedown-rules: a takedown is the
 *   same id, an updated date newer than the last ingested one and an expiry in the past (`dcterms:valid`), paired
 *   with `dcterms:modified`; an updated date that changes without a change makes needless re-ingestion;
 * - https://helpcenter.microsoftstart.com/kb/articles/25-feed-content-specifications: images at least 720 px on a
 *   side advised, width over height from .5 to 1.89; only articles with an image are published automatically.
 *
 * Decisions: a title outside 21–150 characters leaves the item out (MSN would refuse it, or drop it, and a feed
 * with defects can lose automatic publishing), reported so the editor can retitle; an image that breaks the rule is
 * left out and the item kept (MSN takes articles without images, only not automatically). Every live item carries
 * `dcterms:modified` (its updated time) beside `atom:updated`, the date MSN compares; a correction moves only that.
 */
export const msn: Profile = {
  name: 'msn',
  partner: 'MSN (Microsoft Start partner hub)',
  specifications: [
    'https://support.microsoft.com/en-us/msn/partner-hub/msn-feed-item-metadata-requirements',
    'https://support.microsoft.com/en-us/msn/partner-hub/msn-html-guidelines-and-tag-restrictions',
    'https://support.microsoft.com/en-us/msn/partner-hub/msn-content-expiration-and-takedown-rules',
    'https://helpcenter.microsoftstart.com/kb/articles/25-feed-content-specifications',
  ],
  namespaces: [['dcterms', DCTERMS]],
  itemElements: (entry) => [`<dcterms:modified>${entry.updatedAt}</dcterms:modified>\n`],
  items: { maxAgeDays: 365 },
  title: { min: 21, max: 150, outside: 'leave-out' },
  html: {
    allowedTags: [
      'b',
      'i',
      'em',
      'strong',
      'sub',
      'sup',
      'small',
      'h1',
      'h2',
      'h3',
      'h4',
      'h5',
      'a',
      'img',
      'table',
      'thead',
      'tbody',
      'tfoot',
      'tr',
      'td',
      'th',
      'col',
      'caption',
      'colgroup',
      'ul',
      'ol',
      'li',
      'p',
      'div',
      'span',
      'br',
      'blockquote',
    ],
  },
  image: IMAGE_RULES.msn,
  thumbnail: true,
  dates: {
    correction: 'same guid, same pubDate; atom:updated and dcterms:modified move to the correction',
    withdrawal:
      'same guid; a notice whose atom:updated and dcterms:modified are the withdrawal time, and dcterms:valid (the expiry) that same time, in the past',
  },
};
