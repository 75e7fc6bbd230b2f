import { forEachConcurrently } from '../pool.ts';
import type { ArchiveSpan } from './archives.ts';
import type { FeedId } from './feed-ids.ts';
import {
  type DocumentPublisher,
  type DocumentState,
  digestOf,
  type FeedStore,
  type PublishableDocument,
} from './ports.ts';
import { RENDERER_VERSION, renderedByAnotherRelease } from './render/version.ts';
import type { FeedSettings } from './settings.ts';

/** How often a publish that found another one committed in between starts over from fresh state. */
const PUBLISH_ATTEMPTS = 6;
/** Documents of one group uploaded at once. */
const UPLOADS_AT_ONCE = 8;

/** What one attempt of a publish renders from the state it read, and the state to record if it commits. */
export interface PublishBuild {
  documents: PublishableDocument[];
  next: Omit<DocumentState, 'revision' | 'digests' | 'digestsRevision' | 'renderer' | 'rendererRevision'>;
  /** Closed archive pages to index in the same transaction as the commit. */
  closedPages?: { feed: FeedId; spans: ArchiveSpan[] };
}

export interface Published {
  /** Keys of the objects uploaded. */
  keys: string[];
  /** The revision the published bytes belong to (committed, or read when nothing changed). */
  revision: number;
  state: Omit<DocumentState, 'revision'>;
}

/**
 * The Cache-Control of the feeds and of every document that changes as they do: readers keep a document for the
 * feed's TTL (`max-age`), the edge for {@link FeedSettings.edgeTtlSeconds} (`s-maxage`), so a WebSub hub told of a
 * change once that has passed fetches the new bytes. No `stale-while-revalidate`: CloudFront honours it, and would
 * hand a hub the old bytes once more after the edge TTL.
 */
export const feedCacheControl = (settings: FeedSettings) =>
  `public, max-age=${settings.ttlMinutes * 60}, s-maxage=${settings.edgeTtlSeconds}`;

/** A document ready to publish, from its key, media type and text. */
export function documentOf(
  object: { key: string; contentType: string },
  text: string,
  cacheControl: string,
): PublishableDocument {
  return { key: object.key, body: Buffer.from(text, 'utf8'), contentType: object.contentType, cacheControl };
}

/**
 * Publishes document groups so that a slower regeneration that read older state never leaves its bytes in place of
 * newer ones: upload what differs from what was last published, then commit the group's revision only if no other
 * publish committed since this one read it; if one did, start over from fresh state. Whoever commits last read the
 * newest state, and anyone who uploaded stale bytes fails to commit and publishes again, checking the bucket itself
 * for what it uploaded. The state records each object's digest, so finding an unchanged document costs no request
 * to the bucket.
 */
export class ConsistentPublisher {
  constructor(
    private readonly store: Pick<FeedStore, 'readState' | 'commitState'>,
    private readonly publisher: DocumentPublisher,
    /** `checkBucket`: compare with the bucket (a HEAD per object), never with recorded digests. */
    private readonly options: { checkBucket?: boolean } = {},
  ) {}

  /**
   * `known`: the document's state as read just before (a batch reads its feeds' states together); the first attempt
   * starts from it, and a publish that loses its commit to a newer one reads afresh.
   */
  async publish(
    document: string,
    build: (state: DocumentState) => Promise<PublishBuild>,
    known?: DocumentState,
  ): Promise<Published> {
    const uploadedKeys = new Set<string>();
    for (let attempt = 1; attempt <= PUBLISH_ATTEMPTS; attempt++) {
      const state = attempt === 1 && known ? known : await this.store.readState(document);
      const built = await build(state);
      const digests: Record<string, string> = {};
      for (const doc of built.documents) digests[doc.key] = digestOf(doc);
      // What the bucket holds, as far as the state knows: nothing for a document never published; unknown (ask the
      // bucket) for one this publish uploaded in an attempt that then lost the race. Digests are trusted only from
      // the revision that recorded them: a commit by code that did not keep them (an invocation of an older release
      // during a deploy) leaves them behind.
      const trusted = state.revision === 0 || (state.digests && state.digestsRevision === state.revision);
      const stored = (key: string) =>
        this.options.checkBucket || uploadedKeys.has(key) || !trusted
          ? undefined
          : (state.digests?.[key] ?? null);
      // A few at a time: a group is four documents, but the first archive of a feed with a long history closes
      // many pages at once, and a bucket (or the local S3 server) takes only so many connections.
      const uploaded: boolean[] = [];
      await forEachConcurrently([...built.documents.keys()], UPLOADS_AT_ONCE, async (i) => {
        const doc = built.documents[i] as PublishableDocument;
        uploaded[i] = await this.publisher.publish(doc, stored(doc.key));
      });
      built.documents.forEach((doc, i) => {
        if (uploaded[i]) uploadedKeys.add(doc.key);
      });
      // The renderers' stamp, so that a later release knows these bytes for its own or for stale ones.
      const next = {
        ...built.next,
        digests,
        digestsRevision: state.revision + 1,
        renderer: RENDERER_VERSION,
        rendererRevision: state.revision + 1,
      };
      // Nothing written and nothing new to record: nothing of anyone else's can have been overwritten. A stamp that
      // another release left behind is recorded anew even then.
      const unchanged = {
        ...next,
        digestsRevision: state.digestsRevision,
        rendererRevision: state.rendererRevision,
      };
      if (!uploaded.some(Boolean) && !renderedByAnotherRelease(state) && sameState(state, unchanged))
        return { keys: [...uploadedKeys], revision: state.revision, state: next };
      const closed = built.closedPages?.spans.length ? built.closedPages : undefined;
      if (await this.store.commitState(document, state.revision, next, closed))
        return { keys: [...uploadedKeys], revision: state.revision + 1, state: next };
    }
    throw new Error(`${document} kept changing while it was published`);
  }
}

/** Whether a publish would record nothing new: every field the same, whatever the order of map keys. */
function sameState(state: DocumentState, next: Omit<DocumentState, 'revision'>): boolean {
  const { revision: _revision, ...recorded } = state;
  return stableJson(recorded) === stableJson(next);
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}
