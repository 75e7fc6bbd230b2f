import type { EdgeKeyValueStore } from '#shared/partners/edge.ts';
import type { PartnerTokenStore } from '#shared/partners/service.ts';
import { encodeEdgeScope } from '#shared/partners/tokens.ts';

/** How long the local edge keeps an answer: well inside the minute in which a revocation must hold. */
export const LOCAL_TOKEN_CACHE_SECONDS = 10;

/**
 * The local stack's imitation of the partner function's CloudFront KeyValueStore: token hash -> compact scope,
 * read from the table (the source of truth, which in AWS the operator command copies to the store). Like the
 * store, `get` throws for a key it does not hold, and a revoked token is a key it does not hold.
 *
 * Each answer, found or not, is kept {@link LOCAL_TOKEN_CACHE_SECONDS}, as an edge location sees a change only once
 * it has propagated: a revoked token is refused within that, a new one accepted within it. The clock is injectable,
 * so a test moves time instead of sleeping.
 */
export class TablePartnerTokens implements EdgeKeyValueStore {
  private readonly answers = new Map<string, { value: string | undefined; at: number }>();

  constructor(
    private readonly store: Pick<PartnerTokenStore, 'getToken'>,
    private readonly options: { cacheSeconds?: number; now?: () => number } = {},
  ) {}

  async get(key: string): Promise<string> {
    const now = this.options.now?.() ?? Date.now();
    const ttlMs = (this.options.cacheSeconds ?? LOCAL_TOKEN_CACHE_SECONDS) * 1000;
    let answer = this.answers.get(key);
    if (!answer || now >= answer.at + ttlMs) {
      const token = /^[0-9a-f]{64}$/.test(key) ? await this.store.getToken(key) : undefined;
      answer = { value: token && !token.revokedAt ? encodeEdgeScope(token) : undefined, at: now };
      if (this.answers.size > 10_000) this.answers.clear();
      this.answers.set(key, answer);
    }
    if (answer.value === undefined) throw new Error(`The key ${key} does not exist.`);
    return answer.value;
  }
}
