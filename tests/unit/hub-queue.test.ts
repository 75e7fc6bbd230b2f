import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createHandler } from '#functions/notify-hubs/handler.ts';
import { HUB_QUEUE, hubMessages, parseHubMessage, TOPICS_PER_MESSAGE } from '#functions/notify-hubs/queue.ts';
import { LocalHubQueue } from '../../local/hub-queue.ts';

const silent = new Logger({ logLevel: 'SILENT' });

describe('hub messages', () => {
  it('go one per hub and per thousand topics, each topic once', () => {
    const topics = Array.from({ length: 2_500 }, (_, i) => `https://feeds.example/feeds/tags/t${i}/rss.xml`);
    const messages = hubMessages(
      ['https://a.example/', 'https://b.example/'],
      [...topics, topics[0] as string],
    );
    expect(messages).toHaveLength(6);
    expect(messages.every((m) => m.topics.length <= TOPICS_PER_MESSAGE)).toBe(true);
    const forA = messages.filter((m) => m.hub === 'https://a.example/').flatMap((m) => m.topics);
    expect(forA.sort()).toEqual([...topics].sort());
    expect(parseHubMessage(JSON.stringify(messages[0]))).toEqual(messages[0]);
    expect(parseHubMessage('{"hub":1}')).toBeUndefined();
    expect(parseHubMessage('not json')).toBeUndefined();
  });
});

describe('the local hub queue', () => {
  it('holds a message back for the delay its sender asks, as SQS does, and is not idle until it was received', async () => {
    const received: number[] = [];
    const queue = new LocalHubQueue({
      messagesOf: (topics) => hubMessages(['https://hub.example/'], topics),
      delayMs: 300,
      handler: async () => {
        received.push(Date.now());
        return { batchItemFailures: [] };
      },
    });
    const sent = Date.now();
    await queue.announce(['https://feeds.example/feeds/all/rss.xml']);
    await new Promise((r) => setTimeout(r, 100));
    expect(received).toEqual([]);
    await queue.idle();
    await queue.stop();
    expect(received).toHaveLength(1);
    expect((received[0] as number) - sent).toBeGreaterThanOrEqual(290);
  });

  it('delivers a failed message again after the visibility timeout, and sets it aside after the last receive', async () => {
    const receives: Record<string, number[]> = {};
    const deadLetters: string[] = [];
    const queue = new LocalHubQueue({
      messagesOf: (topics) =>
        hubMessages(['https://ok.example/', 'https://down.example/', 'https://late.example/'], topics),
      visibilityTimeoutMs: 30,
      onDeadLetter: (body) => deadLetters.push(JSON.parse(body).hub),
      handler: async (event: SQSEvent) => {
        const failed = [];
        for (const record of event.Records) {
          const hub = JSON.parse(record.body).hub as string;
          const count = Number(record.attributes.ApproximateReceiveCount);
          receives[hub] = [...(receives[hub] ?? []), count];
          if (hub === 'https://down.example/' || (hub === 'https://late.example/' && count < 3))
            failed.push({ itemIdentifier: record.messageId });
        }
        return { batchItemFailures: failed };
      },
    });
    await queue.announce(['https://feeds.example/feeds/all/rss.xml']);
    const deadline = Date.now() + 5_000;
    while (deadLetters.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await queue.idle();
    await queue.stop();
    expect(receives['https://ok.example/']).toEqual([1]);
    expect(receives['https://late.example/']).toEqual([1, 2, 3]);
    expect(receives['https://down.example/']).toEqual(
      Array.from({ length: HUB_QUEUE.maxReceiveCount }, (_, i) => i + 1),
    );
    expect(deadLetters).toEqual(['https://down.example/']);
  });

  it('hands the announcement over without waiting for the handler', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let handled = 0;
    const queue = new LocalHubQueue({
      messagesOf: (topics) => hubMessages(['https://slow.example/'], topics),
      handler: async () => {
        await gate;
        handled++;
        return { batchItemFailures: [] };
      },
    });
    await queue.announce(['https://feeds.example/feeds/all/rss.xml']);
    expect(handled).toBe(0);
    release();
    await new Promise((r) => setTimeout(r, 20));
    await queue.idle();
    expect(handled).toBe(1);
    await queue.stop();
  });
});

describe('the notify-hubs function', () => {
  it('reports for retry a hub that could not be reached, but not one that refused', async () => {
    const outcomes: Record<string, { delivered: boolean; status?: number }> = {
      'https://ok.example/': { delivered: true, status: 204 },
      'https://down.example/': { delivered: false, status: 503 },
      'https://gone.example/': { delivered: false },
      'https://refuses.example/': { delivered: false, status: 400 },
    };
    const handler = createHandler({
      logger: silent,
      notifierFor: (hub) => ({ notify: async () => [{ hub, attempts: 4, ...outcomes[hub] } as never] }),
    });
    const record = (hub: string, id: string) =>
      ({
        messageId: id,
        body: JSON.stringify({ hub, topics: ['https://feeds.example/feeds/all/rss.xml'] }),
      }) as never;
    const response = await handler(
      {
        Records: [
          record('https://ok.example/', 'm1'),
          record('https://down.example/', 'm2'),
          record('https://gone.example/', 'm3'),
          record('https://refuses.example/', 'm4'),
        ],
      },
      {} as never,
    );
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['m2', 'm3']);
  });
});
