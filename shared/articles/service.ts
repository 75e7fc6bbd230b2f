import { createHash, randomUUID } from 'node:crypto';
import {
  ConcurrentWriteError,
  ConflictError,
  ExternalIdTakenError,
  ForbiddenError,
  fieldError,
  InvalidInputError,
  NotFoundError,
  RequestKeyReusedError,
  VersionMismatchError,
  VersionRequiredError,
} from '../domain/errors.ts';
import { feedIdFor } from '../feeds/feed-ids.ts';
import { IMAGE_RULES, imageProblem, type ProfileName } from '../feeds/profiles/names.ts';
import {
  type Article,
  type ExpectedVersions,
  type Image,
  type Principal,
  type Source,
  type Submission,
  scopeAllows,
  versionMatches,
} from './model.ts';
import {
  type ArticlePage,
  type ArticleStore,
  type ArticleSummary,
  type Clock,
  InvalidCursorError,
  type RegistryStore,
  systemClock,
  WriteConflictError,
} from './ports.ts';
import { isFuture, parseSubmission } from './submission.ts';

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
/** Ids are version-4 UUIDs; anything else cannot name an article, whatever its length. */
const ARTICLE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/**
 * How often a write that lost a race is tried before the caller is told. A transaction conflict (another write
 * held a shared item, such as the `all` feed's partition or a tag's count, for the few milliseconds of its own
 * transaction) is retried here, with a short growing pause, about 0.4 s in all: it clears in milliseconds, and the
 * caller should not have to handle what is not its fault. One that outlasts these attempts is a
 * ConcurrentWriteError (409 "Concurrent write" with Retry-After: the request was right and may simply be sent
 * again), never a conflict with the article's state or a version mismatch, which it is not. Throttling is not
 * retried here (shared/adapters/dynamodb/article-store.ts).
 */
const RACE_ATTEMPTS = 5;

export interface CreateResult {
  article: Article;
  /** True when an `Idempotency-Key` matched an earlier request and nothing was written. */
  replayed: boolean;
  /** What the source's partner profiles will leave out of the article: told, never refused. */
  warnings: ArticleWarning[];
}

/** Something a partner profile the source uses will leave out of the article, and why. */
export interface ArticleWarning {
  field: string;
  pointer: string;
  profile: ProfileName;
  detail: string;
}

/** Which articles a listing shows: those in the feeds (the default), or those scheduled, soonest first. */
export type ListStatus = 'published' | 'scheduled';

/** A listing: of a source, of a tag (within the source, if both), or of everything; `limit` from 1 to 100. */
export interface ListQuery {
  status?: ListStatus | undefined;
  source?: string | undefined;
  tag?: string | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
  /** The article of `source` (required with it) that holds this external id, whatever its status: 0 or 1 item. */
  externalId?: string | undefined;
}

/**
 * The editor use cases: post (now or scheduled), read, correct (or move a scheduled article), retract (or cancel a
 * scheduled one) and list articles. The lifecycle's timed steps are shared/articles/lifecycle.ts.
 */
export class ArticleService {
  constructor(
    private readonly store: ArticleStore,
    private readonly sources: Pick<RegistryStore, 'getSource'>,
    private readonly clock: Clock = systemClock,
    private readonly newId: () => string = randomUUID,
  ) {}

  async create(principal: Principal, body: unknown, idempotencyKey?: string): Promise<CreateResult> {
    const submission = parseSubmission(body, this.clock.now());
    await this.authorise(principal, submission.source);
    const warnings = imageWarnings(await this.requireSource(submission.source), submission.image);
    const requestHash = idempotencyKey === undefined ? '' : hashRequest(body);
    for (let attempt = 1; ; attempt++) {
      if (idempotencyKey !== undefined) {
        const earlier = await this.store.getIdempotency(principal.keyId, idempotencyKey);
        if (earlier && earlier.expiresAt > this.clock.now()) {
          if (earlier.requestHash !== requestHash) {
            throw new RequestKeyReusedError(
              'was already used with a different body in the last 24 hours; use a new key for a new article',
            );
          }
          return { article: earlier.article, replayed: true, warnings };
        }
      }
      // One read spares a transaction that would fail: an import run again posts every item it already imported.
      // The transaction's condition is what holds the id to one article; this only answers sooner.
      if (submission.externalId !== undefined) {
        const holder = await this.store.findExternalId(submission.source, submission.externalId);
        if (holder !== undefined) throw new ExternalIdTakenError(holder, submission.source);
      }
      const now = this.clock.now();
      const stamp = new Date(now).toISOString();
      const { publishedAt = stamp, ...content } = submission;
      checkExpiry(submission.expiresAt, publishedAt, now);
      const article: Article = {
        ...content,
        id: this.newId(),
        status: isFuture(publishedAt, now) ? 'scheduled' : 'published',
        version: 1,
        publishedAt,
        createdAt: stamp,
        updatedAt: stamp,
      };
      try {
        await this.store.createArticle(
          article,
          idempotencyKey === undefined
            ? undefined
            : {
                scope: principal.keyId,
                key: idempotencyKey,
                requestHash,
                article,
                expiresAt: now + IDEMPOTENCY_TTL_MS,
              },
        );
        return { article, replayed: false, warnings };
      } catch (error) {
        if (!(error instanceof WriteConflictError)) throw error;
        // A lost race: either another request with the same Idempotency-Key won (go round and answer with its
        // article) or a concurrent transaction held a shared item (go round and write again).
        if (attempt >= RACE_ATTEMPTS) throw new ConcurrentWriteError();
        await pause(attempt);
      }
    }
  }

  async get(principal: Principal, id: string): Promise<Article> {
    const article = ARTICLE_ID.test(id) ? await this.store.getArticle(id) : undefined;
    if (!article) throw new NotFoundError(`There is no article ${id}.`);
    await this.authorise(principal, article.source);
    return article;
  }

  /** `expected`: the version the correction replaces, so that it cannot overwrite one it has not seen. */
  async correct(
    principal: Principal,
    id: string,
    expected: ExpectedVersions | undefined,
    body: unknown,
  ): Promise<Article> {
    const current = await this.get(principal, id);
    if (expected === undefined) throw new VersionRequiredError(current.version);
    this.checkVersion(current, expected);
    if (current.status !== 'published' && current.status !== 'scheduled')
      throw new ConflictError(`Article ${id} is ${current.status} and cannot be corrected.`);
    const now = this.clock.now();
    const submission: Submission = parseSubmission(body, now, { correction: true });
    if (submission.source !== current.source) {
      await this.authorise(principal, submission.source);
      await this.requireSource(submission.source);
    }
    const stamp = new Date(now).toISOString();
    const {
      publishedAt = current.publishedAt,
      correction,
      externalId = current.externalId,
      ...content
    } = submission;
    // An external id is the article's identity in its source: kept when omitted, never changed (README, External ids).
    if (current.externalId !== undefined && externalId !== current.externalId) {
      throw new InvalidInputError([fieldError(['externalId'], 'cannot change once set')]);
    }
    // A published article stays public: moving it into the future would take an item out of readers' feeds.
    if (current.status === 'published' && isFuture(publishedAt, now)) {
      throw new ConflictError(
        `Article ${id} is published and cannot be scheduled again; retract it and post a new one instead.`,
      );
    }
    // Nobody has read a scheduled article yet: there is nothing to tell readers about an edit of it.
    if (current.status === 'scheduled' && correction) {
      throw new InvalidInputError([
        fieldError(
          ['correction'],
          'cannot accompany an edit of a scheduled article, which no reader has seen',
        ),
      ]);
    }
    checkExpiry(content.expiresAt, publishedAt, now);
    const version = current.version + 1;
    const updatedAt = laterThan(stamp, current.updatedAt);
    const corrections = [
      ...(current.corrections ?? []),
      ...(correction ? [{ version, at: updatedAt, note: correction }] : []),
    ];
    const next: Article = {
      ...content,
      id,
      // A scheduled article stays scheduled until its very time (the skew tolerance is for posts, and would lift an
      // embargo early here); moved to now or the past, or edited once its time came, the edit publishes it.
      status: current.status === 'scheduled' && Date.parse(publishedAt) > now ? 'scheduled' : 'published',
      version,
      publishedAt,
      createdAt: current.createdAt,
      updatedAt,
      ...(corrections.length ? { corrections } : {}),
      ...(externalId === undefined ? {} : { externalId }),
    };
    await this.replace(current, next);
    return next;
  }

  /**
   * A published article is retracted; a scheduled one is cancelled (it keeps its record and history, and was never
   * public). An article already out of the feeds (retracted, cancelled or expired) is answered as it is.
   */
  async retract(principal: Principal, id: string, expected?: ExpectedVersions): Promise<Article> {
    const current = await this.get(principal, id);
    if (expected !== undefined) this.checkVersion(current, expected);
    if (current.status !== 'published' && current.status !== 'scheduled') return current;
    const stamp = laterThan(new Date(this.clock.now()).toISOString(), current.updatedAt);
    const next: Article =
      current.status === 'scheduled'
        ? {
            ...current,
            status: 'cancelled',
            version: current.version + 1,
            updatedAt: stamp,
            cancelledAt: stamp,
          }
        : {
            ...current,
            status: 'retracted',
            version: current.version + 1,
            updatedAt: stamp,
            retractedAt: stamp,
          };
    await this.replace(current, next);
    return next;
  }

  /** Every version of an article, newest first: what each correction changed, and its note. */
  async history(principal: Principal, id: string): Promise<Article[]> {
    const current = await this.get(principal, id);
    return this.store.listVersions(current.id);
  }

  async list(principal: Principal, query: ListQuery): Promise<ArticlePage> {
    if (query.source === undefined) {
      if (principal.sources !== '*') {
        throw new ForbiddenError('This key is limited to some sources: pass ?source= to list one of them.');
      }
    } else {
      await this.authorise(principal, query.source);
    }
    if (query.externalId !== undefined) {
      if (query.source === undefined)
        throw new InvalidInputError([
          { field: 'source', in: 'query', detail: 'is required with externalId' },
        ]);
      // One read of the external id's item, then one of its article.
      const id = await this.store.findExternalId(query.source, query.externalId);
      const found = id === undefined ? undefined : await this.store.getArticle(id);
      return { items: found ? [summaryOf(found)] : [] };
    }
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    try {
      return query.status === 'scheduled'
        ? await this.store.listScheduled(limit, query.cursor, query.source)
        : await this.store.listFeed(feedIdFor(query), limit, query.cursor);
    } catch (error) {
      if (error instanceof InvalidCursorError) {
        throw new InvalidInputError([
          { field: 'cursor', in: 'query', detail: 'is not a cursor from this listing' },
        ]);
      }
      throw error;
    }
  }

  private async replace(current: Article, next: Article): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.store.replaceArticle(current, next);
        return;
      } catch (error) {
        if (!(error instanceof WriteConflictError)) throw error;
        // The version condition failed: another correction or retraction came first.
        if (error.reason === 'condition') {
          throw new VersionMismatchError(
            current.version,
            `Article ${current.id} changed while this request was applied; fetch it again and retry with its new version.`,
          );
        }
        if (attempt >= RACE_ATTEMPTS) throw new ConcurrentWriteError();
        await pause(attempt);
      }
    }
  }

  private checkVersion(current: Article, expected: ExpectedVersions): void {
    if (!versionMatches(expected, current.version)) {
      throw new VersionMismatchError(
        current.version,
        `The version named (${expected === 'any' ? 'any' : expected.join(', ') || 'none'}) is not the current version of article ${current.id}, which is ${current.version}.`,
      );
    }
  }

  private async authorise(principal: Principal, source: string): Promise<void> {
    if (!scopeAllows(principal.sources, source)) {
      throw new ForbiddenError(`This key may not act on source ${source}.`);
    }
  }

  /** What the partner profiles of an article's source will leave out of it (one read of the source). */
  async warningsFor(article: Article): Promise<ArticleWarning[]> {
    return imageWarnings(await this.sources.getSource(article.source), article.image);
  }

  private async requireSource(slug: string): Promise<Source> {
    const source = await this.sources.getSource(slug);
    if (!source) throw new InvalidInputError([fieldError(['source'], `${slug} is not a registered source`)]);
    return source;
  }
}

/** What the lookup by external id shows of an article: a listing's fields, with its status and external id. */
const LOOKUP_FIELDS = [
  'id',
  'source',
  'externalId',
  'title',
  'url',
  'summary',
  'tags',
  'status',
  'publishedAt',
  'expiresAt',
  'updatedAt',
  'version',
] as const satisfies readonly (keyof Article & keyof ArticleSummary)[];

function summaryOf(article: Article): ArticleSummary {
  const summary: Record<string, unknown> = {};
  for (const field of LOOKUP_FIELDS) if (article[field] !== undefined) summary[field] = article[field];
  return summary as unknown as ArticleSummary;
}

/** The image rules of the source's profiles that the article's image (or its lack of one) breaks. */
function imageWarnings(source: Source | undefined, image: Image | undefined): ArticleWarning[] {
  const warnings: ArticleWarning[] = [];
  for (const profile of source?.profiles ?? []) {
    const problem = imageProblem(IMAGE_RULES[profile], image);
    if (problem)
      warnings.push({
        field: 'image',
        pointer: '/image',
        profile,
        detail: `${problem}: the ${profile} profile leaves it out`,
      });
  }
  return warnings;
}

/** An expiry must come after the publication and still be ahead: an article that would expire at once is refused. */
function checkExpiry(expiresAt: string | undefined, publishedAt: string, now: number): void {
  if (expiresAt === undefined) return;
  if (expiresAt <= publishedAt)
    throw new InvalidInputError([fieldError(['expiresAt'], 'must be after publishedAt')]);
  if (Date.parse(expiresAt) <= now)
    throw new InvalidInputError([fieldError(['expiresAt'], 'must be in the future')]);
}

/** A hash of a JSON body that ignores key order and whitespace. */
export function hashRequest(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonicalJson(inner)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** `stamp`, or one millisecond after `previous` if the clock has not moved past it: updates never go back in time. */
export function laterThan(stamp: string, previous: string): string {
  return stamp > previous ? stamp : new Date(Date.parse(previous) + 1).toISOString();
}

function pause(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 10 * 2 ** attempt + Math.random() * 20));
}
