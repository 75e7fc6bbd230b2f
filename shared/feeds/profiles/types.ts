import type { FeedChannel, FeedEntry, Withdrawal } from '../model.ts';
import type { ImageRule, ProfileName } from './names.ts';

/**
 * A partner profile: what one partner's public specification asks of a source's RSS feed, as data the one profile
 * renderer (render.ts) reads. A profile only adds to the public RSS (shared/feeds/render/rss.ts) and leaves out
 * what breaks its rules; it never rewrites an article's words, dates or identity.
 */
export interface Profile {
  name: ProfileName;
  /** The partner, as the report names it. */
  partner: string;
  /** The public pages the rules below were written from. */
  specifications: readonly string[];
  /** Namespaces the profile's elements use, prefix to URI. */
  namespaces?: readonly (readonly [prefix: string, uri: string])[];
  /** Channel elements after the public ones (well-formed XML, each ending with a line break). */
  channelElements?: (channel: FeedChannel) => readonly string[];
  /** Elements of a live item after the public ones. */
  itemElements?: (entry: FeedEntry) => readonly string[];
  /** Elements of a withdrawal's notice after the public ones: the profile's lifecycle signal. */
  withdrawalElements?: (withdrawal: Withdrawal) => readonly string[];
  /** Findings about the feed as a whole (its description, its logo), from its channel. */
  channelFindings?: (channel: FeedChannel) => readonly Finding[];
  items: {
    /** Fewer live items than this is reported (the feed is still published). */
    atLeast?: number;
    /** Items published more than this many days before the feed's last change are left out. */
    maxAgeDays?: number;
    /** The document's size at most (UTF-8 bytes): the oldest items are left out until it fits. */
    maxBytes?: number;
  };
  /** Title rules: length in characters (code points). Titles are plain text already (the API removes markup). */
  title?: { min?: number; max?: number; outside: 'leave-out' | 'keep' };
  /** HTML rules for `content:encoded`: the tags kept (absent: every tag the API lets through). */
  html: { allowedTags?: readonly string[] };
  /** The image rule (names.ts); the item's image is left out when it breaks it, the item too when it is required. */
  image: ImageRule;
  /** An item-level `media:thumbnail` beside `media:content`. */
  thumbnail: boolean;
  /** What a correction and a withdrawal move, in the partner's terms: said in the report, for operators. */
  dates: { correction: string; withdrawal: string };
}

/** Something a profile left out of its feed, or reports of it. */
export interface Finding {
  /** The field it is about: `item`, `image`, `title`, `items`, `description`, `logo`… */
  field: string;
  reason: string;
}

/** An item or an image a profile left out, and why. */
export interface LeftOut extends Finding {
  /** The article's id, as the feeds give it. */
  id: string;
  title: string;
  /** What was left out: the whole item, or only its image. */
  left: 'item' | 'image';
}

/** The report published beside a profile's feed: stable bytes for the same state (no clock in it). */
export interface ProfileReport {
  profile: ProfileName;
  partner: string;
  feed: string;
  rss: string;
  specifications: readonly string[];
  dates: Profile['dates'];
  /** Live items in the profile's feed, notices of withdrawn articles, and articles of the public feed left out. */
  counts: { items: number; withdrawn: number; leftOut: number };
  leftOut: LeftOut[];
  findings: Finding[];
}
