import type { FeedId } from '../feeds/feed-ids.ts';
import type { Article, Source, SourceScope } from './model.ts';

/** What the list endpoint shows of an article: enough to pick one, not its body. */
export type ArticleSummary = Pick<
  Article,
  'id' | 'source' | 'title' | 'url' | 'summary' | 'tags' | 'publishedAt' | 'updatedAt' | 'version'
>;

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
  /** Writes the article and its feed memberships, and claims the idempotency key, all or nothing. */
  createArticle(article: Article, claim?: IdempotencyClaim): Promise<void>;
  /** Replaces `previous` by `next` (a correction or a retraction) if `previous.version` is still current. */
  replaceArticle(previous: Article, next: Article): Promise<void>;
  listFeed(feed: FeedId, limit: number, cursor?: string): Promise<ArticlePage>;
  /** Every stored version of an article, newest first. */
  listVersions(id: string): Promise<Article[]>;
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
