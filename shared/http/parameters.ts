import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { ExpectedVersions } from '../articles/model.ts';
import { DEFAULT_PAGE_SIZE, type ListQuery, MAX_PAGE_SIZE } from '../articles/service.ts';
import { externalIdProblem } from '../articles/submission.ts';
import type { FieldError } from '../domain/errors.ts';
import { isSlug, isTagSlug } from '../slug.ts';
import { expectedVersions } from './etag.ts';
import { InvalidParameterError, parameterError } from './problems.ts';
import { header } from './request.ts';

/** Idempotency keys: printable ASCII, as many clients send a UUID or a hash. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** The request's `Idempotency-Key`, if it sent one: 422 when it is not 1 to 255 printable ASCII characters. */
export function idempotencyKeyOf(event: APIGatewayProxyEventV2): string | undefined {
  const key = header(event, 'idempotency-key');
  if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
    throw new InvalidParameterError([
      parameterError(
        'header',
        'Idempotency-Key',
        'must be 1 to 255 printable ASCII characters without spaces, such as a UUID',
      ),
    ]);
  }
  return key;
}

/** The versions the request's `If-Match` names, if it sent one. */
export function expectedVersionsOf(event: APIGatewayProxyEventV2): ExpectedVersions | undefined {
  const ifMatch = header(event, 'if-match');
  return ifMatch === undefined ? undefined : expectedVersions(ifMatch);
}

/** `GET /articles`'s query string as a listing: 422 naming each parameter that is not what it must be. */
export function listQueryOf(parameters: Record<string, string | undefined>): ListQuery {
  const errors: FieldError[] = [];
  const { source, tag, cursor, status } = parameters;
  if (status !== undefined && status !== 'published' && status !== 'scheduled')
    errors.push(parameterError('query', 'status', 'must be published or scheduled'));
  if (status === 'scheduled' && tag !== undefined)
    errors.push(parameterError('query', 'tag', 'cannot list scheduled articles: they are in no tag yet'));
  if (source !== undefined && !isSlug(source))
    errors.push(parameterError('query', 'source', 'must be a source slug'));
  if (tag !== undefined && !isTagSlug(tag)) errors.push(parameterError('query', 'tag', 'must be a tag slug'));
  let limit = DEFAULT_PAGE_SIZE;
  if (parameters.limit !== undefined) {
    limit = /^\d{1,3}$/.test(parameters.limit) ? Number(parameters.limit) : Number.NaN;
    if (!(limit >= 1 && limit <= MAX_PAGE_SIZE))
      errors.push(parameterError('query', 'limit', `must be a whole number from 1 to ${MAX_PAGE_SIZE}`));
  }
  const { externalId } = parameters;
  if (externalId !== undefined) {
    // A lookup of one article by its lasting key in a source (README, External ids), not a listing of a feed.
    const problem = externalIdProblem(externalId);
    if (problem) errors.push(parameterError('query', 'externalId', problem));
    if (source === undefined) errors.push(parameterError('query', 'source', 'is required with externalId'));
    if ((status ?? tag ?? cursor) !== undefined)
      errors.push(parameterError('query', 'externalId', 'takes source alone, not status, tag or cursor'));
  }
  if (errors.length) throw new InvalidParameterError(errors);
  if (externalId !== undefined) return { source, externalId };
  return { ...(status === 'scheduled' ? { status } : {}), source, tag, limit, cursor };
}
