export interface HubOutcome {
  hub: string;
  delivered: boolean;
  attempts: number;
  /** The hub's last HTTP status, when it answered. */
  status?: number;
  error?: string;
}

export interface WebSubOptions {
  /** Tries per hub, the first included. */
  attempts?: number;
  /** Wait before the second try; doubled for each further one. */
  backoffMs?: number;
  /** Longest wait for one hub's answer. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * Tells WebSub hubs which feeds changed, so subscribers get the new content pushed. One publish notification
 * per hub (`hub.mode=publish` with a `hub.url` per changed feed, the form hubs accept), retried with backoff on
 * network errors, 429 and 5xx. A hub that stays down is reported, never thrown: the feeds are already
 * published, and readers who poll still get them.
 */
export class WebSubNotifier {
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;

  constructor(
    private readonly hubs: readonly string[],
    options: WebSubOptions = {},
  ) {
    this.attempts = options.attempts ?? 4;
    this.backoffMs = options.backoffMs ?? 250;
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.fetch = options.fetch ?? fetch;
  }

  async notify(topics: readonly string[]): Promise<HubOutcome[]> {
    if (topics.length === 0 || this.hubs.length === 0) return [];
    const body = new URLSearchParams({ 'hub.mode': 'publish' });
    for (const topic of [...new Set(topics)].sort()) body.append('hub.url', topic);
    return Promise.all(this.hubs.map((hub) => this.notifyHub(hub, body.toString())));
  }

  private async notifyHub(hub: string, body: string): Promise<HubOutcome> {
    const outcome: HubOutcome = { hub, delivered: false, attempts: 0 };
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      outcome.attempts = attempt;
      try {
        const response = await this.fetch(hub, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        await response.arrayBuffer();
        outcome.status = response.status;
        delete outcome.error;
        if (response.status >= 200 && response.status < 300) {
          outcome.delivered = true;
          return outcome;
        }
        // A 4xx other than 429 will not get better by asking again.
        if (response.status < 500 && response.status !== 429) return outcome;
      } catch (error) {
        outcome.error = error instanceof Error ? error.message : String(error);
      }
      if (attempt < this.attempts)
        await new Promise((r) => setTimeout(r, this.backoffMs * 2 ** (attempt - 1)));
    }
    return outcome;
  }
}
