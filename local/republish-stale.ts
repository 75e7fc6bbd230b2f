import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createDocumentClient } from '#shared/adapters/dynamodb/client.ts';
import { DynamoDbFeedStore } from '#shared/adapters/dynamodb/feed-store.ts';
import { DynamoDbRegistryStore } from '#shared/adapters/dynamodb/registry-store.ts';
import { createS3Client } from '#shared/adapters/s3/client.ts';
import { S3DocumentPublisher } from '#shared/adapters/s3/document-publisher.ts';
import { FeedRegenerator } from '#shared/feeds/regenerate.ts';
import { RENDERER_VERSION } from '#shared/feeds/render/version.ts';
import { type RepublishResult, republishEverything } from '#shared/feeds/republish.ts';
import { feedSettingsFromEnv } from '#shared/feeds/settings.ts';

/** The renderers' version a stack last brought its documents up to, in its state folder. */
const MARK = 'renderer-version';

export interface StaleRepublish {
  /** What it did; undefined when the stamp had not changed since the last start (nothing was read). */
  done: Promise<RepublishResult | undefined>;
  /** Stops it after the documents under way (a restart finds the rest stale still). */
  stop(): Promise<void>;
}

/**
 * What a deploy does in AWS (`feeds republish --stale`), `npm start` does on start: when the renderers' version
 * differs from the one the stack last brought its documents up to, it renders again, in the background, every
 * document an older release rendered, and then records the version. Unpaced: the local table and bucket serve one
 * developer.
 */
export function republishStaleInBackground(stack: {
  stateDir: string;
  dynamodbEndpoint: string;
  tableName: string;
  s3Endpoint: string;
  bucket: string;
  feedEnv: Record<string, string>;
  log: (line: string) => void;
}): StaleRepublish {
  const mark = join(stack.stateDir, MARK);
  const stop = new AbortController();
  const done = (async () => {
    if (existsSync(mark) && (await readFile(mark, 'utf8')).trim() === String(RENDERER_VERSION))
      return undefined;
    const client = createDocumentClient({ endpoint: stack.dynamodbEndpoint });
    const s3 = createS3Client({ endpoint: stack.s3Endpoint });
    try {
      const store = new DynamoDbFeedStore(
        client,
        stack.tableName,
        new DynamoDbRegistryStore(client, stack.tableName),
      );
      const settings = feedSettingsFromEnv(stack.feedEnv);
      const regenerator = new FeedRegenerator(store, new S3DocumentPublisher(s3, stack.bucket), settings);
      const result = await republishEverything(regenerator, store, { stale: true, signal: stop.signal });
      if (result.complete) {
        await writeFile(mark, `${RENDERER_VERSION}\n`);
        if (result.total)
          stack.log(
            `Rendered ${result.total} documents of an older release again (renderers' version ${RENDERER_VERSION}): ` +
              `${result.uploaded} objects changed.`,
          );
      }
      return result;
    } finally {
      client.destroy();
      s3.destroy();
    }
  })();
  // A failure is reported, and the next start tries again; the stack runs on.
  const reported = done.catch((error: unknown) => {
    stack.log(`Republishing stale documents failed: ${String(error)}`);
    return undefined;
  });
  return {
    done: reported,
    stop: async () => {
      stop.abort();
      await reported;
    },
  };
}
