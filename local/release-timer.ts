import { ArticleLifecycle } from '#shared/articles/lifecycle.ts';
import { type ArticleStore, type DueReader, systemClock } from '#shared/articles/ports.ts';

/**
 * How often the local stack sweeps the lifecycle's indexes. Each sweep also takes what is due within the next
 * period and waits for it, as the AWS sweep does with its minute (functions/budgets.ts), so an article is released
 * at its time, well within the 60 s the lifecycle promises.
 */
export const LOCAL_RELEASE_PERIOD_MS = 5_000;

/**
 * The local stand-in for the EventBridge schedule (infra/release-schedule.ts): the same use case
 * (shared/articles/lifecycle.ts) on a timer, one sweep at a time. Stopping wakes a sweep that waits for an
 * article's time; the sweep then leaves that article alone, as it is not due yet.
 */
export class LocalReleaseTimer {
  readonly lifecycle: ArticleLifecycle;
  private stopped = true;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private running: Promise<unknown> | undefined;
  private readonly run: () => Promise<unknown>;

  constructor(
    store: ArticleStore,
    due: DueReader,
    /** The release function's handler around this timer's lifecycle (functions/release-articles). */
    handlerFor: (lifecycle: ArticleLifecycle, aheadMs: number) => () => Promise<unknown>,
    private readonly onError: (error: unknown) => void,
    readonly periodMs = LOCAL_RELEASE_PERIOD_MS,
  ) {
    this.lifecycle = new ArticleLifecycle(store, due, systemClock, (ms) => this.sleep(ms));
    this.run = handlerFor(this.lifecycle, periodMs);
  }

  start(): void {
    this.stopped = false;
    this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.wake?.();
    await this.running;
  }

  private readonly tick = (): void => {
    if (this.stopped) return;
    const started = Date.now();
    this.running = this.run()
      .catch(this.onError)
      .finally(() => {
        if (!this.stopped)
          this.timer = setTimeout(this.tick, Math.max(0, this.periodMs - (Date.now() - started)));
      });
  };

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}
