import { createDocumentClient } from '#shared/adapters/dynamodb/client.ts';
import { DynamoDbPartnerTokenStore } from '#shared/adapters/dynamodb/partner-token-store.ts';
import { DynamoDbRegistryStore } from '#shared/adapters/dynamodb/registry-store.ts';
import { type EdgeTokenWriter, PartnerTokens } from '#shared/partners/service.ts';
import type { PartnerScopeList, StoredPartnerToken } from '#shared/partners/tokens.ts';

export const PARTNERS_USAGE = `  partners issue --name <partner> --sources <slug,slug|'*'> --profiles <msn,smartnews,flipboard,full-text|'*'>
                  a token for the private partner feeds (feeds/partners/{profile}/sources/{source}/...), printed
                  once; only its SHA-256 is kept, in the table and in the edge's key value store
  partners list   every partner token: id, partner, scope, issued, active or revoked (never the token)
  partners revoke <id>
                  removes the token from the edge's key value store, then marks it revoked: CloudFront refuses it
                  within seconds, the local stack within 10 s
  partners sync   makes the edge's key value store hold exactly the table's live tokens (after a failed write)
                  In AWS (--table without --endpoint) issue, revoke and sync need --kvs-arn <arn> (or
                  PARTNER_TOKENS_KVS_ARN): the stateful stack's PartnerTokensKvsArn output
`;

export interface PartnersTarget {
  tableName: string;
  endpoint?: string | undefined;
  region?: string | undefined;
}

export interface PartnersOptions {
  name?: string | undefined;
  sources?: string | undefined;
  profiles?: string | undefined;
  kvsArn?: string | undefined;
}

/** `--sources a,b` or `'*'`. */
function scopeList(value: string | undefined, option: string): PartnerScopeList {
  if (value === undefined) throw new Error(`partners issue needs ${option} a,b or ${option} '*'`);
  if (value.trim() === '*') return '*';
  return value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

const listed = (list: PartnerScopeList) => (list === '*' ? '*' : list.join(','));

function line(token: StoredPartnerToken): string {
  return `${token.id}\t${token.name}\tsources ${listed(token.sources)}\tprofiles ${listed(token.profiles)}\t${token.createdAt}\t${token.revokedAt ? `revoked ${token.revokedAt}` : 'active'}\n`;
}

/**
 * `npm run admin -- partners …`. The table is the source of truth. In AWS the edge reads a copy, the partner
 * function's CloudFront KeyValueStore, which this command writes as it writes the table (the edge's module is
 * loaded only then). Against the local stack, or any `--endpoint`, the local feed server reads the table itself,
 * so there is no copy to write.
 */
export async function partnersCommand(
  verb: string | undefined,
  arg: string | undefined,
  options: PartnersOptions,
  target: PartnersTarget,
  out: (text: string) => void = (text) => process.stdout.write(text),
): Promise<void> {
  if (!verb || !['issue', 'list', 'revoke', 'sync'].includes(verb))
    throw new Error(`Unknown command "partners ${verb ?? ''}".\n\n${PARTNERS_USAGE}`);
  const inAws = target.endpoint === undefined;
  const kvsArn = options.kvsArn ?? process.env.PARTNER_TOKENS_KVS_ARN;
  // Checked before any request: a token issued or revoked in the table alone would not reach CloudFront.
  if (verb !== 'list' && inAws && !kvsArn)
    throw new Error(
      `partners ${verb} against a table in AWS needs --kvs-arn (the PartnerTokensKvsArn output of the stateful stack), so that CloudFront follows the table`,
    );
  if (verb === 'sync' && !kvsArn)
    throw new Error(
      'partners sync needs --kvs-arn: the local stack reads the table itself, there is nothing to sync',
    );
  const client = createDocumentClient({ endpoint: target.endpoint, region: target.region });
  let edge: { writer: EdgeTokenWriter; close: () => void } | undefined;
  try {
    if (kvsArn) {
      const { keyValueStoreTokenWriter } = await import('#shared/adapters/cloudfront/partner-kvs.ts');
      edge = await keyValueStoreTokenWriter(kvsArn);
    }
    const partners = new PartnerTokens(
      new DynamoDbPartnerTokenStore(client, target.tableName),
      new DynamoDbRegistryStore(client, target.tableName),
      edge?.writer,
    );
    switch (verb) {
      case 'issue': {
        const { token, stored } = await partners.issue({
          name: options.name ?? '',
          sources: scopeList(options.sources, '--sources'),
          profiles: scopeList(options.profiles, '--profiles'),
        });
        out(
          `Partner token ${stored.id} for ${stored.name}: sources ${listed(stored.sources)}, profiles ${listed(stored.profiles)}.\n` +
            `Shown once; only its hash is stored:\n\n  ${token}\n\n` +
            'The partner sends it as the password of HTTP Basic (any user name), as Authorization: Bearer <token>, ' +
            'or as X-Partner-Token: <token>; never in a URL.\n',
        );
        return;
      }
      case 'list':
        for (const token of await partners.list()) out(line(token));
        return;
      case 'revoke': {
        if (!arg) throw new Error('partners revoke needs the token id (partners list shows it)');
        const revoked = await partners.revoke(arg);
        if (!revoked) throw new Error(`There is no partner token ${arg}.`);
        out(
          `Revoked ${revoked.id} (${revoked.name}): ${
            edge
              ? "removed from the edge's key value store, which CloudFront follows within seconds"
              : 'the local stack refuses it within 10 s'
          }.\n`,
        );
        return;
      }
      case 'sync': {
        const { removed, written, live } = await partners.sync();
        out(`The edge holds the ${live} live partner tokens: ${removed} keys removed, ${written} written.\n`);
        return;
      }
    }
  } finally {
    edge?.close();
    client.destroy();
  }
}
