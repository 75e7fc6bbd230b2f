import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { problemOf } from './problems.ts';

/** Headers on every API response: JSON is never sniffed, framed or cached by a shared cache. */
export const API_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
};

export function json(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { ...API_HEADERS, 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
  };
}

export function empty(
  statusCode: number,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { ...API_HEADERS, ...headers } };
}

/** An RFC 9457 problem document for an error (shared/http/problems.ts); anything it does not know is a bare 500. */
export function problem(
  error: unknown,
  instance: string,
  requestId?: string,
): APIGatewayProxyStructuredResultV2 {
  const known = problemOf(error);
  const status = known ? known.status : 500;
  const title = known ? known.title : 'Internal server error';
  const body: Record<string, unknown> = {
    type: `tag:feed-pipeline,2026:problems/${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`,
    title,
    status,
    detail: known
      ? known.message
      : `The request could not be completed.${requestId ? ` Quote request id ${requestId} when reporting it.` : ''}`,
    instance,
  };
  if (known?.extra.errors) body.errors = known.extra.errors;
  if (known?.extra.members) Object.assign(body, known.extra.members);
  return {
    statusCode: status,
    headers: {
      ...API_HEADERS,
      'content-type': 'application/problem+json; charset=utf-8',
      ...known?.extra.headers,
    },
    body: JSON.stringify(body),
  };
}
