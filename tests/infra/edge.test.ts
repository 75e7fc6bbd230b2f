import { describe, expect, it } from 'vitest';
import {
  browserViewUri,
  CONTENT_SECURITY_POLICY,
  EDGE_FUNCTIONS,
  FEED_CORS,
  FEED_URL_VARY,
  SERVING_BEHAVIOURS,
} from '../../shared/feeds/serving.ts';
import { PARTNER_FUNCTION_CODE } from '../../shared/partners/edge.ts';
import { resourceOf, templates } from './synth.ts';

const dev = () => templates({ stage: 'dev' });

describe('the CDN', () => {
  it('reads the bucket through origin access control, compresses, and redirects HTTP to HTTPS', () => {
    const { edge } = dev();
    const [oacId, oac] = resourceOf(edge, 'AWS::CloudFront::OriginAccessControl', 'EdgeFeedsDistribution');
    expect(oac.Properties?.OriginAccessControlConfig).toMatchObject({
      OriginAccessControlOriginType: 's3',
      SigningBehavior: 'always',
      SigningProtocol: 'sigv4',
    });
    const [, distribution] = resourceOf(edge, 'AWS::CloudFront::Distribution', 'EdgeFeedsDistribution');
    const config = distribution.Properties?.DistributionConfig;
    const [bucketId] = resourceOf(edge, 'AWS::S3::Bucket', 'Feeds');
    expect(config.Origins).toEqual([
      expect.objectContaining({
        DomainName: { 'Fn::GetAtt': [bucketId, 'RegionalDomainName'] },
        OriginAccessControlId: { 'Fn::GetAtt': [oacId, 'Id'] },
        S3OriginConfig: { OriginAccessIdentity: '' },
      }),
    ]);
    expect(config.DefaultCacheBehavior).toMatchObject({
      Compress: true,
      ViewerProtocolPolicy: 'redirect-to-https',
      AllowedMethods: ['GET', 'HEAD', 'OPTIONS'],
    });
    // The origin may ListBucket (so a missing feed is 404): `/` must never reach S3 as a listing.
    expect(config.DefaultRootObject).toBe('feeds/all/rss.xml');
    // A 404 is kept for the edge TTL (documents' s-maxage), as the local feed server keeps it.
    expect(config.CustomErrorResponses).toEqual([{ ErrorCode: 404, ErrorCachingMinTTL: 30 }]);
    expect(config.Logging).toMatchObject({ Prefix: 'cloudfront/' });
  });

  it('caches by the objects own Cache-Control, gzip and brotli apart, with nothing from the viewer in the key', () => {
    const { edge } = dev();
    const [policyId, policy] = resourceOf(edge, 'AWS::CloudFront::CachePolicy', 'EdgeFeedsCachePolicy');
    expect(policy.Properties?.CachePolicyConfig).toMatchObject({
      MinTTL: 0,
      DefaultTTL: 300,
      MaxTTL: 86400,
      ParametersInCacheKeyAndForwardedToOrigin: {
        EnableAcceptEncodingGzip: true,
        EnableAcceptEncodingBrotli: true,
        HeadersConfig: { HeaderBehavior: 'none' },
        CookiesConfig: { CookieBehavior: 'none' },
        QueryStringsConfig: { QueryStringBehavior: 'none' },
      },
    });
    const [, distribution] = resourceOf(edge, 'AWS::CloudFront::Distribution', 'EdgeFeedsDistribution');
    expect(distribution.Properties?.DistributionConfig.DefaultCacheBehavior.CachePolicyId).toEqual({
      Ref: policyId,
    });
  });

  it('adds security headers, and CORS for GET so any site can read the feeds', () => {
    const { edge } = dev();
    const [policyId, policy] = resourceOf(edge, 'AWS::CloudFront::ResponseHeadersPolicy', 'EdgeFeedsHeaders');
    const config = policy.Properties?.ResponseHeadersPolicyConfig;
    expect(config.SecurityHeadersConfig).toMatchObject({
      StrictTransportSecurity: { AccessControlMaxAgeSec: 31536000, IncludeSubdomains: true, Override: true },
      ContentTypeOptions: { Override: true },
      FrameOptions: { FrameOption: 'DENY' },
      ReferrerPolicy: { ReferrerPolicy: 'no-referrer' },
      ContentSecurityPolicy: { ContentSecurityPolicy: expect.stringContaining("default-src 'none'") },
    });
    expect(config.CorsConfig).toMatchObject({
      AccessControlAllowOrigins: { Items: ['*'] },
      AccessControlAllowMethods: { Items: ['GET', 'HEAD', 'OPTIONS'] },
      AccessControlAllowCredentials: false,
      AccessControlExposeHeaders: { Items: ['ETag', 'Last-Modified'] },
      AccessControlAllowHeaders: { Items: [...FEED_CORS.allowHeaders] },
    });
    const [, distribution] = resourceOf(edge, 'AWS::CloudFront::Distribution', 'EdgeFeedsDistribution');
    expect(distribution.Properties?.DistributionConfig.DefaultCacheBehavior.ResponseHeadersPolicyId).toEqual({
      Ref: policyId,
    });
  });

  it('serves each path with the behaviour of the shared serving table: its CSP, the default one for the rest', () => {
    const { edge } = dev();
    const csp = (id: string) =>
      resourceOf(edge, 'AWS::CloudFront::ResponseHeadersPolicy', `Edge${id}`)[1].Properties
        ?.ResponseHeadersPolicyConfig.SecurityHeadersConfig.ContentSecurityPolicy;
    expect(csp('FeedsHeaders')).toEqual({
      ContentSecurityPolicy: CONTENT_SECURITY_POLICY.nothing,
      Override: true,
    });
    expect(csp('FeedsPageHeaders')).toEqual({
      ContentSecurityPolicy: CONTENT_SECURITY_POLICY.page,
      Override: true,
    });
    expect(Object.keys(edge.findResources('AWS::CloudFront::ResponseHeadersPolicy'))).toHaveLength(2);
    const policyId = (id: string) => ({
      Ref: resourceOf(edge, 'AWS::CloudFront::ResponseHeadersPolicy', `Edge${id}`)[0],
    });
    const [, distribution] = resourceOf(edge, 'AWS::CloudFront::Distribution', 'EdgeFeedsDistribution');
    const config = distribution.Properties?.DistributionConfig;
    expect(config.Origins).toHaveLength(1);
    expect(config.DefaultCacheBehavior.ResponseHeadersPolicyId).toEqual(policyId('FeedsHeaders'));
    // In the table's order, which is CloudFront's order of precedence; the cache key is the URI alone.
    expect(config.CacheBehaviors).toEqual(
      SERVING_BEHAVIOURS.map((behaviour) =>
        expect.objectContaining({
          PathPattern: behaviour.pathPattern,
          TargetOriginId: config.DefaultCacheBehavior.TargetOriginId,
          CachePolicyId: config.DefaultCacheBehavior.CachePolicyId,
          ResponseHeadersPolicyId: policyId(
            behaviour.contentSecurityPolicy === CONTENT_SECURITY_POLICY.page
              ? 'FeedsPageHeaders'
              : 'FeedsHeaders',
          ),
          ViewerProtocolPolicy: 'redirect-to-https',
          Compress: true,
        }),
      ),
    );
    expect(config.CacheBehaviors.map((behaviour: { PathPattern: string }) => behaviour.PathPattern)).toEqual([
      'feeds/partners/*',
      'feeds/*/rss.xml',
      'feeds/*/atom.xml',
      'feeds/*/feed.json',
      'feeds/*.html',
    ]);
  });

  it('runs the edge function on every path: preflights, media types, and the browser view on feed URLs', () => {
    const { edge } = dev();
    const [feedUrlsId, feedUrls] = resourceOf(edge, 'AWS::CloudFront::Function', 'EdgeFeedsBrowserView');
    const [elsewhereId, elsewhere] = resourceOf(edge, 'AWS::CloudFront::Function', 'EdgeFeedsEdge');
    const [partnerId] = resourceOf(edge, 'AWS::CloudFront::Function', 'EdgePartnerFeeds');
    expect(Object.keys(edge.findResources('AWS::CloudFront::Function')).sort()).toEqual(
      [feedUrlsId, elsewhereId, partnerId].sort(),
    );
    for (const fn of [feedUrls, elsewhere]) {
      expect(fn.Properties?.FunctionConfig.Runtime).toBe('cloudfront-js-2.0');
      expect(fn.Properties?.AutoPublish).toBe(true);
    }
    // The code the local feed server runs.
    expect(feedUrls.Properties?.FunctionCode).toBe(EDGE_FUNCTIONS.feedUrls);
    expect(elsewhere.Properties?.FunctionCode).toBe(EDGE_FUNCTIONS.other);
    const [, distribution] = resourceOf(edge, 'AWS::CloudFront::Distribution', 'EdgeFeedsDistribution');
    const associations = (id: string) => {
      const arn = { 'Fn::GetAtt': [id, 'FunctionARN'] };
      return [
        { EventType: 'viewer-request', FunctionARN: arn },
        { EventType: 'viewer-response', FunctionARN: arn },
      ];
    };
    const config = distribution.Properties?.DistributionConfig;
    expect(config.DefaultCacheBehavior.FunctionAssociations).toEqual(associations(elsewhereId));
    for (const behaviour of config.CacheBehaviors ?? []) {
      const served = SERVING_BEHAVIOURS.find((b) => b.pathPattern === behaviour.PathPattern);
      expect(behaviour.FunctionAssociations, behaviour.PathPattern).toEqual(
        associations(served?.partnerFeeds ? partnerId : served?.browserView ? feedUrlsId : elsewhereId),
      );
    }
    // The deployed code, run on the events CloudFront gives it, answers as the local feed server does.
    const compile = (code: string) =>
      new Function(`${code}; return handler;`)() as (event: unknown) => {
        uri: string;
        statusCode?: number;
        headers: Record<string, { value: string }>;
      };
    const handler = compile(feedUrls.Properties?.FunctionCode);
    const cases: Record<string, string>[] = [
      { 'sec-fetch-dest': 'document' },
      { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' },
      {},
      { accept: '*/*' },
      { accept: 'application/rss+xml, text/html' },
      { 'sec-fetch-dest': 'empty', accept: 'text/html' },
    ];
    for (const uri of ['/feeds/all/rss.xml', '/feeds/sources/the-gaze/feed.json'])
      for (const headers of cases) {
        const request = {
          method: 'GET',
          uri,
          headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, { value }])),
        };
        expect(handler({ request }).uri, `${uri} ${JSON.stringify(headers)}`).toBe(
          browserViewUri(uri, headers),
        );
      }
    expect(
      handler({
        request: { method: 'GET', uri: '/feeds/all/atom.xml', headers: {} },
        response: {
          statusCode: 200,
          headers: {
            vary: { value: 'Accept-Encoding' },
            'content-type': { value: 'application/xml; charset=utf-8' },
            'x-amz-meta-served-as': { value: 'application/atom+xml; charset=utf-8' },
            'x-amz-meta-sha256': { value: 'ab' },
          },
        },
      }).headers,
    ).toEqual({
      vary: { value: `Accept-Encoding, ${FEED_URL_VARY}` },
      'content-type': { value: 'application/atom+xml; charset=utf-8' },
    });
    // Everywhere else: no browser view, no Vary of its own, the same media types and preflights.
    const other = compile(elsewhere.Properties?.FunctionCode);
    expect(
      other({
        request: { method: 'GET', uri: '/feeds/opml.xml', headers: {} },
        response: {
          statusCode: 200,
          headers: {
            'content-type': { value: 'application/xml; charset=utf-8' },
            'x-amz-meta-served-as': { value: 'text/x-opml; charset=utf-8' },
          },
        },
      }).headers,
    ).toEqual({ 'content-type': { value: 'text/x-opml; charset=utf-8' } });
    for (const fn of [handler, other]) {
      const answer = fn({
        request: {
          method: 'OPTIONS',
          uri: '/feeds/opml.xml',
          headers: { 'access-control-request-method': { value: 'GET' } },
        },
      });
      expect(answer.statusCode).toBe(204);
      expect(answer.headers['access-control-allow-headers']).toEqual({
        value: FEED_CORS.allowHeaders.join(', '),
      });
    }
  });

  it('checks partner tokens at the edge: a JS 2.0 function with the shared code and the key value store, on feeds/partners/*', () => {
    const { edge } = dev();
    const [kvsId, kvs] = resourceOf(edge, 'AWS::CloudFront::KeyValueStore', 'EdgePartnerTokens');
    // No name of ours, so two stages fit in one account.
    expect(kvs.Properties?.Name).toBeDefined();
    const [functionId, fn] = resourceOf(edge, 'AWS::CloudFront::Function', 'EdgePartnerFeeds');
    expect(fn.Properties?.FunctionConfig).toMatchObject({
      Runtime: 'cloudfront-js-2.0',
      KeyValueStoreAssociations: [{ KeyValueStoreARN: { 'Fn::GetAtt': [kvsId, 'Arn'] } }],
    });
    expect(fn.Properties?.AutoPublish).toBe(true);
    // The code the local feed server runs in a vm, to the byte.
    expect(fn.Properties?.FunctionCode).toBe(PARTNER_FUNCTION_CODE);
    const [, distribution] = resourceOf(edge, 'AWS::CloudFront::Distribution', 'EdgeFeedsDistribution');
    const behaviours = distribution.Properties?.DistributionConfig.CacheBehaviors as Record<string, any>[];
    // First, ahead of `feeds/*/rss.xml`, which a partner's rss.xml would match too.
    expect(behaviours[0]).toMatchObject({
      PathPattern: 'feeds/partners/*',
      ViewerProtocolPolicy: 'redirect-to-https',
      FunctionAssociations: [
        { EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [functionId, 'FunctionARN'] } },
        { EventType: 'viewer-response', FunctionARN: { 'Fn::GetAtt': [functionId, 'FunctionARN'] } },
      ],
    });
    // The token is never part of the cache key, nor sent to the bucket: every request is checked before the cache.
    const [policyId, policy] = resourceOf(edge, 'AWS::CloudFront::CachePolicy', 'EdgeFeedsCachePolicy');
    expect(behaviours[0]?.CachePolicyId).toEqual({ Ref: policyId });
    expect(policy.Properties?.CachePolicyConfig.ParametersInCacheKeyAndForwardedToOrigin).toMatchObject({
      HeadersConfig: { HeaderBehavior: 'none' },
      QueryStringsConfig: { QueryStringBehavior: 'none' },
    });
    // Only the partner function reads the store.
    const readers = Object.values(edge.findResources('AWS::CloudFront::Function')).filter(
      (resource) => resource.Properties.FunctionConfig.KeyValueStoreAssociations,
    );
    expect(readers).toHaveLength(1);
    // The operator command is told where to write.
    edge.hasOutput('*', { Value: { 'Fn::GetAtt': [kvsId, 'Arn'] } });
  });

  it('gives the feeds bucket one policy: TLS only, readable by this distribution alone, nobody public', () => {
    const { edge } = dev();
    const [distributionId] = resourceOf(edge, 'AWS::CloudFront::Distribution', 'EdgeFeedsDistribution');
    const [bucketId] = resourceOf(edge, 'AWS::S3::Bucket', 'Feeds');
    const policies = Object.values(edge.findResources('AWS::S3::BucketPolicy')).filter(
      (policy) => policy.Properties.Bucket.Ref === bucketId,
    );
    expect(policies).toHaveLength(1);
    const statements = policies[0]?.Properties.PolicyDocument.Statement as Record<string, any>[];
    const arn = { 'Fn::GetAtt': [bucketId, 'Arn'] };
    const objects = { 'Fn::Join': ['', [arn, '/*']] };
    expect(statements).toContainEqual({
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 's3:*',
      Resource: [arn, objects],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Principal: { Service: 'cloudfront.amazonaws.com' },
      Action: ['s3:GetObject', 's3:ListBucket'],
      Resource: [arn, objects],
      Condition: {
        StringEquals: {
          'AWS:SourceArn': {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':cloudfront::',
                { Ref: 'AWS::AccountId' },
                ':distribution/',
                { Ref: distributionId },
              ],
            ],
          },
        },
      },
    });
    // Nobody else but the role that empties a development bucket on teardown (see the stateful stack's tests).
    const allowed = statements.filter((statement) => statement.Effect === 'Allow');
    expect(allowed.map((statement) => statement.Principal)).toEqual([
      { AWS: { 'Fn::GetAtt': [expect.stringMatching(/^CustomS3AutoDeleteObjects/), 'Arn'] } },
      { Service: 'cloudfront.amazonaws.com' },
    ]);
  });
});
