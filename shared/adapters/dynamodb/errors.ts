import { StoreUnavailableError } from '../../domain/errors.ts';

/** Errors that mean "the table or account is over its capacity right now": throttling, reported as such. */
const THROTTLED_NAMES = /^(ThrottlingException|ProvisionedThroughputExceededException|RequestLimitExceeded)$/;
/** Errors that mean "the store is not answering right now" rather than "this request is wrong". */
const FAILING_NAMES = /^(InternalServerError|ServiceUnavailable|TimeoutError|RequestTimeout(Exception)?)$/;

/** Whether an SDK error means the store is unreachable, overloaded or failing, so a retry later may succeed. */
export function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (THROTTLED_NAMES.test(error.name) || FAILING_NAMES.test(error.name)) return true;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return true;
  const code = (error as { code?: string }).code ?? (error.cause as { code?: string } | undefined)?.code;
  return (
    code !== undefined &&
    /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN)$/.test(code)
  );
}

/** What the API's 503 tells a caller to wait before trying again. */
export const RETRY_AFTER_SECONDS = 2;

/**
 * Runs a store call, turning an unavailable store into the domain's StoreUnavailableError (the API's 503): one
 * that throttled through every retry of the SDK is `throttled`, so that it is reported and counted as such.
 */
export async function guard<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isUnavailable(error))
      throw new StoreUnavailableError(
        RETRY_AFTER_SECONDS,
        THROTTLED_NAMES.test((error as Error).name) ? 'throttled' : 'unavailable',
      );
    throw error;
  }
}
