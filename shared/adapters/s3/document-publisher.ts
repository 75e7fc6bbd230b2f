import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type DocumentPublisher, digestOf, type PublishableDocument } from '../../feeds/ports.ts';

/** Object metadata that records the SHA-256 of the bytes, so an unchanged document is never uploaded again. */
const HASH_METADATA = 'sha256';

/**
 * Publishes documents to the feeds bucket only when their bytes changed: the object keeps its ETag and
 * Last-Modified otherwise, and pollers keep getting 304s. The caller passes the digest it recorded at the last
 * publish, so a publish is one PUT or nothing; without one (a document from before digests were recorded, or a
 * republish that checks the bucket itself) the object's metadata is read first.
 */
export class S3DocumentPublisher implements DocumentPublisher {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async publish(document: PublishableDocument, stored?: string | null): Promise<boolean> {
    const hash = digestOf(document.body);
    const previous = stored === undefined ? await this.storedHash(document.key) : stored;
    if (previous === hash) return false;
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: document.key,
        Body: document.body,
        ContentType: document.contentType,
        CacheControl: document.cacheControl,
        Metadata: { [HASH_METADATA]: hash },
        // The digest already computed, as S3's own checksum: S3 verifies the bytes it stores against SHA-256, and
        // the SDK does not compute a CRC32 of its own over every document.
        ChecksumSHA256: Buffer.from(hash, 'hex').toString('base64'),
      }),
    );
    return true;
  }

  private async storedHash(key: string): Promise<string | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return head.Metadata?.[HASH_METADATA];
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404 || (error as Error).name === 'NotFound') return undefined;
      throw error;
    }
  }
}
