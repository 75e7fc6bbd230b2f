import type { Principal } from './articles/model.ts';
import type { RegistryStore } from './articles/ports.ts';
import { UnauthorizedError } from './http/problems.ts';
import { parseKey, secretMatches } from './keys.ts';

/**
 * Resolves an `Authorization: Bearer <key>` header to the key's principal, or throws 401 without saying which
 * part failed. Kept apart from the operator use cases so the authorizer bundles nothing else.
 */
export async function authenticate(
  store: Pick<RegistryStore, 'getKey'>,
  authorization: string | undefined,
): Promise<Principal> {
  if (!authorization) throw new UnauthorizedError('Send an editor key as Authorization: Bearer <key>.');
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  const parsed = match?.[1] ? parseKey(match[1]) : undefined;
  const stored = parsed ? await store.getKey(parsed.keyId) : undefined;
  if (!parsed || !stored || stored.revokedAt || !secretMatches(parsed.secret, stored.secretHash)) {
    throw new UnauthorizedError('The editor key is not valid, or has been revoked.');
  }
  return { keyId: stored.keyId, sources: stored.sources };
}
