/**
 * What the use cases refuse, in their own terms: no status codes, headers or problem documents. The HTTP edge
 * (`shared/http/problems.ts`) maps each of these to its status and problem document, and the CLI to its message.
 */

/** One reason an input was refused, tied to the field it is about (`author.email`, `tags[3]`). */
export interface FieldError {
  field: string;
  /** Where the field is: the submitted document, the listing's query, or a request header (set by the edge). */
  in: 'body' | 'query' | 'header';
  /** For fields of the submitted document, the same place as a JSON Pointer into it (RFC 6901). */
  pointer?: string;
  detail: string;
}

export class DomainError extends Error {
  override name = 'DomainError';
}

/** The input breaks a rule: one entry per field at fault. */
export class InvalidInputError extends DomainError {
  override name = 'InvalidInputError';
  constructor(readonly errors: FieldError[]) {
    super(summarise(errors));
  }
}

export class NotFoundError extends DomainError {
  override name = 'NotFoundError';
}

/** The principal may not act on what it names (a source outside its key's scope). */
export class ForbiddenError extends DomainError {
  override name = 'ForbiddenError';
}

/** The request contradicts the article's state (a correction of a retracted article, a duplicate id). */
export class ConflictError extends DomainError {
  override name = 'ConflictError';
}

/**
 * Another article of the source already holds the external id (README, External ids): it names that article, which
 * a client may read, or correct, instead of posting it again. Ids are never released, so this never passes later.
 */
export class ExternalIdTakenError extends DomainError {
  override name = 'ExternalIdTakenError';
  constructor(
    readonly articleId: string,
    readonly source: string,
  ) {
    super(`Article ${articleId} of source ${source} already has this externalId.`);
  }
}

/** A replayed request key came with a different request than the one it first named. */
export class RequestKeyReusedError extends DomainError {
  override name = 'RequestKeyReusedError';
}

/** The version a write names is not the article's current one. */
export class VersionMismatchError extends DomainError {
  override name = 'VersionMismatchError';
  constructor(
    readonly currentVersion: number,
    detail: string,
  ) {
    super(detail);
  }
}

/** A write that must name the version it replaces named none. */
export class VersionRequiredError extends DomainError {
  override name = 'VersionRequiredError';
  constructor(readonly currentVersion: number) {
    super(`A correction must name the version it corrects (the current one is ${currentVersion}).`);
  }
}

/**
 * The store is not answering right now (`unavailable`: down, failing or too slow), or refused the write because a
 * table or partition is over its capacity (`throttled`); the same request may succeed a little later.
 */
export class StoreUnavailableError extends DomainError {
  override name = 'StoreUnavailableError';
  constructor(
    readonly retryAfterSeconds: number,
    readonly reason: 'unavailable' | 'throttled' = 'unavailable',
  ) {
    super(
      `The article store is ${reason === 'throttled' ? 'over its capacity' : 'unavailable'}; try again shortly.`,
    );
  }
}

/**
 * Other writes kept taking items this write needed (a feed's membership, a tag's count) through every retry.
 * Nothing was written and the request was not wrong: the same request may pass a moment later.
 */
export class ConcurrentWriteError extends DomainError {
  override name = 'ConcurrentWriteError';
  constructor() {
    super('Concurrent writes held items this one needs; nothing was written: retry it.');
  }
}

/** A field error for `path` within the submitted document (`['tags', 3]`). */
export function fieldError(path: readonly PropertyKey[], detail: string): FieldError {
  let field = '';
  for (const part of path) {
    if (typeof part === 'number') field += `[${part}]`;
    else field += field ? `.${String(part)}` : String(part);
  }
  const pointer = path.map((part) => String(part).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
  return { field: field || '(body)', in: 'body', pointer: path.length ? `/${pointer}` : '', detail };
}

function summarise(errors: FieldError[]): string {
  const first = errors[0];
  if (!first) return 'The input is invalid.';
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  return `${first.field}: ${first.detail}${more}`;
}
