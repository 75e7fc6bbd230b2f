import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { fieldError } from '../domain/errors.ts';
import { inspectJson, MAX_JSON_DEPTH } from './duplicate-keys.ts';
import { MalformedRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from './problems.ts';

/** Largest body the editor API accepts. */
export const MAX_BODY_BYTES = 256 * 1024;

/** A request header by name; API Gateway's HTTP API already lower-cases names and joins repeats with commas. */
export function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  return event.headers?.[name.toLowerCase()];
}

/**
 * The request body as parsed JSON: 415 unless it is declared JSON, 413 over {@link MAX_BODY_BYTES},
 * 400 when it does not parse (with the position where parsing stopped).
 */
export function readJsonBody(event: APIGatewayProxyEventV2): unknown {
  const type = header(event, 'content-type');
  const mediaType = type?.split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json' && !mediaType?.match(/^application\/[a-z0-9.+-]+\+json$/)) {
    throw new UnsupportedMediaTypeError(type);
  }
  const charset = /;\s*charset="?([^";]+)"?/i.exec(type ?? '')?.[1]?.toLowerCase();
  if (charset && charset !== 'utf-8' && charset !== 'utf8') {
    throw new UnsupportedMediaTypeError(type);
  }
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > MAX_BODY_BYTES) throw new PayloadTooLargeError(MAX_BODY_BYTES);
  if (bytes.length === 0)
    throw new MalformedRequestError('The request body is empty; send the article as JSON.');
  const text = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false }).decode(bytes);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    const where = error instanceof SyntaxError ? error.message.replace(/^.*?JSON[^:]*:?\s*/i, '') : '';
    throw new MalformedRequestError(`The request body is not valid JSON${where ? ` (${where})` : ''}.`);
  }
  // JSON.parse keeps the last of two equal keys: an ambiguous body is refused rather than half-read.
  const finding = inspectJson(text);
  if (finding) {
    const detail =
      finding.problem === 'duplicate'
        ? 'appears twice in the same object'
        : `nests deeper than ${MAX_JSON_DEPTH} levels`;
    const error = fieldError(finding.path, detail);
    throw new MalformedRequestError(`${error.field}: ${detail}.`, [error]);
  }
  return body;
}
