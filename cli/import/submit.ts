/** Talking to the editor API: posting a submission, retried when the API is busy. */
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

export async function submit(target: ApiTarget, post: PreparedSubmission): Promise<Outcome> {
  let response: ApiResponse;
  try {
    response = await request(target, 'POST', '/articles', post.body, {
      'idempotency-key': post.idempotencyKey,
    });
  } catch (error) {
    return {
      kind: 'failed',
      reason: `network error after ${MAX_ATTEMPTS} attempts: ${(error as Error).message}`,
    };
  }
  if (response.status === 201 || response.status === 200) {
    const id = String((response.body as { id?: unknown } | undefined)?.id ?? '');
    return response.headers.get('idempotent-replayed') === 'true'
      ? { kind: 'replayed', id }
      : { kind: 'created', id };
  }
  if (response.status === 422 && keyReused(response.body)) {
    return { kind: 'skipped', reason: 'changed since the last import, skipped (correct it with PUT)' };
  }
  return { kind: 'failed', reason: problemText(response) };
}

/** The API's 422 for an Idempotency-Key used before with another body. */
function keyReused(body: unknown): boolean {
  const errors = (body as { errors?: { field?: string; in?: string }[] } | undefined)?.errors;
  return Array.isArray(errors) && errors.some((error) => error.field === 'Idempotency-Key');
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
