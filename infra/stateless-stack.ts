import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  type CfnAuthorizer,
  CorsHttpMethod,
  HttpApi,
  type HttpMethod,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  LogGroupLogDestination,
  PayloadFormatVersion,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
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
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { AnyPrincipal, Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Bucket, BucketPolicy, type IBucket } from 'aws-cdk-lib/aws-s3';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ARTICLE_ROUTES } from '../functions/articles/routes.ts';
import { ARTICLES_BUDGET, AUTHORIZER_BUDGET, REGENERATE_BUDGET } from '../functions/budgets.ts';
import { METRICS_NAMESPACE_ENV, metricsNamespace } from '../functions/metrics.ts';
import { HUB_QUEUE, HUB_QUEUE_URL_ENV } from '../functions/notify-hubs/queue.ts';
import { STREAM_BATCHING, STREAM_FILTER_PATTERNS } from '../functions/regenerate-feeds/filter.ts';
import { REGENERATE_TABLE_ACCESS } from '../shared/adapters/dynamodb/layout.ts';
import {
  CONTENT_SECURITY_POLICY,
  DEFAULT_BEHAVIOUR,
  EDGE_CACHE,
  EDGE_FUNCTIONS,
  FEED_CORS,
  SERVING_BEHAVIOURS,
} from '../shared/feeds/serving.ts';
import type { PipelineConfig } from './config.ts';
import { HouseFunction } from './house-function.ts';
import { Monitoring } from './monitoring.ts';
import type { FeedsBucketExports } from './stateful-stack.ts';

export interface StatelessStackProps extends StackProps {
  config: PipelineConfig;
  table: TableV2;
  bucket: FeedsBucketExports;
  logsBucket: IBucket;
}

/** Where every feed document lives in the bucket; the regenerate function may touch nothing else. */
const FEEDS_PREFIX = 'feeds/';

/**
 * Everything that can be replaced by deploying again: the three functions, the editor API, the stream
 * subscription, the CDN in front of the feeds bucket (with the bucket's policy, which names it), the alarms
 * and the dashboard. The table and the buckets come in as props from the stateful stack.
 */
export class StatelessStack extends Stack {
  readonly api: HttpApi;
  readonly apiStage: HttpStage;
  readonly distribution: Distribution;
  readonly deadLetterQueue: Queue;
  readonly monitoring: Monitoring;
  readonly functions: { articles: HouseFunction; authorizer: HouseFunction; regenerate: HouseFunction };

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config, table } = props;
    const logs = {
      logRetention: config.production ? RetentionDays.THREE_MONTHS : RetentionDays.TWO_WEEKS,
      logRemovalPolicy: config.production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    };

    // --- the feeds bucket, as this stack sees it, and its one policy ---------------------------------------
    const bucket = Bucket.fromBucketAttributes(this, 'FeedsBucket', {
      bucketArn: props.bucket.bucketArn,
      bucketName: props.bucket.bucketName,
      bucketRegionalDomainName: props.bucket.bucketRegionalDomainName,
    });
    const bucketPolicy = new BucketPolicy(this, 'FeedsBucketPolicy', { bucket });
    // The origin below adds its OAC statement through the bucket: point it at the policy declared here.
    bucket.policy = bucketPolicy;
    bucketPolicy.document.addStatements(
      new PolicyStatement({
        sid: 'DenyInsecureTransport',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['s3:*'],
        resources: [bucket.bucketArn, bucket.arnForObjects('*')],
        conditions: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );

    // --- functions ----------------------------------------------------------------------------------------
    const articles = new HouseFunction(this, 'Articles', {
      entry: 'functions/articles/handler.ts',
      description: `feed-pipeline ${config.stage}: the editor API`,
      environment: { TABLE_NAME: table.tableName, [METRICS_NAMESPACE_ENV]: metricsNamespace(config.stage) },
      memorySize: 512,
      timeout: Duration.seconds(ARTICLES_BUDGET.timeoutSeconds),
      ...logs,
    });
    // Reads: articles, sources, idempotency records, feed memberships (the list). Never keys.
    articles.grantTable(table, ['GetItem', 'Query'], leadingKeys(ARTICLES_READ_PARTITIONS));
    // TransactWriteItems is authorised per item action. It writes articles, memberships, tag counts and
    // idempotency records; it can neither mint nor revoke keys, nor edit sources or publish state.
    articles.grantTable(
      table,
      ['PutItem', 'UpdateItem', 'DeleteItem'],
      leadingKeys(ARTICLES_WRITE_PARTITIONS),
    );

    const authorizer = new HouseFunction(this, 'Authorizer', {
      entry: 'functions/authorizer/handler.ts',
      description: `feed-pipeline ${config.stage}: editor-key authorizer`,
      environment: {
        TABLE_NAME: table.tableName,
        AUTH_CACHE_TTL_SECONDS: String(config.authCacheTtlSeconds),
      },
      memorySize: 256,
      timeout: Duration.seconds(AUTHORIZER_BUDGET.timeoutSeconds),
      ...logs,
    });
    // It reads key items only (partition `key`).
    authorizer.grantTable(table, ['GetItem'], leadingKeys(['key']));

    // The public address of the feeds, which the regenerate function writes into every document.
    const distribution = this.feedsDistribution(bucket, props.logsBucket, config);
    const feedsBaseUrl = `https://${distribution.distributionDomainName}/`;

    const regenerate = new HouseFunction(this, 'RegenerateFeeds', {
      entry: 'functions/regenerate-feeds/handler.ts',
      description: `feed-pipeline ${config.stage}: regenerates feeds from the table stream`,
      environment: {
        [METRICS_NAMESPACE_ENV]: metricsNamespace(config.stage),
        TABLE_NAME: table.tableName,
        BUCKET_NAME: bucket.bucketName,
        FEEDS_BASE_URL: feedsBaseUrl,
        FEED_SIZE: String(config.feedSize),
        FEED_TTL_MINUTES: String(config.feedTtlMinutes),
        FEED_EDGE_TTL_SECONDS: String(config.edgeTtlSeconds),
        ...(config.publisherName ? { PUBLISHER_NAME: config.publisherName } : {}),
        ...(config.feedsLanguage ? { FEEDS_LANGUAGE: config.feedsLanguage } : {}),
        ...(config.websubHubs.length ? { WEBSUB_HUBS: config.websubHubs.join(',') } : {}),
      },
      // Rendering ~200 KB documents is CPU work; memory buys CPU. A batch of up to 500 records is bounded by the
      // feeds it touched, but a burst of articles with many new tags touches thousands (the bench's 400 articles
      // with 5 new tags each take about 30 s on one local core): room for that, not a timeout and a bisection.
      memorySize: 1024,
      timeout: Duration.seconds(REGENERATE_BUDGET.timeoutSeconds),
      ...logs,
    });
    // The table as REGENERATE_TABLE_ACCESS lists it: reads of sources, memberships, publish state, tag counts,
    // listings and archive pages; writes of publish state, listings and archive pages. Never keys or idempotency
    // records, never an article.
    for (const { actions, partitions } of Object.values(REGENERATE_TABLE_ACCESS))
      regenerate.grantTable(table, [...actions], leadingKeys([...partitions]));
    regenerate.role.addToPrincipalPolicy(
      new PolicyStatement({
        // HeadObject is authorised as GetObject.
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [bucket.arnForObjects(`${FEEDS_PREFIX}*`)],
      }),
    );
    Validations.of(regenerate).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${props.bucket.arnExportName}/${FEEDS_PREFIX}*]`,
      reason:
        'Feed documents have open-ended keys (feeds/sources/{source}/tags/{tag}/rss.xml, ...), so objects are ' +
        'granted by prefix: GetObject and PutObject under feeds/ of the one feeds bucket, nothing else.',
    });
    regenerate.role.addToPrincipalPolicy(
      new PolicyStatement({
        // Without ListBucket, S3 answers HEAD of a key that does not exist yet with 403 instead of 404, and the
        // publisher (which treats 404 as "never published") would fail the first publish of every document. A
        // prefix condition cannot narrow it: the 404-or-403 decision is made without a prefix in the context.
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
      }),
    );

    this.deadLetterQueue = new Queue(this, 'RegenerateFailures', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter destination: the on-failure destination of the stream event ' +
        'source mapping, where records land after every retry. Nothing consumes it but an operator.',
    });
    regenerate.function.addEventSource(
      new DynamoEventSource(table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: STREAM_BATCHING.batchSize,
        maxBatchingWindow: Duration.seconds(STREAM_BATCHING.maxBatchingWindowSeconds),
        reportBatchItemFailures: true,
        bisectBatchOnError: true,
        retryAttempts: 10,
        maxRecordAge: Duration.days(1),
        onFailure: new SqsDlq(this.deadLetterQueue),
        filters: STREAM_FILTER_PATTERNS.map((pattern) => FilterCriteria.filter({ ...pattern })),
      }),
    );

    // --- WebSub: the hubs are told off the publish path ---------------------------------------------------
    // The regenerate function queues one message per hub and batch; the notify-hubs function tells the hubs,
    // with its retries, and the queue retries a hub that stayed down. A slow hub never holds up a batch.
    if (config.websubHubs.length) {
      const hubFailures = new Queue(this, 'HubNotificationFailures', {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      Validations.of(hubFailures).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason:
          'This queue is itself the dead-letter queue of the hub notifications: a hub that stayed down through ' +
          'every receive. Nothing consumes it but an operator; the feeds were published regardless.',
      });
      const hubQueue = new Queue(this, 'HubNotifications', {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        visibilityTimeout: Duration.seconds(HUB_QUEUE.visibilityTimeoutSeconds),
        retentionPeriod: Duration.days(1),
        deadLetterQueue: { queue: hubFailures, maxReceiveCount: HUB_QUEUE.maxReceiveCount },
      });
      const notify = new HouseFunction(this, 'NotifyHubs', {
        entry: 'functions/notify-hubs/handler.ts',
        description: `feed-pipeline ${config.stage}: tells WebSub hubs which feeds changed`,
        timeout: Duration.seconds(HUB_QUEUE.functionTimeoutSeconds),
        ...logs,
      });
      notify.function.addEventSource(
        new SqsEventSource(hubQueue, { batchSize: HUB_QUEUE.batchSize, reportBatchItemFailures: true }),
      );
      hubQueue.grantSendMessages(regenerate.function);
      regenerate.function.addEnvironment(HUB_QUEUE_URL_ENV, hubQueue.queueUrl);
    }

    // --- the editor API -----------------------------------------------------------------------------------
    this.api = new HttpApi(this, 'EditorApi', {
      apiName: `${this.stackName}-editor-api`,
      description: `feed-pipeline ${config.stage}: the editor API`,
      createDefaultStage: false,
      ...(config.corsOrigins.length > 0
        ? {
            corsPreflight: {
              allowOrigins: config.corsOrigins,
              allowMethods: [
                CorsHttpMethod.GET,
                CorsHttpMethod.POST,
                CorsHttpMethod.PUT,
                CorsHttpMethod.DELETE,
              ],
              allowHeaders: ['authorization', 'content-type', 'idempotency-key', 'if-match'],
              exposeHeaders: [
                'etag',
                'location',
                'link',
                'idempotent-replayed',
                'retry-after',
                'www-authenticate',
              ],
              maxAge: Duration.hours(1),
            },
          }
        : {}),
    });
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', {
      retention: logs.logRetention,
      removalPolicy: logs.logRemovalPolicy,
    });
    this.apiStage = new HttpStage(this, 'ApiStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: config.apiRateLimit, burstLimit: config.apiBurstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            time: '$context.requestTime',
            ip: '$context.identity.sourceIp',
            method: '$context.httpMethod',
            path: '$context.path',
            routeKey: '$context.routeKey',
            status: '$context.status',
            bytes: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationLatencyMs: '$context.integrationLatency',
            authorizerError: '$context.authorizer.error',
            outcome: '$context.authorizer.outcome',
            keyId: '$context.authorizer.keyId',
          }),
        ),
      },
    });
    const integration = new HttpLambdaIntegration('ArticlesIntegration', articles.function, {
      payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
    });
    // The authorizer always answers (a verdict travels in its context) and caches verdicts itself, so API
    // Gateway must call it for every request, with or without an Authorization header: no identity source and
    // no result cache.
    const editorKeys = new HttpLambdaAuthorizer('EditorKeyAuthorizer', authorizer.function, {
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: [],
      resultsCacheTtl: Duration.seconds(0),
    });
    for (const route of ARTICLE_ROUTES) {
      const [method, path] = route.split(' ') as [HttpMethod, string];
      new HttpRoute(this, `Route${method}${path.replace(/[^A-Za-z]/g, '')}`, {
        httpApi: this.api,
        routeKey: HttpRouteKey.with(path, method),
        integration,
        authorizer: editorKeys,
      });
    }
    // CDK renders `identitySource: []` as an empty list; leave the property out, as the API's own docs do.
    const authorizerResource = this.api.node.findChild('EditorKeyAuthorizer').node
      .defaultChild as CfnAuthorizer;
    authorizerResource.addPropertyDeletionOverride('IdentitySource');
    const fallback = new HttpRoute(this, 'RouteDefault', {
      httpApi: this.api,
      routeKey: HttpRouteKey.DEFAULT,
      integration,
    });
    Validations.of(fallback).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'The $default route reaches no data: it only answers 404 or 405 problem documents for paths and ' +
        'methods that are not editor routes. Every editor route has the editor-key authorizer.',
    });

    this.distribution = distribution;
    this.functions = { articles, authorizer, regenerate };
    this.monitoring = new Monitoring(this, 'Monitoring', {
      stage: config.stage,
      alarmEmail: config.alarmEmail,
      api: this.api,
      articles,
      authorizer,
      regenerate,
      deadLetterQueue: this.deadLetterQueue,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.apiStage.url, description: 'Base URL of the editor API' });
    new CfnOutput(this, 'FeedsBaseUrl', {
      value: feedsBaseUrl,
      description: 'Public base of the feeds: <FeedsBaseUrl>feeds/all/rss.xml and so on',
    });
  }

  /** CloudFront in front of the feeds bucket, which only it can read (origin access control). */
  private feedsDistribution(bucket: IBucket, logsBucket: IBucket, config: PipelineConfig): Distribution {
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
    const edgeFunction = (id: string, comment: string, code: string) => {
      const fn = new EdgeFunction(this, id, {
        comment,
        runtime: FunctionRuntime.JS_2_0,
        code: FunctionCode.fromInline(code),
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
            functionAssociations: served.browserView ? onFeedUrls : elsewhere,
          },
        ]),
      ),
      // Without a root object, `/` would list the bucket (the origin may ListBucket); it serves the main feed.
      defaultRootObject: `${FEEDS_PREFIX}all/rss.xml`,
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: logsBucket,
      logFilePrefix: 'cloudfront/',
    });
    Validations.of(distribution).acknowledge({
      id: 'Annotation::@aws-cdk/aws-cloudfront-origins:listBucketSecurityRisk',
      reason: 'defaultRootObject is set, so `/` is never a ListBucket request (pinned by a test).',
    });
    Validations.of(distribution).acknowledge({
      id: 'AwsSolutions-CFR4',
      reason:
        'The distribution uses the default *.cloudfront.net certificate, whose security policy CloudFront ' +
        'fixes at TLSv1 whatever minimumProtocolVersion says. Serving the feeds under a custom domain with an ' +
        'ACM certificate and TLSv1.2_2021 is the fix, and needs a domain this project does not own.',
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

/** Partitions (see shared/adapters/dynamodb/layout.ts) the editor API reads and writes. */
const ARTICLES_READ_PARTITIONS = ['article#*', 'feed#*', 'source', 'idempotency#*'];
const ARTICLES_WRITE_PARTITIONS = ['article#*', 'feed#*', 'tagcount#*', 'idempotency#*'];

/** An IAM condition that limits item actions to partition keys matching the patterns. */
function leadingKeys(patterns: string[]): Record<string, Record<string, unknown>> {
  return {
    'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': patterns },
    Null: { 'dynamodb:LeadingKeys': 'false' },
  };
}
