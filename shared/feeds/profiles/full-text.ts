import { IMAGE_RULES } from './names.ts';
import type { Profile } from './types.ts';

/**
 * The generic "full text with media" profile, for licensed partners without a published specification of their
 * own: the public RSS (full text in `content:encoded`, Media RSS with the image's size when known) with a
 * `media:thumbnail` per item, no WebSub hub (the feed is private) and no "read more" links. Nothing is left out.
 */
export const fullText: Profile = {
  name: 'full-text',
  partner: 'Licensed partners (full text with media)',
  specifications: ['https://www.rssboard.org/rss-specification', 'https://www.rssboard.org/media-rss'],
  items: {},
  html: {},
  image: IMAGE_RULES['full-text'],
  thumbnail: true,
  dates: {
    correction: 'same guid, same pubDate; atom:updated moves to the correction',
    withdrawal:
      'same guid; a notice dated by the withdrawal (pubDate, atom:updated), with dcterms:valid in the past',
  },
};
