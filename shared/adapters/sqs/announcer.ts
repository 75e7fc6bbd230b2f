import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { ChangeAnnouncer } from '../../feeds/ports.ts';

/**
 * Sends the messages {@link SqsAnnouncer} is given, ten to a request, and fails if SQS refuses any. Each is delayed
 * by `delaySeconds` (SQS holds it back, at no charge), so the hubs are told once the edge has let the old bytes go.
 */
export class SqsAnnouncer implements ChangeAnnouncer {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    /** The messages that announce some topics (one per hub and chunk of topics), as JSON-able values. */
    private readonly messagesOf: (topics: readonly string[]) => unknown[],
    private readonly delaySeconds = 0,
  ) {}

  async announce(topics: readonly string[]): Promise<void> {
    const messages = this.messagesOf(topics);
    for (let i = 0; i < messages.length; i += 10) {
      const entries = messages.slice(i, i + 10).map((message, j) => ({
        Id: String(i + j),
        MessageBody: JSON.stringify(message),
        ...(this.delaySeconds ? { DelaySeconds: this.delaySeconds } : {}),
      }));
      const { Failed = [] } = await this.client.send(
        new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }),
      );
      if (Failed.length)
        throw new Error(`SQS refused ${Failed.length} announcement(s): ${Failed[0]?.Message ?? ''}`);
    }
  }
}
