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
  /** WebSub hubs every feed declares and every change is announced to (WEBSUB_HUBS, comma-separated). */
  hubs: readonly string[];
}

export const DEFAULT_FEED_SIZE = 50;

export function feedSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): FeedSettings {
  const baseUrl = new URL(requiredEnv('FEEDS_BASE_URL', env)).href;
  const size = Number(optionalEnv('FEED_SIZE', env) ?? DEFAULT_FEED_SIZE);
  if (!Number.isInteger(size) || size < 1 || size > 500)
    throw new Error('FEED_SIZE must be a whole number from 1 to 500');
  const ttlMinutes = Number(optionalEnv('FEED_TTL_MINUTES', env) ?? 5);
  if (!Number.isInteger(ttlMinutes) || ttlMinutes < 1)
    throw new Error('FEED_TTL_MINUTES must be a whole number of minutes');
  return {
    baseUrl: baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`,
    publisherName: optionalEnv('PUBLISHER_NAME', env) ?? 'Newsroom',
    language: optionalEnv('FEEDS_LANGUAGE', env) ?? 'en',
    size,
    ttlMinutes,
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
