import { createHash, randomBytes } from 'node:crypto';
import { PROFILE_NAMES } from '../feeds/profiles/names.ts';

/**
 * Partner tokens: what a licensed partner presents to read its private feeds under `feeds/partners/…`.
 *
 * A token is `fpt_` and 256 random bits in base64url (43 characters). It is shown once, when the operator issues
 * it, and stored only as its SHA-256 (hex): the table keeps the hash with the partner's name and scope, and the
 * edge's key value store keeps the hash with a compact scope. A fast hash is enough: the token is random, not a
 * password, so there is nothing to guess from the hash. The `fpt_` prefix lets secret scanners find a leaked one.
 *
 * Unlike an editor key, the token carries no id: the edge has only what the partner sends, and looks it up by its
 * hash. The operator names a token by the first 16 hex characters of its hash ({@link partnerIdOf}), which says
 * nothing usable about the token itself.
 */
export const PARTNER_TOKEN_PREFIX = 'fpt_';
export const PARTNER_TOKEN_PATTERN = /^fpt_[A-Za-z0-9_-]{43}$/;

/**
 * The partner profiles a token may be scoped to: the variants of a source's feeds published under
 * `feeds/partners/{profile}/sources/{source}/…` (shared/feeds/profiles/).
 */
export const PARTNER_PROFILES = PROFILE_NAMES;

/** `*` for every one, or a list. */
export type PartnerScopeList = '*' | readonly string[];

export interface PartnerScope {
  sources: PartnerScopeList;
  profiles: PartnerScopeList;
}

/** A partner token as stored: never the token, only its hash. */
export interface StoredPartnerToken extends PartnerScope {
  /** The first 16 hex characters of the hash: how the operator lists and revokes it. */
  id: string;
  tokenHash: string;
  /** Who holds it (`MSN`, `SmartNews`): for the operator's listing. */
  name: string;
  createdAt: string;
  revokedAt?: string;
}

export interface MintedPartnerToken {
  id: string;
  /** The whole token, to be shown once to the operator. */
  token: string;
  tokenHash: string;
}

export function mintPartnerToken(): MintedPartnerToken {
  const token = `${PARTNER_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const tokenHash = hashPartnerToken(token);
  return { id: partnerIdOf(tokenHash), token, tokenHash };
}

/** The SHA-256 (hex) of the whole token, as the edge function computes it. */
export function hashPartnerToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function partnerIdOf(tokenHash: string): string {
  return tokenHash.slice(0, 16);
}

export const PARTNER_ID_PATTERN = /^[0-9a-f]{16}$/;

/**
 * The scope as the edge reads it: `{sources}|{profiles}`, each `*` or a comma-separated list
 * (`the-gaze,morning-wire|msn,full-text`). Slugs and profile names are `[a-z0-9-]`, so neither separator can occur
 * in them. Compact, because a key value store value holds at most 1 KB ({@link EDGE_VALUE_MAX_BYTES}).
 */
export function encodeEdgeScope(scope: PartnerScope): string {
  const list = (items: PartnerScopeList) => (items === '*' ? '*' : items.join(','));
  return `${list(scope.sources)}|${list(scope.profiles)}`;
}

/** The largest value a CloudFront KeyValueStore keeps (1 KB): a scope that does not fit is refused on issue. */
export const EDGE_VALUE_MAX_BYTES = 1024;

const SCOPE_ITEM = /^[a-z0-9][a-z0-9-]*$/;

/** The scope of an edge value, or undefined when it is not one. */
export function decodeEdgeScope(value: string): PartnerScope | undefined {
  const parts = value.split('|');
  if (parts.length !== 2) return undefined;
  const list = (text: string): PartnerScopeList | undefined => {
    if (text === '*') return '*';
    const items = text.split(',');
    return items.every((item) => SCOPE_ITEM.test(item)) ? items : undefined;
  };
  const sources = list(parts[0] ?? '');
  const profiles = list(parts[1] ?? '');
  return sources && profiles ? { sources, profiles } : undefined;
}

/** Whether a scope covers one source's feed in one profile. */
export function scopeCovers(scope: PartnerScope, profile: string, source: string): boolean {
  const has = (list: PartnerScopeList, item: string) => list === '*' || list.includes(item);
  return has(scope.sources, source) && has(scope.profiles, profile);
}
