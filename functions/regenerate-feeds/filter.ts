/**
 * Lambda event filter patterns for the table's stream: only records of article and source items reach the
 * regenerate function (memberships, counters, keys and idempotency records never do). The CDK app installs these on the
 * event source mapping and the local poller applies the same patterns, so both see the same batches.
 */
export const STREAM_FILTER_PATTERNS: readonly Record<string, unknown>[] = [
  { dynamodb: { NewImage: { type: { S: ['article'] } } } },
  { dynamodb: { OldImage: { type: { S: ['article'] } } } },
  { dynamodb: { NewImage: { type: { S: ['source'] } } } },
];

/** Whether a record matches a pattern of the subset used here: nested objects ending in lists of allowed values. */
export function matchesPattern(record: unknown, pattern: unknown): boolean {
  if (Array.isArray(pattern)) return pattern.includes(record);
  if (pattern === null || typeof pattern !== 'object') return false;
  if (record === null || typeof record !== 'object') return false;
  return Object.entries(pattern).every(([key, inner]) =>
    matchesPattern((record as Record<string, unknown>)[key], inner),
  );
}

/** Whether any of the filters lets a record through (Lambda ORs them). */
export function passesFilters(record: unknown, patterns = STREAM_FILTER_PATTERNS): boolean {
  return patterns.some((pattern) => matchesPattern(record, pattern));
}

/**
 * How the stream's event source mapping batches records for the regenerate function: read by the CDK app and by
 * the local poller alike. A batch renders each feed it touched once, however many of its records touched it, so
 * bigger batches mean fewer renders when writes come fast: a poller that fell behind catches up with a few large
 * batches instead of many small ones. Lambda also cuts a batch at its 6 MB invocation payload (about 600 records
 * of 5 KB articles, with old and new images), which the local poller imitates.
 */
export const STREAM_BATCHING = {
  batchSize: 500,
  maxBatchingWindowSeconds: 1,
  maxPayloadBytes: 6 * 1024 * 1024,
} as const;
