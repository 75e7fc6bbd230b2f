import type { EdgeTokenWriter } from '../../partners/service.ts';

/**
 * The partner function's CloudFront KeyValueStore, written by the operator command (cli/partners.ts) as it writes
 * the table. Its data-plane API (`@aws-sdk/client-cloudfront-keyvaluestore`) is signed with SigV4a, which the SDK
 * takes from `@aws-sdk/signature-v4a` (pure JavaScript) once that module is imported.
 *
 * Every write names the store's current ETag (`IfMatch`): a write that lost a race with another (HTTP 409,
 * `ConflictException`) reads the ETag again and is tried again.
 */

/** The part of `@aws-sdk/client-cloudfront-keyvaluestore` used here. */
export interface KeyValueStoreSdk {
  CloudFrontKeyValueStoreClient: new (config: {
    region: string;
    endpoint?: string;
    credentials?: { accessKeyId: string; secretAccessKey: string };
    requestHandler?: object;
  }) => KeyValueStoreClient;
  DescribeKeyValueStoreCommand: new (input: { KvsARN: string }) => object;
  PutKeyCommand: new (input: { KvsARN: string; Key: string; Value: string; IfMatch: string }) => object;
  DeleteKeyCommand: new (input: { KvsARN: string; Key: string; IfMatch: string }) => object;
  ListKeysCommand: new (input: { KvsARN: string; NextToken?: string; MaxResults?: number }) => object;
}

export interface KeyValueStoreClient {
  // biome-ignore lint/suspicious/noExplicitAny: each command has its own output; the calls below read what they need.
  send(command: object): Promise<any>;
  destroy(): void;
}

/** How many times a write is tried when another writer moved the store's ETag in between. */
const CONFLICT_ATTEMPTS = 5;

export class KeyValueStoreTokenWriter implements EdgeTokenWriter {
  constructor(
    private readonly sdk: KeyValueStoreSdk,
    private readonly client: KeyValueStoreClient,
    private readonly arn: string,
  ) {}

  put(tokenHash: string, value: string): Promise<void> {
    return this.write(
      (etag) => new this.sdk.PutKeyCommand({ KvsARN: this.arn, Key: tokenHash, Value: value, IfMatch: etag }),
    );
  }

  async delete(tokenHash: string): Promise<void> {
    try {
      await this.write(
        (etag) => new this.sdk.DeleteKeyCommand({ KvsARN: this.arn, Key: tokenHash, IfMatch: etag }),
      );
    } catch (error) {
      // Already gone: what a delete wants.
      if (statusOf(error) === 404 || (error as Error).name === 'ResourceNotFoundException') return;
      throw error;
    }
  }

  async list(): Promise<Map<string, string>> {
    const items = new Map<string, string>();
    let next: string | undefined;
    do {
      const page = await this.client.send(
        new this.sdk.ListKeysCommand({
          KvsARN: this.arn,
          MaxResults: 50,
          ...(next ? { NextToken: next } : {}),
        }),
      );
      for (const item of (page.Items ?? []) as { Key: string; Value: string }[])
        items.set(item.Key, item.Value);
      next = page.NextToken;
    } while (next);
    return items;
  }

  private async write(command: (etag: string) => object): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const { ETag } = await this.client.send(
        new this.sdk.DescribeKeyValueStoreCommand({ KvsARN: this.arn }),
      );
      try {
        await this.client.send(command(ETag));
        return;
      } catch (error) {
        const conflict = statusOf(error) === 409 || (error as Error).name === 'ConflictException';
        if (!conflict || attempt >= CONFLICT_ATTEMPTS) throw error;
      }
    }
  }
}

const statusOf = (error: unknown) =>
  (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

/**
 * The writer of the store `arn`, and a function that closes its client. The SDK is loaded here, on first use, so
 * that the operator command needs it only when it writes the edge (`--kvs-arn`): the packages are
 * `@aws-sdk/client-cloudfront-keyvaluestore` (the project's SDK version) and `@aws-sdk/signature-v4a`.
 */
export async function keyValueStoreTokenWriter(
  arn: string,
  /** Tests: a loopback endpoint and made-up credentials, so the real client signs and sends without AWS. */
  connection: {
    endpoint?: string;
    credentials?: { accessKeyId: string; secretAccessKey: string };
    /** How requests are sent: tests resolve the API's host names (the account id, then the endpoint's) to loopback. */
    requestHandler?: object;
  } = {},
): Promise<{ writer: KeyValueStoreTokenWriter; close: () => void }> {
  const names = { client: '@aws-sdk/client-cloudfront-keyvaluestore', signer: '@aws-sdk/signature-v4a' };
  let sdk: KeyValueStoreSdk;
  try {
    // Registers the SigV4a signer the client needs; without it every call fails to sign.
    await import(names.signer);
    sdk = (await import(names.client)) as KeyValueStoreSdk;
  } catch (error) {
    throw new Error(
      `writing the edge's key value store needs the packages ${names.client} and ${names.signer} (${(error as Error).message})`,
    );
  }
  // The store's API is global: SigV4a signs for every region; the client still wants one to resolve its endpoint.
  const client = new sdk.CloudFrontKeyValueStoreClient({ region: 'us-east-1', ...connection });
  return { writer: new KeyValueStoreTokenWriter(sdk, client, arn), close: () => client.destroy() };
}
