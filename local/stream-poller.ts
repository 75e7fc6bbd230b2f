import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { passesFilters, STREAM_BATCHING } from '#functions/regenerate-feeds/filter.ts';

export type StreamHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | undefined>;

export interface StreamPollerOptions {
  endpoint: string;
  streamArn: string;
  handler: StreamHandler;
  /** Most records in one invocation (Lambda's BatchSize). */
  batchSize?: number;
  /** How long records may wait for more to join their batch (Lambda's MaximumBatchingWindowInSeconds). */
  batchWindowMs?: number;
  /** Pause between polls of an idle stream. */
  pollIntervalMs?: number;
  /** Attempts of one batch before it is set aside, as Lambda's MaximumRetryAttempts + 1. */
  maxAttempts?: number;
  /** Called with a batch that kept failing (Lambda's on-failure destination). */
  onDeadLetter?: (records: DynamoDBRecord[], reason: string) => void;
  onError?: (error: unknown) => void;
}

interface ShardCursor {
  id: string;
  parent?: string | undefined;
  iterator?: string | undefined;
  /** The last record read from the shard: where to resume when an iterator has to be fetched again. */
  lastSequence?: string | undefined;
  pending: DynamoDBRecord[];
  pendingSince: number;
  /** The batch the handler is working on, if any: the next pages are read meanwhile, and delivered after it. */
  delivering?: Promise<void> | undefined;
  finished: boolean;
}

export interface PollerStats {
  /** Records read from the stream, before the filter. */
  read: number;
  /** GetRecords requests made. */
  polls: number;
  invocations: number;
  records: number;
  failedAttempts: number;
  deadLettered: number;
}

/**
 * Reads DynamoDB Local's stream the way Lambda's event source mapping reads DynamoDB's: shard by shard, in
 * order, following closed shards to their children, applying the function's filter patterns, batching up to
 * `batchSize` records within `batchWindowMs`, and retrying from the first failed record of a batch when the
 * handler reports `batchItemFailures` (or throws) until `maxAttempts` is spent.
 */
export class StreamPoller {
  readonly stats: PollerStats = {
    read: 0,
    polls: 0,
    invocations: 0,
    records: 0,
    failedAttempts: 0,
    deadLettered: 0,
  };
  private readonly client: DynamoDBStreamsClient;
  private readonly shards = new Map<string, ShardCursor>();
  private running = false;
  private loop: Promise<void> | undefined;
  private lastDescribe = 0;
  private quietPasses = 0;
  private readonly options: Required<Omit<StreamPollerOptions, 'onDeadLetter' | 'onError'>> &
    Pick<StreamPollerOptions, 'onDeadLetter' | 'onError'>;

  constructor(options: StreamPollerOptions) {
    // The mapping's batch size, as in AWS; a 500 ms window (AWS waits up to 1 s) lets a burst coalesce into few
    // batches and still keeps feeds within a second of a write.
    this.options = {
      batchSize: STREAM_BATCHING.batchSize,
      batchWindowMs: 500,
      pollIntervalMs: 100,
      maxAttempts: 10,
      ...options,
    };
    this.client = new DynamoDBStreamsClient({
      endpoint: options.endpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 2,
    });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await Promise.all([...this.shards.values()].map((shard) => shard.delivering));
    this.client.destroy();
  }

  /** Resolves once every record written before the call has been handled: two quiet passes over every shard. */
  async drained(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const mark = this.quietPasses;
    while (this.quietPasses < mark + 2) {
      if (Date.now() > deadline) throw new Error('the stream did not drain in time');
      await sleep(20);
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        const busy = await this.pass();
        if (!busy) this.quietPasses++;
        if (!busy) await sleep(this.options.pollIntervalMs);
      } catch (error) {
        // DynamoDB went away (restart, network): fetch fresh iterators from where each shard was read to.
        this.options.onError?.(error);
        for (const shard of this.shards.values()) shard.iterator = undefined;
        this.lastDescribe = 0;
        await sleep(500);
      }
    }
  }

  /** One round over the shards; true when it saw or handled records. */
  private async pass(): Promise<boolean> {
    if (Date.now() - this.lastDescribe > 1_000 || this.shards.size === 0) await this.describe();
    let busy = false;
    for (const shard of this.shards.values()) {
      if (shard.finished || !this.running) continue;
      const parent = shard.parent ? this.shards.get(shard.parent) : undefined;
      if (parent && !parent.finished) continue; // a child waits for its parent: records stay in order
      if (!shard.iterator) {
        const { ShardIterator } = await this.client.send(
          new GetShardIteratorCommand({
            StreamArn: this.options.streamArn,
            ShardId: shard.id,
            ...(shard.lastSequence
              ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: shard.lastSequence }
              : { ShardIteratorType: 'TRIM_HORIZON' }),
          }),
        );
        shard.iterator = ShardIterator;
      }
      // Pages are read ahead while the handler works on a batch, as the mapping's poller does, so that reading
      // (the local stream hands over every record, where AWS filters them before they leave the service) does
      // not stand between one batch and the next.
      let readRecords = 0;
      if (shard.pending.length < this.options.batchSize && shard.iterator) {
        const page = await this.client.send(
          new GetRecordsCommand({
            ShardIterator: shard.iterator,
            Limit: this.options.batchSize - shard.pending.length,
          }),
        );
        this.stats.polls++;
        shard.iterator = page.NextShardIterator;
        const last = page.Records?.at(-1)?.dynamodb?.SequenceNumber;
        if (last) shard.lastSequence = last;
        const records = (page.Records ?? [])
          .map((record) => this.toLambdaRecord(record))
          .filter((r) => passesFilters(r));
        readRecords = (page.Records ?? []).length;
        this.stats.read += readRecords;
        if (readRecords) busy = true;
        if (records.length && shard.pending.length === 0) shard.pendingSince = Date.now();
        shard.pending.push(...records);
      }
      if (shard.delivering) {
        busy = true;
        // A full batch waits for the one in hand; an empty page, for it or the next poll, whichever comes first.
        if (shard.pending.length >= this.options.batchSize) await shard.delivering;
        else if (!readRecords) await Promise.race([shard.delivering, sleep(this.options.pollIntervalMs)]);
        continue;
      }
      const windowOver = Date.now() - shard.pendingSince >= this.options.batchWindowMs;
      const full = shard.pending.length >= this.options.batchSize;
      if (shard.pending.length && (full || windowOver || !shard.iterator)) {
        busy = true;
        const batch = shard.pending.splice(0, withinPayload(shard.pending, this.options.batchSize));
        if (shard.pending.length) shard.pendingSince = Date.now();
        const delivering: Promise<void> = this.deliver(batch)
          .catch((error: unknown) => this.options.onError?.(error))
          .finally(() => {
            if (shard.delivering === delivering) shard.delivering = undefined;
          });
        shard.delivering = delivering;
      } else if (shard.pending.length) {
        busy = true;
        // Records wait for the window: read again when it closes or at the next poll, whichever is sooner, rather
        // than ask the stream again at once (an empty page comes back in a millisecond, and asking in a loop took
        // the CPU the API and the regenerator share with it: some 650 GetRecords a post).
        if (!readRecords)
          await sleep(
            Math.max(
              1,
              Math.min(
                this.options.pollIntervalMs,
                shard.pendingSince + this.options.batchWindowMs - Date.now(),
              ),
            ),
          );
      }
      if (!shard.iterator && shard.pending.length === 0 && !shard.delivering) shard.finished = true;
    }
    return busy;
  }

  private async describe(): Promise<void> {
    this.lastDescribe = Date.now();
    let start: string | undefined;
    do {
      const { StreamDescription } = await this.client.send(
        new DescribeStreamCommand({ StreamArn: this.options.streamArn, ExclusiveStartShardId: start }),
      );
      for (const shard of StreamDescription?.Shards ?? []) {
        if (!shard.ShardId || this.shards.has(shard.ShardId)) continue;
        this.shards.set(shard.ShardId, {
          id: shard.ShardId,
          parent: shard.ParentShardId,
          pending: [],
          pendingSince: 0,
          finished: false,
        });
      }
      start = StreamDescription?.LastEvaluatedShardId;
    } while (start);
  }

  /** Invokes the handler with a batch, retrying from the first failed record, as Lambda does. */
  private async deliver(batch: DynamoDBRecord[]): Promise<void> {
    let records = batch;
    for (let attempt = 1; records.length; attempt++) {
      let failedFrom = -1;
      this.stats.invocations++;
      this.stats.records += records.length;
      try {
        const response = await this.options.handler({ Records: records });
        const failed = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
        failedFrom = failed.size
          ? records.findIndex((record) => failed.has(record.dynamodb?.SequenceNumber ?? ''))
          : -1;
        if (failed.size && failedFrom < 0) failedFrom = 0;
      } catch (error) {
        this.options.onError?.(error);
        failedFrom = 0;
      }
      if (failedFrom < 0) return;
      this.stats.failedAttempts++;
      records = records.slice(failedFrom);
      if (attempt >= this.options.maxAttempts) {
        this.stats.deadLettered += records.length;
        this.options.onDeadLetter?.(records, `failed ${attempt} times`);
        return;
      }
      await sleep(Math.min(5_000, 100 * 2 ** attempt));
    }
  }

  private toLambdaRecord(record: StreamRecord): DynamoDBRecord {
    const data = record.dynamodb;
    const created = data?.ApproximateCreationDateTime;
    return {
      eventID: record.eventID ?? '',
      eventName: record.eventName as DynamoDBRecord['eventName'],
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'local',
      eventSourceARN: this.options.streamArn,
      dynamodb: {
        ...(created ? { ApproximateCreationDateTime: Math.floor(new Date(created).getTime() / 1000) } : {}),
        Keys: data?.Keys as never,
        ...(data?.NewImage ? { NewImage: data.NewImage as never } : {}),
        ...(data?.OldImage ? { OldImage: data.OldImage as never } : {}),
        SequenceNumber: data?.SequenceNumber ?? '',
        SizeBytes: data?.SizeBytes ?? 0,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * How many of the first records make a batch: at most `batchSize`, and no more than fit Lambda's invocation payload
 * (the mapping cuts a batch there), though always at least one.
 */
export function withinPayload(records: readonly DynamoDBRecord[], batchSize: number): number {
  let bytes = 0;
  let count = 0;
  for (const record of records.slice(0, batchSize)) {
    bytes += Buffer.byteLength(JSON.stringify(record));
    if (count > 0 && bytes > STREAM_BATCHING.maxPayloadBytes) break;
    count++;
  }
  return count;
}
