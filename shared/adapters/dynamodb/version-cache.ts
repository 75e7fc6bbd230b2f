import { itemBytes } from './capacity.ts';

/**
 * What the regenerator has read of article version items, kept across the batches of a warm function. A version
 * item never changes once written (memberships.ts), so what was read of one is exact for as long as it is kept: no
 * expiry, no invalidation. A newsroom posting one article a batch then reads, per feed, its thin `Query` and the new
 * article's version item once, instead of every entry's content in every feed it renders (README, Cost per million
 * articles). The least recently used go first once the kept items pass `maxBytes` (their size as DynamoDB counts
 * it); an item larger than that is not kept.
 *
 * A Map in insertion order is the whole of it: a dependency for twenty lines would cost the regenerate bundle more
 * than it saves.
 */
export class VersionCache {
  private readonly items = new Map<string, { value: Record<string, unknown>; bytes: number }>();
  private bytes = 0;

  constructor(readonly maxBytes = DEFAULT_VERSION_CACHE_BYTES) {}

  get(key: string): Record<string, unknown> | undefined {
    const hit = this.items.get(key);
    if (!hit) return undefined;
    // Most recently used last.
    this.items.delete(key);
    this.items.set(key, hit);
    return hit.value;
  }

  set(key: string, value: Record<string, unknown>): void {
    const bytes = itemBytes(value);
    const previous = this.items.get(key);
    if (previous) {
      this.items.delete(key);
      this.bytes -= previous.bytes;
    }
    if (bytes > this.maxBytes) return;
    this.items.set(key, { value, bytes });
    this.bytes += bytes;
    for (const [oldest, { bytes: size }] of this.items) {
      if (this.bytes <= this.maxBytes) break;
      this.items.delete(oldest);
      this.bytes -= size;
    }
  }

  /** The bytes kept, as DynamoDB counts the items. */
  get size(): number {
    return this.bytes;
  }
}

/**
 * 64 MB: the content of about 10,000 articles of 5 KB, the windows of some 200 feeds of 50 that share no article,
 * in a function of 1,024 MB (infra/stateless-stack.ts) whose batches use a few tens of MB.
 */
export const DEFAULT_VERSION_CACHE_BYTES = 64 * 1024 * 1024;
