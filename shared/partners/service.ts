import type { Clock, RegistryStore } from '../articles/ports.ts';
import { systemClock } from '../articles/ports.ts';
import { isSlug } from '../slug.ts';
import { collapseWhitespace } from '../text.ts';
import {
  EDGE_VALUE_MAX_BYTES,
  encodeEdgeScope,
  mintPartnerToken,
  PARTNER_ID_PATTERN,
  PARTNER_PROFILES,
  type PartnerScopeList,
  type StoredPartnerToken,
} from './tokens.ts';

/** Where partner tokens are kept: the table, the source of truth (partition `partner`, one item per token hash). */
export interface PartnerTokenStore {
  /** Stores a new token; never overwrites one. */
  putToken(token: StoredPartnerToken): Promise<void>;
  getToken(tokenHash: string): Promise<StoredPartnerToken | undefined>;
  /** The token whose id (the first 16 hex characters of its hash) is `id`. */
  findToken(id: string): Promise<StoredPartnerToken | undefined>;
  listTokens(): Promise<StoredPartnerToken[]>;
  /** Marks a token revoked (the first time only). */
  revokeToken(tokenHash: string, at: string): Promise<void>;
}

/**
 * What the edge reads: token hash -> compact scope (tokens.ts `encodeEdgeScope`). In AWS, the CloudFront
 * KeyValueStore associated with the partner function; the operator command writes it as it writes the table.
 */
export interface EdgeTokenWriter {
  put(tokenHash: string, value: string): Promise<void>;
  /** Removes a key; a key that is not there is no error. */
  delete(tokenHash: string): Promise<void>;
  /** Every key and value. */
  list(): Promise<Map<string, string>>;
}

export interface IssueInput {
  name: string;
  sources: PartnerScopeList;
  profiles: PartnerScopeList;
}

/**
 * The operator's use cases for partner tokens: issue (the token is returned once), list, revoke, and bring the
 * edge's copy in line with the table.
 *
 * The table is the source of truth; the edge follows it. Issue writes the table, then the edge: if the edge write
 * fails, the record is marked revoked at once, so the two never disagree in the partner's favour, and the token,
 * never shown, is lost. Revoke removes the key from the edge first, then marks the record: if the second step
 * fails, the edge already refuses the token, and running revoke again finishes it. `sync` repairs any drift
 * (removals first, then additions).
 */
export class PartnerTokens {
  constructor(
    private readonly store: PartnerTokenStore,
    private readonly sources: Pick<RegistryStore, 'getSource'>,
    /** Absent where the edge reads the table itself (the local stack). */
    private readonly edge?: EdgeTokenWriter,
    private readonly clock: Clock = systemClock,
  ) {}

  async issue(input: IssueInput): Promise<{ token: string; stored: StoredPartnerToken }> {
    const name = collapseWhitespace(input.name);
    if (!name) throw new Error('partners issue needs --name, the partner it is for');
    if (name.length > 200) throw new Error('--name must be at most 200 characters');
    const sources = await this.checkedSources(input.sources);
    const profiles = checkedProfiles(input.profiles);
    const value = encodeEdgeScope({ sources, profiles });
    if (Buffer.byteLength(value, 'utf8') > EDGE_VALUE_MAX_BYTES)
      throw new Error(
        `the scope takes ${Buffer.byteLength(value, 'utf8')} bytes, more than the ${EDGE_VALUE_MAX_BYTES} the edge's key value store holds per token: use --sources '*' or issue several tokens`,
      );
    const minted = mintPartnerToken();
    const stored: StoredPartnerToken = {
      id: minted.id,
      tokenHash: minted.tokenHash,
      name,
      sources,
      profiles,
      createdAt: this.now(),
    };
    await this.store.putToken(stored);
    if (this.edge) {
      try {
        await this.edge.put(minted.tokenHash, value);
      } catch (error) {
        await this.store.revokeToken(minted.tokenHash, this.now()).catch(() => undefined);
        throw new Error(
          `the token could not be written to the edge (${(error as Error).message}); it was not issued`,
        );
      }
    }
    return { token: minted.token, stored };
  }

  async list(): Promise<StoredPartnerToken[]> {
    return (await this.store.listTokens()).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** Revokes the token with this id; undefined when there is none. Revoking twice is harmless. */
  async revoke(id: string): Promise<StoredPartnerToken | undefined> {
    if (!PARTNER_ID_PATTERN.test(id))
      throw new Error('a partner token id is 16 hex characters (partners list)');
    const found = await this.store.findToken(id);
    if (!found) return undefined;
    // The edge first: once this returns, the edge refuses the token, whatever happens next.
    await this.edge?.delete(found.tokenHash);
    const at = found.revokedAt ?? this.now();
    await this.store.revokeToken(found.tokenHash, at);
    return { ...found, revokedAt: at };
  }

  /**
   * Makes the edge hold exactly the table's live tokens: removes every other key (revoked tokens, and anything
   * not in the table), then writes each live token whose value is missing or different.
   */
  async sync(): Promise<{ removed: number; written: number; live: number }> {
    if (!this.edge) throw new Error('partners sync needs the edge key value store (--kvs-arn)');
    const wanted = new Map(
      (await this.store.listTokens())
        .filter((token) => !token.revokedAt)
        .map((token) => [token.tokenHash, encodeEdgeScope(token)] as const),
    );
    const present = await this.edge.list();
    let removed = 0;
    for (const key of present.keys()) {
      if (wanted.has(key)) continue;
      await this.edge.delete(key);
      removed++;
    }
    let written = 0;
    for (const [key, value] of wanted) {
      if (present.get(key) === value) continue;
      await this.edge.put(key, value);
      written++;
    }
    return { removed, written, live: wanted.size };
  }

  private now(): string {
    return new Date(this.clock.now()).toISOString();
  }

  private async checkedSources(sources: PartnerScopeList): Promise<PartnerScopeList> {
    if (sources === '*') return '*';
    const unique = [...new Set(sources)];
    if (unique.length === 0) throw new Error("a partner token needs --sources a,b or --sources '*'");
    for (const slug of unique) {
      if (!isSlug(slug) || !(await this.sources.getSource(slug)))
        throw new Error(`${slug} is not a registered source`);
    }
    return unique;
  }
}

function checkedProfiles(profiles: PartnerScopeList): PartnerScopeList {
  if (profiles === '*') return '*';
  const unique = [...new Set(profiles)];
  if (unique.length === 0)
    throw new Error("a partner token needs --profiles msn,smartnews or --profiles '*'");
  for (const profile of unique) {
    if (!(PARTNER_PROFILES as readonly string[]).includes(profile))
      throw new Error(`${profile} is not a partner profile (${PARTNER_PROFILES.join(', ')})`);
  }
  return unique;
}
