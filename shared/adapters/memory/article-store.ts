import type { Article, Source } from '../../articles/model.ts';
import {
  type ArticlePage,
  type ArticleStore,
  type ArticleSummary,
  type DueEntry,
  type DueIndex,
  type DueReader,
  type IdempotencyClaim,
  type IdempotencyRecord,
  type RegistryStore,
  type StoredKey,
  WriteConflictError,
} from '../../articles/ports.ts';
import { ExternalIdTakenError } from '../../domain/errors.ts';
import { type FeedId, feedIdsOf } from '../../feeds/feed-ids.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { dueEntryChanges, dueUntilKey, scheduledSummaries } from '../due-entries.ts';
import { SUMMARY_FIELDS, withoutKeys } from '../dynamodb/layout.ts';
import { membershipItems } from '../dynamodb/memberships.ts';
import { tagCountChanges } from '../tag-counts.ts';
import { byKey, copy, type MemoryTable } from './table.ts';

const entryKeyOf = (article: Pick<Article, 'publishedAt' | 'id'>) => `${article.publishedAt}#${article.id}`;
const externalKeyOf = (article: Pick<Article, 'source' | 'externalId'>) =>
  article.externalId === undefined ? undefined : `${article.source}\n${article.externalId}`;

/** The article side of the store, in memory: each write all or nothing, as the DynamoDB adapter's transactions. */
export class MemoryArticleStore implements ArticleStore, DueReader {
  constructor(
    private readonly table: MemoryTable,
    private readonly now: () => number = Date.now,
    /** Memberships are thin, as the DynamoDB adapter writes them; a test may keep them fat up to this size (memberships.ts). */
    private readonly fatMembershipMaxBytes = 0,
  ) {}

  async getArticle(id: string): Promise<Article | undefined> {
    const article = this.table.articles.get(id);
    return article && copy(article);
  }

  async getIdempotency(scope: string, key: string): Promise<IdempotencyRecord | undefined> {
    const record = this.table.idempotency.get(`${scope}\n${key}`);
    return record && copy(record);
  }

  async createArticle(article: Article, claim?: IdempotencyClaim): Promise<void> {
    const claimed = claim && this.table.idempotency.get(`${claim.scope}\n${claim.key}`);
    // A record whose second has started is expired, as the table's condition has it.
    const live = claimed && claimed.expiresAt / 1000 > Math.floor(this.now() / 1000);
    if (this.table.articles.has(article.id) || this.hasVersion(article) || live)
      throw new WriteConflictError('condition');
    this.claimExternalId(undefined, article);
    this.table.articles.set(article.id, copy(article));
    this.putVersion(article);
    if (article.status === 'published') this.putMemberships(article);
    this.moveTagCounts(undefined, article);
    this.moveDueEntries(undefined, article);
    if (claim) {
      const { scope, key, ...record } = claim;
      this.table.idempotency.set(`${scope}\n${key}`, {
        ...copy(record),
        expiresAt: Math.ceil(record.expiresAt / 1000) * 1000,
      });
    }
  }

  async replaceArticle(previous: Article, next: Article): Promise<void> {
    if (this.table.articles.get(next.id)?.version !== previous.version || this.hasVersion(next))
      throw new WriteConflictError('condition');
    this.claimExternalId(previous, next);
    this.table.articles.set(next.id, copy(next));
    this.putVersion(next);
    for (const feed of feedIdsOf(previous)) this.table.memberships.get(feed)?.delete(entryKeyOf(previous));
    if (next.status === 'published') this.putMemberships(next);
    this.moveTagCounts(previous, next);
    this.moveDueEntries(previous, next);
  }

  async findExternalId(source: string, externalId: string): Promise<string | undefined> {
    return this.table.externalIds.get(`${source}\n${externalId}`);
  }

  async listDue(index: DueIndex, until: string, limit: number): Promise<DueEntry[]> {
    const end = dueUntilKey(until);
    return [...(this.table.due.get(index)?.entries() ?? [])]
      .filter(([key]) => key <= end)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .slice(0, limit)
      .map(([key, { id }]) => ({ id, at: key.split('#')[0] ?? '' }));
  }

  async listScheduled(limit: number, cursor?: string, source?: string): Promise<ArticlePage> {
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    // As DynamoDB's query: `limit` entries are read, then those of other sources are dropped.
    const read = [...(this.table.due.get('schedule')?.entries() ?? [])]
      .filter(([key]) => after === undefined || key > after)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .slice(0, limit);
    const items = scheduledSummaries(
      read
        .filter(([, entry]) => source === undefined || entry.source === source)
        .map(([, entry]) => this.table.articles.get(entry.id)),
    ).map(copy);
    const last = read.at(-1)?.[0];
    return read.length === limit && last !== undefined ? { items, cursor: encodeCursor(last) } : { items };
  }

  async listFeed(feed: FeedId, limit: number, cursor?: string): Promise<ArticlePage> {
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    const members = this.table.memberships.get(feed);
    const keys = [...(members?.keys() ?? [])].sort().reverse();
    const page = keys.filter((key) => after === undefined || key < after).slice(0, limit);
    const items = page.map(
      (key) =>
        Object.fromEntries(
          SUMMARY_FIELDS.filter((field) => members?.get(key)?.[field] !== undefined).map((field) => [
            field,
            copy(members?.get(key)?.[field]),
          ]),
        ) as unknown as ArticleSummary,
    );
    const last = page.at(-1);
    // A page that reached its limit has a cursor, as DynamoDB's does, even when nothing follows it.
    return page.length === limit && last !== undefined ? { items, cursor: encodeCursor(last) } : { items };
  }

  async listVersions(id: string): Promise<Article[]> {
    const versions = [...(this.table.versions.get(id)?.values() ?? [])];
    return versions.sort((a, b) => b.version - a.version).map(copy);
  }

  /**
   * Claims the external id of `after` when it has one whose key differs from that of `before` (new, or moved to
   * another source, which deletes the old key), as the DynamoDB adapter's condition and delete do; never deletes a key
   * otherwise. Checked after the other conditions, whose failure wins; throws before anything is written.
   */
  private claimExternalId(before: Article | undefined, after: Article): void {
    const was = before && externalKeyOf(before);
    const key = externalKeyOf(after);
    if (key === undefined || key === was) return;
    const holder = this.table.externalIds.get(key);
    if (holder !== undefined) throw new ExternalIdTakenError(holder, after.source);
    this.table.externalIds.set(key, after.id);
    if (was !== undefined) this.table.externalIds.delete(was);
  }

  private hasVersion(article: Article): boolean {
    return this.table.versions.get(article.id)?.has(article.version) ?? false;
  }

  private putVersion(article: Article): void {
    const versions = this.table.versions.get(article.id) ?? new Map<number, Article>();
    versions.set(article.version, copy(article));
    this.table.versions.set(article.id, versions);
  }

  /** Fat or thin, by the same rule and size as the DynamoDB adapter's; kept without the table's own attributes. */
  private putMemberships(article: Article): void {
    for (const item of membershipItems(article, this.fatMembershipMaxBytes)) {
      const { feed: _feed, ...entry } = withoutKeys(item);
      const feed = item.feed as FeedId;
      const members = this.table.memberships.get(feed) ?? new Map<string, Record<string, unknown>>();
      members.set(entryKeyOf(article), copy(entry));
      this.table.memberships.set(feed, members);
    }
  }

  /** The article's entries in the lifecycle's indexes, moved as the DynamoDB adapter moves them. */
  private moveDueEntries(before: Article | undefined, after: Article): void {
    const { remove, add } = dueEntryChanges(before, after);
    for (const entry of remove) this.table.due.get(entry.index)?.delete(entry.key);
    for (const entry of add) {
      const index = this.table.due.get(entry.index) ?? new Map<string, { id: string; source: string }>();
      index.set(entry.key, { id: after.id, source: after.source });
      this.table.due.set(entry.index, index);
    }
  }

  /** The per-tag article counts moved as the DynamoDB adapter moves them (shared/adapters/tag-counts.ts). */
  private moveTagCounts(before: Article | undefined, after: Article): void {
    for (const { source, tag, delta, label } of tagCountChanges(before, after)) {
      const counts =
        this.table.tagCounts.get(source) ?? new Map<string, { articles: number; label?: string }>();
      const current = counts.get(tag) ?? { articles: 0 };
      counts.set(tag, {
        ...current,
        articles: current.articles + delta,
        ...(label === undefined ? {} : { label }),
      });
      this.table.tagCounts.set(source, counts);
    }
  }
}

/** Sources and editor keys, in memory. */
export class MemoryRegistryStore implements RegistryStore {
  constructor(private readonly table: MemoryTable) {}

  async putSource(source: Source): Promise<void> {
    this.table.sources.set(source.slug, copy(source));
  }

  async getSource(slug: string): Promise<Source | undefined> {
    const source = this.table.sources.get(slug);
    return source && copy(source);
  }

  async listSources(): Promise<Source[]> {
    return byKey(this.table.sources).map(copy);
  }

  async putKey(key: StoredKey): Promise<void> {
    if (this.table.keys.has(key.keyId)) throw new WriteConflictError('condition');
    this.table.keys.set(key.keyId, copy(key));
  }

  async getKey(keyId: string): Promise<StoredKey | undefined> {
    const key = this.table.keys.get(keyId);
    return key && copy(key);
  }

  async listKeys(): Promise<StoredKey[]> {
    return byKey(this.table.keys).map(copy);
  }

  async revokeKey(keyId: string, at: string): Promise<boolean> {
    const key = this.table.keys.get(keyId);
    if (!key) return false;
    this.table.keys.set(keyId, { ...key, revokedAt: key.revokedAt ?? at });
    return true;
  }
}
