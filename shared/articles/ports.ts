import type { FeedId } from '../feeds/feed-ids.ts';
import type { Article, Source, SourceScope } from './model.ts';

/** What the list endpoint shows of an article: enough to pick one, not its body. */
export type ArticleSummary = Pick<
  Article,
  'id' | 'source' | 'title' | 'url' | 'summary' | 'tags' | 'publishedAt' | 'updatedAt' | 'version'
> &
  Partial<Pick<Article, 'status' | 'expiresAt' | 'externalId'>>;

/**
 * The lifecycle's time-ordered indexes, each written in the same transaction as its article: `schedule` holds every
 * scheduled article at its publication time, `expiry` every published article with an expiry at that time.
 */
export type DueIndex = 'schedule' | 'expiry';

/** An article due in one of the indexes. */
export interface DueEntry {
  id: string;
  /** When it is due (an ISO time: its `publishedAt` or its `expiresAt`). */
  at: string;
}

export interface ArticlePage {
  items: ArticleSummary[];
  /** Opaque; present when there may be more. */
  cursor?: string;
}

/** The first response to an `Idempotency-Key`, kept for 24 hours. */
export interface IdempotencyRecord {
  requestHash: string;
  article: Article;
  /** Epoch milliseconds after which the key may be used again. */
  expiresAt: number;
}

export interface IdempotencyClaim extends IdempotencyRecord {
  /** Who owns the key (the editor key's id): two editors may pick the same string. */
  scope: string;
  key: string;
}

/** A conditional write lost: another write changed the same item first, or holds it right now. */
export class WriteConflictError extends Error {
  override name = 'WriteConflictError';
  constructor(readonly reason: 'condition' | 'transaction') {
    super(`write conflict (${reason})`);
  }
}

/** A cursor that this store did not issue for this listing. */
export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
}

/** The article side of the store. */
export interface ArticleStore {
  getArticle(id: string): Promise<Article | undefined>;
  getIdempotency(scope: string, key: string): Promise<IdempotencyRecord | undefined>;
  /**
   * Writes the article and, if it is published, its feed memberships and tag counts (if scheduled, its `schedule`
   * entry instead; if it expires, its `expiry` entry), and claims the idempotency key and the article's external id
   * in its source, all or nothing. An external id another article holds is an ExternalIdTakenError naming that
   * article, unless another condition failed too (that one's WriteConflictError wins: a lost idempotency race).
   */
  createArticle(article: Article, claim?: IdempotencyClaim): Promise<void>;
  /**
   * Replaces `previous` by `next` (a correction, a retraction, a release, an expiry, a move or a cancellation) if
   * `previous.version` is still current, moving its memberships, tag counts and due entries with it, and its
   * external id: claimed when `next` gains one, moved when it moves to another source (ExternalIdTakenError when
   * another article of that source holds it, unless the version condition failed too). Never released otherwise.
   */
  replaceArticle(previous: Article, next: Article): Promise<void>;
  /** The id of the article of `source` that holds `externalId`, whatever its status. */
  findExternalId(source: string, externalId: string): Promise<string | undefined>;
  /**
   * Scheduled articles, soonest first, from the `schedule` index (of one source, if given): a page may hold fewer
   * than `limit` items and still have a cursor when a source is named, as the index holds every source.
   */
  listScheduled(limit: number, cursor?: string, source?: string): Promise<ArticlePage>;
  listFeed(feed: FeedId, limit: number, cursor?: string): Promise<ArticlePage>;
  /** Every stored version of an article, newest first. */
  listVersions(id: string): Promise<Article[]>;
}

/**
 * The lifecycle's indexes, as the sweep reads them: apart from the article store, so that the editor API, which
 * never sweeps, does not carry it.
 */
export interface DueReader {
  /** The entries of an index due at or before `until` (an ISO time), soonest first, at most `limit`. */
  listDue(index: DueIndex, until: string, limit: number): Promise<DueEntry[]>;
}

/** An editor key as stored: never the secret, only its hash. */
export interface StoredKey {
  keyId: string;
  secretHash: string;
  sources: SourceScope;
  label: string;
  createdAt: string;
  revokedAt?: string;
}

/** The operator side of the store: sources and editor keys. */
export interface RegistryStore {
  putSource(source: Source): Promise<void>;
  getSource(slug: string): Promise<Source | undefined>;
  listSources(): Promise<Source[]>;
  putKey(key: StoredKey): Promise<void>;
  getKey(keyId: string): Promise<StoredKey | undefined>;
  listKeys(): Promise<StoredKey[]>;
  /** Marks a key revoked; false when there is no such key. */
  revokeKey(keyId: string, at: string): Promise<boolean>;
}

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
