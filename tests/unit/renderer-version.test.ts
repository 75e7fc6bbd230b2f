/**
 * The renderers' stamp (shared/feeds/render/version.ts) tells `feeds republish --stale` and `npm start` which
 * documents an older release rendered. It is only worth that if it changes whenever the output does: this test
 * renders a fixed deployment (every kind of document: feeds in three formats and their pages, open and closed
 * archive pages, tag directories with their OPML and JSON indexes, the catalogue) and pins the digest of all of it
 * to the stamp.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RENDERED_DIGESTS, RENDERER_VERSION } from '#shared/feeds/render/version.ts';
import { republishEverything } from '#shared/feeds/republish.ts';
import { fixtureDeployment } from '../support/fixture-deployment.ts';

async function renderedDigest(): Promise<{ digest: string; keys: string[] }> {
  const deployment = await fixtureDeployment();
  // Every document, closed archive pages included, as a full republish renders them.
  await republishEverything(deployment.regenerator, deployment.feeds, { archives: true });
  const keys = [...deployment.publisher.objects.keys()].sort();
  const hash = createHash('sha256');
  for (const key of keys) {
    const object = deployment.publisher.objects.get(key);
    hash.update(`${key}\n${object?.contentType}\n${object?.cacheControl}\n${object?.sha256}\n`);
  }
  return { digest: hash.digest('hex'), keys };
}

describe('the renderers’ version stamp', () => {
  it('renders every kind of document of the fixture deployment', async () => {
    const { keys } = await renderedDigest();
    for (const pattern of [
      /^feeds\/all\/(rss\.xml|atom\.xml|feed\.json|index\.html)$/,
      /^feeds\/sources\/daily-planet\/tags\/harbour\/rss\.xml$/,
      /^feeds\/all\/archive\/1\/atom\.xml$/,
      /^feeds\/all\/archive\/2\/feed\.json$/,
      /^feeds\/tags\/index\.html$/,
      /^feeds\/tags\/opml\.xml$/,
      /^feeds\/sources\/the-gaze\/tags\.json$/,
      /^feeds\/index\.html$/,
      /^feeds\/opml\.xml$/,
    ])
      expect(
        keys.some((key) => pattern.test(key)),
        String(pattern),
      ).toBe(true);
  });

  it('changes whenever what is rendered changes', async () => {
    const { digest } = await renderedDigest();
    const pinned = RENDERED_DIGESTS[RENDERER_VERSION];
    const known = Object.entries(RENDERED_DIGESTS).find(([, value]) => value === digest)?.[0];
    const advice =
      pinned === undefined
        ? `RENDERER_VERSION is ${RENDERER_VERSION}: add \`${RENDERER_VERSION}: '${digest}',\` to RENDERED_DIGESTS in shared/feeds/render/version.ts.`
        : known !== undefined && Number(known) !== RENDERER_VERSION
          ? `The documents render as renderer version ${known} did: set RENDERER_VERSION back to ${known}, or change the output.`
          : `What is rendered changed, but RENDERER_VERSION did not: bump it to ${RENDERER_VERSION + 1} in ` +
            `shared/feeds/render/version.ts and add \`${RENDERER_VERSION + 1}: '${digest}',\` to RENDERED_DIGESTS (leave ` +
            `the earlier entries as they are), so that \`feeds republish --stale\` and \`npm start\` render every ` +
            'document of a deployment again after the deploy.';
    expect(digest, advice).toBe(pinned);
  });

  it('keeps one digest per version, each different, none ever reused', () => {
    const versions = Object.keys(RENDERED_DIGESTS).map(Number);
    expect(versions).toEqual(Array.from({ length: RENDERER_VERSION }, (_, i) => i + 1));
    const digests = Object.values(RENDERED_DIGESTS);
    for (const digest of digests) expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(digests).size).toBe(digests.length);
  });

  it('renders the same bytes from the same state', async () => {
    expect((await renderedDigest()).digest).toBe((await renderedDigest()).digest);
  });
});
