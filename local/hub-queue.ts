import { randomUUID } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { HUB_QUEUE } from '#functions/notify-hubs/queue.ts';
import type { ChangeAnnouncer } from '#shared/feeds/ports.ts';

interface Message {
  id: string;
  body: string;
  receives: number;
  visibleAt: number;
}

export interface LocalHubQueueOptions {
  /** The notify function's handler. */
  handler: (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;
  /** The messages that announce some topics (functions/notify-hubs/queue.ts). */
  messagesOf: (topics: readonly string[]) => unknown[];
  /** How long a failed message stays hidden; the CDK app's setting unless a test shortens it. */
  visibilityTimeoutMs?: number;
  /** How long a new message is held back before it can be received (SQS `DelaySeconds`), as the sender asks. */
  delayMs?: number;
  onDeadLetter?: (body: string) => void;
}

/**
 * The queue between the regenerate function and the hubs, as SQS and Lambda's event source mapping run it: a
 * message held back for the sender's delay, then a batch of up to ten visible messages per invocation, handed over
 * without waiting for the sender; a message the
 * handler reports failed is hidden for the visibility timeout and received again, and set aside after the fifth
 * receive (HUB_QUEUE, shared with the CDK app).
 */
export class LocalHubQueue implements ChangeAnnouncer {
  private readonly messages: Message[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly visibilityTimeoutMs: number;

  constructor(private readonly options: LocalHubQueueOptions) {
    this.visibilityTimeoutMs = options.visibilityTimeoutMs ?? HUB_QUEUE.visibilityTimeoutSeconds * 1000;
  }

  async announce(topics: readonly string[]): Promise<void> {
    for (const message of this.options.messagesOf(topics))
      this.messages.push({
        id: randomUUID(),
        body: JSON.stringify(message),
        receives: 0,
        visibleAt: Date.now() + (this.options.delayMs ?? 0),
      });
    this.schedule(0);
  }

  /**
   * Resolves once every message has been received (after its delay), none is being handled and none is visible:
   * failed ones may still wait to be retried.
   */
  async idle(): Promise<void> {
    while (this.inFlight.size || this.messages.some((m) => m.receives === 0 || m.visibleAt <= Date.now())) {
      await Promise.race([...this.inFlight, new Promise((resolve) => setTimeout(resolve, 20))]);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.all(this.inFlight);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.deliver(), Math.max(0, delayMs));
  }

  private deliver(): void {
    const now = Date.now();
    let visible = this.messages.filter((m) => m.visibleAt <= now);
    while (visible.length) {
      const batch = visible.slice(0, HUB_QUEUE.batchSize);
      visible = visible.slice(HUB_QUEUE.batchSize);
      for (const message of batch) {
        message.receives++;
        // Hidden while it is handled, as a received message is.
        message.visibleAt = now + this.visibilityTimeoutMs;
      }
      const delivery = this.invoke(batch).finally(() => this.inFlight.delete(delivery));
      this.inFlight.add(delivery);
    }
    const next = Math.min(...this.messages.map((m) => m.visibleAt));
    if (Number.isFinite(next)) this.schedule(next - Date.now());
  }

  private async invoke(batch: Message[]): Promise<void> {
    let failed: Set<string>;
    try {
      const response = await this.options.handler({ Records: batch.map(recordOf) });
      failed = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
    } catch {
      failed = new Set(batch.map((message) => message.id));
    }
    for (const message of batch) {
      const index = this.messages.indexOf(message);
      if (index < 0) continue;
      if (!failed.has(message.id)) this.messages.splice(index, 1);
      else if (message.receives >= HUB_QUEUE.maxReceiveCount) {
        this.messages.splice(index, 1);
        this.options.onDeadLetter?.(message.body);
      }
    }
  }
}

function recordOf(message: Message): SQSRecord {
  return {
    messageId: message.id,
    receiptHandle: message.id,
    body: message.body,
    attributes: {
      ApproximateReceiveCount: String(message.receives),
      SentTimestamp: String(Date.now()),
      SenderId: 'local',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:local:000000000000:hub-notifications',
    awsRegion: 'local',
  };
}
