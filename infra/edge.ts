import { CfnOutput, Duration, Validations } from 'aws-cdk-lib';
import { DomainName, type IDomainName } from 'aws-cdk-lib/aws-apigatewayv2';
import { Certificate, CertificateValidation, type ICertificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AccessLevel,
  AllowedMethods,
  CacheCookieBehavior,
  CachedMethods,
  CacheHeaderBehavior,
  CachePolicy,
  CacheQueryStringBehavior,
  Distribution,
  Function as EdgeFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  KeyValueStore,
  PriceClass,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { AaaaRecord, ARecord, HostedZone, type IHostedZone, RecordTarget } from 'aws-cdk-lib/aws-route53';
import { ApiGatewayv2DomainProperties, CloudFrontTarget } from 'aws-cdk-lib/aws-route53-targets';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  CONTENT_SECURITY_POLICY,
  DEFAULT_BEHAVIOUR,
  EDGE_CACHE,
  EDGE_FUNCTIONS,
  FEED_CORS,
  SERVING_BEHAVIOURS,
} from '../shared/feeds/serving.ts';
import { PARTNER_FUNCTION_CODE } from '../shared/partners/edge.ts';
import type { PipelineConfig } from './config.ts';

export interface EdgeProps {
  config: PipelineConfig;
  /** The feeds bucket, in the same stack: the origin's grant goes into its one policy. */
  bucket: IBucket;
  logsBucket: IBucket;
}

/** Where every feed document lives in the bucket. */
const FEEDS_PREFIX = 'feeds/';

/**
 * The public addresses: the CDN in front of the feeds bucket and, when domains are configured, their certificates'
 * bindings, the API's custom domain name and the DNS records.
 *
 * Part of the stateful stack, which a release of code never replaces: the addresses every subscriber holds (feed
 * URLs and WebSub topics, which the regenerate function writes from the configured base URL) never move with the
 * functions. Replacing the stateless stack leaves the distribution, the API domain and the records in place; the new
 * API is mapped onto the same domain. Beside the bucket, the distribution's read grant joins the bucket's one policy
 * (with the TLS-only rule and, outside production, the grant that empties the bucket on teardown).
 */
export class Edge extends Construct {
  readonly distribution: Distribution;
  /** The public base of the feeds, ending in `/`: `https://{feedsDomain}/`, else the distribution's domain. */
  readonly feedsBaseUrl: string;
  /** The editor API's custom domain, when one is configured: the stateless stack maps its API onto it. */
  readonly apiDomain: IDomainName | undefined;
  /** Partner token hash -> scope, read by the partner feeds' function; the operator command writes it. */
  readonly partnerTokens: KeyValueStore;

  constructor(scope: Construct, id: string, props: EdgeProps) {
    super(scope, id);
    const { config } = props;
    const { domains } = config;
    const zone: IHostedZone | undefined = domains.hostedZone
      ? HostedZone.fromHostedZoneAttributes(this, 'Zone', {
          hostedZoneId: domains.hostedZone.id,
          zoneName: domains.hostedZone.name,
        })
      : undefined;

    const { bucket } = props;

    // --- the feeds' address -------------------------------------------------------------------------------
    // CloudFront takes certificates from us-east-1 only, whatever region the stacks deploy to: the configuration
    // names one there (infra/config.ts checks the ARN's region), so this stack needs no cross-region reference.
    const feedsDomain = domains.feeds
      ? {
          domainNames: [domains.feeds.name],
          certificate: Certificate.fromCertificateArn(this, 'FeedsCertificate', domains.feeds.certificateArn),
        }
      : undefined;
    // The partner tokens' copy at the edge (shared/partners/edge.ts). The table is the source of truth; the
    // operator command writes both (cli/partners.ts). No name of ours: CloudFront derives a unique one per stage.
    this.partnerTokens = new KeyValueStore(this, 'PartnerTokens', {
      comment:
        'feed-pipeline: partner token SHA-256 -> sources|profiles, written by npm run admin -- partners',
    });
    this.distribution = this.feedsDistribution(bucket, props.logsBucket, config, feedsDomain);
    this.feedsBaseUrl = domains.feeds
      ? `https://${domains.feeds.name}/`
      : `https://${this.distribution.distributionDomainName}/`;
    if (zone && domains.feeds) {
      const target = RecordTarget.fromAlias(new CloudFrontTarget(this.distribution));
      new ARecord(this, 'FeedsAlias', { zone, recordName: domains.feeds.name, target });
      new AaaaRecord(this, 'FeedsAliasV6', { zone, recordName: domains.feeds.name, target });
    }

    // --- the editor API's address -------------------------------------------------------------------------
    if (domains.api) {
      // A regional endpoint: its certificate is in the stacks' own region, named, or issued here against the zone.
      const certificate = domains.api.certificateArn
        ? Certificate.fromCertificateArn(this, 'ApiCertificate', domains.api.certificateArn)
        : new Certificate(this, 'ApiCertificate', {
            domainName: domains.api.name,
            validation: CertificateValidation.fromDns(zone),
          });
      const apiDomain = new DomainName(this, 'ApiDomain', { domainName: domains.api.name, certificate });
      this.apiDomain = apiDomain;
      if (zone)
        new ARecord(this, 'ApiAlias', {
          zone,
          recordName: domains.api.name,
          target: RecordTarget.fromAlias(
            new ApiGatewayv2DomainProperties(apiDomain.regionalDomainName, apiDomain.regionalHostedZoneId),
          ),
        });
    }

    new CfnOutput(this, 'PartnerTokensKvsArn', {
      value: this.partnerTokens.keyValueStoreArn,
      description:
        'The partner tokens key value store: pass it to npm run admin -- partners ... --kvs-arn <arn>',
    });
    new CfnOutput(this, 'FeedsBaseUrl', {
      value: this.feedsBaseUrl,
      description: domains.feeds
        ? 'Public base of the feeds, on the configured domain'
        : 'Public base of the feeds: a *.cloudfront.net address, which changes if the distribution is replaced',
    });
  }

  /** CloudFront in front of the feeds bucket, which only it can read (origin access control). */
  private feedsDistribution(
    bucket: IBucket,
    logsBucket: IBucket,
    config: PipelineConfig,
    domain: { domainNames: string[]; certificate: ICertificate } | undefined,
  ): Distribution {
    const cachePolicy = new CachePolicy(this, 'FeedsCachePolicy', {
      comment: 'feed-pipeline: TTLs follow each object Cache-Control; gzip and brotli cached apart',
      // With minTtl 0 the objects' own `s-maxage` (else `max-age`) decides; defaultTtl covers an object without
      // Cache-Control. The local feed server keeps objects by the same rules (shared/feeds/serving.ts EDGE_CACHE).
      minTtl: Duration.seconds(EDGE_CACHE.minTtlSeconds),
      defaultTtl: Duration.minutes(config.feedTtlMinutes),
      maxTtl: Duration.seconds(EDGE_CACHE.maxTtlSeconds),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
      headerBehavior: CacheHeaderBehavior.none(),
      queryStringBehavior: CacheQueryStringBehavior.none(),
      cookieBehavior: CacheCookieBehavior.none(),
    });
    // One response headers policy per Content-Security-Policy, and a cache behaviour per row of the serving table
    // (shared/feeds/serving.ts), which the local feed server reads too.
    const policies = new Map<string, ResponseHeadersPolicy>();
    const headersFor = (contentSecurityPolicy: string) => {
      const known = policies.get(contentSecurityPolicy);
      if (known) return known;
      const page = contentSecurityPolicy === CONTENT_SECURITY_POLICY.page;
      const policy = new ResponseHeadersPolicy(this, page ? 'FeedsPageHeaders' : 'FeedsHeaders', {
        comment: page
          ? 'feed-pipeline: security headers, an inline-CSS-only CSP for pages and feed URLs, and CORS'
          : 'feed-pipeline: security headers, a CSP that loads and runs nothing, and CORS',
        securityHeadersBehavior: {
          strictTransportSecurity: {
            accessControlMaxAge: Duration.days(365),
            includeSubdomains: true,
            override: true,
          },
          contentTypeOptions: { override: true },
          frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
          referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
          contentSecurityPolicy: { contentSecurityPolicy, override: true },
        },
        // The same rule as the edge function's answer to a preflight, and the local feed server's.
        corsBehavior: {
          accessControlAllowOrigins: [FEED_CORS.allowOrigin],
          accessControlAllowMethods: [...FEED_CORS.allowMethods],
          accessControlAllowHeaders: [...FEED_CORS.allowHeaders],
          accessControlExposeHeaders: [...FEED_CORS.exposeHeaders],
          accessControlAllowCredentials: false,
          accessControlMaxAge: Duration.seconds(FEED_CORS.maxAgeSeconds),
          originOverride: true,
        },
      });
      policies.set(contentSecurityPolicy, policy);
      return policy;
    };
    // The edge function (shared/feeds/serving.ts), on every path: it answers preflights, gives a document stored
    // under a compressible stand-in type its own type back after compression, and on a feed's URLs sends a browser
    // to the feed's page before the cache (so the page and the feed have cache keys of their own) and adds the
    // headers it read to Vary on the way out.
    const edgeFunction = (id: string, comment: string, code: string, keyValueStore?: KeyValueStore) => {
      const fn = new EdgeFunction(this, id, {
        comment,
        runtime: FunctionRuntime.JS_2_0,
        code: FunctionCode.fromInline(code),
        ...(keyValueStore ? { keyValueStore } : {}),
      });
      return [
        { function: fn, eventType: FunctionEventType.VIEWER_REQUEST },
        { function: fn, eventType: FunctionEventType.VIEWER_RESPONSE },
      ];
    };
    const onFeedUrls = edgeFunction(
      'FeedsBrowserView',
      'feed-pipeline: preflights, media types, and a browser opening a feed URL gets the feed page',
      EDGE_FUNCTIONS.feedUrls,
    );
    const elsewhere = edgeFunction(
      'FeedsEdge',
      'feed-pipeline: preflights and media types on every path but the feed URLs',
      EDGE_FUNCTIONS.other,
    );
    // The private partner feeds: the token check, on viewer request before the cache, so every request is checked
    // while CloudFront still caches the feed; on viewer response `Cache-Control: private` and the media types. A
    // CloudFront Function with a KeyValueStore rather than Lambda@Edge: sub-millisecond at every edge location,
    // $0.10 per million invocations and $0.03 per million reads, against $0.60 per million plus duration, tens of
    // milliseconds and regional replication for Lambda@Edge (shared/partners/edge.ts says more).
    const onPartnerFeeds = edgeFunction(
      'PartnerFeeds',
      'feed-pipeline: partner feeds need a partner token covering the path (401/403), and stay private downstream',
      PARTNER_FUNCTION_CODE,
      this.partnerTokens,
    );
    // READ and LIST: with ListBucket a feed that does not exist is 404, not 403.
    const origin = S3BucketOrigin.withOriginAccessControl(bucket, {
      originAccessLevels: [AccessLevel.READ, AccessLevel.LIST],
    });
    const behaviour = {
      origin,
      viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
      cachedMethods: CachedMethods.CACHE_GET_HEAD_OPTIONS,
      compress: true,
      cachePolicy,
    };
    const distribution = new Distribution(this, 'FeedsDistribution', {
      comment: `feed-pipeline ${config.stage} feeds`,
      defaultBehavior: {
        ...behaviour,
        responseHeadersPolicy: headersFor(DEFAULT_BEHAVIOUR.contentSecurityPolicy),
        functionAssociations: elsewhere,
      },
      additionalBehaviors: Object.fromEntries(
        SERVING_BEHAVIOURS.map((served) => [
          served.pathPattern,
          {
            ...behaviour,
            responseHeadersPolicy: headersFor(served.contentSecurityPolicy),
            functionAssociations: served.partnerFeeds
              ? onPartnerFeeds
              : served.browserView
                ? onFeedUrls
                : elsewhere,
          },
        ]),
      ),
      // Without a root object, `/` would list the bucket (the origin may ListBucket); it serves the main feed.
      defaultRootObject: `${FEEDS_PREFIX}all/rss.xml`,
      // A 404 is kept for the edge TTL, not CloudFront's default 10 s (the local feed server does the same).
      errorResponses: [{ httpStatus: 404, ttl: Duration.seconds(config.edgeTtlSeconds) }],
      httpVersion: HttpVersion.HTTP2_AND_3,
      ...(domain
        ? {
            domainNames: domain.domainNames,
            certificate: domain.certificate,
            minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: logsBucket,
      logFilePrefix: 'cloudfront/',
    });
    Validations.of(distribution).acknowledge({
      id: 'Annotation::@aws-cdk/aws-cloudfront-origins:listBucketSecurityRisk',
      reason: 'defaultRootObject is set, so `/` is never a ListBucket request (pinned by a test).',
    });
    if (!domain)
      Validations.of(distribution).acknowledge({
        id: 'AwsSolutions-CFR4',
        reason:
          'With no feedsDomain configured the distribution uses the default *.cloudfront.net certificate, whose ' +
          'security policy CloudFront fixes at TLSv1 whatever minimumProtocolVersion says. Configuring ' +
          'feedsDomain and feedsCertificateArn serves the feeds under an ACM certificate with TLSv1.2_2021.',
      });
    Validations.of(distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason: 'Public news feeds for readers anywhere: a geographic restriction would defeat their purpose.',
    });
    Validations.of(distribution).acknowledge({
      id: 'AwsSolutions-CFR2',
      reason:
        'The distribution serves public, cacheable GETs of static objects; it forwards no query string, ' +
        'header or cookie to the origin, so there is no application input for a WAF to inspect. Shield ' +
        'Standard covers network floods; a web ACL with a rate rule is the next step if scraping shows up.',
    });
    return distribution;
  }
}
