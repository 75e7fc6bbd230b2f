import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type ClientBudget, FUNCTION_BUDGETS } from '#functions/budgets.ts';
import { createDocumentClient } from '#shared/adapters/dynamodb/client.ts';

/**
 * The SDK's standard retry strategy waits `random() × min(cap, base × 2^retry)` before each retry (retry = 0, 1, …).
 * The base is larger after a throttling error: 500 ms in the strategy's description, 1 s in this SDK's release;
 * the larger is assumed for every retry, and the test below holds the SDK to it.
 */
const THROTTLING_BASE_MS = 1_000;
const MAX_DELAY_MS = 20_000;

/** The longest the retries of one call can wait in all. */
function maxBackoffMs(maxAttempts: number): number {
  let total = 0;
  for (let retry = 0; retry < maxAttempts - 1; retry++)
    total += Math.min(MAX_DELAY_MS, THROTTLING_BASE_MS * 2 ** retry);
  return total;
}

/**
 * One call's worst case: the connection, then every attempt to its request timeout (which runs from the attempt's
 * start to the response's headers) and a body that then stops for the socket timeout, then the retries' waits.
 */
function worstCallMs({ maxAttempts, requestHandler: limits }: ClientBudget): number {
  return (
    limits.connectionTimeout +
    maxAttempts * (limits.requestTimeout + limits.socketTimeout) +
    maxBackoffMs(maxAttempts)
  );
}

const every = Object.entries(FUNCTION_BUDGETS).flatMap(([fn, budget]) =>
  Object.entries(budget.clients).map(([name, client]) => ({ fn, name, client, budget })),
);

describe('the time budgets of the functions (functions/budgets.ts)', () => {
  it('cover every function that calls AWS, each with a client budget', () => {
    expect(Object.keys(FUNCTION_BUDGETS).sort()).toEqual([
      'articles',
      'authorizer',
      'preview',
      'regenerate-feeds',
      'release-articles',
    ]);
    expect(every.map(({ fn, name }) => `${fn}/${name}`).sort()).toEqual([
      'articles/dynamodb',
      'authorizer/dynamodb',
      'preview/dynamodb',
      'regenerate-feeds/dynamodb',
      'regenerate-feeds/s3',
      'regenerate-feeds/sqs',
      'release-articles/dynamodb',
    ]);
  });

  it.each(every)(
    'hold one call of $fn to $name, retries included, below the function timeout with its margin',
    ({ client, budget }) => {
      expect(worstCallMs(client) + budget.marginMs).toBeLessThan(budget.timeoutSeconds * 1000);
      expect(budget.marginMs).toBeGreaterThan(0);
    },
  );

  it.each(every)(
    'make $fn/$name fail an attempt that is not answered in time, rather than log a warning',
    ({ client }) => {
      const limits = client.requestHandler;
      // Without throwOnRequestTimeout the SDK only logs that the request timeout passed, and waits on.
      expect(limits.throwOnRequestTimeout).toBe(true);
      expect(limits.socketTimeout).toBeGreaterThan(0);
      expect(limits.connectionTimeout).toBeLessThan(limits.requestTimeout);
      expect(client.maxAttempts).toBeGreaterThanOrEqual(2);
    },
  );

  it('are computed the way the budgets module states: the editor API, 11,250 ms of its 15 s', () => {
    expect(maxBackoffMs(1)).toBe(0);
    expect(maxBackoffMs(3)).toBe(3_000);
    expect(maxBackoffMs(8)).toBe(1_000 + 2_000 + 4_000 + 8_000 + 16_000 + 20_000 + 20_000);
    expect(worstCallMs(FUNCTION_BUDGETS.articles.clients.dynamodb)).toBe(11_250);
    expect(worstCallMs(FUNCTION_BUDGETS.authorizer.clients.dynamodb)).toBe(4_250);
  });
});

describe("the SDK's retries, against a table that throttles every request", () => {
  const servers: { close(): void }[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    for (const server of servers.splice(0)) server.close();
  });

  /** An endpoint answering every request as DynamoDB answers a throttled one; it counts them. */
  async function throttlingTable() {
    let requests = 0;
    const server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        requests++;
        const type = 'com.amazonaws.dynamodb.v20120810#ThrottlingException';
        response.writeHead(400, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': type });
        response.end(
          JSON.stringify({ __type: type, message: 'Rate of requests exceeds the allowed throughput.' }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    return {
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      requests: () => requests,
    };
  }

  it.each([
    ['articles', FUNCTION_BUDGETS.articles.clients.dynamodb],
    ['authorizer', FUNCTION_BUDGETS.authorizer.clients.dynamodb],
  ] as const)(
    'make the %s client give up after its attempts, waiting no longer than the budget assumes',
    async (_, budget) => {
      const table = await throttlingTable();
      const client = createDocumentClient({ endpoint: table.endpoint }, budget);
      // The longest wait the strategy can draw before each retry: its random share at (nearly) one.
      vi.spyOn(Math, 'random').mockReturnValue(0.999);
      const started = Date.now();
      await expect(
        client.send(new GetCommand({ TableName: 't', Key: { pk: 'a', sk: 'b' } })),
      ).rejects.toMatchObject({
        name: 'ThrottlingException',
      });
      const waited = Date.now() - started;
      client.destroy();
      expect(table.requests()).toBe(budget.maxAttempts);
      // The budget's backoff is an upper bound of what this SDK waits (answers here are immediate)...
      expect(waited).toBeLessThan(maxBackoffMs(budget.maxAttempts) + 500);
      // ...and not a loose one: the SDK does wait about that long, so the model's base is its base.
      expect(waited).toBeGreaterThan(maxBackoffMs(budget.maxAttempts) * 0.9);
    },
  );
});
