import {
  ConcurrentWriteError,
  ConflictError,
  DomainError,
  ExternalIdTakenError,
  type FieldError,
  ForbiddenError,
  fieldError,
  InvalidInputError,
  NotFoundError,
  RequestKeyReusedError,
  StoreUnavailableError,
  VersionMismatchError,
  VersionRequiredError,
} from '../domain/errors.ts';
import { etagOf } from './etag.ts';

/**
 * The HTTP edge's errors: what the API reports to the caller as an RFC 9457 problem. Refusals of the use cases
 * arrive as domain errors (`shared/domain/errors.ts`) and are mapped here, in {@link problemOf}, to a status, a
 * title and headers; refusals of the request itself (its framing, media type, credentials) are raised here.
 * Everything else that escapes a handler is reported as a bare 500 without detail.
 */
export class ProblemError extends Error {
  override name = 'ProblemError';
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly extra: {
      errors?: FieldError[];
      headers?: Record<string, string>;
      /** Members the problem document carries beyond RFC 9457's own (`articleId`). */
      members?: Record<string, unknown>;
    } = {},
  ) {
    super(detail);
  }
}

export class MalformedRequestError extends ProblemError {
  override name = 'MalformedRequestError';
  constructor(detail: string, errors: FieldError[] = [{ field: '(body)', in: 'body', pointer: '', detail }]) {
    super(400, 'Malformed request', detail, { errors });
  }
}

export class UnauthorizedError extends ProblemError {
  override name = 'UnauthorizedError';
  constructor(detail: string) {
    super(401, 'Unauthorized', detail, { headers: { 'www-authenticate': 'Bearer realm="editor-api"' } });
  }
}

export class MethodNotAllowedError extends ProblemError {
  override name = 'MethodNotAllowedError';
  constructor(allowed: readonly string[]) {
    super(405, 'Method not allowed', `Allowed methods: ${allowed.join(', ')}.`, {
      headers: { allow: allowed.join(', ') },
    });
  }
}

export class PayloadTooLargeError extends ProblemError {
  override name = 'PayloadTooLargeError';
  constructor(limit: number) {
    super(413, 'Payload too large', `The request body is larger than ${limit} bytes.`);
  }
}

export class UnsupportedMediaTypeError extends ProblemError {
  override name = 'UnsupportedMediaTypeError';
  constructor(received: string | undefined) {
    super(
      415,
      'Unsupported media type',
      `The body must be application/json${received ? `, not ${received}` : ''}.`,
    );
  }
}

/** A request parameter (query or header) the edge refuses before any use case runs: 422, naming it. */
export class InvalidParameterError extends ProblemError {
  override name = 'InvalidParameterError';
  constructor(readonly errors: FieldError[]) {
    const invalid = new InvalidInputError(errors);
    super(422, 'Invalid request', invalid.message, { errors });
  }
}

/** A field error for a query parameter or a header. */
export function parameterError(where: 'query' | 'header', name: string, detail: string): FieldError {
  return { field: name, in: where, detail };
}

/**
 * The problem an error is reported as: a {@link ProblemError} as it is, a domain error by its kind, anything
 * else undefined (a bare 500).
 */
export function problemOf(error: unknown): ProblemError | undefined {
  if (error instanceof ProblemError) return error;
  if (!(error instanceof DomainError)) return undefined;
  if (error instanceof InvalidInputError)
    return new ProblemError(422, 'Invalid request', error.message, { errors: error.errors });
  if (error instanceof RequestKeyReusedError) {
    const errors = [parameterError('header', 'Idempotency-Key', error.message)];
    return new ProblemError(422, 'Invalid request', `Idempotency-Key: ${error.message}`, { errors });
  }
  if (error instanceof NotFoundError) return new ProblemError(404, 'Not found', error.message);
  if (error instanceof ForbiddenError) return new ProblemError(403, 'Forbidden', error.message);
  if (error instanceof ConflictError) return new ProblemError(409, 'Conflict', error.message);
  // The article that holds the id, by its id and its URL: an importer reads it, or corrects it, instead.
  if (error instanceof ExternalIdTakenError)
    return new ProblemError(409, 'External id taken', error.message, {
      errors: [fieldError(['externalId'], `is article ${error.articleId}'s, for ever`)],
      headers: { location: `/articles/${error.articleId}` },
      members: { articleId: error.articleId },
    });
  if (error instanceof VersionMismatchError)
    return new ProblemError(412, 'Precondition failed', error.message, {
      headers: { etag: etagOf(error.currentVersion) },
    });
  if (error instanceof VersionRequiredError)
    return new ProblemError(
      428,
      'Precondition required',
      `A correction needs If-Match with the article's current ETag (${etagOf(error.currentVersion)}), so it cannot overwrite a correction it has not seen.`,
    );
  // The titles (and so the problem types, which the API's request line counts as a rejected write's reason) tell a
  // store that is throttling from one that is down, and a race lost to other writes from a request that
  // contradicts the article (409 Conflict above); each may pass again after Retry-After.
  if (error instanceof StoreUnavailableError)
    return new ProblemError(
      503,
      error.reason === 'throttled' ? 'Throttled' : 'Service unavailable',
      error.message,
      retryAfter(error.retryAfterSeconds),
    );
  if (error instanceof ConcurrentWriteError)
    return new ProblemError(409, 'Concurrent write', error.message, retryAfter(1));
  return new ProblemError(400, 'Bad request', error.message);
}

const retryAfter = (seconds: number) => ({ headers: { 'retry-after': String(seconds) } });
