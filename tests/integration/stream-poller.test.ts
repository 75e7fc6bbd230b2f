import { randomBytes } from 'node:crypto';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { StreamPoller } from '../../local/stream-poller.ts';
import { ensureTable } from '../../local/table.ts';

let client: DynamoDBClient;
let tableName: string;
let streamArn: string;
beforeAll(async () => {
  client = new DynamoDBClient({
    endpoint: inject('dynamodbEndpoint'),
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  tableName = `poller-${randomBytes(6).toString('hex')}`;
  streamArn = (await ensureTable(client, tableName)) ?? '';
});
afterAll(() => client.destroy());

const putArticle = (id: number, table = tableName) =>
  client.send(
    new PutItemCommand({
      TableName: table,
      Item: {
        pk: { S: `article#${id}` },
        sk: { S: 'article' },
        type: { S: 'article' },
        n: { N: String(id) },
      },
    }),
  );
const idsOf = (records: DynamoDBRecord[]) => records.map((record) => Number(record.dynamodb?.NewImage?.n?.N));

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the local stream poller', () => {
  it('waits out the batching window rather than asking the stream again and again', async () => {
    const delivered: number[] = [];
    const table = `poller-${randomBytes(6).toString('hex')}`;
    const poller = new StreamPoller({
      endpoint: inject('dynamodbEndpoint'),
      streamArn: (await ensureTable(client, table)) ?? '',
      batchWindowMs: 1_000,
      pollIntervalMs: 100,
      handler: async () => {
        delivered.push(Date.now());
        return { batchItemFailures: [] };
      },
    });
    poller.start();
    try {
      await poller.drained();
      const before = poller.stats.polls;
      const written = Date.now();
      await putArticle(100, table);
      await until(() => delivered.length === 1, 'the batch');
      // The window is kept (the record waits for it), and within it the stream is asked at most once per poll
      // interval on each shard: about ten times, where asking in a loop made hundreds of requests.
      expect((delivered[0] as number) - written).toBeGreaterThanOrEqual(900);
      expect(poller.stats.polls - before).toBeLessThan(40);
    } finally {
      await poller.stop();
    }
  });

  it('reads ahead while a batch is handled, and delivers the next batch only after it, in order', async () => {
    const batches: number[][] = [];
    let inFlight = 0;
    let mostInFlight = 0;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const poller = new StreamPoller({
      endpoint: inject('dynamodbEndpoint'),
      streamArn,
      batchWindowMs: 20,
      pollIntervalMs: 20,
      handler: async (event) => {
        inFlight++;
        mostInFlight = Math.max(mostInFlight, inFlight);
        batches.push(idsOf(event.Records));
        if (batches.length === 1) await gate;
        inFlight--;
        return { batchItemFailures: [] };
      },
    });
    poller.start();
    try {
      await putArticle(1);
      await until(() => batches.length === 1, 'the first batch');
      for (const id of [2, 3, 4]) await putArticle(id);
      // Read while the first batch is still in the handler's hands, and not delivered.
      await until(() => poller.stats.read >= 4, 'the records written meanwhile to be read');
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(batches).toEqual([[1]]);
      release();
      await poller.drained();
      expect(batches).toEqual([[1], [2, 3, 4]]);
      expect(mostInFlight).toBe(1);
    } finally {
      release();
      await poller.stop();
    }
  });
});
