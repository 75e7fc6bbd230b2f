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
  /** A correction's note to readers (PUT only). */
  correction?: string;
}

/** A correction's note, shown to readers under the article and kept in its history. */
export interface CorrectionNote {
  /** The version the correction made. */
  version: number;
  /** When it was made (the version's `updatedAt`). */
  at: string;
  note: string;
}

export type ArticleStatus = 'published' | 'retracted';

/** An article as stored: the content plus what the server mints and keeps. */
export interface Article extends ArticleContent {
  id: string;
  status: ArticleStatus;
  version: number;
  publishedAt: string;
  createdAt: string;
  updatedAt: string;
  retractedAt?: string;
  /** Notes of the corrections that carried one, oldest first. */
  corrections?: CorrectionNote[];
}

/** A registered source: a publication whose feeds the pipeline publishes. */
export interface Source {
  slug: string;
  name: string;
  homepageUrl: string;
  description: string;
  language: string;
  createdAt: string;
}

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
