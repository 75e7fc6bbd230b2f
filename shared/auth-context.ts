import type { Principal } from './articles/model.ts';
import { StoreUnavailableError } from './domain/errors.ts';
import { UnauthorizedError } from './http/problems.ts';

/**
 * What the editor-key authorizer tells the API function, through API Gateway's `authorizer.lambda` context
 * (string values only). The authorizer lets every request through and says what it found, so that the
 * function answers a bad key with a proper problem document rather than the gateway's bare 403.
 */
export type AuthorizerContext =
  | { outcome: 'ok'; keyId: string; sources: string }
  | { outcome: 'denied'; detail: string }
  | { outcome: 'unavailable' };

export function contextOf(principal: Principal): AuthorizerContext {
  return {
    outcome: 'ok',
    keyId: principal.keyId,
    sources: principal.sources === '*' ? '*' : principal.sources.join(','),
  };
}

/** The principal the authorizer found, or the error the API answers with. */
export function principalFrom(context: unknown): Principal {
  const found = context as Partial<Record<string, string>> | undefined;
  switch (found?.outcome) {
    case 'ok':
      if (!found.keyId || found.sources === undefined) break;
      return {
        keyId: found.keyId,
        sources: found.sources === '*' ? '*' : found.sources.split(',').filter(Boolean),
      };
    case 'denied':
      throw new UnauthorizedError(found.detail ?? 'The editor key is not valid.');
    case 'unavailable':
      throw new StoreUnavailableError(2);
  }
  // A route without the authorizer in front of it is a deployment mistake, never an open door.
  throw new Error('no editor-key authorizer context on this request');
}
