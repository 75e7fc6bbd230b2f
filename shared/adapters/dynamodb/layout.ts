import { createHash } from 'node:crypto';
import type { Article } from '../../articles/model.ts';
import type { DueIndex } from '../../articles/ports.ts';
import type { FeedId } from '../../feeds/feed-ids.ts';

/**
 * One table, keys `pk` (partition) and `sk` (sort), all strings. Items:
 *
 * | item | pk | sk |
 * |---|---|---|
 * | article | `article#{id}` | `article` |
 * | one version of the article (its history) | `article#{id}` | `version#{000001}` |
 * | feed membership (one per feed the article is in) | `feed#{feedId}` | `{publishedAt}#{id}` |
 * | source | `source` | `{slug}` |
 * | editor key | `key` | `{keyId}` |
 * | partner token (its SHA-256; the edge keeps a copy, shared/partners) | `partner` | `{tokenHash}` |
 * | idempotency record (expires via TTL) | `idempotency#{keyId}#{sha256(key)}` | `idempotency` |
 * | an external id of a source, never released (`articleId`) | `import#{source}#{sha256(externalId)}` | `import` |
 * | tag count of a source (kept by the writes) | `tagcount#{source}` | `{tag}` |
 * | publish state of a tag-within-source feed | `feedstate#sources/{source}/tags` | `{tag}` |
 * | an entry of a source's news sitemap (expires via TTL) | `sitemap#{source}` | `{publishedAt}#{id}` |
 * | publish state of any other document | `feedstate` | `{feedId}`, `{feedId}/archive/{page}`, `sources/{source}/news-sitemap` or `directory:{dir}:{page}` |
 * | a closed archive page of a feed | `archivepage#{feedId}` | the key of its last entry |
 * | places given in a tag directory (a counter) | `directory` | `{directory}` |
 * | a tag's listing on a directory page | `listing#{directory}#{page}` | `{tag}` |
 * | a scheduled article, due at its publication time | `schedule` | `{publishedAt}#{id}` |
 * | a published article, due to leave at its expiry | `expiry` | `{expiresAt}#{id}` |
 *
 * A membership is thin: what the list endpoint shows of an entry and a pointer to the article's version item that
 * holds the rest (memberships.ts), so the newest N entries of a feed are one `Query` on `feed#{feedId}`, newest
 * first, whatever the size of the table, and an article of any size writes little into the feeds' hot partitions.
 * `type` names the kind of each item, for stream filters.
 *
 * An external id's item (README, External ids) is written in its article's transaction, on the condition that it does
 * not exist: that condition is what makes the id unique within its source for ever. It holds the article's id alone
 * (the article holds the id as sent); the hash keeps the key short (an id may be 1,024 characters), and a partition each
 * spreads a bulk import over the table. Only a move of its article to another source deletes it.
 *
 * The `schedule` and `expiry` partitions are time-ordered indexes of what is due: each item is a pointer (its keys,
 * `type`, and the article's `id` and `source`, about 100 bytes: one write unit), written and deleted in the
 * article's own transaction, so the release sweep (shared/articles/lifecycle.ts) finds every due article with one
 * `Query` up to the current time. One partition each: a partition takes 1,000 writes a second, and an index
 * write happens once per scheduled or expiring article (and per move), orders of magnitude below that; a sweep
 * reads only the due end of the partition.
 */
export const KEY_ATTRIBUTES = { partition: 'pk', sort: 'sk' } as const;
/**
 * The table's TTL attribute. DynamoDB deletes an item whose value is a Number of seconds in the past: idempotency
 * records and a news sitemap's entries. An article's own `expiresAt` is an ISO string, which TTL ignores.
 */
export const TTL_ATTRIBUTE = 'expiresAt';

export type ItemType =
  | 'article'
  | 'version'
  | 'entry'
  | 'source'
  | 'key'
  | 'partner'
  | 'idempotency'
  | 'import'
  | 'tagcount'
  | 'feedstate'
  | 'directory'
  | 'listing'
  | 'archivepage'
  | 'schedule'
  | 'expiry'
  | 'sitemapentry';

export const articleKey = (id: string) => ({ pk: `article#${id}`, sk: 'article' });
/** Each version of an article, kept beside it: the history. Zero-padded so versions sort as numbers. */
export const versionKey = (id: string, version: number) => ({
  pk: `article#${id}`,
  sk: `version#${String(version).padStart(6, '0')}`,
});
export const feedPartition = (feed: FeedId) => `feed#${feed}`;
export const membershipKey = (feed: FeedId, article: Pick<Article, 'publishedAt' | 'id'>) => ({
  pk: feedPartition(feed),
  sk: `${article.publishedAt}#${article.id}`,
});
/** An entry of one of the lifecycle's time-ordered indexes: due at `at` (an ISO time). */
export const dueKey = (index: DueIndex, at: string, id: string) => ({ pk: index, sk: `${at}#${id}` });

export const sourceKey = (slug: string) => ({ pk: 'source', sk: slug });
export const editorKeyKey = (keyId: string) => ({ pk: 'key', sk: keyId });
/** Keyed by the token's hash, as the edge looks it up; the operator's id is the hash's first 16 characters. */
export const PARTNER_TOKEN_PARTITION = 'partner';
export const partnerTokenKey = (tokenHash: string) => ({ pk: PARTNER_TOKEN_PARTITION, sk: tokenHash });
export const idempotencyKey = (scope: string, keyHash: string) => ({
  pk: `idempotency#${scope}#${keyHash}`,
  sk: 'idempotency',
});
/** An external id within its source, by the SHA-256 of the id's UTF-8 bytes, in hex. */
export const externalIdKey = (source: string, externalId: string) => ({
  pk: `import#${source}#${createHash('sha256').update(externalId, 'utf8').digest('hex')}`,
  sk: 'import',
});

export const tagCountPartition = (source: string) => `tagcount#${source}`;
export const tagCountKey = (source: string, tag: string) => ({ pk: tagCountPartition(source), sk: tag });

export const archivePagePartition = (feed: FeedId) => `archivepage#${feed}`;
export const directoryKey = (directory: string) => ({ pk: 'directory', sk: directory });
/** A directory page's listings share a partition: a page is one query, whatever the number of tags. */
export const listingPartition = (directory: string, page: number) => `listing#${directory}#${page}`;

/**
 * Tag-within-source feeds keep their state in a partition per source (as deployments already hold it), which
 * spreads a source's thousands of tag states over their own partition instead of the shared `feedstate` one.
 */
export const tagFeedStatePartition = (source: string) => `feedstate#sources/${source}/tags`;
/**
 * A source's news sitemap entries (shared/feeds/sitemap.ts), one small item each in a partition per source, keyed
 * by publication time: a batch writes one item per article it changed, and a sitemap's 48-hour window is one Query.
 */
export const sitemapPartition = (source: string) => `sitemap#${source}`;
export const sitemapEntryKey = (entry: { source: string; publishedAt: string; id: string }) => ({
  pk: sitemapPartition(entry.source),
  sk: `${entry.publishedAt}#${entry.id}`,
});
export function feedStateKey(document: string): { pk: string; sk: string } {
  const match = /^sources\/([a-z0-9-]+)\/tags\/([^/]+)$/u.exec(document);
  if (match?.[1] && match[2]) return { pk: tagFeedStatePartition(match[1]), sk: match[2] };
  return { pk: 'feedstate', sk: document };
}

/** The fields of an article that a feed entry needs, copied into each membership. */
export const ENTRY_FIELDS = [
  'id',
  'source',
  'title',
  'url',
  'contentHtml',
  'summary',
  'author',
  'tags',
  'citations',
  'image',
  'publishedAt',
  'updatedAt',
  'version',
  'corrections',
] as const satisfies readonly (keyof Article)[];

/** The fields the list endpoint returns. */
export const SUMMARY_FIELDS = [
  'id',
  'source',
  'title',
  'url',
  'summary',
  'tags',
  'publishedAt',
  'updatedAt',
  'version',
] as const satisfies readonly (typeof ENTRY_FIELDS)[number][];

/** An item without the table's own attributes: what the domain knows of it. */
export function withoutKeys(item: Record<string, unknown>): Record<string, unknown> {
  const { pk: _pk, sk: _sk, type: _type, ...rest } = item;
  return rest;
}

/**
 * What the regenerate function may do to the table, by DynamoDB action and partition-key pattern (IAM's
 * `dynamodb:LeadingKeys`, `*` any characters). The CDK app grants exactly this (infra/stateless-stack.ts), and a
 * test records every request a regeneration makes against DynamoDB Local and holds it to this table, so a new
 * kind of item cannot work locally and be refused in AWS. Never keys or idempotency records; of the articles, only
 * `BatchGetItem`, which reads the version items thin memberships point to.
 */
export const REGENERATE_TABLE_ACCESS = {
  read: {
    actions: ['BatchGetItem', 'GetItem', 'Query'],
    partitions: [
      'source',
      'feed#*',
      'feedstate',
      'feedstate#*',
      'tagcount#*',
      'directory',
      'listing#*',
      'archivepage#*',
      'sitemap#*',
    ],
  },
  /** The rest of a thin membership's entry: the version item it points to (memberships.ts). */
  entryContents: { actions: ['BatchGetItem'], partitions: ['article#*'] },
  /** Publish state, and the counter of places in the tag directories. */
  update: { actions: ['UpdateItem'], partitions: ['feedstate', 'feedstate#*', 'directory'] },
  /** A tag's listing on its directory page, the index of closed archive pages, and news sitemap entries. */
  put: { actions: ['PutItem'], partitions: ['listing#*', 'archivepage#*', 'sitemap#*'] },
  /** A news sitemap's entry of an article withdrawn, moved or re-dated. */
  delete: { actions: ['DeleteItem'], partitions: ['sitemap#*'] },
} as const;
