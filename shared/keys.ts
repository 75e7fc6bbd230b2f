import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Editor keys look like `fpk_<id>_<secret>`: the id (64 random bits, hex) names the key so it can be listed and
 * revoked; the secret (256 random bits, base64url) is shown once and stored only as its SHA-256. A fast hash
 * is enough here: the secret is random, not a password, so there is nothing to guess.
 */
const KEY_PATTERN = /^fpk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface MintedKey {
  keyId: string;
  /** The whole key, to be shown once to the operator. */
  key: string;
  secretHash: string;
}

export function mintKey(): MintedKey {
  const keyId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { keyId, key: `fpk_${keyId}_${secret}`, secretHash: hashSecret(secret) };
}

export function parseKey(key: string): { keyId: string; secret: string } | undefined {
  const match = KEY_PATTERN.exec(key);
  return match?.[1] && match[2] ? { keyId: match[1], secret: match[2] } : undefined;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Compares a presented secret with a stored hash in time that does not depend on where they differ. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}
