/** What the importer reads out of a feed and what it posts. */
export type FeedKind = 'rss' | 'atom' | 'rdf' | 'json';

/** One item of a feed, with what an article needs, ready to become a submission. */
export interface ImportItem {
  /** Position of the item in the document, from 0. */
  index: number;
  /** What names the item across imports: its guid (RSS) or id (Atom), else its link. */
  identity: string;
  title: string;
  /** Absolute http(s) URL. */
  url: string;
  contentHtml: string;
  /** Plain text. */
  summary?: string;
  /** RFC 3339 in UTC. */
  publishedAt?: string;
  /** Set when the date was not RFC 822 or RFC 3339 and had to be guessed (a warning says how it was read). */
  dateGuessed?: boolean;
  /** Labels, in document order. */
  tags: string[];
  author?: string;
  image?: { url: string; alt?: string };
  /** What was left out of the item without making it unusable. */
  warnings: string[];
}

/** An item that cannot be imported, and why. */
export interface ItemProblem {
  /** Position of the item in the document, from 0. */
  index: number;
  /** Its title, when one could be read, to name it in reports. */
  title?: string;
  reason: string;
}

export interface ParsedFeedDocument {
  kind: FeedKind;
  title?: string;
  /** What relative links of the items were resolved against, if anything. */
  baseUrl?: string;
  items: ImportItem[];
  problems: ItemProblem[];
}

/** The body of `POST /articles`, as the API accepts it. */
export interface SubmissionBody {
  source: string;
  /** The item's guid, id or link: the API keeps one article per source and external id, for ever. */
  externalId: string;
  title: string;
  url: string;
  contentHtml: string;
  summary?: string;
  author?: { name: string };
  tags?: string[];
  image?: { url: string; alt?: string };
  publishedAt?: string;
}

/** A submission, with the idempotency key that makes a retry of its request harmless. */
export interface PreparedSubmission {
  index: number;
  identity: string;
  idempotencyKey: string;
  body: SubmissionBody;
  warnings: string[];
}
