/**
 * Republishing over the in-memory adapters: which documents `--stale` and `--source` render, that a run stopped
 * midway resumes from its checkpoint to the state an uninterrupted run leaves, and that pacing keeps each capacity
 * under its limit.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MemoryDocumentPublisher } from '#shared/adapters/memory/index.ts';
import { archiveDocument } from '#shared/feeds/archives.ts';
import { directoryKeys } from '#shared/feeds/directory.ts';
import {
  type PaceClock,
  type PacedCapacity,
  Pacer,
  pacedFeedStore,
  pacedPublisher,
} from '#shared/feeds/pacing.ts';
import type { DocumentPublisher, FeedStore, PublishableDocument } from '#shared/feeds/ports.ts';
import { FeedRegenerator } from '#shared/feeds/regenerate.ts';
import { RENDERER_VERSION } from '#shared/feeds/render/version.ts';
import {
  type RepublishCheckpoint,
  type RepublishOptions,
  republishEverything,
} from '#shared/feeds/republish.ts';
import { fixtureDeployment } from '../support/fixture-deployment.ts';

type Deployment = Awaited<ReturnType<typeof fixtureDeployment>>;

const FORMATS = ['rss.xml', 'atom.xml', 'feed.json', 'index.html'];

/** The object keys a document's publish state stands for. */
function keysOf(deployment: Deployment, document: string): string[] {
  const keys = (() => {
    if (document === 'catalogue') return ['feeds/index.html', 'feeds/opml.xml'];
    // A news sitemap: news-sitemap.xml, and its numbered files past 1,000 entries.
    if (document.endsWith('/news-sitemap'))
      return [...deployment.publisher.objects.keys()].filter((key) => key.startsWith(`feeds/${document}`));
    const directory = /^directory:(.+):(\d+)$/.exec(document);
    if (directory) return Object.values(directoryKeys(directory[1] as string, Number(directory[2])));
    const open = /^(.+)\/archive$/.exec(document);
    if (open) {
      const pages = deployment.table.states.get(document)?.archivePages ?? 0;
      return FORMATS.map((name) => `feeds/${open[1]}/archive/${pages}/${name}`);
    }
    return FORMATS.map((name) => `feeds/${document}/${name}`);
  })();
  return keys.filter((key) => deployment.publisher.objects.has(key));
}

/** What a republish can render, one unit each: feeds (with their open archive page), closed pages, the rest. */
function units(deployment: Deployment): string[] {
  const found = [...deployment.table.states.keys()].filter(
    (document) => !/\/archive(\/\d+)?$/.test(document),
  );
  for (const [feed, pages] of deployment.table.archivePages)
    for (const span of pages.values()) found.push(archiveDocument(feed, span.page));
  return found.sort();
}

/** The keys republishing a unit renders. */
function unitKeys(deployment: Deployment, unit: string): string[] {
  if (/\/archive\/\d+$/.test(unit)) return FORMATS.map((name) => `feeds/${unit}/${name}`);
  if (unit.includes(':') || unit === 'catalogue') return keysOf(deployment, unit);
  return [...keysOf(deployment, unit), ...keysOf(deployment, `${unit}/archive`)];
}

/**
 * Makes units look as an older release left them: their states (or, for a closed page never rendered since it
 * closed, its index entry) carry an older stamp, and the bucket holds other bytes for them.
 */
async function age(deployment: Deployment, aged: readonly string[], how: 'older' | 'left behind' = 'older') {
  for (const unit of aged) {
    const documents =
      unit.includes(':') || unit === 'catalogue' || /\/archive\/\d+$/.test(unit)
        ? [unit]
        : [unit, `${unit}/archive`];
    for (const document of documents) {
      const state = deployment.table.states.get(document);
      if (state) {
        // An older release's stamp; or a stamp a release from before stamps left behind when it committed.
        if (how === 'older') state.renderer = RENDERER_VERSION - 1;
        else state.revision++;
        delete state.digests;
      }
    }
    const closed = /^(.+)\/archive\/(\d+)$/.exec(unit);
    if (closed && !deployment.table.states.has(unit)) {
      for (const span of deployment.table.archivePages.get(closed[1] as string)?.values() ?? [])
        if (span.page === Number(closed[2])) span.renderer = RENDERER_VERSION - 1;
    }
    for (const key of unitKeys(deployment, unit)) {
      const object = deployment.publisher.objects.get(key) as PublishableDocument;
      await deployment.publisher.publish(
        { ...object, body: Buffer.from(`${object.body}<!-- older -->`) },
        null,
      );
    }
  }
}

/** A publisher that counts what is rendered (each object a publish hands it), and may fail after so many. */
function counting(inner: MemoryDocumentPublisher) {
  const rendered = new Map<string, number>();
  let failAfter = Number.POSITIVE_INFINITY;
  const publisher: DocumentPublisher = {
    async publish(document, stored) {
      if (failAfter-- <= 0) throw new Error('the process died');
      rendered.set(document.key, (rendered.get(document.key) ?? 0) + 1);
      return inner.publish(document, stored);
    },
  };
  return {
    publisher,
    rendered,
    failAfter: (n: number) => {
      failAfter = n;
    },
  };
}

function republisher(
  deployment: Deployment,
  publisher: DocumentPublisher,
  store: FeedStore = deployment.feeds,
) {
  return {
    regenerator: new FeedRegenerator(store, publisher, deployment.settings),
    store,
  };
}

class MemoryCheckpoint implements RepublishCheckpoint {
  readonly tasks = new Set<string>();
  cleared = 0;
  async finished() {
    return new Set(this.tasks);
  }
  async record(task: string) {
    this.tasks.add(task);
  }
  async clear() {
    this.tasks.clear();
    this.cleared++;
  }
}

const snapshot = (deployment: Deployment) => ({
  objects: new Map([...deployment.publisher.objects].map(([key, object]) => [key, object.sha256])),
  states: new Map(
    [...deployment.table.states].map(([document, state]) => [document, structuredClone(state)]),
  ),
});

describe('feeds republish --stale', () => {
  it('renders exactly the documents an older release rendered, found from their states, and leaves none stale', async () => {
    const fresh = snapshot(await fixtureDeployment());
    const all = units(await fixtureDeployment());
    await fc.assert(
      fc.asyncProperty(
        fc.subarray(all, { minLength: 0 }),
        fc.constantFrom('older' as const, 'left behind' as const),
        async (aged, how) => {
          const deployment = await fixtureDeployment();
          await age(deployment, aged, how);
          const { publisher, rendered } = counting(deployment.publisher);
          const { regenerator, store } = republisher(deployment, publisher);
          const result = await republishEverything(regenerator, store, { stale: true });
          expect(result.complete).toBe(true);
          const expected = new Set(aged.flatMap((unit) => unitKeys(deployment, unit)));
          expect(new Set(rendered.keys())).toEqual(expected);
          for (const count of rendered.values()) expect(count).toBe(1);
          // The bytes are the current renderers' again, and nothing is stale any more.
          expect(snapshot(deployment).objects).toEqual(fresh.objects);
          const again = counting(deployment.publisher);
          const second = await republishEverything(
            republisher(deployment, again.publisher).regenerator,
            deployment.feeds,
            { stale: true },
          );
          expect(second.total).toBe(0);
          expect(again.rendered.size).toBe(0);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('reads states only to find them: no feed is read, nothing is rendered when nothing is stale', async () => {
    const deployment = await fixtureDeployment();
    const calls: string[] = [];
    const store = new Proxy(deployment.feeds, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver);
        return typeof value === 'function'
          ? (...args: unknown[]) => {
              calls.push(String(name));
              return value.apply(target, args);
            }
          : value;
      },
    });
    const { publisher, rendered } = counting(deployment.publisher);
    const result = await republishEverything(republisher(deployment, publisher, store).regenerator, store, {
      stale: true,
    });
    expect(result).toMatchObject({ total: 0, feeds: 0, uploaded: 0, complete: true });
    expect(rendered.size).toBe(0);
    expect(calls).not.toContain('readEntries');
    expect(calls).not.toContain('readSpan');
  });
});

describe('feeds republish --source', () => {
  it('renders one source’s feeds, its tags’ feeds, their archives and its directory, and nothing else', async () => {
    const deployment = await fixtureDeployment();
    await age(deployment, units(deployment));
    const { publisher, rendered } = counting(deployment.publisher);
    const { regenerator, store } = republisher(deployment, publisher);
    const result = await republishEverything(regenerator, store, { source: 'daily-planet', archives: true });
    expect(result.complete).toBe(true);
    const keys = [...rendered.keys()];
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys)
      expect(key).toMatch(
        /^feeds\/sources\/daily-planet\/(tags\/|tags(-\d+)?\.json$|rss|atom|feed|index|archive\/|news-sitemap)/,
      );
    for (const key of deployment.publisher.objects.keys()) {
      if (key.startsWith('feeds/sources/daily-planet/')) expect(rendered.has(key), key).toBe(true);
    }
    await expect(republishEverything(regenerator, store, { source: 'nobody', stale: true })).rejects.toThrow(
      'source nobody is not registered',
    );
  });
});

describe('an interrupted republish', () => {
  const scopes: RepublishOptions[] = [
    { archives: true },
    { stale: true },
    { source: 'the-gaze', archives: true },
  ];

  it('resumes where it stopped: the state an uninterrupted run leaves, and nothing rendered twice', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...scopes),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 1, max: 8 }),
        async (scope, stopAt, concurrency) => {
          const whole = await fixtureDeployment();
          await age(whole, units(whole));
          const once = counting(whole.publisher);
          const uninterrupted = await republishEverything(
            republisher(whole, once.publisher).regenerator,
            whole.feeds,
            { ...scope, concurrency },
          );

          const split = await fixtureDeployment();
          await age(split, units(split));
          const twice = counting(split.publisher);
          const { regenerator, store } = republisher(split, twice.publisher);
          const checkpoint = new MemoryCheckpoint();
          const stop = new AbortController();
          const first = await republishEverything(regenerator, store, {
            ...scope,
            concurrency,
            checkpoint,
            signal: stop.signal,
            progress: ({ done }) => {
              if (done >= stopAt) stop.abort();
            },
          });
          const recorded = checkpoint.tasks.size;
          // Stopped after its last document, a run is complete, and the next one would start over. Stopped earlier,
          // it is not, unless the documents already under way (fewer than `concurrency`) were the last ones.
          if (stopAt >= uninterrupted.total) expect(first.complete).toBe(true);
          else if (uninterrupted.total - stopAt >= concurrency) expect(first.complete).toBe(false);
          if (first.complete) expect(recorded).toBe(0);
          else {
            const second = await republishEverything(regenerator, store, {
              ...scope,
              concurrency,
              checkpoint,
            });
            // A stale run finds what the first one did fresh already; another skips what its checkpoint names.
            expect(second).toMatchObject(
              scope.stale
                ? { complete: true, resumed: 0, total: first.total - recorded }
                : { complete: true, resumed: recorded, total: first.total },
            );
            expect(checkpoint.tasks.size).toBe(0);
            expect(first.uploaded + second.uploaded).toBe(uninterrupted.uploaded);
          }
          expect(twice.rendered).toEqual(once.rendered);
          expect(snapshot(split)).toEqual(snapshot(whole));
        },
      ),
      { numRuns: 30 },
    );
  });

  it('after a crash midway, a rerun finishes the job and redoes only what was under way', async () => {
    const whole = await fixtureDeployment();
    await age(whole, units(whole));
    await republishEverything(republisher(whole, whole.publisher).regenerator, whole.feeds, {
      archives: true,
    });

    const split = await fixtureDeployment();
    await age(split, units(split));
    const crash = counting(split.publisher);
    const checkpoint = new MemoryCheckpoint();
    crash.failAfter(37);
    const { regenerator, store } = republisher(split, crash.publisher);
    await expect(
      republishEverything(regenerator, store, { archives: true, checkpoint, concurrency: 1 }),
    ).rejects.toThrow('the process died');
    const recorded = checkpoint.tasks.size;
    expect(recorded).toBeGreaterThan(0);
    crash.failAfter(Number.POSITIVE_INFINITY);
    const second = await republishEverything(regenerator, store, {
      archives: true,
      checkpoint,
      concurrency: 1,
    });
    expect(second).toMatchObject({ complete: true, resumed: recorded });
    expect(snapshot(split)).toEqual(snapshot(whole));
    // One task at a time: only the one under way when it died is rendered again.
    const renderedTwice = [...crash.rendered.values()].filter((count) => count > 1).length;
    expect(renderedTwice).toBeLessThanOrEqual(4);
  });
});

/** A clock that only moves when someone waits: time is what the pacer made the run wait. */
function virtualClock(): PaceClock & { elapsed(): number } {
  let now = 0;
  return {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
    elapsed: () => now,
  };
}

describe('pacing', () => {
  const capacities: PacedCapacity[] = ['reads', 'writes', 'puts', 'heads'];

  it('never lets what a capacity spent pass its rate times the time elapsed', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.double({ min: 1, max: 500, noNaN: true }),
        fc.array(fc.tuple(fc.constantFrom(...capacities), fc.integer({ min: 0, max: 40 })), {
          maxLength: 200,
        }),
        async (rate, requests) => {
          const clock = virtualClock();
          const pacer = new Pacer({ reads: rate, writes: rate, puts: rate, heads: rate }, clock);
          let waitedTooLong = 0;
          for (const [capacity, units] of requests) {
            const before = clock.elapsed();
            await pacer.ready(capacity);
            // Whatever was spent before this request started was paid for by the time elapsed.
            expect(pacer.spent[capacity]).toBeLessThanOrEqual((rate * clock.elapsed()) / 1000 + 1e-6);
            if (clock.elapsed() - before > (pacer.spent[capacity] / rate) * 1000 + 1) waitedTooLong++;
            pacer.spend(capacity, units);
          }
          expect(waitedTooLong).toBe(0);
        },
      ),
    );
  });

  it('keeps a whole republish under its limits, and renders the same as an unpaced one', async () => {
    const unpaced = await fixtureDeployment();
    await age(unpaced, units(unpaced));
    await republishEverything(republisher(unpaced, unpaced.publisher).regenerator, unpaced.feeds, {
      archives: true,
    });

    const deployment = await fixtureDeployment();
    await age(deployment, units(deployment));
    const clock = virtualClock();
    const limits = { reads: 40, writes: 15, puts: 10, heads: 25 };
    const pacer = new Pacer(limits, clock);
    const store = pacedFeedStore(deployment.feeds, pacer);
    const regenerator = new FeedRegenerator(
      store,
      pacedPublisher(deployment.publisher, pacer),
      deployment.settings,
      { checkBucket: true },
    );
    const result = await republishEverything(regenerator, store, { archives: true });
    expect(result.complete).toBe(true);
    expect(snapshot(deployment).objects).toEqual(snapshot(unpaced).objects);
    const seconds = clock.elapsed() / 1000;
    expect(pacer.spent.puts).toBe(result.uploaded);
    expect(pacer.spent.writes).toBeGreaterThan(0);
    // What the documents under way at the end spent (8 at once) is all that may pass the rate.
    for (const capacity of capacities)
      expect(pacer.spent[capacity], capacity).toBeLessThanOrEqual(limits[capacity] * seconds + 8 * 12);
    expect(seconds).toBeGreaterThanOrEqual(result.uploaded / limits.puts - 8);
  });
});
