import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SitemapEntry, SitemapEntryRemoval } from '../../feeds/ports.ts';
import { sitemapEntryKey, sitemapPartition, withoutKeys } from './layout.ts';
import { queryPartition } from './query.ts';

/**
 * A news sitemap's entries in the table (shared/feeds/sitemap.ts): one small item per article, in a partition per
 * source keyed by publication time, each with its article's version, so no write replaces a newer one.
 */

/**
 * One conditional PutItem per entry (an item of about 300 bytes: one write unit), all at once; a put whose
 * condition failed (a newer version of the article's entry is stored) is dropped.
 */
export async function putSitemapEntries(
  client: DynamoDBDocumentClient,
  tableName: string,
  entries: readonly SitemapEntry[],
): Promise<void> {
  await Promise.all(
    entries.map((entry) =>
      unlessNewer(
        client.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...sitemapEntryKey(entry), type: 'sitemapentry', ...entry },
            ConditionExpression: 'attribute_not_exists(pk) OR version <= :version',
            ExpressionAttributeValues: { ':version': entry.version },
          }),
        ),
      ),
    ),
  );
}

/** One conditional DeleteItem per removal (one write unit), all at once. */
export async function deleteSitemapEntries(
  client: DynamoDBDocumentClient,
  tableName: string,
  removals: readonly SitemapEntryRemoval[],
): Promise<void> {
  await Promise.all(
    removals.map((removal) =>
      unlessNewer(
        client.send(
          new DeleteCommand({
            TableName: tableName,
            Key: sitemapEntryKey(removal),
            ConditionExpression: 'attribute_not_exists(pk) OR version <= :version',
            ExpressionAttributeValues: { ':version': removal.version },
          }),
        ),
      ),
    ),
  );
}

/**
 * The window's entries with one Query, newest first, strongly consistent (a batch reads its own writes, and the
 * writes of every batch whose sitemap commit preceded its read of the sitemap's state). An entry is about 300
 * bytes: a 1 MB page holds about 3,000, and the rest is read on from `LastEvaluatedKey` up to `limit`.
 */
export async function readSitemapEntries(
  client: DynamoDBDocumentClient,
  tableName: string,
  source: string,
  since: string,
  limit: number,
): Promise<SitemapEntry[]> {
  // Keys begin with a year, so '0' is before every one (a key value cannot be empty).
  const items = await queryPartition(client, tableName, sitemapPartition(source), {
    from: since || '0',
    newestFirst: true,
    limit,
  });
  return items.map((item) => withoutKeys(item) as unknown as SitemapEntry);
}

/** A conditional write of a sitemap entry; one refused because a newer version is stored is fine: it stands. */
async function unlessNewer(write: Promise<unknown>): Promise<void> {
  try {
    await write;
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}
