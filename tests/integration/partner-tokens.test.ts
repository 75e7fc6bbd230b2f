/**
 * The partner tokens' use cases (shared/partners/service.ts) over DynamoDB Local, with the edge's key value store
 * as the adapter that writes it (shared/adapters/cloudfront/partner-kvs.ts) driven by an in-memory store that speaks
 * the API's ETags: the order of writes that keeps the edge from ever granting more than the table (the table first
 * on issue, the edge first on revoke), what a failed write leaves, and sync repairing drift. Faults (an edge that
 * refuses, a writer that loses an ETag race) are injected into that store.
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeEach, describe, expect, inject, it } from 'vitest';
import {
  type KeyValueStoreClient,
  type KeyValueStoreSdk,
  KeyValueStoreTokenWriter,
} from '#shared/adapters/cloudfront/partner-kvs.ts';
import { createDocumentClient } from '#shared/adapters/dynamodb/client.ts';
import { DynamoDbPartnerTokenStore } from '#shared/adapters/dynamodb/partner-token-store.ts';
import { DynamoDbRegistryStore } from '#shared/adapters/dynamodb/registry-store.ts';
import { PartnerTokens } from '#shared/partners/service.ts';
import { hashPartnerToken } from '#shared/partners/tokens.ts';
import { Registry } from '#shared/registry.ts';
import { ensureTable } from '../../local/table.ts';

const ARN = 'arn:aws:cloudfront::123456789012:key-value-store/partner-tokens';

/**
 * The key value store's API as the SDK's commands reach it: every write names the store's current ETag, or fails
 * with 409 ConflictException; a delete of a missing key is 404. `faults` runs before each command.
 */
function keyValueStoreApi() {
  const keys = new Map<string, string>();
  let version = 1;
  const calls: string[] = [];
  const faults: ((command: { kind: string; input: Record<string, string> }) => void)[] = [];
  const error = (name: string, status: number) =>
    Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
  const command = (kind: string) =>
    class {
      readonly kind = kind;
      constructor(readonly input: any) {}
    };
  const sdk: KeyValueStoreSdk = {
    CloudFrontKeyValueStoreClient: class {} as never,
    DescribeKeyValueStoreCommand: command('describe'),
    PutKeyCommand: command('put'),
    DeleteKeyCommand: command('delete'),
    ListKeysCommand: command('list'),
  };
  const client: KeyValueStoreClient = {
    destroy: () => undefined,
    send: async (sent) => {
      const { kind, input } = sent as { kind: string; input: Record<string, string> };
      calls.push(kind);
      for (const fault of faults) fault({ kind, input });
      if (input.KvsARN !== ARN) throw error('ResourceNotFoundException', 404);
      if (kind === 'describe') return { ETag: `v${version}` };
      if (kind === 'list') {
        const all = [...keys].map(([Key, Value]) => ({ Key, Value }));
        const start = Number(input.NextToken ?? 0);
        const page = all.slice(start, start + 2);
        return { Items: page, ...(start + 2 < all.length ? { NextToken: String(start + 2) } : {}) };
      }
      if (input.IfMatch !== `v${version}`) throw error('ConflictException', 409);
      if (kind === 'put') keys.set(input.Key as string, input.Value as string);
      else if (!keys.delete(input.Key as string)) throw error('ResourceNotFoundException', 404);
      version++;
      return { ETag: `v${version}` };
    },
  };
  return {
    keys,
    calls,
    faults,
    writer: new KeyValueStoreTokenWriter(sdk, client, ARN),
    /** Another writer moves the ETag. */
    bump: () => {
      version++;
    },
  };
}

let tableName: string;
let store: DynamoDbPartnerTokenStore;
let edge: ReturnType<typeof keyValueStoreApi>;
let partners: PartnerTokens;

beforeEach(async () => {
  const endpoint = inject('dynamodbEndpoint');
  tableName = `partners-${randomBytes(6).toString('hex')}`;
  const raw = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await ensureTable(raw, tableName, { stream: false });
  raw.destroy();
  const client = createDocumentClient({ endpoint });
  const registry = new DynamoDbRegistryStore(client, tableName);
  await new Registry(registry).addSource({
    slug: 'the-gaze',
    name: 'The Gaze',
    homepageUrl: 'https://g.example/',
  });
  store = new DynamoDbPartnerTokenStore(client, tableName);
  edge = keyValueStoreApi();
  partners = new PartnerTokens(store, registry, edge.writer, {
    now: () => Date.parse('2026-07-01T08:00:00Z'),
  });
});

describe('partner tokens and the edge', () => {
  it('issue writes the table, then the edge: the token’s hash with its compact scope, never the token', async () => {
    const { token, stored } = await partners.issue({
      name: ' MSN  Start ',
      sources: ['the-gaze'],
      profiles: ['msn'],
    });
    expect(stored).toMatchObject({ name: 'MSN Start', sources: ['the-gaze'], profiles: ['msn'] });
    expect(await store.getToken(hashPartnerToken(token))).toEqual(stored);
    expect([...edge.keys]).toEqual([[hashPartnerToken(token), 'the-gaze|msn']]);
    expect(JSON.stringify([...edge.keys])).not.toContain(token.slice(4));
  });

  it('refuses a scope that would not fit in a key value store value (1 KB)', async () => {
    const registry = new Registry(
      new DynamoDbRegistryStore(createDocumentClient({ endpoint: inject('dynamodbEndpoint') }), tableName),
    );
    const slugs = Array.from({ length: 60 }, (_, i) => `source-with-a-rather-long-name-${i}`);
    for (const slug of slugs)
      await registry.addSource({ slug, name: slug, homepageUrl: 'https://s.example/' });
    await expect(partners.issue({ name: 'Many', sources: slugs, profiles: '*' })).rejects.toThrow(
      /takes 2031 bytes, more than the 1024/,
    );
    expect(await store.listTokens()).toEqual([]);
    expect(edge.keys.size).toBe(0);
  });

  it('a token the edge refused is never issued: its record is revoked at once, and nothing was shown', async () => {
    edge.faults.push(({ kind }) => {
      if (kind === 'put')
        throw Object.assign(new Error('AccessDeniedException'), { name: 'AccessDeniedException' });
    });
    await expect(partners.issue({ name: 'X', sources: '*', profiles: '*' })).rejects.toThrow(
      /was not issued/,
    );
    const [record] = await store.listTokens();
    expect(record?.revokedAt).toBe('2026-07-01T08:00:00.000Z');
    expect(edge.keys.size).toBe(0);
  });

  it('revoke removes the edge’s key before it marks the record, and a failed edge leaves the record live to retry', async () => {
    const { token, stored } = await partners.issue({ name: 'X', sources: '*', profiles: '*' });
    let failing = true;
    edge.faults.push(({ kind }) => {
      if (kind === 'delete' && failing)
        throw Object.assign(new Error('InternalServerException'), {
          name: 'InternalServerException',
          $metadata: { httpStatusCode: 500 },
        });
    });
    await expect(partners.revoke(stored.id)).rejects.toThrow(/InternalServerException/);
    // Neither side changed: the operator sees the failure and runs revoke again.
    expect((await store.getToken(stored.tokenHash))?.revokedAt).toBeUndefined();
    expect(edge.keys.has(hashPartnerToken(token))).toBe(true);
    failing = false;
    expect(await partners.revoke(stored.id)).toMatchObject({ revokedAt: '2026-07-01T08:00:00.000Z' });
    expect(edge.keys.size).toBe(0);
    expect((await store.getToken(stored.tokenHash))?.revokedAt).toBe('2026-07-01T08:00:00.000Z');
    // Again: harmless, the key is already gone (404) and the first revocation time stays.
    expect(await partners.revoke(stored.id)).toMatchObject({ revokedAt: '2026-07-01T08:00:00.000Z' });
    expect(await partners.revoke('0123456789abcdef')).toBeUndefined();
  });

  it('a write that loses an ETag race to another writer reads the ETag again and is tried again', async () => {
    let races = 2;
    edge.faults.push(({ kind }) => {
      if (kind === 'put' && races-- > 0) edge.bump();
    });
    const { token } = await partners.issue({ name: 'X', sources: '*', profiles: ['msn'] });
    expect(edge.keys.get(hashPartnerToken(token))).toBe('*|msn');
    expect(edge.calls.filter((call) => call === 'put')).toHaveLength(3);
    // A writer that never wins gives up after five tries, with the conflict.
    edge.faults.push(({ kind }) => {
      if (kind === 'delete') edge.bump();
    });
    const [live] = await store.listTokens();
    await expect(partners.revoke(live?.id ?? '')).rejects.toThrow(/ConflictException/);
    expect(edge.calls.filter((call) => call === 'delete')).toHaveLength(5);
  });

  it('sync makes the edge hold exactly the live tokens: strays and revoked keys removed, missing ones written', async () => {
    const kept = await partners.issue({ name: 'Kept', sources: '*', profiles: ['msn'] });
    const gone = await partners.issue({ name: 'Gone', sources: '*', profiles: '*' });
    const lost = await partners.issue({ name: 'Lost', sources: ['the-gaze'], profiles: '*' });
    // Drift: a revocation recorded in the table alone, a key lost from the edge, a stray key, a changed value.
    await store.revokeToken(gone.stored.tokenHash, '2026-07-01T09:00:00Z');
    edge.keys.delete(lost.stored.tokenHash);
    edge.keys.set('f'.repeat(64), '*|*');
    edge.keys.set(kept.stored.tokenHash, '*|*');
    expect(await partners.sync()).toEqual({ removed: 2, written: 2, live: 2 });
    expect(new Map(edge.keys)).toEqual(
      new Map([
        [kept.stored.tokenHash, '*|msn'],
        [lost.stored.tokenHash, 'the-gaze|*'],
      ]),
    );
    expect(await partners.sync()).toEqual({ removed: 0, written: 0, live: 2 });
  });
});
