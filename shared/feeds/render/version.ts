/**
 * The version of what the renderers produce. Every publish records it in the document's state, so that after a
 * release that changes any rendered byte (a new element, a fixed escape, a removed style sheet) the documents
 * rendered by an older release are known without rendering them again: `npm run admin -- feeds republish --stale`
 * renders exactly those, and `npm start` does so in the background when it finds the stamp changed.
 *
 * Bump it with every change to what is rendered. `tests/unit/renderer-version.test.ts` renders a fixed deployment
 * and compares the digest of every document with {@link RENDERED_DIGESTS}: a change of output without a new
 * version fails there, with the line to add.
 */
export const RENDERER_VERSION = 6;

/**
 * The SHA-256 of the fixture deployment's documents as each renderer version rendered them (see the test): one
 * entry per version, never edited afterwards, so that a changed output cannot keep its old version.
 */
export const RENDERED_DIGESTS: Readonly<Record<number, string>> = {
  1: '7b0a8be5a7db191c8222f864a337b06188c9bef8072b29cae9cf7c414e6f6f4f',
  // Every document's Cache-Control gained s-maxage (the edge TTL) and lost stale-while-revalidate.
  2: '125a9e3e04b65ebbf04a8f45151ac06e90bb2536fd8926097a5e429e9ec70f2e',
  // Plain text writes `&` and `<` as hexadecimal references, an RSS description holds the summary escaped as HTML,
  // and an Atom entry's source carries its updated time.
  3: '21ddbdd232100489eb7c7d968801421a78db046de71ac62d090130b432390d71',
  // Pages of a source written right to left set their own English words left to right (the fixture gained one).
  4: '54e1a7f193b6eed7f80b9c69aa947a77f9e08ce663d5af16355371a3e864347d',
  // A retracted article keeps a notice in its RSS and JSON Feed item's place (media:status, dcterms:valid,
  // _withdrawn) and a line on the feed's page while Atom keeps its tombstone.
  5: '1fd3644195eb89fd2c7b30a051eb1b8a10b26b3313f2f86996360d1b2622f2b3',
  // Each source has a Google News sitemap (news-sitemap.xml), kept from the batches' changes (the fixture's
  // articles are older than 48 hours: its sitemaps are empty; tests/unit/news-sitemap.test.ts checks their entries).
  // An RSS withdrawal notice loses media:status (the SmartNews profile's alone; dcterms:valid stays), and an RSS
  // media:content carries the image's width and height when they are known.
  6: '99d2ac95a2296d397688186b3db09e2ee35dbc4b8214ff7eedd38536e1f9b5b9',
};

/**
 * Whether a document's state says it was rendered by another release's renderers: its stamp differs from this
 * release's (older, or newer after a rollback), or was recorded by a revision other than the state's own (a
 * release from before stamps committed after it and left it behind). A document never published has nothing out
 * there to be stale.
 */
export function renderedByAnotherRelease(state: {
  revision: number;
  renderer?: number;
  rendererRevision?: number;
}): boolean {
  if (state.revision === 0) return false;
  return state.renderer !== RENDERER_VERSION || state.rendererRevision !== state.revision;
}
