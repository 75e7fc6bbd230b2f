/**
 * The queue between the regenerate function and the hubs, as the CDK app declares it and the local stack imitates
 * it: one message per hub and up to {@link TOPICS_PER_MESSAGE} changed feeds, so a hub that is down is retried
 * alone, and a message stays far under SQS's 256 KB.
 */
export const HUB_QUEUE = {
  /** Messages handed to one invocation of the notify function. */
  batchSize: 10,
  /** How long a message that failed stays hidden before it is received again (at least six times the timeout). */
  visibilityTimeoutSeconds: 180,
  /** Receives before a message goes to the dead-letter queue. */
  maxReceiveCount: 5,
  /** The notify function's timeout: four tries of a hub with backoff, five seconds each at most. */
  functionTimeoutSeconds: 30,
} as const;

export const TOPICS_PER_MESSAGE = 1_000;

/** The regenerate function's setting that names the queue; without it (or without hubs) nothing is announced. */
export const HUB_QUEUE_URL_ENV = 'HUB_QUEUE_URL';

/** What one message asks: tell `hub` that `topics` changed. */
export interface HubMessage {
  hub: string;
  topics: string[];
}

/** The messages that announce `topics` to each of `hubs`. */
export function hubMessages(hubs: readonly string[], topics: readonly string[]): HubMessage[] {
  const unique = [...new Set(topics)].sort();
  const messages: HubMessage[] = [];
  for (let i = 0; i < unique.length; i += TOPICS_PER_MESSAGE)
    for (const hub of hubs) messages.push({ hub, topics: unique.slice(i, i + TOPICS_PER_MESSAGE) });
  return messages;
}

/** A message's body read back; undefined for one that is not a hub message. */
export function parseHubMessage(body: string): HubMessage | undefined {
  try {
    const parsed = JSON.parse(body) as Partial<HubMessage>;
    if (
      typeof parsed.hub === 'string' &&
      Array.isArray(parsed.topics) &&
      parsed.topics.every((t) => typeof t === 'string')
    )
      return { hub: parsed.hub, topics: parsed.topics };
  } catch {
    // not JSON
  }
  return undefined;
}
