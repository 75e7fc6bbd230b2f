import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { transactWriteUnits } from '#shared/adapters/dynamodb/capacity.ts';

/** DynamoDB requests and written items, counted per operation. */
export interface DynamoDbMeter {
  requests: Record<string, number>;
  /** Items written (a transaction or batch counts each of its items), by operation. */
  items: Record<string, number>;
  /** Items written whose partition key starts with `feedstate` (the regenerator's publish state). */
  feedStateItems: number;
  /** Wall time spent in DynamoDB requests, ms (overlapping requests add up). */
  ms: Record<string, number>;
  reset(): void;
  stop(): void;
}

type Sendable = { send: (command: unknown, ...rest: unknown[]) => Promise<unknown> };

function written(name: string, input: Record<string, unknown>): { count: number; feedState: number } {
  const pkOf = (item: unknown) => {
    const key = (item as { Key?: { pk?: unknown }; Item?: { pk?: unknown } }) ?? {};
    const pk = key.Key?.pk ?? key.Item?.pk;
    return typeof pk === 'string' ? pk : ((pk as { S?: string } | undefined)?.S ?? '');
  };
  switch (name) {
    case 'PutItem':
    case 'Put':
    case 'UpdateItem':
    case 'Update':
    case 'DeleteItem':
    case 'Delete': {
      return { count: 1, feedState: pkOf(input).startsWith('feedstate') ? 1 : 0 };
    }
    case 'TransactWriteItems':
    case 'TransactWrite': {
      const items = (input.TransactItems as Record<string, unknown>[] | undefined) ?? [];
      const feedState = items.filter((item) => pkOf(Object.values(item)[0]).startsWith('feedstate')).length;
      return { count: items.length, feedState };
    }
    case 'BatchWriteItem':
    case 'BatchWrite': {
      const tables = Object.values((input.RequestItems as Record<string, unknown[]> | undefined) ?? {});
      return { count: tables.reduce((sum, list) => sum + list.length, 0), feedState: 0 };
    }
    default:
      return { count: 0, feedState: 0 };
  }
}

/**
 * Counts every DynamoDB request this process makes, whoever makes it (the in-process API, the regenerator, the
 * registry), by wrapping `send` of the SDK's DynamoDB client and document client classes. Only for benchmarks:
 * `stop()` puts the originals back.
 */
export function meterDynamoDb(): DynamoDbMeter {
  const meter: DynamoDbMeter = {
    requests: {},
    items: {},
    feedStateItems: 0,
    ms: {},
    reset() {
      meter.requests = {};
      meter.items = {};
      meter.feedStateItems = 0;
      meter.ms = {};
    },
    stop() {
      for (const [proto, original] of originals) proto.send = original;
    },
  };
  const originals: [Sendable, Sendable['send']][] = [];
  for (const cls of [DynamoDBClient, DynamoDBDocumentClient]) {
    const proto = cls.prototype as unknown as Sendable;
    const original = proto.send;
    originals.push([proto, original]);
    proto.send = async function (this: unknown, command: unknown, ...rest: unknown[]) {
      const name = ((command as object).constructor?.name ?? '?').replace(/Command$/, '');
      const { count, feedState } = written(
        name,
        ((command as { input?: unknown }).input ?? {}) as Record<string, unknown>,
      );
      meter.requests[name] = (meter.requests[name] ?? 0) + 1;
      if (count) meter.items[name] = (meter.items[name] ?? 0) + count;
      meter.feedStateItems += feedState;
      const started = performance.now();
      try {
        return await original.call(this, command, ...rest);
      } finally {
        meter.ms[name] = (meter.ms[name] ?? 0) + performance.now() - started;
      }
    };
  }
  return meter;
}

/** Requests and their summed wall time, by client and operation (`S3 PutObject`, `DynamoDB Query`…). */
export interface ClientMeter {
  summary(): Record<string, { count: number; ms: number }>;
  /** DynamoDB capacity consumed (each request asks for it; transactions counted by the service's rules): read and write units. */
  capacity(): { read: number; write: number };
  reset(): void;
  stop(): void;
}

const READS = new Set([
  'Get',
  'GetItem',
  'Query',
  'Scan',
  'BatchGet',
  'BatchGetItem',
  'TransactGet',
  'TransactGetItems',
]);

type Action = Record<string, unknown> | undefined;

/** A transaction's items with their items, keys and values as plain objects (unmarshalled when the client is raw). */
function transactItems(input: Record<string, unknown> | undefined, marshalled: boolean) {
  const items = (input?.TransactItems ?? []) as Record<string, Action>[];
  if (!marshalled) return items;
  const plain = (value: unknown) =>
    value ? unmarshall(value as Parameters<typeof unmarshall>[0]) : undefined;
  return items.map((item) =>
    Object.fromEntries(
      Object.entries(item).map(([kind, action]) => [
        kind,
        action && {
          ...action,
          Item: plain(action.Item),
          Key: plain(action.Key),
          ExpressionAttributeValues: plain(action.ExpressionAttributeValues),
        },
      ]),
    ),
  );
}

/**
 * Times every request of the SDK's DynamoDB clients (plain and document) and S3 client in this process, and asks
 * every DynamoDB request for the capacity it consumed. Only for benchmarks: `stop()` puts the originals back.
 */
export function meterClients(): ClientMeter {
  let counts: Record<string, { count: number; ms: number }> = {};
  let units = { read: 0, write: 0 };
  const originals: [Sendable, Sendable['send']][] = [];
  for (const [service, cls] of [
    ['DynamoDB', DynamoDBClient],
    ['DynamoDB', DynamoDBDocumentClient],
    ['S3', S3Client],
  ] as const) {
    const proto = cls.prototype as unknown as Sendable;
    const original = proto.send;
    originals.push([proto, original]);
    proto.send = async function (this: unknown, command: unknown, ...rest: unknown[]) {
      const op = ((command as object).constructor?.name ?? '?').replace(/Command$/, '');
      const name = `${service} ${op}`;
      const input = (command as { input?: Record<string, unknown> }).input;
      if (service === 'DynamoDB' && input && !op.startsWith('Describe') && !op.includes('Table'))
        input.ReturnConsumedCapacity = 'TOTAL';
      const started = performance.now();
      try {
        const output = (await original.call(this, command, ...rest)) as { ConsumedCapacity?: unknown };
        const consumed = output?.ConsumedCapacity;
        const list = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) as {
          CapacityUnits?: number;
        }[];
        // DynamoDB Local miscounts transactions (items of one size count once, at 4 units a KB): count it as the service
        // charges it (shared/adapters/dynamodb/capacity.ts).
        const total =
          op === 'TransactWrite' || op === 'TransactWriteItems'
            ? transactWriteUnits(transactItems(input, cls === DynamoDBClient))
            : list.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
        if (READS.has(op)) units.read += total;
        else units.write += total;
        return output;
      } finally {
        const entry = counts[name] ?? { count: 0, ms: 0 };
        entry.count++;
        entry.ms += performance.now() - started;
        counts[name] = entry;
      }
    };
  }
  return {
    summary: () =>
      Object.fromEntries(
        Object.entries(counts)
          .sort((a, b) => b[1].ms - a[1].ms)
          .map(([name, { count, ms }]) => [name, { count, ms: Math.round(ms) }]),
      ),
    capacity: () => ({ ...units }),
    reset() {
      counts = {};
      units = { read: 0, write: 0 };
    },
    stop() {
      for (const [proto, original] of originals) proto.send = original;
    },
  };
}
