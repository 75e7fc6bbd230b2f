import type { Clock } from '../../articles/ports.ts';
import { MemoryArticleStore, MemoryRegistryStore } from './article-store.ts';
import { MemoryDocumentPublisher, MemoryFeedStore } from './feed-store.ts';
import { MemoryTable } from './table.ts';

export { MemoryArticleStore, MemoryRegistryStore } from './article-store.ts';
export { MemoryDocumentPublisher, MemoryFeedStore } from './feed-store.ts';
export { MemoryTable } from './table.ts';

/** Every port's in-memory adapter over one shared table (and a bucket), as a deployment wires the real ones. */
export function memoryAdapters(clock: Clock = { now: () => Date.now() }) {
  const table = new MemoryTable();
  const registry = new MemoryRegistryStore(table);
  const articles = new MemoryArticleStore(table, () => clock.now());
  return {
    table,
    articles,
    /** The lifecycle's indexes, kept by the article store as the table keeps them beside the articles. */
    due: articles,
    registry,
    feeds: new MemoryFeedStore(table),
    publisher: new MemoryDocumentPublisher(),
  };
}
