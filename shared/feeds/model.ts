import type { Article } from '../articles/model.ts';
import type { FeedId } from './feed-ids.ts';

/** What a feed shows of an article: the fields its membership item carries. */
export type FeedEntry = Pick<
  Article,
  | 'id'
  | 'source'
  | 'title'
  | 'url'
  | 'contentHtml'
  | 'summary'
  | 'author'
  | 'tags'
  | 'citations'
  | 'image'
  | 'publishedAt'
  | 'updatedAt'
  | 'corrections'
>;

/** A feed's three documents, and the page a browser shows for them (`index.html` beside them). */
export interface FeedUrls {
  rss: string;
  atom: string;
  json: string;
  page: string;
}

/** The formats of a feed, each a key of {@link FeedUrls}. */
export type FeedFormat = 'rss' | 'atom' | 'json';

/** Everything about a feed but its entries; all URLs absolute, all times ISO 8601 UTC. */
export interface FeedChannel {
  id: FeedId;
  /** Stable identity of the feed itself (Atom `feed/id`). */
  urn: string;
  title: string;
  description: string;
  homePageUrl: string;
  language: string;
  /** Who the feed is by: the source, or the deployment for feeds that mix sources. */
  author: { name: string; url: string };
  urls: FeedUrls;
  /** Time of the feed's last change, from stored state. */
  updated: string;
  /** Articles retracted from the window lately (Atom tombstones), newest first. */
  tombstones?: readonly { ref: string; when: string }[];
  /** The same withdrawals, as RSS, JSON Feed and the feed's page announce them (a notice kept in the item's place). */
  withdrawn?: readonly Withdrawal[];
  /** RFC 5005 links: a current feed names its newest archive; an archive names its neighbours and the current feed. */
  history?: { archive: boolean; current?: FeedUrls; prevArchive?: FeedUrls; nextArchive?: FeedUrls };
  /** WebSub hubs readers may subscribe at for push updates. */
  hubs: readonly string[];
  /** Minutes a reader may cache the feed (RSS `ttl`). */
  ttlMinutes: number;
  /** For feeds that mix sources: each source's name and RSS feed, so items can say where they come from. */
  sources?: Record<string, { name: string; rssUrl: string; urn: string }>;
  /** The tag feed of a tag slug (within the feed's source, if it has one), so categories can link to it. */
  tagFeeds?: (slug: string) => FeedUrls;
  /** The catalogue page listing every feed of the deployment (`feeds/index.html`). */
  catalogueUrl: string;
  /**
   * The source's logo, icon and accent colour, in its own feeds when it has any (feeds that mix sources are the
   * publisher's and carry none). Absent, a feed renders as it did before sources had them.
   */
  branding?: FeedBranding;
}

/** A source's branding as its feeds show it: https URLs and a `#rrggbb` colour, each optional. */
export interface FeedBranding {
  logoUrl?: string;
  iconUrl?: string;
  accentColor?: string;
}

/** Why an article left every feed for good: an editor retracted it, or its licence ran out. */
export type WithdrawnStatus = 'retracted' | 'expired';

/** An article withdrawn from a feed's window, as the feed announces it: never its text, only that it is gone. */
export interface Withdrawal {
  id: string;
  status: WithdrawnStatus;
  /** When it was withdrawn (ISO 8601 UTC): the notice's date, and the expiry partners are told. */
  at: string;
  /** The article's canonical link, so partners that match by link find it (absent in older state). */
  url?: string;
}

/** A rendered document, ready to publish. */
export interface RenderedFeed {
  key: string;
  body: Buffer;
  contentType: string;
}

/** The stable identifier of an article in every feed and format. */
export function entryUrn(id: string): string {
  return `urn:uuid:${id}`;
}
