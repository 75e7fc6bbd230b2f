import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Article } from '../../articles/model.ts';
import { batchGetItems, keyString } from './batch-get.ts';
import { versionKey } from './layout.ts';
import { CONTENT_FIELDS, contentKeyOf, withContent } from './memberships.ts';
import { VersionCache } from './version-cache.ts';

type Item = Record<string, unknown>;

/**
 * Makes thin entries (memberships.ts) whole from the version items they point to: those it holds (version-cache.ts),
 * those another feed of the batch is reading already (the feeds of a batch render concurrently, and an article is
 * in up to a dozen of them), and the rest read together, each item once. One per function instance, so that what it
 * read serves the batches after.
 */
export class VersionReader {
  /** Version items being read, by key: a feed that needs one another feed is reading waits for that read. */
  private readonly reading = new Map<string, Promise<Item | undefined>>();

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly cache = new VersionCache(),
  ) {}

  /** Keeps the content of each article's version, as the version item holds it. */
  remember(articles: readonly Article[]): void {
    for (const article of articles) {
      const key = versionKey(article.id, article.version);
      if (this.cache.get(keyString(key))) continue;
      const fields = CONTENT_FIELDS.filter((field) => article[field] !== undefined).map((field) => [
        field,
        article[field],
      ]);
      this.cache.set(keyString(key), { ...key, ...Object.fromEntries(fields) });
    }
  }

  /** `items` with each thin one made whole; fat ones (written by earlier releases) as they are. */
  async withContents(items: Item[]): Promise<Item[]> {
    const keys = items.map(contentKeyOf);
    if (!keys.some(Boolean)) return items;
    const unread = new Map<string, { pk: string; sk: string }>();
    for (const key of keys)
      if (key && !this.cache.get(keyString(key)) && !this.reading.has(keyString(key)))
        unread.set(keyString(key), key);
    if (unread.size) {
      const read = this.read([...unread.values()]);
      const done = () => {
        for (const id of unread.keys()) this.reading.delete(id);
      };
      read.then(done, done);
      for (const id of unread.keys())
        this.reading.set(
          id,
          read.then((found) => found.get(id)),
        );
    }
    // Each looked up now, before any wait: from the cache, or from the read that has it.
    const versions = await Promise.all(
      keys.map((key) => key && (this.cache.get(keyString(key)) ?? this.reading.get(keyString(key)))),
    );
    return items.map((item, i) => {
      const key = keys[i];
      if (!key) return item;
      const version = versions[i];
      // Never render an entry without its content: the feed fails to publish and its records are retried.
      if (!version) throw new Error(`A thin membership points to ${key.pk} ${key.sk}, which is not there`);
      return withContent(item, version);
    });
  }

  /**
   * Version items read and kept. A version item never changes once written, so an eventually consistent read of
   * one is exact when it finds it, at half the read units of a strongly consistent one (a feed of 50 entries of
   * 100 KB: about 625 units instead of 1,250); one not found yet (written within the last second) is read again
   * strongly consistent.
   */
  private async read(keys: readonly { pk: string; sk: string }[]): Promise<Map<string, Item>> {
    const attributes = ['pk', 'sk', ...CONTENT_FIELDS];
    const found = new Map<string, Item>();
    const keep = (items: Item[]) => {
      for (const item of items) {
        const id = keyString(item as { pk: string; sk: string });
        found.set(id, item);
        this.cache.set(id, item);
      }
    };
    keep(await batchGetItems(this.client, this.tableName, keys, { consistent: false, attributes }));
    const recent = keys.filter((key) => !found.has(keyString(key)));
    if (recent.length) keep(await batchGetItems(this.client, this.tableName, recent, { attributes }));
    return found;
  }
}
