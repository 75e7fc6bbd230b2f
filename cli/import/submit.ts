/** Talking to the editor API: posting a submission, retried when the API is busy, and correcting one. */
import { changedFields, type StoredArticle } from './compare.ts';
import type { PreparedSubmission } from './types.ts';

/** Articles posted at once. */
export const CONCURRENCY = 4;
/** Attempts of one request when the API answers 429 or 503, or cannot be reached. */
const MAX_ATTEMPTS = 5;
const REQUEST_TIMEOUT_MS = 30_000;
const MAX_RETRY_AFTER_MS = 60_000;

export type Outcome =
  | { kind: 'created'; id: string }
  | { kind: 'replayed'; id: string }
  /** Imported before: `changed` names what the feed says differently now (nothing was written). */
  | { kind: 'existing'; id: string; changed: string[] }
  /** Imported before and corrected (`--update`): `changed` names what was corrected. */
  | { kind: 'updated'; id: string; changed: string[] }
  | { kind: 'skipped'; reason: string }
  | { kind: 'failed'; reason: string };

export interface ApiTarget {
  apiUrl: string;
  key: string;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

class NetworkError extends Error {}

/** Fails early, before any item, when the API cannot be reached or refuses the key for the source. */
export async function preflight(target: ApiTarget, source: string): Promise<void> {
  let response: ApiResponse;
  try {
    response = await request(target, 'GET', `/articles?source=${encodeURIComponent(source)}&limit=1`);
  } catch (error) {
    throw new PreflightError(
      `Cannot reach the API at ${target.apiUrl} (${(error as Error).message}): is the stack running (npm start)?`,
    );
  }
  if (response.status !== 200) {
    throw new PreflightError(
      `The API at ${target.apiUrl} refused to list ${source}: ${problemText(response)}`,
    );
  }
}

export class PreflightError extends Error {}

/**
 * Posts an item's article. The API keeps one article per source and `externalId` for ever: when the item was
 * imported before (by anyone, however long ago) it answers 409 with that article's id, which counts as already
 * imported. The article is then read and compared with what the feed says now: with `update`, what differs is
 * corrected (`PUT` with `If-Match`, so a correction made meanwhile is never overwritten unseen); without, the
 * differing fields are only reported.
 */
export async function submit(
  target: ApiTarget,
  post: PreparedSubmission,
  options: { update?: boolean } = {},
): Promise<Outcome> {
  try {
    const response = await request(target, 'POST', '/articles', post.body, {
      'idempotency-key': post.idempotencyKey,
    });
    if (response.status === 201 || response.status === 200) {
      const id = String((response.body as { id?: unknown } | undefined)?.id ?? '');
      return response.headers.get('idempotent-replayed') === 'true'
        ? { kind: 'replayed', id }
        : { kind: 'created', id };
    }
    const existing = response.status === 409 ? existingArticleId(response) : undefined;
    if (existing === undefined) return { kind: 'failed', reason: problemText(response) };
    return await reconcile(target, post, existing, options.update === true);
  } catch (error) {
    if (!(error instanceof NetworkError)) throw error;
    return { kind: 'failed', reason: `network error after ${MAX_ATTEMPTS} attempts: ${error.message}` };
  }
}

/** The id of the article a 409 names: `articleId` in the problem document, else the last segment of `Location`. */
function existingArticleId(response: ApiResponse): string | undefined {
  const fromBody = (response.body as { articleId?: unknown } | undefined)?.articleId;
  if (typeof fromBody === 'string' && fromBody) return fromBody;
  const location = response.headers.get('location');
  const fromLocation = location ? /\/articles\/([^/?#]+)/.exec(location)?.[1] : undefined;
  return fromLocation ? decodeURIComponent(fromLocation) : undefined;
}

async function reconcile(
  target: ApiTarget,
  post: PreparedSubmission,
  id: string,
  update: boolean,
): Promise<Outcome> {
  const path = `/articles/${encodeURIComponent(id)}`;
  const current = await request(target, 'GET', path);
  if (current.status !== 200) {
    return {
      kind: 'failed',
      reason: `already imported as ${id}, which cannot be read: ${problemText(current)}`,
    };
  }
  const changed = changedFields(current.body as StoredArticle, post.body);
  if (!changed.length || !update) return { kind: 'existing', id, changed };
  const etag = current.headers.get('etag');
  if (!etag) return { kind: 'failed', reason: `already imported as ${id}, but its GET gave no ETag` };
  const corrected = await request(target, 'PUT', path, post.body, { 'if-match': etag });
  if (corrected.status === 200) return { kind: 'updated', id, changed };
  if (corrected.status === 412) {
    return { kind: 'failed', reason: `article ${id} was corrected meanwhile (412): run the import again` };
  }
  return { kind: 'failed', reason: `correcting article ${id}: ${problemText(corrected)}` };
}

export function problemText(response: ApiResponse): string {
  const problem = response.body as
    | { title?: string; detail?: string; errors?: { field?: string; detail?: string }[] }
    | string
    | undefined;
  if (problem === undefined || typeof problem === 'string') {
    return `${response.status}${problem ? `: ${problem.slice(0, 200)}` : ''}`;
  }
  const details = Array.isArray(problem.errors)
    ? problem.errors.map((error) => `${error.field}: ${error.detail}`).join('; ')
    : problem.detail;
  return `${response.status} ${problem.title ?? ''}${details ? `: ${details}` : ''}`.replace(/ :/, ':');
}

/** One API request, tried again on 429 and 503 (after Retry-After, or a growing pause) and on network errors. */
export async function request(
  target: ApiTarget,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiResponse> {
  for (let attempt = 1; ; attempt++) {
    let response: Response;
    try {
      response = await fetch(target.apiUrl + path, {
        method,
        headers: {
          authorization: `Bearer ${target.key}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      if (attempt >= MAX_ATTEMPTS) throw new NetworkError(networkReason(error));
      await sleep(backoff(attempt));
      continue;
    }
    if ((response.status === 429 || response.status === 503) && attempt < MAX_ATTEMPTS) {
      await response.body?.cancel();
      await sleep(retryAfter(response.headers.get('retry-after')) ?? backoff(attempt));
      continue;
    }
    const text = await response.text();
    let parsed: unknown = text || undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON (a proxy's error page): keep the text.
    }
    return { status: response.status, headers: response.headers, body: parsed };
  }
}

function networkReason(error: unknown): string {
  if ((error as { name?: string }).name === 'TimeoutError') {
    return `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  }
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
}

/** Retry-After in milliseconds (delta-seconds or an HTTP date), at most a minute; undefined when absent. */
function retryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = /^\s*(\d+)\s*$/.exec(value)?.[1];
  const ms = seconds !== undefined ? Number(seconds) * 1000 : Date.parse(value) - Date.now();
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS) : undefined;
}

/** 0.5 s, 1 s, 2 s, 4 s, with jitter so that concurrent requests do not come back together. */
function backoff(attempt: number): number {
  const ceiling = Math.min(8000, 500 * 2 ** (attempt - 1));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
