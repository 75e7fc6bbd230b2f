import type { Node } from 'constructs';
import { DEFAULT_EDGE_TTL_SECONDS, MAX_EDGE_TTL_SECONDS } from '../shared/feeds/settings.ts';

/** Everything a stage may vary, read once from CDK context (`cdk.json` or `-c key=value`). */
export interface PipelineConfig {
  /** `dev`, `prod`, or another short name; every resource name derives from it, so stages share an account. */
  stage: string;
  /** Production stages keep their data when a stack goes and protect the table from deletion. */
  production: boolean;
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

const STAGE = /^[a-z][a-z0-9-]{0,15}$/;
const ORIGIN = /^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** Reads and checks the context, failing fast with the key's name in the message. */
export function readConfig(node: Node): PipelineConfig {
  const stage = text(node, 'stage') ?? 'dev';
  if (!STAGE.test(stage)) throw new Error(`context stage must be a short lower-case name, not ${stage}`);
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
    production: stage === 'prod',
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
