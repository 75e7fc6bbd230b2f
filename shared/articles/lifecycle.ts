import type { Article } from './model.ts';
import {
  type ArticleStore,
  type Clock,
  type DueEntry,
  type DueIndex,
  type DueReader,
  systemClock,
  WriteConflictError,
} from './ports.ts';
import { laterThan } from './service.ts';

/** What one sweep did, by article id. */
export interface SweepResult {
  /** Scheduled articles whose time came: now published. */
  released: string[];
  /** Published articles whose expiry came: now expired. */
  expired: string[];
  /** Entries left as they were: an edit came first (it wins), or the article was no longer due. */
  skipped: string[];
}

export interface SweepOptions {
  /**
   * Also take entries due within this many milliseconds, each at its own time: the sweep waits for it, so a
   * sweep that runs once a period releases at the due time rather than up to a period late. Never early: an entry
   * is settled only once the clock has reached it. 0 (the default) takes only what is due now.
   */
  aheadMs?: number;
  /** Entries read per index and query. */
  limit?: number;
}

type Due = DueEntry & { index: DueIndex };

/** How often a release that met another transaction is tried again within one sweep. */
const ATTEMPTS = 3;

/**
 * The lifecycle's timed steps, with no editor's write: a scheduled article is published at its `publishedAt`, and
 * a published one with an `expiresAt` leaves every feed then (status `expired`). Each step is one transaction of
 * the store's (the article, its memberships, its tag counts and its due entries), conditional on the version the
 * sweep read, so an edit that lands in between wins and the sweep leaves the article to its next run.
 *
 * Run once a minute by a schedule in AWS (functions/release-articles), on a timer in the local stack
 * (local/stack.ts): the same use case either way.
 */
export class ArticleLifecycle {
  constructor(
    private readonly store: Pick<ArticleStore, 'getArticle' | 'replaceArticle'>,
    private readonly dueIndexes: DueReader,
    private readonly clock: Clock = systemClock,
    /** Waits this many milliseconds; the local stack's resolves early when it stops (the sweep then ends). */
    private readonly wait: (ms: number) => Promise<void> = (ms) =>
      new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  async sweep(options: SweepOptions = {}): Promise<SweepResult> {
    const { aheadMs = 0, limit = 100 } = options;
    const result: SweepResult = { released: [], expired: [], skipped: [] };
    const horizon = new Date(this.clock.now() + aheadMs).toISOString();
    // Rounds until one settles nothing: a round's releases may make expiries due (an article released past its
    // expiry), and more than `limit` entries may be due at once (a morning's embargoes lifting together).
    for (let progressed = true; progressed; ) {
      progressed = false;
      for (const entry of await this.due(horizon, limit)) {
        const delay = Date.parse(entry.at) - this.clock.now();
        if (delay > 0) {
          await this.wait(delay);
          // Woken before its time (the stack is stopping): leave it to the next sweep.
          if (Date.parse(entry.at) > this.clock.now()) return result;
        }
        const outcome = await this.settle(entry);
        if (outcome === 'skipped') {
          if (!result.skipped.includes(entry.id)) result.skipped.push(entry.id);
        } else {
          result[outcome].push(entry.id);
          progressed = true;
        }
      }
    }
    return result;
  }

  /** Both indexes' entries due by `horizon`, soonest first. */
  private async due(horizon: string, limit: number): Promise<Due[]> {
    const [schedule, expiry] = await Promise.all(
      (['schedule', 'expiry'] as const).map(async (index) =>
        (await this.dueIndexes.listDue(index, horizon, limit)).map((entry) => ({ ...entry, index })),
      ),
    );
    return [...(schedule ?? []), ...(expiry ?? [])].sort((a, b) =>
      a.at < b.at ? -1 : a.at > b.at ? 1 : a.index === 'schedule' ? -1 : 1,
    );
  }

  private async settle(entry: Due): Promise<'released' | 'expired' | 'skipped'> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.store.getArticle(entry.id);
      const next = current && this.nextOf(entry.index, current);
      if (!current || !next) return 'skipped';
      try {
        await this.store.replaceArticle(current, next);
        return entry.index === 'schedule' ? 'released' : 'expired';
      } catch (error) {
        if (!(error instanceof WriteConflictError)) throw error;
        // An edit came first: it wins (it moved, cancelled or published the article itself).
        if (error.reason === 'condition' || attempt >= ATTEMPTS) return 'skipped';
        await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
      }
    }
  }

  /** The article after its timed step, or undefined when it is not (or no longer) due in that index. */
  private nextOf(index: DueIndex, current: Article): Article | undefined {
    const now = this.clock.now();
    if (index === 'schedule') {
      if (current.status !== 'scheduled' || Date.parse(current.publishedAt) > now) return undefined;
      // Dated by its publication, as a post at that time would be: its entry shows no update.
      return {
        ...current,
        status: 'published',
        version: current.version + 1,
        updatedAt: laterThan(current.publishedAt, current.updatedAt),
      };
    }
    const { expiresAt } = current;
    if (current.status !== 'published' || !expiresAt || Date.parse(expiresAt) > now) return undefined;
    const at = laterThan(expiresAt, current.updatedAt);
    return { ...current, status: 'expired', version: current.version + 1, updatedAt: at, expiredAt: at };
  }
}
