import type { Source } from '../articles/model.ts';
import type { DirectoryId } from './directory.ts';
import type { FeedStore } from './ports.ts';

/** How long a warm function trusts a source it read: a source edit also clears it. */
const SOURCE_TTL_MS = 60_000;

/**
 * The registered sources a batch names, from a cache a warm function keeps for a minute (a source edit clears its
 * entry): a batch reads the sources its feeds name, never every source.
 */
export class SourceCache {
  private readonly sources = new Map<string, { source: Source; until: number }>();

  constructor(
    private readonly store: Pick<FeedStore, 'getSources'>,
    private readonly now: () => number = Date.now,
  ) {}

  forget(slug: string): void {
    this.sources.delete(slug);
  }

  /**
   * Forgets every source: a batch starts with it, so that a warm function never renders a name that another
   * function's batch has since re-rendered after an edit (one read of the sources a batch names, per batch).
   */
  forgetAll(): void {
    this.sources.clear();
  }

  async named(slugs: Iterable<string>): Promise<Map<string, Source>> {
    const now = this.now();
    const found = new Map<string, Source>();
    const missing = new Set<string>();
    for (const slug of slugs) {
      const cached = this.sources.get(slug);
      if (cached && cached.until > now) found.set(slug, cached.source);
      else missing.add(slug);
    }
    if (missing.size) {
      for (const source of await this.store.getSources([...missing])) {
        this.sources.set(source.slug, { source, until: now + SOURCE_TTL_MS });
        found.set(source.slug, source);
      }
    }
    return found;
  }
}

interface PlaceQueue {
  waiting: ((place: number | Error) => void)[];
  busy: boolean;
  /** Places taken ahead for a batch's new tags and not yet given, lowest first. */
  reserved: number[];
}

/**
 * Gives tags their places in a directory. A batch that knows it brings new tags reserves their places in one
 * counter update per directory ({@link reserve}); beyond those, the requests that arrive while one is on its way are
 * served together by the next. A reserved place that no tag takes (its feed emptied within the batch) is a gap in
 * its page, like the place of a publish that lost a race.
 */
export class PlaceGiver {
  private readonly queues = new Map<DirectoryId, PlaceQueue>();

  constructor(private readonly store: Pick<FeedStore, 'takePlaces'>) {}

  private queue(directory: DirectoryId): PlaceQueue {
    const queue = this.queues.get(directory) ?? { waiting: [], busy: false, reserved: [] };
    this.queues.set(directory, queue);
    return queue;
  }

  /** Takes `count` places in a directory ahead, one counter update, for the next {@link take}s. */
  async reserve(directory: DirectoryId, count: number): Promise<void> {
    if (count <= 0) return;
    const last = await this.store.takePlaces(directory, count);
    const queue = this.queue(directory);
    for (let place = last - count + 1; place <= last; place++) queue.reserved.push(place);
  }

  /** Forgets the places reserved and not given: a warm function's next batch starts from the counter. */
  release(): void {
    for (const queue of this.queues.values()) queue.reserved = [];
  }

  take(directory: DirectoryId): Promise<number> {
    const queue = this.queue(directory);
    const reserved = queue.reserved.shift();
    if (reserved !== undefined) return Promise.resolve(reserved);
    const place = new Promise<number>((resolve, reject) =>
      queue.waiting.push((given) => (given instanceof Error ? reject(given) : resolve(given))),
    );
    if (!queue.busy) void this.give(directory, queue);
    return place;
  }

  private async give(directory: DirectoryId, queue: PlaceQueue): Promise<void> {
    queue.busy = true;
    while (queue.waiting.length) {
      const waiting = queue.waiting.splice(0);
      try {
        const last = await this.store.takePlaces(directory, waiting.length);
        const first = last - waiting.length + 1;
        for (const [i, give] of waiting.entries()) give(first + i);
      } catch (error) {
        for (const give of waiting) give(error instanceof Error ? error : new Error(String(error)));
      }
    }
    queue.busy = false;
  }
}
