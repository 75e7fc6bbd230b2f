import { S3Client } from '@aws-sdk/client-s3';

export interface S3Connection {
  /** An S3-compatible endpoint (the local server); the regional AWS endpoint when absent. */
  endpoint?: string | undefined;
  region?: string | undefined;
  /** Longest silence on a socket before a request fails (10 s; the local feed server reads with less). */
  requestTimeoutMs?: number;
}

/** One S3 client per process and endpoint; path-style addressing for a local endpoint. */
export function createS3Client(connection: S3Connection = {}): S3Client {
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
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: connection.requestTimeoutMs ?? 10_000 },
    // The middleware stack resolved once per command class, not on every request: a tenth to a sixth less CPU per
    // request (bench/ measures it). Middleware is added to the client before its first request, never per command.
    cacheMiddleware: true,
  });
}
