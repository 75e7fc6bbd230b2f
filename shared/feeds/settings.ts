import { optionalEnv, requiredEnv } from '../config.ts';

/** Deployment-wide settings of the published feeds. */
export interface FeedSettings {
  /** Public base URL the `feeds/` paths are served under (CloudFront, or the local server), ending in `/`. */
  baseUrl: string;
  /** Name of the publisher, for feeds that mix sources. */
  publisherName: string;
  /** Language of feeds that mix sources. */
  language: string;
  /** Entries per feed (the newest N). */
  size: number;
  /** Minutes readers may cache a feed (RSS `ttl`), and the `max-age` of every feed object. */
  ttlMinutes: number;
  /**
   * Seconds the edge keeps a document before it asks the bucket again (`s-maxage`; FEED_EDGE_TTL_SECONDS): hubs are
   * told of a change only once it has passed ({@link hubPingDelaySeconds}).
   */
  edgeTtlSeconds: number;
  /** WebSub hubs every feed declares and every change is announced to (WEBSUB_HUBS, comma-separated). */
  hubs: readonly string[];
}

export const DEFAULT_EDGE_TTL_SECONDS = 30;
/** The longest edge TTL: a hub's ping waits for it, and SQS delays a message by 900 s at most. */
export const MAX_EDGE_TTL_SECONDS = 600;
/** Slack between the edge TTL's end and a hub's ping: clocks and the time a PUT takes to complete. */
const PING_MARGIN_SECONDS = 2;

/**
 * How long after a publish its hubs are told: once every edge copy of the old bytes has expired, so a hub fetching
 * the feed through the edge right after the ping gets the new bytes. An edge copy fetched before the publish
 * expires at most `edgeTtlSeconds` after it; one fetched after the publish holds the new bytes already.
 */
export const hubPingDelaySeconds = (settings: Pick<FeedSettings, 'edgeTtlSeconds'>) =>
  settings.edgeTtlSeconds + PING_MARGIN_SECONDS;

export const DEFAULT_FEED_SIZE = 50;

export function feedSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): FeedSettings {
  const baseUrl = new URL(requiredEnv('FEEDS_BASE_URL', env)).href;
  const size = Number(optionalEnv('FEED_SIZE', env) ?? DEFAULT_FEED_SIZE);
  if (!Number.isInteger(size) || size < 1 || size > 500)
    throw new Error('FEED_SIZE must be a whole number from 1 to 500');
  const ttlMinutes = Number(optionalEnv('FEED_TTL_MINUTES', env) ?? 5);
  if (!Number.isInteger(ttlMinutes) || ttlMinutes < 1)
    throw new Error('FEED_TTL_MINUTES must be a whole number of minutes');
  const edgeTtlSeconds = Number(optionalEnv('FEED_EDGE_TTL_SECONDS', env) ?? DEFAULT_EDGE_TTL_SECONDS);
  if (!Number.isInteger(edgeTtlSeconds) || edgeTtlSeconds < 1 || edgeTtlSeconds > MAX_EDGE_TTL_SECONDS)
    throw new Error(
      `FEED_EDGE_TTL_SECONDS must be a whole number of seconds from 1 to ${MAX_EDGE_TTL_SECONDS}`,
    );
  return {
    baseUrl: baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`,
    publisherName: optionalEnv('PUBLISHER_NAME', env) ?? 'Newsroom',
    language: optionalEnv('FEEDS_LANGUAGE', env) ?? 'en',
    size,
    ttlMinutes,
    edgeTtlSeconds,
    hubs: parseHubs(optionalEnv('WEBSUB_HUBS', env)),
  };
}

function parseHubs(value: string | undefined): string[] {
  const hubs = (value ?? '')
    .split(',')
    .map((hub) => hub.trim())
    .filter(Boolean);
  for (const hub of hubs) {
    const url = URL.canParse(hub) ? new URL(hub) : undefined;
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      throw new Error(`WEBSUB_HUBS must list absolute http(s) URLs, not ${hub}`);
    }
  }
  return hubs;
}
