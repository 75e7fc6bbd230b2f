import { IMAGE_RULES } from './names.ts';
import type { Profile } from './types.ts';

/**
 * Flipboard, from https://about.flipboard.com/rss-spec/: full-text RSS 2.0 (`content:encoded`, the entire body, not a
 * summary), Media RSS for images, and "at least one image per article, no less than 400px in the smallest
 * dimension" and "at least 30 items" before a feed is featured; per item `title`, `link`, `description`, `pubDate`
 * with a zone, `guid` and `dc:creator`. It names no tag allowlist (HTML5 and microformats are read), so the body is
 * the API's sanitised HTML, less "read more" links.
 *
 * Decisions: an article without an image, or whose image is known to be smaller than 400 px on its shorter side, is
 * left out (the spec makes the image a requirement of the article), and reported; a feed with fewer than 30 items is
 * published all the same, with a finding in its report. Dates: as the public feed (a correction moves only
 * `atom:updated`; a withdrawal's notice is dated by it).
 */
export const flipboard: Profile = {
  name: 'flipboard',
  partner: 'Flipboard',
  specifications: ['https://about.flipboard.com/rss-spec/'],
  items: { atLeast: 30 },
  html: {},
  image: IMAGE_RULES.flipboard,
  thumbnail: false,
  dates: {
    correction: 'same guid, same pubDate; atom:updated moves to the correction',
    withdrawal:
      'same guid; a notice dated by the withdrawal (pubDate, atom:updated), with dcterms:valid in the past',
  },
};
