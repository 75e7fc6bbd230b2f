import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  behaviourFor,
  browserViewResponseHeaders,
  browserViewUri,
  CONTENT_SECURITY_POLICY,
  EDGE_CACHE,
  EDGE_FUNCTIONS,
  edgeCompresses,
  edgeLifetime,
  edgeViewerRequest,
  edgeViewerResponse,
  FEED_CORS,
  matchesPathPattern,
  SERVING_BEHAVIOURS,
  storedForm,
} from '../../shared/feeds/serving.ts';

/** What browsers send when they navigate to a URL (Chromium today; Firefox and Safari, whose older versions send no Sec-Fetch-Dest). */
const CHROMIUM = {
  accept:
    'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7',
  'sec-fetch-dest': 'document',
  'sec-fetch-mode': 'navigate',
};
const FIREFOX_WITHOUT_FETCH_METADATA = {
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
};

/** What feed readers and other programs send. */
const READERS: Record<string, Record<string, string>> = {
  'no headers at all': {},
  curl: { accept: '*/*' },
  'a reader naming the feed types': {
    accept: 'application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.7',
  },
  'a reader naming every type, text/html too': {
    accept:
      'application/xml, application/atom+xml, application/rss+xml, application/rdf+xml, application/feed+json, text/html, */*;q=0.9',
  },
  'a JSON Feed reader': { accept: 'application/feed+json, application/json;q=0.9' },
  'fetch() from a page': { accept: '*/*', 'sec-fetch-dest': 'empty', 'sec-fetch-mode': 'cors' },
  'a program preferring plain text': { accept: 'text/html;q=0.5, text/plain' },
  'a program refusing HTML': { accept: 'text/html;q=0, */*' },
};

describe('the serving behaviours', () => {
  it('serve every feed URL, current or archived, through the browser view with the pages’ CSP', () => {
    for (const path of [
      '/feeds/all/rss.xml',
      '/feeds/sources/the-gaze/atom.xml',
      '/feeds/tags/nato/feed.json',
      '/feeds/sources/the-gaze/tags/nato/rss.xml',
      '/feeds/sources/the-gaze/archive/2025-07-16/feed.json',
      '/feeds/tags/%E4%B8%AD%E5%9B%BD/rss.xml',
    ])
      expect(behaviourFor(path), path).toEqual({
        pathPattern: `feeds/*/${path.slice(path.lastIndexOf('/') + 1)}`,
        contentSecurityPolicy: CONTENT_SECURITY_POLICY.page,
        browserView: true,
      });
  });

  it('give every page the pages’ CSP, and everything else one that loads and runs nothing', () => {
    for (const path of [
      '/feeds/index.html',
      '/feeds/all/index.html',
      '/feeds/sources/x/archive/2025-07-16/index.html',
    ])
      expect(behaviourFor(path), path).toEqual({
        pathPattern: 'feeds/*.html',
        contentSecurityPolicy: CONTENT_SECURITY_POLICY.page,
        browserView: false,
      });
    for (const path of [
      '/',
      '/feeds/opml.xml',
      '/feeds/sources/the-gaze/tags.json',
      '/feeds/all/RSS.XML',
      '/rss.xml',
    ])
      expect(behaviourFor(path), path).toEqual({
        pathPattern: '*',
        contentSecurityPolicy: CONTENT_SECURITY_POLICY.nothing,
        browserView: false,
      });
    expect(CONTENT_SECURITY_POLICY.page).toBe(
      "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    );
    expect(CONTENT_SECURITY_POLICY.nothing).toBe("default-src 'none'; frame-ancestors 'none'");
  });

  it('match paths as CloudFront does: * spans folders, ? is one character, case counts, the leading / is optional', () => {
    expect(matchesPathPattern('feeds/*/rss.xml', '/feeds/a/b/c/rss.xml')).toBe(true);
    expect(matchesPathPattern('/feeds/*/rss.xml', 'feeds/a/rss.xml')).toBe(true);
    expect(matchesPathPattern('feeds/*/rss.xml', '/feeds/rss.xml')).toBe(false);
    expect(matchesPathPattern('feeds/*/rss.xml', '/feeds/a/rss.xml.bak')).toBe(false);
    expect(matchesPathPattern('feeds/?.xml', '/feeds/a.xml')).toBe(true);
    expect(matchesPathPattern('feeds/?.xml', '/feeds/ab.xml')).toBe(false);
    expect(matchesPathPattern('feeds/*.html', '/feeds/index.html')).toBe(true);
    expect(matchesPathPattern('feeds/*.html', '/feeds/a+b(c).html')).toBe(true);
    expect(matchesPathPattern('feeds/*.html', '/feeds/aXhtml')).toBe(false);
    expect(SERVING_BEHAVIOURS.map((behaviour) => behaviour.pathPattern)).toEqual([
      'feeds/partners/*',
      'feeds/*/rss.xml',
      'feeds/*/atom.xml',
      'feeds/*/feed.json',
      'feeds/*.html',
    ]);
  });
});

describe('the partner feeds', () => {
  it('are served by their own behaviour, ahead of the public feed URLs their files would match', () => {
    for (const path of [
      '/feeds/partners/msn/sources/the-gaze/rss.xml',
      '/feeds/partners/full-text/sources/the-gaze/tags/politics/feed.json',
      '/feeds/partners/msn/sources/the-gaze/report.json',
    ]) {
      const behaviour = behaviourFor(path);
      expect(behaviour.pathPattern, path).toBe('feeds/partners/*');
      expect(behaviour.partnerFeeds, path).toBe(true);
      expect(behaviour.browserView, path).toBe(false);
    }
    // Public feeds keep their behaviours.
    expect(behaviourFor('/feeds/sources/the-gaze/rss.xml').partnerFeeds).toBeUndefined();
    expect(behaviourFor('/feeds/sources/partners/rss.xml').pathPattern).toBe('feeds/*/rss.xml');
  });
});

describe('the browser view', () => {
  it('sends a browser opening a feed, in any format, to the feed’s page beside it', () => {
    for (const file of ['rss.xml', 'atom.xml', 'feed.json']) {
      expect(browserViewUri(`/feeds/sources/the-gaze/${file}`, CHROMIUM)).toBe(
        '/feeds/sources/the-gaze/index.html',
      );
      expect(browserViewUri(`/feeds/all/archive/2025-07-16/${file}`, CHROMIUM)).toBe(
        '/feeds/all/archive/2025-07-16/index.html',
      );
    }
    expect(browserViewUri('/feeds/tags/%E4%B8%AD%E5%9B%BD/rss.xml', CHROMIUM)).toBe(
      '/feeds/tags/%E4%B8%AD%E5%9B%BD/index.html',
    );
  });

  it('knows a browser by Sec-Fetch-Dest: document, or by an Accept that prefers HTML and names no feed type', () => {
    expect(browserViewUri('/feeds/all/rss.xml', { 'sec-fetch-dest': 'document' })).toBe(
      '/feeds/all/index.html',
    );
    expect(browserViewUri('/feeds/all/rss.xml', { 'Sec-Fetch-Dest': ' Document ' })).toBe(
      '/feeds/all/index.html',
    );
    expect(browserViewUri('/feeds/all/rss.xml', FIREFOX_WITHOUT_FETCH_METADATA)).toBe(
      '/feeds/all/index.html',
    );
    expect(browserViewUri('/feeds/all/rss.xml', { accept: 'text/html' })).toBe('/feeds/all/index.html');
    expect(browserViewUri('/feeds/all/rss.xml', { accept: 'TEXT/HTML;q=0.8, */*;q=0.5' })).toBe(
      '/feeds/all/index.html',
    );
  });

  it('leaves feed readers and programs on the feed', () => {
    for (const [who, headers] of Object.entries(READERS))
      for (const file of ['rss.xml', 'atom.xml', 'feed.json'])
        expect(browserViewUri(`/feeds/all/${file}`, headers), `${who}, ${file}`).toBe(`/feeds/all/${file}`);
  });

  it('rewrites nothing but a feed URL', () => {
    for (const uri of [
      '/feeds/index.html',
      '/feeds/opml.xml',
      '/feeds/sources/the-gaze/tags.json',
      '/feeds/all/rss.xml.gz',
    ])
      expect(browserViewUri(uri, CHROMIUM)).toBe(uri);
  });

  it('never sends a request that names a feed type to the page, unless it is a navigation', () => {
    const range = fc.constantFrom(
      'text/html',
      'application/xhtml+xml',
      'application/xml',
      'text/xml',
      '*/*',
      'text/*',
      'image/webp',
      'text/plain',
    );
    const feedType = fc.constantFrom(
      'application/rss+xml',
      'application/atom+xml',
      'application/feed+json',
      'application/json',
      'application/rdf+xml',
    );
    const q = fc.option(
      fc.integer({ min: 1, max: 1000 }).map((n) => `;q=${n / 1000}`),
      { nil: '' },
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(range, q), { maxLength: 6 }),
        fc.tuple(feedType, q),
        fc.nat(),
        fc.constantFrom(undefined, 'empty', 'iframe', 'image'),
        (others, [feed, feedQ], at, dest) => {
          const ranges = others.map(([type, weight]) => `${type}${weight}`);
          ranges.splice(at % (ranges.length + 1), 0, `${feed}${feedQ}`);
          const headers = { accept: ranges.join(', '), ...(dest ? { 'sec-fetch-dest': dest } : {}) };
          expect(browserViewUri('/feeds/all/atom.xml', headers)).toBe('/feeds/all/atom.xml');
          expect(browserViewUri('/feeds/all/atom.xml', { ...headers, 'sec-fetch-dest': 'document' })).toBe(
            '/feeds/all/index.html',
          );
        },
      ),
    );
  });

  it('adds the headers it reads to Vary on the way out', () => {
    expect(
      browserViewResponseHeaders('/feeds/all/rss.xml', {
        'content-type': 'application/rss+xml; charset=utf-8',
        vary: 'Accept-Encoding',
      }),
    ).toEqual({
      'content-type': 'application/rss+xml; charset=utf-8',
      vary: 'Accept-Encoding, Accept, Sec-Fetch-Dest',
    });
    expect(browserViewResponseHeaders('/feeds/all/rss.xml', {}).vary).toBe('Accept, Sec-Fetch-Dest');
  });

  it('is written in ES5, which every CloudFront Functions runtime runs', () => {
    for (const code of Object.values(EDGE_FUNCTIONS)) {
      expect(code).not.toMatch(/=>|`|\b(let|const|class|async|await)\b|\.\.\./);
      expect(code).toMatch(/^var BROWSER_VIEW = (true|false);/);
      expect(code).toContain('function handler(event) {');
    }
  });
});

/** Every Content-Type the renderers publish (shared/feeds/channel.ts, catalogue.ts), by the file it names. */
const PUBLISHED_TYPES = {
  'rss.xml': 'application/rss+xml; charset=utf-8',
  'atom.xml': 'application/atom+xml; charset=utf-8',
  'feed.json': 'application/feed+json; charset=utf-8',
  'index.html': 'text/html; charset=utf-8',
  'opml.xml': 'text/x-opml; charset=utf-8',
  'tags.json': 'application/json; charset=utf-8',
};

describe('compression at the edge', () => {
  it('leaves Atom, JSON Feed and OPML uncompressed as they are, which is why they are not stored as they are', () => {
    // CloudFront's list, as the guide gives it: the feed types that are on it, and those that are not.
    expect(edgeCompresses('application/rss+xml; charset=utf-8', 5_000)).toBe(true);
    expect(edgeCompresses('application/xml', 5_000)).toBe(true);
    expect(edgeCompresses('text/html; charset=utf-8', 5_000)).toBe(true);
    for (const type of ['application/atom+xml', 'application/feed+json', 'text/x-opml'])
      expect(edgeCompresses(`${type}; charset=utf-8`, 5_000), type).toBe(false);
    // Nor anything under 1,000 bytes or over 10 MB.
    expect(edgeCompresses('application/xml', 999)).toBe(false);
    expect(edgeCompresses('application/xml', 1_000)).toBe(true);
    expect(edgeCompresses('application/xml', 10_000_001)).toBe(false);
  });

  it('stores every published document under a type the edge compresses, and serves it under its own', () => {
    for (const [file, type] of Object.entries(PUBLISHED_TYPES)) {
      const stored = storedForm(type);
      expect(edgeCompresses(stored.contentType, 5_000), file).toBe(true);
      const path = file === 'opml.xml' || file === 'index.html' ? `/feeds/${file}` : `/feeds/all/${file}`;
      const metadata: Record<string, string> = stored.servedAs
        ? { 'x-amz-meta-served-as': stored.servedAs }
        : {};
      const served = edgeViewerResponse(behaviourFor(path), path, 200, {
        'content-type': stored.contentType,
        'x-amz-meta-sha256': 'ab12',
        ...metadata,
      });
      expect(served['content-type'], file).toBe(type);
      // Storage details never reach a reader.
      expect(
        Object.keys(served).filter((name) => name.startsWith('x-amz-meta-')),
        file,
      ).toEqual([]);
    }
    expect(storedForm('application/atom+xml; charset=utf-8')).toEqual({
      contentType: 'application/xml; charset=utf-8',
      servedAs: 'application/atom+xml; charset=utf-8',
    });
    expect(storedForm('application/feed+json; charset=utf-8').contentType).toBe(
      'application/json; charset=utf-8',
    );
    expect(storedForm('application/rss+xml; charset=utf-8')).toEqual({
      contentType: 'application/rss+xml; charset=utf-8',
    });
  });
});

describe('preflights', () => {
  it('are answered at the edge on every path, so a web app may poll a feed with conditional requests', () => {
    for (const uri of [
      '/feeds/all/rss.xml',
      '/feeds/tags/nato/feed.json',
      '/feeds/opml.xml',
      '/feeds/index.html',
    ]) {
      const answer = edgeViewerRequest(behaviourFor(uri), {
        method: 'OPTIONS',
        uri,
        headers: {
          origin: 'https://reader.example',
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'if-none-match',
        },
      });
      expect('response' in answer && answer.response, uri).toEqual({
        status: 204,
        headers: {
          'access-control-allow-origin': '*',
          'access-control-allow-methods': 'GET, HEAD, OPTIONS',
          'access-control-allow-headers': FEED_CORS.allowHeaders.join(', '),
          'access-control-expose-headers': 'ETag, Last-Modified',
          'access-control-max-age': '86400',
          allow: 'GET, HEAD, OPTIONS',
        },
      });
    }
    expect(
      edgeViewerRequest(behaviourFor('/feeds/opml.xml'), {
        method: 'GET',
        uri: '/feeds/opml.xml',
        headers: {},
      }),
    ).toEqual({
      uri: '/feeds/opml.xml',
    });
  });
});

describe('the edge cache', () => {
  it('keeps an object for its s-maxage, else its max-age, else the default TTL, within the policy bounds', () => {
    expect(edgeLifetime('public, max-age=300, s-maxage=30', 300).ttlSeconds).toBe(30);
    expect(edgeLifetime('public, max-age=300', 60).ttlSeconds).toBe(300);
    expect(edgeLifetime(undefined, 60).ttlSeconds).toBe(60);
    expect(edgeLifetime('max-age=31536000', 60).ttlSeconds).toBe(EDGE_CACHE.maxTtlSeconds);
    for (const control of ['no-store', 'private, max-age=60', 'no-cache'])
      expect(edgeLifetime(control, 60), control).toEqual({ ttlSeconds: 0, staleWhileRevalidateSeconds: 0 });
    expect(edgeLifetime('public, max-age=86400, stale-while-revalidate=86400', 300)).toEqual({
      ttlSeconds: 86_400,
      staleWhileRevalidateSeconds: 86_400,
    });
  });
});
