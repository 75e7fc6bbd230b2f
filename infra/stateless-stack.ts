import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  ApiMapping,
  type CfnAuthorizer,
  CorsHttpMethod,
  HttpApi,
  type HttpMethod,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  type IDomainName,
  LogGroupLogDestination,
  PayloadFormatVersion,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ARTICLE_ROUTES } from '../functions/articles/routes.ts';
import {
  ARTICLES_BUDGET,
  AUTHORIZER_BUDGET,
  PREVIEW_BUDGET,
  REGENERATE_BUDGET,
} from '../functions/budgets.ts';
import { METRICS_NAMESPACE_ENV, metricsNamespace } from '../functions/metrics.ts';
import { HUB_QUEUE, HUB_QUEUE_URL_ENV } from '../functions/notify-hubs/queue.ts';
import { PREVIEW_ROUTES } from '../functions/preview/routes.ts';
import { STREAM_BATCHING, STREAM_FILTER_PATTERNS } from '../functions/regenerate-feeds/filter.ts';
import { REGENERATE_TABLE_ACCESS } from '../shared/adapters/dynamodb/layout.ts';
import { feedEnvOf, type PipelineConfig } from './config.ts';
import { HouseFunction } from './house-function.ts';
import { Monitoring } from './monitoring.ts';
import { ReleaseSchedule } from './release-schedule.ts';
import type { FeedsBucketExports } from './stateful-stack.ts';

export interface StatelessStackProps extends StackProps {
  config: PipelineConfig;
  table: TableV2;
  bucket: FeedsBucketExports;
  /** The public addresses (infra/edge-stack.ts): the feeds' base URL, and the API's domain if it has one. */
  edge: { feedsBaseUrl: string; apiDomain?: IDomainName | undefined };
}

/** Where every feed document lives in the bucket; the regenerate function may touch nothing else. */
const FEEDS_PREFIX = 'feeds/';

/**
 * Everything that can be replaced by deploying again: the functions, the editor API, the stream subscription, the
 * hub queue, the alarms and the dashboard. The table and the buckets come in as props from the stateful stack, the
 * public addresses (the CDN, the domains) from the stateful stack's edge (infra/edge.ts).
 */
export class StatelessStack extends Stack {
  readonly api: HttpApi;
  readonly apiStage: HttpStage;
  readonly deadLetterQueue: Queue;
  readonly monitoring: Monitoring;
  /** The lifecycle's sweep: scheduled articles published, expiring ones expired, at their time. */
  readonly release: ReleaseSchedule;
  readonly functions: {
    articles: HouseFunction;
    authorizer: HouseFunction;
    regenerate: HouseFunction;
    preview: HouseFunction;
  };

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config, table } = props;
    const logs = {
      logRetention: config.production ? RetentionDays.THREE_MONTHS : RetentionDays.TWO_WEEKS,
      logRemovalPolicy: config.production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    };

    // --- the feeds bucket, as this stack sees it (its policy is the edge stack's) ----------------------------
    const bucket = Bucket.fromBucketAttributes(this, 'FeedsBucket', {
      bucketArn: props.bucket.bucketArn,
      bucketName: props.bucket.bucketName,
      bucketRegionalDomainName: props.bucket.bucketRegionalDomainName,
    });

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

    // The public address of the feeds, which the regenerate function writes into every document: the configured
    // domain's, or the distribution's own while there is none (infra/edge-stack.ts).
    const { feedsBaseUrl } = props.edge;

    const regenerate = new HouseFunction(this, 'RegenerateFeeds', {
      entry: 'functions/regenerate-feeds/handler.ts',
      description: `feed-pipeline ${config.stage}: regenerates feeds from the table stream`,
      environment: {
        [METRICS_NAMESPACE_ENV]: metricsNamespace(config.stage),
        TABLE_NAME: table.tableName,
        BUCKET_NAME: bucket.bucketName,
        ...feedEnvOf(config, feedsBaseUrl),
      },
      // Rendering ~200 KB documents is CPU work; memory buys CPU. A batch of up to 500 records is bounded by the
      // feeds it touched, but a burst of articles with many new tags touches thousands (the bench's 400 articles
      // with 5 new tags each take about 30 s on one local core): room for that, not a timeout and a bisection.
      memorySize: 1024,
      timeout: Duration.seconds(REGENERATE_BUDGET.timeoutSeconds),
      ...logs,
    });
    // The table as REGENERATE_TABLE_ACCESS lists it: reads of sources, memberships, publish state, tag counts,
    // listings, archive pages and news sitemap entries, and the version items big articles' thin memberships point
    // to (BatchGetItem only); writes of publish state, listings, archive pages and news sitemap entries, the only
    // items it may delete. Never keys or idempotency records, and no article is ever written.
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
    let hubFailures: Queue | undefined;
    if (config.websubHubs.length) {
      hubFailures = new Queue(this, 'HubNotificationFailures', {
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

    // An article as its feeds render it, for its editors: its own function, so that the editor API's bundle
    // carries no renderer. It reads an article and its source, nothing else.
    const preview = new HouseFunction(this, 'Preview', {
      entry: 'functions/preview/handler.ts',
      description: `feed-pipeline ${config.stage}: an article as its feeds render it`,
      environment: { TABLE_NAME: table.tableName, ...feedEnvOf(config, feedsBaseUrl) },
      memorySize: 512,
      timeout: Duration.seconds(PREVIEW_BUDGET.timeoutSeconds),
      ...logs,
    });
    preview.grantTable(table, ['GetItem'], leadingKeys(PREVIEW_READ_PARTITIONS));

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
    const previewIntegration = new HttpLambdaIntegration('PreviewIntegration', preview.function, {
      payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
    });
    for (const route of PREVIEW_ROUTES) {
      const [method, path] = route.split(' ') as [HttpMethod, string];
      new HttpRoute(this, `Route${method}${path.replace(/[^A-Za-z]/g, '')}`, {
        httpApi: this.api,
        routeKey: HttpRouteKey.with(path, method),
        integration: previewIntegration,
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

    this.functions = { articles, authorizer, regenerate, preview };
    this.monitoring = new Monitoring(this, 'Monitoring', {
      stage: config.stage,
      alarmEmail: config.alarmEmail,
      api: this.api,
      articles,
      authorizer,
      regenerate,
      deadLetterQueue: this.deadLetterQueue,
      hubDeadLetterQueue: hubFailures,
      table,
    });

    // The article lifecycle's clock: a sweep a minute (infra/release-schedule.ts says why not one schedule per
    // article), watched for a schedule that failed to fire.
    this.release = new ReleaseSchedule(this, 'Release', { stage: config.stage, table, ...logs, leadingKeys });
    this.monitoring.watchRelease(this.release);
    this.monitoring.watchPreview(preview);

    // On the API's own domain, when it has one: the stateful stack keeps the domain, this stack maps whichever API it
    // holds onto it, so replacing this stack moves no address.
    const { apiDomain } = props.edge;
    if (apiDomain)
      new ApiMapping(this, 'ApiMapping', { api: this.api, domainName: apiDomain, stage: this.apiStage });
    new CfnOutput(this, 'ApiUrl', {
      value: config.domains.api ? `https://${config.domains.api.name}/` : this.apiStage.url,
      description: 'Base URL of the editor API',
    });
    new CfnOutput(this, 'FeedsBaseUrl', {
      value: feedsBaseUrl,
      description: 'Public base of the feeds: <FeedsBaseUrl>feeds/all/rss.xml and so on',
    });
  }
}

/** Partitions (see shared/adapters/dynamodb/layout.ts) the editor API reads and writes. */
// `schedule`: the scheduled list reads it, and posts, moves and cancellations write it; `expiry`: posts and
// corrections of an article with an expiry write it; `import#*`: external ids, claimed by posts and corrections,
// moved by a change of source, read by the lookup and when a claim is refused.
const ARTICLES_READ_PARTITIONS = ['article#*', 'feed#*', 'source', 'idempotency#*', 'schedule', 'import#*'];
const ARTICLES_WRITE_PARTITIONS = [
  'article#*',
  'feed#*',
  'tagcount#*',
  'idempotency#*',
  'schedule',
  'expiry',
  'import#*',
];
/** The preview function reads an article item and its source item: GetItem only, on these partitions. */
const PREVIEW_READ_PARTITIONS = ['article#*', 'source'];

/** An IAM condition that limits item actions to partition keys matching the patterns. */
function leadingKeys(patterns: string[]): Record<string, Record<string, unknown>> {
  return {
    'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': patterns },
    Null: { 'dynamodb:LeadingKeys': 'false' },
  };
}
