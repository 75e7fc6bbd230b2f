import type { DocumentPublisher, FeedStore, PublishableDocument } from './ports.ts';

/**
 * Pacing for work whose size grows with the deployment (republishing every document): it keeps its reads, writes
 * and uploads under a share of what the table and the bucket take, so that the live pipeline, which shares both,
 * never throttles because of it.
 */

/** What is paced: DynamoDB read and write units, S3 PUTs and HEADs (GETs), each per second. */
export type PacedCapacity = 'reads' | 'writes' | 'puts' | 'heads';

export type PaceLimits = Record<PacedCapacity, number>;

/**
 * The capacities a share is taken of. The table is on demand, whose default ceiling is 40,000 read and 40,000
 * write units a second per table, but one partition takes about 3,000 read units and 1,000 write units a second,
 * and nearly every document's publish state lives in one partition (`feedstate`): the partition is the ceiling
 * that binds. S3 takes 3,500 PUTs and 5,500 GETs or HEADs a second per prefix, and every document is under `feeds/`.
 */
export const STATED_CAPACITY: Readonly<PaceLimits> = {
  reads: 3_000,
  writes: 1_000,
  puts: 3_500,
  heads: 5_500,
};

/** The share of {@link STATED_CAPACITY} a republish takes unless told otherwise: the live pipeline keeps the rest. */
export const DEFAULT_SHARE = 0.25;

/** Limits from a share of the stated capacity, each at most `maxUnitsPerSecond` when given. */
export function paceLimits(share: number, maxUnitsPerSecond?: number): PaceLimits {
  if (!(share > 0 && share <= 1)) throw new Error(`the share must be above 0 and at most 1, not ${share}`);
  if (maxUnitsPerSecond !== undefined && !(maxUnitsPerSecond > 0))
    throw new Error(`the units per second must be above 0, not ${maxUnitsPerSecond}`);
  const limit = (capacity: number) =>
    Math.min(capacity * share, maxUnitsPerSecond ?? Number.POSITIVE_INFINITY);
  return {
    reads: limit(STATED_CAPACITY.reads),
    writes: limit(STATED_CAPACITY.writes),
    puts: limit(STATED_CAPACITY.puts),
    heads: limit(STATED_CAPACITY.heads),
  };
}

export interface PaceClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: PaceClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * A token bucket per capacity. A request waits until its capacity's balance is not negative, then runs, and what it
 * cost is taken afterwards (a read's units are known once it has read): the balance may go below zero by what the
 * requests in flight cost, and the next request waits it off. The bucket starts empty and holds at most a second's
 * worth, so no burst passes the rate either at the start or after a pause.
 */
export class Pacer {
  private readonly balance: Record<PacedCapacity, number> = { reads: 0, writes: 0, puts: 0, heads: 0 };
  private readonly at: Record<PacedCapacity, number>;
  /** Waiters of each capacity, one after another, so that each sees the balance the one before it left. */
  private readonly queue: Record<PacedCapacity, Promise<void>> = {
    reads: Promise.resolve(),
    writes: Promise.resolve(),
    puts: Promise.resolve(),
    heads: Promise.resolve(),
  };
  /** Units taken so far, by capacity (for reports and tests). */
  readonly spent: Record<PacedCapacity, number> = { reads: 0, writes: 0, puts: 0, heads: 0 };

  constructor(
    readonly limits: Readonly<PaceLimits>,
    private readonly clock: PaceClock = realClock,
  ) {
    const now = clock.now();
    this.at = { reads: now, writes: now, puts: now, heads: now };
  }

  /** Resolves once a request of this capacity may start. */
  ready(capacity: PacedCapacity): Promise<void> {
    const turn = this.queue[capacity].then(async () => {
      this.refill(capacity);
      const owed = this.balance[capacity];
      if (owed < 0) {
        await this.clock.sleep(Math.ceil((-owed / this.limits[capacity]) * 1000));
        this.refill(capacity);
      }
    });
    this.queue[capacity] = turn;
    return turn;
  }

  /** Takes what a request cost. */
  spend(capacity: PacedCapacity, units: number): void {
    this.refill(capacity);
    this.balance[capacity] -= units;
    this.spent[capacity] += units;
  }

  private refill(capacity: PacedCapacity): void {
    const now = this.clock.now();
    const rate = this.limits[capacity];
    this.balance[capacity] = Math.min(
      rate,
      this.balance[capacity] + ((now - this.at[capacity]) / 1000) * rate,
    );
    this.at[capacity] = now;
  }

  /** `run` once its capacity allows, then its cost (from its result) taken. */
  async paced<T>(capacity: PacedCapacity, run: () => Promise<T>, cost: (result: T) => number): Promise<T> {
    await this.ready(capacity);
    const result = await run();
    this.spend(capacity, cost(result));
    return result;
  }
}

/** Bytes of an item as DynamoDB sizes it, near enough: its JSON, and its keys. */
const itemBytes = (item: unknown) => Buffer.byteLength(JSON.stringify(item ?? null)) + 64;
/** Read units of a strongly consistent read of items read together (a Query): 4 KB a unit of their sum. */
const queryUnits = (items: readonly unknown[]) =>
  Math.max(1, Math.ceil(items.reduce<number>((sum, item) => sum + itemBytes(item), 0) / 4096));
/** Read units of one item read alone (GetItem, or each item of a BatchGetItem). */
const itemReadUnits = (item: unknown) => Math.max(1, Math.ceil(itemBytes(item) / 4096));
/** Write units of one item written: 1 KB a unit. */
const itemWriteUnits = (item: unknown) => Math.max(1, Math.ceil(itemBytes(item) / 1024));

/** A feed store whose every request waits its turn under the pacer's limits. */
export function pacedFeedStore(store: FeedStore, pacer: Pacer): FeedStore {
  const read = <T>(run: () => Promise<T>, cost: (result: T) => number) => pacer.paced('reads', run, cost);
  const write = <T>(run: () => Promise<T>, units: number) => pacer.paced('writes', run, () => units);
  return {
    listSources: () => read(() => store.listSources(), queryUnits),
    getSources: (slugs) =>
      read(
        () => store.getSources(slugs),
        (found) => found.length || 1,
      ),
    readEntries: (feed, limit) => read(() => store.readEntries(feed, limit), queryUnits),
    readSpan: (feed, span, limit) => read(() => store.readSpan(feed, span, limit), queryUnits),
    closedArchivePages: (feed) => read(() => store.closedArchivePages(feed), queryUnits),
    findArchivePage: (feed, key) =>
      read(
        () => store.findArchivePage(feed, key),
        () => 1,
      ),
    readState: (document) => read(() => store.readState(document), itemReadUnits),
    readStates: (documents) =>
      read(
        () => store.readStates(documents),
        (states) => [...states.values()].reduce((sum, state) => sum + itemReadUnits(state), 0),
      ),
    commitState: (document, expectedRevision, next, closedPages) => {
      // With pages to index it is a transaction: twice the units, for the state and each page's item.
      const spans = closedPages?.spans ?? [];
      const units = spans.length
        ? 2 * (itemWriteUnits(next) + spans.reduce((sum, span) => sum + itemWriteUnits(span), 0))
        : itemWriteUnits(next);
      return write(() => store.commitState(document, expectedRevision, next, closedPages), units);
    },
    readTagSlugs: (source) =>
      read(
        () => store.readTagSlugs(source),
        (slugs) => queryUnits(slugs.map((slug) => ({ slug, articles: 1 }))),
      ),
    tagCount: (source, tag) =>
      read(
        () => store.tagCount(source, tag),
        () => 1,
      ),
    takePlaces: (directory, count) => write(() => store.takePlaces(directory, count), 1),
    placesTaken: (directory) =>
      read(
        () => store.placesTaken(directory),
        () => 1,
      ),
    putListings: (listings) =>
      write(
        () => store.putListings(listings),
        listings.reduce((sum, listing) => sum + itemWriteUnits(listing), 0) * (listings.length > 16 ? 2 : 1),
      ),
    readListings: (directory, page) => read(() => store.readListings(directory, page), queryUnits),
    putSitemapEntries: (entries) =>
      write(
        () => store.putSitemapEntries(entries),
        entries.reduce((sum, entry) => sum + itemWriteUnits(entry), 0),
      ),
    // A delete costs the write units of the item it deletes: a sitemap entry is well under 1 KB.
    deleteSitemapEntries: (removals) => write(() => store.deleteSitemapEntries(removals), removals.length),
    readSitemapEntries: (source, since, limit) =>
      read(() => store.readSitemapEntries(source, since, limit), queryUnits),
  };
}

/** A publisher whose HEADs and PUTs wait their turn under the pacer's limits. */
export function pacedPublisher(publisher: DocumentPublisher, pacer: Pacer): DocumentPublisher {
  return {
    async publish(document: PublishableDocument, stored?: string | null): Promise<boolean> {
      // Not told what is stored, the publisher asks the bucket (a HEAD) before it may PUT.
      if (stored === undefined) await pacer.ready('heads');
      await pacer.ready('puts');
      const uploaded = await publisher.publish(document, stored);
      if (stored === undefined) pacer.spend('heads', 1);
      if (uploaded) pacer.spend('puts', 1);
      return uploaded;
    },
  };
}
