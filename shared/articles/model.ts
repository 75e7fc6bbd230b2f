import type { ProfileName } from '../feeds/profiles/names.ts';

/** A tag as the editor wrote it (`label`) and as it appears in paths (`slug`). */
export interface Tag {
  label: string;
  slug: string;
}

/** An outlet the article cites, such as a newspaper it quotes. */
export interface Citation {
  name: string;
  url?: string;
}

export interface Author {
  name: string;
  email?: string;
  url?: string;
}

export interface Image {
  url: string;
  alt?: string;
  /** The image's size in pixels, when the editor gave it: partner profiles check it against their minimums. */
  width?: number;
  height?: number;
}

/** What an editor controls: everything the feeds show of an article. */
export interface ArticleContent {
  source: string;
  title: string;
  url: string;
  contentHtml: string;
  summary: string;
  author?: Author;
  tags: Tag[];
  citations: Citation[];
  image?: Image;
}

/** A validated, normalised submission; `publishedAt` is absent when the editor left it to the server. */
export interface Submission extends ArticleContent {
  publishedAt?: string;
  /** When the article leaves every feed (it expires); absent, it stays until retracted. */
  expiresAt?: string;
  /** A correction's note to readers (PUT only). */
  correction?: string;
  /** The article's lasting natural key within its source (README, External ids). */
  externalId?: string;
}

/** A correction's note, shown to readers under the article and kept in its history. */
export interface CorrectionNote {
  /** The version the correction made. */
  version: number;
  /** When it was made (the version's `updatedAt`). */
  at: string;
  note: string;
}

/**
 * Where an article is in its life (README, Lifecycle): `scheduled` until its `publishedAt` (in no public
 * document), then `published` (in its feeds) until `retracted` by an editor or `expired` at its `expiresAt`; a
 * scheduled article an editor withdrew is `cancelled`, and was never public. Only `published` is in any feed.
 */
export type ArticleStatus = 'scheduled' | 'published' | 'retracted' | 'expired' | 'cancelled';

/** An article as stored: the content plus what the server mints and keeps. */
export interface Article extends ArticleContent {
  id: string;
  status: ArticleStatus;
  version: number;
  publishedAt: string;
  createdAt: string;
  updatedAt: string;
  retractedAt?: string;
  /**
   * When it was scheduled to leave its feeds. Stored as an ISO string: the table's TTL attribute has the same name
   * (layout.ts), and TTL ignores an attribute that is not a number, so an article item never expires by it.
   */
  expiresAt?: string;
  /** When it left its feeds by expiring (status `expired`): the reason, as `retractedAt` is a retraction's. */
  expiredAt?: string;
  /** When an editor withdrew it before its time (status `cancelled`). */
  cancelledAt?: string;
  /** Notes of the corrections that carried one, oldest first. */
  corrections?: CorrectionNote[];
  /**
   * Unique within its source for ever: no other article of the source may take it, even once this one is retracted,
   * expired or cancelled. Set when posted (or by a later correction); never changed, only moved with the article.
   */
  externalId?: string;
}

/** A registered source: a publication whose feeds the pipeline publishes. */
export interface Source {
  slug: string;
  name: string;
  homepageUrl: string;
  description: string;
  language: string;
  createdAt: string;
  /** The source's logo (absolute https URL): RSS `image`, Atom `logo` and Feedly's `webfeeds:logo` in its feeds. */
  logoUrl?: string;
  /** A square icon (absolute https URL): Atom `icon`, JSON Feed `icon` and `favicon`, Feedly's `webfeeds:icon`. */
  iconUrl?: string;
  /** The brand colour, `#rrggbb` (lower case): Feedly's `webfeeds:accentColor`. */
  accentColor?: string;
  /**
   * The partner profiles (shared/feeds/profiles/) whose variants of the source's feeds are published, under
   * `feeds/partners/{profile}/`, for partners holding a token (README, For partners). Absent: none.
   */
  profiles?: ProfileName[];
}

/**
 * The fields of a source an edit may change (`source update`), every one of which its own feeds show: an edit of
 * any re-renders them (shared/adapters/dynamodb/stream.ts).
 */
export const EDITABLE_SOURCE_FIELDS = [
  'name',
  'homepageUrl',
  'description',
  'language',
  'logoUrl',
  'iconUrl',
  'accentColor',
  'profiles',
] as const satisfies readonly (keyof Source)[];

/** Which sources a caller may write to: every source, or a fixed list of slugs. */
export type SourceScope = '*' | readonly string[];

/** The editor key behind a request, once authenticated. */
export interface Principal {
  keyId: string;
  sources: SourceScope;
}

export function scopeAllows(scope: SourceScope, source: string): boolean {
  return scope === '*' || scope.includes(source);
}

/** The versions a write names as the one it replaces: any, or a list (it proceeds if the current one is among them). */
export type ExpectedVersions = 'any' | readonly number[];

export function versionMatches(expected: ExpectedVersions, version: number): boolean {
  return expected === 'any' || expected.includes(version);
}
