/** One reason a request was refused, tied to the field it is about (`author.email`, `tags[3]`). */
export interface FieldError {
  field: string;
  /** Where the field is: the JSON body, the query string or a header. */
  in: 'body' | 'query' | 'header';
  /** For body fields, the same place as a JSON Pointer into the body (RFC 6901). */
  pointer?: string;
  detail: string;
}

/**
 * An error that the API reports to the caller as an RFC 9457 problem. Everything else that escapes a handler
 * is reported as a bare 500 without detail.
 */
export class ProblemError extends Error {
  override name = 'ProblemError';
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly extra: { errors?: FieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(detail);
  }
}

export class MalformedRequestError extends ProblemError {
  override name = 'MalformedRequestError';
  constructor(detail: string, errors: FieldError[] = [fieldError([], detail)]) {
    super(400, 'Malformed request', detail, { errors });
  }
}

export class UnauthorizedError extends ProblemError {
  override name = 'UnauthorizedError';
  constructor(detail: string) {
    super(401, 'Unauthorized', detail, { headers: { 'www-authenticate': 'Bearer realm="editor-api"' } });
  }
}

export class ForbiddenError extends ProblemError {
  override name = 'ForbiddenError';
  constructor(detail: string) {
    super(403, 'Forbidden', detail);
  }
}

export class NotFoundError extends ProblemError {
  override name = 'NotFoundError';
  constructor(detail: string) {
    super(404, 'Not found', detail);
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

export class ConflictError extends ProblemError {
  override name = 'ConflictError';
  constructor(detail: string) {
    super(409, 'Conflict', detail);
  }
}

export class PreconditionFailedError extends ProblemError {
  override name = 'PreconditionFailedError';
  constructor(detail: string) {
    super(412, 'Precondition failed', detail);
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

export class ValidationError extends ProblemError {
  override name = 'ValidationError';
  constructor(readonly errors: FieldError[]) {
    super(422, 'Invalid request', summarise(errors), { errors });
  }
}

export class PreconditionRequiredError extends ProblemError {
  override name = 'PreconditionRequiredError';
  constructor(detail: string) {
    super(428, 'Precondition required', detail);
  }
}

export class ServiceUnavailableError extends ProblemError {
  override name = 'ServiceUnavailableError';
  constructor(retryAfterSeconds: number) {
    super(503, 'Service unavailable', 'The article store is unavailable; try again shortly.', {
      headers: { 'retry-after': String(retryAfterSeconds) },
    });
  }
}

/** A field error for `path` (segments of the body: `['tags', 3]`). */
export function fieldError(path: readonly PropertyKey[], detail: string): FieldError {
  let field = '';
  for (const part of path) {
    if (typeof part === 'number') field += `[${part}]`;
    else field += field ? `.${String(part)}` : String(part);
  }
  const pointer = path.map((part) => String(part).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
  return { field: field || '(body)', in: 'body', pointer: path.length ? `/${pointer}` : '', detail };
}

/** A field error for a query parameter or a header. */
export function parameterError(where: 'query' | 'header', name: string, detail: string): FieldError {
  return { field: name, in: where, detail };
}

function summarise(errors: FieldError[]): string {
  const first = errors[0];
  if (!first) return 'The request is invalid.';
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  return `${first.field}: ${first.detail}${more}`;
}
