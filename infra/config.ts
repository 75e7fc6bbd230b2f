import type { Node } from 'constructs';
import { DEFAULT_EDGE_TTL_SECONDS, MAX_EDGE_TTL_SECONDS } from '../shared/feeds/settings.ts';

/** Everything a stage may vary, read once from CDK context (`cdk.json` or `-c key=value`). */
export interface PipelineConfig {
  /** `dev`, `prod`, or another short name; every resource name derives from it, so stages share an account. */
  stage: string;
  /**
   * Production stages keep their data when a stack goes, protect the table from deletion and the stateful stack
   * from termination (`-c production=true`). Never inferred from the stage's name.
   */
  production: boolean;
  /** The public addresses, when the feeds or the API have a domain of their own. */
  domains: DomainConfig;
  /** Warm throughput of the table, for a backfill (`tableWarmWriteUnits`, `tableWarmReadUnits`); none by default. */
  tableWarmThroughput: { writeUnitsPerSecond: number; readUnitsPerSecond: number } | undefined;
  /** Browser origins allowed to call the editor API; none means no CORS at all (never `*`). */
  corsOrigins: string[];
  /** Where alarm notifications go; without it the topic has no subscriber until someone adds one. */
  alarmEmail: string | undefined;
  /** Environment of the regenerate function: entries per feed, minutes of `max-age`, names. */
  feedSize: number;
  feedTtlMinutes: number;
  /** Seconds the edge keeps a document (`s-maxage`); WebSub hubs are told of a change once it has passed. */
  edgeTtlSeconds: number;
  publisherName: string | undefined;
  feedsLanguage: string | undefined;
  /** WebSub hubs every feed declares and every change is announced to. */
  websubHubs: string[];
  /** How long each authorizer instance reuses a key's verdict (so a revoked key works this long at most). */
  authCacheTtlSeconds: number;
  /** Steady-state requests per second and burst of the editor API's default route throttle. */
  apiRateLimit: number;
  apiBurstLimit: number;
}

export interface DomainConfig {
  /** The feeds' domain (`feeds.example.com`) and its certificate, which CloudFront takes from us-east-1 only. */
  feeds?: { name: string; certificateArn: string };
  /** The editor API's domain; its certificate is in the stacks' region, named or issued against the zone. */
  api?: { name: string; certificateArn?: string };
  /** The Route 53 zone the domains live in: alias records are created there, and the API's certificate. */
  hostedZone?: { id: string; name: string };
}

const STAGE = /^[a-z][a-z0-9-]{0,15}$/;
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:([a-z0-9-]+):\d{12}:certificate\/[0-9a-f-]{36}$/;
const ZONE_ID = /^Z[A-Z0-9]{1,31}$/;
/** Stage names that must say whether they are production: a guess either way is costly. */
const PRODUCTION_LIKE = /^(prod|production|live|main)$/;
const ORIGIN = /^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** Reads and checks the context, failing fast with the key's name in the message. */
export function readConfig(node: Node): PipelineConfig {
  const stage = text(node, 'stage') ?? 'dev';
  if (!STAGE.test(stage)) throw new Error(`context stage must be a short lower-case name, not ${stage}`);
  const production = flag(node, 'production');
  if (production === undefined && PRODUCTION_LIKE.test(stage))
    throw new Error(
      `context production must be set for the stage ${stage}: -c production=true keeps its data and protects it, ` +
        '-c production=false lets it be torn down',
    );
  const corsOrigins = list(node, 'corsOrigins');
  for (const origin of corsOrigins) {
    if (!ORIGIN.test(origin))
      throw new Error(`context corsOrigins must list origins such as https://editor.example, not ${origin}`);
  }
  const alarmEmail = text(node, 'alarmEmail');
  if (alarmEmail !== undefined && !EMAIL.test(alarmEmail))
    throw new Error(`context alarmEmail must be an email address, not ${alarmEmail}`);
  const apiRateLimit = whole(node, 'apiRateLimit', 50, 1, 10_000);
  const websubHubs = list(node, 'websubHubs');
  for (const hub of websubHubs) {
    if (!/^https?:\/\/\S+$/.test(hub)) throw new Error(`context websubHubs must list hub URLs, not ${hub}`);
  }
  return {
    stage,
    production: production ?? false,
    domains: readDomains(node),
    tableWarmThroughput: warmThroughput(node),
    corsOrigins,
    alarmEmail,
    feedSize: whole(node, 'feedSize', 50, 1, 500),
    feedTtlMinutes: whole(node, 'feedTtlMinutes', 5, 1, 1440),
    edgeTtlSeconds: whole(node, 'edgeTtlSeconds', DEFAULT_EDGE_TTL_SECONDS, 1, MAX_EDGE_TTL_SECONDS),
    publisherName: text(node, 'publisherName'),
    feedsLanguage: text(node, 'feedsLanguage'),
    websubHubs,
    authCacheTtlSeconds: whole(node, 'authCacheTtlSeconds', 60, 0, 3600),
    apiRateLimit,
    apiBurstLimit: whole(node, 'apiBurstLimit', apiRateLimit * 2, 1, 20_000),
  };
}

function text(node: Node, key: string): string | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' && typeof value !== 'number')
    throw new Error(`context ${key} must be a string`);
  const trimmed = String(value).trim();
  return trimmed === '' ? undefined : trimmed;
}

/** A list from cdk.json (a JSON array) or from `-c key=a,b` (a comma-separated string). */
function list(node: Node, key: string): string[] {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : undefined;
  if (!items) throw new Error(`context ${key} must be a list or a comma-separated string`);
  return items.map((item) => String(item).trim()).filter((item) => item !== '');
}

function whole(node: Node, key: string, fallback: number, min: number, max: number): number {
  const raw = text(node, key);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new Error(`context ${key} must be a whole number from ${min} to ${max}, not ${raw}`);
  return value;
}

function flag(node: Node, key: string): boolean | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new Error(`context ${key} must be true or false, not ${String(value)}`);
}

function hostname(node: Node, key: string): string | undefined {
  const name = text(node, key)?.toLowerCase();
  if (name !== undefined && !HOSTNAME.test(name))
    throw new Error(`context ${key} must be a domain name such as feeds.example.com, not ${name}`);
  return name;
}

function certificateArn(node: Node, key: string, region?: string): string | undefined {
  const arn = text(node, key);
  if (arn === undefined) return undefined;
  const match = CERTIFICATE_ARN.exec(arn);
  if (!match) throw new Error(`context ${key} must be an ACM certificate ARN, not ${arn}`);
  if (region && match[1] !== region)
    throw new Error(
      `context ${key} must name a certificate in ${region} (CloudFront takes certificates from there only), ` +
        `not ${match[1]}: request or import it with --region ${region}`,
    );
  return arn;
}

function readDomains(node: Node): DomainConfig {
  const feeds = hostname(node, 'feedsDomain');
  const feedsCertificateArn = certificateArn(node, 'feedsCertificateArn', 'us-east-1');
  const api = hostname(node, 'apiDomain');
  const apiCertificateArn = certificateArn(node, 'apiCertificateArn');
  const zoneId = text(node, 'hostedZoneId');
  const zoneName = hostname(node, 'hostedZoneName');
  if (zoneId !== undefined && !ZONE_ID.test(zoneId))
    throw new Error(`context hostedZoneId must be a Route 53 zone id such as Z0123456789ABC, not ${zoneId}`);
  if ((zoneId === undefined) !== (zoneName === undefined))
    throw new Error('context hostedZoneId and hostedZoneName go together: name both or neither');
  if (feeds && !feedsCertificateArn)
    throw new Error(
      'context feedsDomain needs feedsCertificateArn: a certificate for it in us-east-1, where CloudFront takes ' +
        'its certificates (aws acm request-certificate --region us-east-1 --validation-method DNS ...)',
    );
  if (feedsCertificateArn && !feeds) throw new Error('context feedsCertificateArn needs feedsDomain');
  if (api && !apiCertificateArn && !zoneId)
    throw new Error(
      'context apiDomain needs apiCertificateArn, or hostedZoneId and hostedZoneName to issue one',
    );
  if (apiCertificateArn && !api) throw new Error('context apiCertificateArn needs apiDomain');
  const inZone = (name: string | undefined, key: string) => {
    if (name && zoneName && name !== zoneName && !name.endsWith(`.${zoneName}`))
      throw new Error(`context ${key} ${name} is not in the hosted zone ${zoneName}`);
  };
  inZone(feeds, 'feedsDomain');
  inZone(api, 'apiDomain');
  return {
    ...(feeds && feedsCertificateArn ? { feeds: { name: feeds, certificateArn: feedsCertificateArn } } : {}),
    ...(api
      ? { api: { name: api, ...(apiCertificateArn ? { certificateArn: apiCertificateArn } : {}) } }
      : {}),
    ...(zoneId && zoneName ? { hostedZone: { id: zoneId, name: zoneName } } : {}),
  };
}

/**
 * Both warm throughput figures, or neither. A table's warm throughput is at least 12,000 reads and 4,000 writes a
 * second (what a new on-demand table has anyway), and is billed once per increase.
 */
function warmThroughput(node: Node): PipelineConfig['tableWarmThroughput'] {
  const writes = text(node, 'tableWarmWriteUnits');
  const reads = text(node, 'tableWarmReadUnits');
  if (writes === undefined && reads === undefined) return undefined;
  return {
    writeUnitsPerSecond: whole(node, 'tableWarmWriteUnits', 4_000, 4_000, 400_000),
    readUnitsPerSecond: whole(node, 'tableWarmReadUnits', 12_000, 12_000, 1_200_000),
  };
}

/**
 * The feed settings the regenerate function renders with: its environment (infra/stateless-stack.ts), and what
 * `npm run deploy` republishes with (cli/deploy.ts), which must render the same bytes and headers, or it would
 * upload every document again.
 */
export function feedEnvOf(config: PipelineConfig, feedsBaseUrl: string): Record<string, string> {
  return {
    FEEDS_BASE_URL: feedsBaseUrl,
    FEED_SIZE: String(config.feedSize),
    FEED_TTL_MINUTES: String(config.feedTtlMinutes),
    FEED_EDGE_TTL_SECONDS: String(config.edgeTtlSeconds),
    ...(config.publisherName ? { PUBLISHER_NAME: config.publisherName } : {}),
    ...(config.feedsLanguage ? { FEEDS_LANGUAGE: config.feedsLanguage } : {}),
    ...(config.websubHubs.length ? { WEBSUB_HUBS: config.websubHubs.join(',') } : {}),
  };
}
