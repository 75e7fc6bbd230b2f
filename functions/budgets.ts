/**
 * Each function's Lambda timeout and the limits of the SDK clients it calls AWS with, in one place: the handlers
 * build their clients from these, and infra/stateless-stack.ts sets each function's timeout from them, so the two
 * cannot drift apart. A store that stops answering must end in the designed answer (the editor API's 503 with
 * Retry-After, the authorizer's `unavailable` verdict, a regeneration batch's reported failure) before Lambda
 * kills the invocation, which would give the caller a bare 500.
 *
 * The worst case of one SDK call, which tests/unit/budgets.test.ts holds below each function's timeout with a
 * margin for the rest of the invocation:
 *
 *     connectionTimeout + maxAttempts × (requestTimeout + socketTimeout) + the retries' longest backoff
 *
 * - `requestTimeout` runs from the start of an attempt (connecting included) to the response's headers, and fails
 *   the attempt only with `throwOnRequestTimeout`: without it the SDK's HTTP handler merely logs a warning and the
 *   request waits for ever (a held DynamoDB request was still pending after 12 s with the former 5 s setting).
 * - `socketTimeout` fails an attempt whose socket stays silent that long, which also bounds a body that stops
 *   after its headers; it is counted once per attempt on top of `requestTimeout`.
 * - The SDK's standard retry strategy waits a random share of `min(20 s, base × 2^retry)` before each retry; the
 *   base is 1 s after a throttling error in this SDK (500 ms in older releases), 25-100 ms after other errors.
 *   The test counts every retry at the throttling base, in full.
 *
 * One request may make several calls (a post reads its source and its request key before its transaction): the
 * margin covers calls that answered; a store that stops answering fails the first call that meets it.
 */

/** An SDK client's limits, in the shape of the client's own configuration (milliseconds). */
export interface ClientBudget {
  /** Attempts in all: the first and its retries. */
  maxAttempts: number;
  requestHandler: {
    connectionTimeout: number;
    requestTimeout: number;
    socketTimeout: number;
    throwOnRequestTimeout: true;
  };
}

export interface FunctionBudget {
  /** The Lambda function's timeout. */
  timeoutSeconds: number;
  /** Time the invocation keeps beyond one call's worst case: other calls, the handler's own work, the answer. */
  marginMs: number;
  clients: Record<string, ClientBudget>;
}

/**
 * The editor API (15 s): DynamoDB answers a single-item call in milliseconds and a post's transaction (up to 25
 * items) in well under a second, so an attempt that has not answered (or has gone silent) for 2.5 s is tried again,
 * two attempts in all. Shorter attempts would retry a slow but healthy transaction (DynamoDB Local under the load
 * test takes over a second at times, and a silent socket fails an attempt as surely as a late answer): a retry is
 * safe (the SDK sends the same ClientRequestToken) but doubles the load it meets.
 * Worst call: 250 + 2 × 5,000 + 1,000 = 11,250 ms.
 */
export const ARTICLES_DYNAMODB: ClientBudget = {
  maxAttempts: 2,
  requestHandler: {
    connectionTimeout: 250,
    requestTimeout: 2_500,
    socketTimeout: 2_500,
    throwOnRequestTimeout: true,
  },
};
export const ARTICLES_BUDGET = {
  timeoutSeconds: 15,
  marginMs: 1_000,
  clients: { dynamodb: ARTICLES_DYNAMODB },
} as const satisfies FunctionBudget;

/**
 * The authorizer (5 s): one GetItem of a key. Two attempts of 1 s; a third would not fit beside the throttling
 * backoff. Worst call: 250 + 2 × 1,500 + 1,000 = 4,250 ms; its `unavailable` verdict becomes the API's 503.
 */
export const AUTHORIZER_DYNAMODB: ClientBudget = {
  maxAttempts: 2,
  requestHandler: {
    connectionTimeout: 250,
    requestTimeout: 1_000,
    socketTimeout: 500,
    throwOnRequestTimeout: true,
  },
};
export const AUTHORIZER_BUDGET = {
  timeoutSeconds: 5,
  marginMs: 500,
  clients: { dynamodb: AUTHORIZER_DYNAMODB },
} as const satisfies FunctionBudget;

/**
 * The regenerate function (5 min): a batch is bounded by the feeds it touches, so the timeout is room for a burst,
 * and one call's worst case is a small share of it. S3 attempts carry a document of up to a few MB up (PUT) or
 * stream one down (GET), so they get longer than DynamoDB's. Worst calls: DynamoDB 1,000 + 4 × 6,000 + 7,000 =
 * 32,000 ms; S3 1,000 + 3 × 20,000 + 3,000 = 64,000 ms; SQS 1,000 + 3 × 10,000 + 3,000 = 34,000 ms.
 */
export const REGENERATE_BUDGET = {
  timeoutSeconds: 300,
  marginMs: 60_000,
  clients: {
    dynamodb: {
      maxAttempts: 4,
      requestHandler: {
        connectionTimeout: 1_000,
        requestTimeout: 3_000,
        socketTimeout: 3_000,
        throwOnRequestTimeout: true,
      },
    },
    s3: {
      maxAttempts: 3,
      requestHandler: {
        connectionTimeout: 1_000,
        requestTimeout: 10_000,
        socketTimeout: 10_000,
        throwOnRequestTimeout: true,
      },
    },
    sqs: {
      maxAttempts: 3,
      requestHandler: {
        connectionTimeout: 1_000,
        requestTimeout: 5_000,
        socketTimeout: 5_000,
        throwOnRequestTimeout: true,
      },
    },
  },
} as const satisfies FunctionBudget;

/**
 * The preview function (10 s): a GetItem of the article, then one of its source, and a render of one item. Two
 * attempts of 1 s, as the authorizer's. Worst call: 250 + 2 × 1,500 + 1,000 = 4,250 ms; a store that stops
 * answering fails the first call that meets it, a 503 well within the timeout.
 */
export const PREVIEW_BUDGET = {
  timeoutSeconds: 10,
  marginMs: 1_000,
  clients: { dynamodb: AUTHORIZER_DYNAMODB },
} as const satisfies FunctionBudget;

/**
 * The release sweep (2 min), run once a minute by EventBridge Scheduler: two Queries of the due indexes, then per
 * due article a GetItem and one transaction, with the editor API's client limits (worst call 11,250 ms). A sweep
 * also takes the articles due within the next minute ({@link RELEASE_LOOKAHEAD_MS}) and waits for each one's
 * time, so the margin holds that minute and the releases it makes: 11,250 + 90,000 = 101,250 ms of 120,000. Two
 * sweeps may overlap by a few seconds; each release is conditional on the version read, so one of them wins.
 */
export const RELEASE_BUDGET = {
  timeoutSeconds: 120,
  marginMs: 90_000,
  clients: { dynamodb: ARTICLES_DYNAMODB },
} as const satisfies FunctionBudget;
/** How far ahead a sweep takes due articles: the schedule's period, so every article is released at its time. */
export const RELEASE_LOOKAHEAD_MS = 60_000;

/** Every function that calls AWS through the SDK, by its handler's folder under functions/. */
export const FUNCTION_BUDGETS = {
  articles: ARTICLES_BUDGET,
  authorizer: AUTHORIZER_BUDGET,
  'regenerate-feeds': REGENERATE_BUDGET,
  'release-articles': RELEASE_BUDGET,
  preview: PREVIEW_BUDGET,
} as const satisfies Record<string, FunctionBudget>;
