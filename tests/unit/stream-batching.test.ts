import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { STREAM_BATCHING } from '../../functions/regenerate-feeds/filter.ts';
import { withinPayload } from '../../local/stream-poller.ts';

/** A stream record whose images weigh about `kb` KB. */
const record = (kb: number, i: number): DynamoDBRecord => ({
  eventName: 'INSERT',
  dynamodb: {
    SequenceNumber: String(i),
    NewImage: { type: { S: 'article' }, contentHtml: { S: 'x'.repeat(kb * 1024) } },
  },
});

describe('a local batch, cut as the event source mapping cuts it', () => {
  it('holds up to the batch size of small records', () => {
    const records = Array.from({ length: 700 }, (_, i) => record(1, i));
    expect(withinPayload(records, STREAM_BATCHING.batchSize)).toBe(STREAM_BATCHING.batchSize);
    expect(withinPayload(records.slice(0, 3), STREAM_BATCHING.batchSize)).toBe(3);
  });

  it("stops before Lambda's 6 MB invocation payload, and still delivers a record bigger than that alone", () => {
    const records = Array.from({ length: 500 }, (_, i) => record(20, i));
    const count = withinPayload(records, STREAM_BATCHING.batchSize);
    const bytes = records.slice(0, count).reduce((sum, r) => sum + Buffer.byteLength(JSON.stringify(r)), 0);
    expect(bytes).toBeLessThanOrEqual(STREAM_BATCHING.maxPayloadBytes);
    expect(bytes + Buffer.byteLength(JSON.stringify(records[count]))).toBeGreaterThan(
      STREAM_BATCHING.maxPayloadBytes,
    );
    expect(count).toBeGreaterThan(250);
    expect(withinPayload([record(7 * 1024, 0), record(1, 1)], STREAM_BATCHING.batchSize)).toBe(1);
  });
});
