import { S3Client } from '@aws-sdk/client-s3';
import type { ClientLimits } from '../client-limits.ts';

export interface S3Connection {
  /** An S3-compatible endpoint (the local server); the regional AWS endpoint when absent. */
  endpoint?: string | undefined;
  region?: string | undefined;
  /**
   * The SDK's `requestTimeout` when no limits are given (10 s; the local feed server passes less). Without
   * `throwOnRequestTimeout` the SDK only logs a warning when it passes: the regenerate function passes its limits.
   */
  requestTimeoutMs?: number;
}

/**
 * One S3 client per process and endpoint; path-style addressing for a local endpoint. A function passes its
 * limits (functions/budgets.ts), which hold a call that stops answering below its timeout.
 */
export function createS3Client(connection: S3Connection = {}, limits?: ClientLimits): S3Client {
  const local = connection.endpoint !== undefined;
  return new S3Client({
    ...(local
      ? {
          endpoint: connection.endpoint,
          forcePathStyle: true,
          region: connection.region ?? 'us-east-1',
          credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
        }
      : connection.region
        ? { region: connection.region }
        : {}),
    ...(limits ?? {
      maxAttempts: 3,
      requestHandler: { connectionTimeout: 1_000, requestTimeout: connection.requestTimeoutMs ?? 10_000 },
    }),
    // The middleware stack resolved once per command class, not on every request: a tenth to a sixth less CPU per
    // request (bench/ measures it). Middleware is added to the client before its first request, never per command.
    cacheMiddleware: true,
  });
}
