import { createHash } from 'node:crypto';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type DocumentPublisher, digestOf, type PublishableDocument } from '../../feeds/ports.ts';
import { SERVED_AS_METADATA, storedForm } from '../../feeds/serving.ts';

/** Object metadata that records the document's digest, so an unchanged document is never uploaded again. */
const HASH_METADATA = 'sha256';

/**
 * Publishes documents to the feeds bucket only when their bytes changed: the object keeps its ETag and
 * Last-Modified otherwise, and pollers keep getting 304s. The caller passes the digest it recorded at the last
 * publish, so a publish is one PUT or nothing; without one (a document from before digests were recorded, or a
 * republish that checks the bucket itself) the object's metadata is read first.
 *
 * A document whose media type CloudFront does not compress (Atom, JSON Feed, OPML) is stored under a compressible
 * stand-in, its own type in metadata for the edge function to put back (shared/feeds/serving.ts `storedForm`).
 */
export class S3DocumentPublisher implements DocumentPublisher {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async publish(document: PublishableDocument, stored?: string | null): Promise<boolean> {
    const hash = digestOf(document);
    const previous = stored === undefined ? await this.storedHash(document.key) : stored;
    if (previous === hash) return false;
    const form = storedForm(document.contentType);
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: document.key,
        Body: document.body,
        ContentType: form.contentType,
        CacheControl: document.cacheControl,
        Metadata: {
          [HASH_METADATA]: hash,
          ...(form.servedAs ? { [SERVED_AS_METADATA]: form.servedAs } : {}),
        },
        // S3 verifies the bytes it stores against their SHA-256, and the SDK does not compute a CRC32 of its own.
        ChecksumSHA256: createHash('sha256').update(document.body).digest('base64'),
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
