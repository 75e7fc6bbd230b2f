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
