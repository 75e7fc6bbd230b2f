import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ARTICLE_ROUTES } from '../../functions/articles/routes.ts';
import { METRICS_NAMESPACE_ENV, PIPELINE_METRICS } from '../../functions/metrics.ts';
import { HUB_QUEUE, HUB_QUEUE_URL_ENV } from '../../functions/notify-hubs/queue.ts';
import { PREVIEW_ROUTES } from '../../functions/preview/routes.ts';
import { matchesPattern, STREAM_FILTER_PATTERNS } from '../../functions/regenerate-feeds/filter.ts';
import { REGENERATE_TABLE_ACCESS } from '../../shared/adapters/dynamodb/layout.ts';
import { allowedActions, resourceOf, statementsOf, templates } from './synth.ts';

const FUNCTIONS = ['Articles', 'Authorizer', 'RegenerateFeeds'] as const;

const dev = () => templates({ stage: 'dev' });

/** The logical id of the table and the export the stateless stack imports it by. */
function tableImport(): { 'Fn::ImportValue': string } {
  const { state } = dev();
  const [tableId] = resourceOf(state, 'AWS::DynamoDB::GlobalTable', 'Articles');
  const [exportName] = Object.values(state.toJSON().Outputs as Record<string, any>)
    .filter(
      (output) => output.Value['Fn::GetAtt']?.[0] === tableId && output.Value['Fn::GetAtt'][1] === 'Arn',
    )
    .map((output) => output.Export.Name);
  return { 'Fn::ImportValue': exportName };
}

const FEEDS_BUCKET_ARN = { 'Fn::ImportValue': 'FeedPipeline-dev-State-FeedsBucketArn' };

describe('the functions', () => {
  it('run Node.js 22 on ARM64 without tracing, a log group with retention, and set memory and timeout', () => {
    const { pipeline } = dev();
    for (const name of FUNCTIONS) {
      const [, fn] = resourceOf(pipeline, 'AWS::Lambda::Function', `${name}Function`);
      const [logGroupId, logGroup] = resourceOf(pipeline, 'AWS::Logs::LogGroup', `${name}Logs`);
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        LoggingConfig: { LogGroup: { Ref: logGroupId } },
        MemorySize: expect.any(Number),
        Timeout: expect.any(Number),
      });
      expect(fn.Properties?.FunctionName).toBeUndefined();
      // No active tracing (infra/house-function.ts says why).
      expect(fn.Properties?.TracingConfig).toBeUndefined();
      expect(logGroup.Properties?.RetentionInDays).toBe(14);
    }
  });

  it('keep production logs for three months', () => {
    const [, logGroup] = resourceOf(
      templates({ stage: 'prod', production: 'true' }).pipeline,
      'AWS::Logs::LogGroup',
      'ArticlesLogs',
    );
    expect(logGroup.Properties?.RetentionInDays).toBe(90);
    expect(logGroup.DeletionPolicy).toBe('Retain');
  });

  it('get the environment their handlers read', () => {
    const { pipeline } = dev();
    const env = (name: string) =>
      resourceOf(pipeline, 'AWS::Lambda::Function', `${name}Function`)[1].Properties?.Environment.Variables;
    const tableName = env('Articles').TABLE_NAME;
    expect(tableName).toEqual({ 'Fn::ImportValue': expect.stringContaining('FeedPipeline-dev-State:') });
    expect(env('Authorizer')).toMatchObject({ TABLE_NAME: tableName, AUTH_CACHE_TTL_SECONDS: '60' });
    expect(env('RegenerateFeeds')).toMatchObject({
      TABLE_NAME: tableName,
      BUCKET_NAME: { 'Fn::ImportValue': 'FeedPipeline-dev-State-FeedsBucketName' },
      // With no domain configured, the distribution's own (the stateful stack's export).
      FEEDS_BASE_URL: {
        'Fn::Join': [
          '',
          [
            'https://',
            { 'Fn::ImportValue': expect.stringMatching(/^FeedPipeline-dev-State:.*FeedsDistribution/) },
            '/',
          ],
        ],
      },
      FEED_SIZE: '50',
      FEED_TTL_MINUTES: '5',
      FEED_EDGE_TTL_SECONDS: '30',
    });
  });

  it('pass feed settings from context to the regenerate function', () => {
    const { pipeline } = templates({
      stage: 'dev',
      feedSize: '20',
      publisherName: 'Daily Planet',
      feedsLanguage: 'en-GB',
      websubHubs: 'https://hub.example/,https://pubsub.example/hub',
    });
    const [, fn] = resourceOf(pipeline, 'AWS::Lambda::Function', 'RegenerateFeedsFunction');
    expect(fn.Properties?.Environment.Variables).toMatchObject({
      FEED_SIZE: '20',
      PUBLISHER_NAME: 'Daily Planet',
      FEEDS_LANGUAGE: 'en-GB',
      WEBSUB_HUBS: 'https://hub.example/,https://pubsub.example/hub',
    });
  });

  it('tell WebSub hubs through a queue and a function of their own, never from the regenerate function', () => {
    dev().pipeline.resourceCountIs('AWS::SQS::Queue', 1);
    const { pipeline } = templates({ stage: 'dev', websubHubs: 'https://hub.example/' });
    const [queueId, queue] = resourceOf(pipeline, 'AWS::SQS::Queue', 'HubNotifications');
    const [failuresId] = resourceOf(pipeline, 'AWS::SQS::Queue', 'HubNotificationFailures');
    expect(queue.Properties).toMatchObject({
      VisibilityTimeout: HUB_QUEUE.visibilityTimeoutSeconds,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [failuresId, 'Arn'] },
        maxReceiveCount: HUB_QUEUE.maxReceiveCount,
      },
      SqsManagedSseEnabled: true,
    });
    // A message is hidden for at least six times the function's timeout, as Lambda advises for SQS sources.
    expect(HUB_QUEUE.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(6 * HUB_QUEUE.functionTimeoutSeconds);
    const [notifyId, notify] = resourceOf(pipeline, 'AWS::Lambda::Function', 'NotifyHubsFunction');
    expect(notify.Properties?.Timeout).toBe(HUB_QUEUE.functionTimeoutSeconds);
    pipeline.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      FunctionName: { Ref: notifyId },
      BatchSize: HUB_QUEUE.batchSize,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const [, regenerate] = resourceOf(pipeline, 'AWS::Lambda::Function', 'RegenerateFeedsFunction');
    expect(regenerate.Properties?.Environment.Variables[HUB_QUEUE_URL_ENV]).toEqual({ Ref: queueId });
    const sends = statementsOf(pipeline, 'RegenerateFeedsRole').filter((st) =>
      [st.Action].flat().some((action: string) => action.startsWith('sqs:')),
    );
    expect(sends).toEqual([
      expect.objectContaining({
        Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
        // (merged with the stream mapping's own dead-letter queue, which the CDK grants the same way)
        Resource: expect.arrayContaining([{ 'Fn::GetAtt': [queueId, 'Arn'] }]),
      }),
    ]);
  });

  it('have roles of their own with no managed policy (no AWSLambdaBasicExecutionRole)', () => {
    const { pipeline } = dev();
    // Every role but the one EventBridge Scheduler invokes the release sweep with (tests/infra/release-schedule.test.ts).
    const roles = Object.entries(pipeline.findResources('AWS::IAM::Role'));
    for (const [, role] of roles) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    for (const [, role] of roles.filter(([id]) => !id.startsWith('ReleaseInvoker'))) {
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        expect.objectContaining({ Principal: { Service: 'lambda.amazonaws.com' } }),
      ]);
    }
    for (const name of FUNCTIONS) {
      const [logGroupId] = resourceOf(pipeline, 'AWS::Logs::LogGroup', `${name}Logs`);
      expect(statementsOf(pipeline, `${name}Role`)).toContainEqual({
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] },
      });
    }
  });

  it('use no * resource and no X-Ray permission', () => {
    const { pipeline } = dev();
    for (const name of FUNCTIONS) {
      const statements = statementsOf(pipeline, `${name}Role`);
      expect(statements.filter((statement) => [statement.Resource].flat().includes('*'))).toEqual([]);
      expect(allowedActions(statements).filter((action) => action.startsWith('xray:'))).toEqual([]);
    }
  });
});

describe('the grants', () => {
  const leading = (patterns: string[]) => ({
    'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': patterns },
    Null: { 'dynamodb:LeadingKeys': 'false' },
  });

  it('let the editor API read and write its own partitions of the table only, and touch no bucket', () => {
    const statements = statementsOf(dev().pipeline, 'ArticlesRole');
    const dynamo = statements.filter((statement) => [statement.Action].flat()[0].startsWith('dynamodb:'));
    expect(dynamo).toEqual([
      {
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:Query'],
        Resource: tableImport(),
        Condition: leading(['article#*', 'feed#*', 'source', 'idempotency#*', 'schedule', 'import#*']),
      },
      {
        Effect: 'Allow',
        Action: ['dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        Resource: tableImport(),
        Condition: leading([
          'article#*',
          'feed#*',
          'tagcount#*',
          'idempotency#*',
          'schedule',
          'expiry',
          'import#*',
        ]),
      },
    ]);
    expect(allowedActions(statements).filter((action) => action.startsWith('s3:'))).toEqual([]);
    expect(allowedActions(statements)).not.toContain('dynamodb:Scan');
  });

  it('let the authorizer read key items, nothing else', () => {
    const statements = statementsOf(dev().pipeline, 'AuthorizerRole');
    expect(allowedActions(statements).filter((action) => !/^(logs|xray):/.test(action))).toEqual([
      'dynamodb:GetItem',
    ]);
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: 'dynamodb:GetItem',
      Resource: tableImport(),
      Condition: leading(['key']),
    });
  });

  it('let the preview function read article and source items with GetItem, nothing else, and log to its own group', () => {
    const { pipeline } = dev();
    const statements = statementsOf(pipeline, 'PreviewRole');
    expect(allowedActions(statements).filter((action) => !action.startsWith('logs:'))).toEqual([
      'dynamodb:GetItem',
    ]);
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: 'dynamodb:GetItem',
      Resource: tableImport(),
      Condition: leading(['article#*', 'source']),
    });
    expect(statements.filter((statement) => [statement.Resource].flat().includes('*'))).toEqual([]);
    const [logGroupId] = resourceOf(pipeline, 'AWS::Logs::LogGroup', 'PreviewLogs');
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] },
    });
    const [, fn] = resourceOf(pipeline, 'AWS::Lambda::Function', 'PreviewFunction');
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      LoggingConfig: { LogGroup: { Ref: logGroupId } },
    });
    expect(fn.Properties?.TracingConfig).toBeUndefined();
  });

  it('let the regenerate function read and write only what REGENERATE_TABLE_ACCESS lists, read the stream, and write feeds/ only', () => {
    const statements = statementsOf(dev().pipeline, 'RegenerateFeedsRole');
    // Exactly the shared table of access: a test of the regenerator holds its requests to the same table.
    for (const { actions, partitions } of Object.values(REGENERATE_TABLE_ACCESS)) {
      expect(statements).toContainEqual({
        Effect: 'Allow',
        Action:
          actions.length === 1 ? `dynamodb:${actions[0]}` : actions.map((action) => `dynamodb:${action}`),
        Resource: tableImport(),
        Condition: leading([...partitions]),
      });
    }
    const granted = statements.filter((statement) => [statement.Action].flat()[0].startsWith('dynamodb:'));
    const streamReads = granted.filter((statement) =>
      [statement.Action].flat().includes('dynamodb:GetRecords'),
    );
    expect(granted.length - streamReads.length).toBe(Object.keys(REGENERATE_TABLE_ACCESS).length);
    // Never a key or an idempotency record; of the articles, only BatchGetItem of thin memberships' version items.
    for (const [name, { actions, partitions }] of Object.entries(REGENERATE_TABLE_ACCESS))
      for (const pattern of partitions) {
        expect(pattern).not.toMatch(/^(key|idempotency)/);
        if (pattern.startsWith('article'))
          expect([name, actions]).toEqual(['entryContents', ['BatchGetItem']]);
      }
    const actions = allowedActions(statements);
    for (const write of ['dynamodb:BatchWriteItem', 's3:DeleteObject']) expect(actions).not.toContain(write);
    // It deletes nothing but news sitemap entries (of articles withdrawn, moved or re-dated).
    const deletes = granted.filter((statement) => [statement.Action].flat().includes('dynamodb:DeleteItem'));
    expect(deletes).toEqual([
      {
        Effect: 'Allow',
        Action: 'dynamodb:DeleteItem',
        Resource: tableImport(),
        Condition: leading(['sitemap#*']),
      },
    ]);
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject'],
      Resource: { 'Fn::Join': ['', [FEEDS_BUCKET_ARN, '/feeds/*']] },
    });
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: FEEDS_BUCKET_ARN,
    });
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: [
        'dynamodb:DescribeStream',
        'dynamodb:GetRecords',
        'dynamodb:GetShardIterator',
        'dynamodb:ListStreams',
      ],
      Resource: { 'Fn::ImportValue': expect.stringMatching(/StreamArn/) },
    });
  });
});

describe('the stream subscription', () => {
  it('reports partial failures, bisects, retries a bounded number of times and sends the rest to a queue', () => {
    const { pipeline } = dev();
    const [queueId] = resourceOf(pipeline, 'AWS::SQS::Queue', 'RegenerateFailures');
    const [functionId] = resourceOf(pipeline, 'AWS::Lambda::Function', 'RegenerateFeedsFunction');
    pipeline.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    pipeline.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: functionId },
      EventSourceArn: { 'Fn::ImportValue': Match.stringLikeRegexp('StreamArn') },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 500,
      MaximumBatchingWindowInSeconds: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 86400,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
    });
  });

  it('installs the filter patterns the local poller applies: article and source records in, every other item out', () => {
    const [, mapping] = resourceOf(dev().pipeline, 'AWS::Lambda::EventSourceMapping', 'RegenerateFeeds');
    const patterns = mapping.Properties?.FilterCriteria.Filters.map((filter: { Pattern: string }) =>
      JSON.parse(filter.Pattern),
    );
    expect(patterns).toEqual(STREAM_FILTER_PATTERNS);
    const record = (images: Record<string, unknown>) => ({ eventName: 'MODIFY', dynamodb: images });
    const passes = (value: unknown) => patterns.some((pattern: unknown) => matchesPattern(value, pattern));
    expect(passes(record({ NewImage: { type: { S: 'article' } } }))).toBe(true);
    // A retraction removes memberships but rewrites the article; a deleted article has only an old image.
    expect(passes(record({ OldImage: { type: { S: 'article' } } }))).toBe(true);
    // A source registered or edited: the catalogue and its tag directory name it.
    expect(passes(record({ NewImage: { type: { S: 'source' } } }))).toBe(true);
    for (const type of ['entry', 'tagcount', 'feedstate', 'idempotency', 'key', 'directory', 'listing'])
      expect(passes(record({ NewImage: { type: { S: type } }, OldImage: { type: { S: type } } }))).toBe(
        false,
      );
  });

  it('keeps failed records in an encrypted queue that refuses plain HTTP', () => {
    const { pipeline } = dev();
    const [queueId, queue] = resourceOf(pipeline, 'AWS::SQS::Queue', 'RegenerateFailures');
    expect(queue.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    pipeline.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});

describe('the editor API', () => {
  it('declares exactly the route table of the handler, each behind the editor-key authorizer', () => {
    const { pipeline } = dev();
    const [authorizerId] = resourceOf(pipeline, 'AWS::ApiGatewayV2::Authorizer', 'EditorApi');
    const routes = Object.values(pipeline.findResources('AWS::ApiGatewayV2::Route')).map((r) => r.Properties);
    const guarded = routes.filter((route) => route.RouteKey !== '$default');
    expect(guarded.map((route) => route.RouteKey).sort()).toEqual(
      [...ARTICLE_ROUTES, ...PREVIEW_ROUTES].sort(),
    );
    for (const route of guarded) {
      expect(route).toMatchObject({ AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: authorizerId } });
    }
  });

  it('sends every other path to the same function without the authorizer, for its 404 and 405 answers', () => {
    const { pipeline } = dev();
    const routes = Object.values(pipeline.findResources('AWS::ApiGatewayV2::Route')).map((r) => r.Properties);
    const fallback = routes.find((route) => route.RouteKey === '$default');
    expect(fallback).toMatchObject({ AuthorizationType: 'NONE' });
    // The preview route alone goes to the preview function (its own integration), behind the same authorizer.
    const articles = routes.filter(
      (route) => !(PREVIEW_ROUTES as readonly string[]).includes(route.RouteKey),
    );
    expect(new Set(articles.map((route) => JSON.stringify(route.Target))).size).toBe(1);
    const previews = routes.filter((route) => (PREVIEW_ROUTES as readonly string[]).includes(route.RouteKey));
    expect(previews.map((route) => JSON.stringify(route.Target))).not.toContain(
      JSON.stringify(fallback?.Target),
    );
    const [previewId] = resourceOf(pipeline, 'AWS::Lambda::Function', 'PreviewFunction');
    pipeline.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [previewId, 'Arn'] },
    });
    const [functionId] = resourceOf(pipeline, 'AWS::Lambda::Function', 'ArticlesFunction');
    pipeline.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [functionId, 'Arn'] },
    });
  });

  it('calls the authorizer on every request, header or not: no identity source, no result cache', () => {
    const { pipeline } = dev();
    const [functionId] = resourceOf(pipeline, 'AWS::Lambda::Function', 'AuthorizerFunction');
    const [, authorizer] = resourceOf(pipeline, 'AWS::ApiGatewayV2::Authorizer', 'EditorApi');
    expect(authorizer.Properties).toMatchObject({
      AuthorizerType: 'REQUEST',
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: true,
      AuthorizerResultTtlInSeconds: 0,
    });
    expect(authorizer.Properties?.AuthorizerUri['Fn::Join'][1]).toContainEqual({
      'Fn::GetAtt': [functionId, 'Arn'],
    });
    expect(authorizer.Properties?.IdentitySource).toBeUndefined();
  });

  it('throttles the default route and writes JSON access logs with the caller key id', () => {
    const { pipeline } = dev();
    const [logGroupId] = resourceOf(pipeline, 'AWS::Logs::LogGroup', 'ApiAccessLogs');
    const [, stage] = resourceOf(pipeline, 'AWS::ApiGatewayV2::Stage', 'ApiStage');
    expect(stage.Properties).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [logGroupId, 'Arn'] } },
    });
    const format = JSON.parse(stage.Properties?.AccessLogSettings.Format);
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      status: '$context.status',
      keyId: '$context.authorizer.keyId',
    });
  });

  it('answers no CORS at all unless origins are configured, and never allows every origin', () => {
    const [, api] = resourceOf(dev().pipeline, 'AWS::ApiGatewayV2::Api', 'EditorApi');
    expect(api.Properties?.CorsConfiguration).toBeUndefined();
    const origins = ['https://editor.example', 'https://desk.example'];
    const configured = templates({ stage: 'dev', corsOrigins: origins.join(',') }).pipeline;
    const [, withCors] = resourceOf(configured, 'AWS::ApiGatewayV2::Api', 'EditorApi');
    expect(withCors.Properties?.CorsConfiguration).toMatchObject({
      AllowOrigins: origins,
      AllowMethods: ['GET', 'POST', 'PUT', 'DELETE'],
      AllowHeaders: expect.arrayContaining(['authorization', 'content-type', 'if-match', 'idempotency-key']),
      ExposeHeaders: expect.arrayContaining(['etag', 'location']),
    });
    expect(withCors.Properties?.CorsConfiguration.AllowCredentials).toBeUndefined();
  });
});

describe('the alarms and the dashboard', () => {
  it('page the alarm topic, which refuses plain HTTP, on dead letters, errors, iterator age, API 5xx, throttling and publish failures', () => {
    const { pipeline } = dev();
    const [topicId] = resourceOf(pipeline, 'AWS::SNS::Topic', 'MonitoringAlarmTopic');
    pipeline.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    const alarms = Object.values(pipeline.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    // Nine, the release sweep's three (tests/infra/release-schedule.test.ts) and the preview function's errors.
    expect(alarms).toHaveLength(13);
    const [previewId] = resourceOf(pipeline, 'AWS::Lambda::Function', 'PreviewFunction');
    expect(
      alarms.filter(
        (alarm) => alarm.MetricName === 'Errors' && JSON.stringify(alarm.Dimensions).includes(previewId),
      ),
    ).toEqual([expect.objectContaining({ Threshold: 3, EvaluationPeriods: 1 })]);
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toEqual([{ Ref: topicId }]);
      // Problems only: no OK notification when an alarm clears.
      expect(alarm.OKActions).toBeUndefined();
      // No data is no problem, but for the alarm on sweeps that stopped running, where it is the problem.
      expect(alarm.TreatMissingData).toBe(
        alarm.ComparisonOperator === 'LessThanThreshold' ? 'breaching' : 'notBreaching',
      );
      expect(alarm.AlarmName).toBeUndefined();
    }
    const [queueId] = resourceOf(pipeline, 'AWS::SQS::Queue', 'RegenerateFailures');
    const [apiId] = resourceOf(pipeline, 'AWS::ApiGatewayV2::Api', 'EditorApi');
    const [regenerateId] = resourceOf(pipeline, 'AWS::Lambda::Function', 'RegenerateFeedsFunction');
    const watching = (metric: string, dimension: unknown) =>
      alarms.filter(
        (alarm) =>
          alarm.MetricName === metric && JSON.stringify(alarm.Dimensions).includes(JSON.stringify(dimension)),
      );
    expect(watching('ApproximateNumberOfMessagesVisible', { 'Fn::GetAtt': [queueId, 'QueueName'] })).toEqual([
      expect.objectContaining({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' }),
    ]);
    for (const name of FUNCTIONS) {
      const [functionId] = resourceOf(pipeline, 'AWS::Lambda::Function', `${name}Function`);
      expect(watching('Errors', { Ref: functionId })).toHaveLength(1);
    }
    expect(watching('IteratorAge', { Ref: regenerateId })).toEqual([
      expect.objectContaining({ Statistic: 'Maximum', Threshold: 300_000, EvaluationPeriods: 5 }),
    ]);
    expect(watching('5xx', { Ref: apiId })).toEqual([expect.objectContaining({ Threshold: 5 })]);
    // One failure is retried without anyone; errors of the editor's functions page at three in five minutes, the
    // regenerate function's when they persist for fifteen.
    const [articlesId] = resourceOf(pipeline, 'AWS::Lambda::Function', 'ArticlesFunction');
    expect(watching('Errors', { Ref: articlesId })).toEqual([expect.objectContaining({ Threshold: 3 })]);
    expect(watching('Errors', { Ref: regenerateId })).toEqual([
      expect.objectContaining({ Threshold: 1, EvaluationPeriods: 3, DatapointsToAlarm: 3 }),
    ]);
    const onExpression = (name: string) =>
      alarms.filter((alarm) =>
        (alarm.Metrics ?? []).some((metric: any) => metric.MetricStat?.Metric?.MetricName === name),
      );
    // DynamoDB throttling sustained over two of three five-minute periods, on this table.
    const [tableThrottles] = onExpression('WriteThrottleEvents');
    expect(tableThrottles).toMatchObject({ Threshold: 100, EvaluationPeriods: 3, DatapointsToAlarm: 2 });
    expect(JSON.stringify(tableThrottles.Metrics)).toContain('ReadThrottleEvents');
    const [, articlesFunction] = resourceOf(pipeline, 'AWS::Lambda::Function', 'ArticlesFunction');
    const tableName = articlesFunction.Properties?.Environment.Variables.TABLE_NAME;
    expect(JSON.stringify(tableThrottles.Metrics)).toContain(
      JSON.stringify({ Name: 'TableName', Value: tableName }),
    );
    // Lambda throttles of every function, summed.
    const [lambdaThrottles] = onExpression('Throttles');
    expect(lambdaThrottles).toMatchObject({ Threshold: 10, EvaluationPeriods: 3, DatapointsToAlarm: 2 });
    for (const name of FUNCTIONS) {
      const [functionId] = resourceOf(pipeline, 'AWS::Lambda::Function', `${name}Function`);
      expect(JSON.stringify(lambdaThrottles.Metrics)).toContain(JSON.stringify({ Ref: functionId }));
    }
    // Publish failures (the regenerate function's own metric) that persist for fifteen minutes.
    expect(alarms.filter((alarm) => alarm.MetricName === PIPELINE_METRICS.publishFailures.name)).toEqual([
      expect.objectContaining({
        Namespace: 'FeedPipeline/dev',
        Threshold: 1,
        EvaluationPeriods: 3,
        Period: 300,
      }),
    ]);
  });

  it('pages on the hub dead-letter queue when the deployment has hubs', () => {
    const { pipeline } = templates({ stage: 'dev', websubHubs: 'https://hub.example/' });
    const [queueId] = resourceOf(pipeline, 'AWS::SQS::Queue', 'HubNotificationFailures');
    const alarms = Object.values(pipeline.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    expect(alarms).toHaveLength(14);
    expect(
      alarms.filter(
        (alarm) =>
          alarm.MetricName === 'ApproximateNumberOfMessagesVisible' &&
          JSON.stringify(alarm.Dimensions).includes(JSON.stringify({ 'Fn::GetAtt': [queueId, 'QueueName'] })),
      ),
    ).toEqual([expect.objectContaining({ Threshold: 1 })]);
  });

  it('mails the alarms to alarmEmail when it is given, and to no one by default', () => {
    dev().pipeline.resourceCountIs('AWS::SNS::Subscription', 0);
    templates({ stage: 'dev', alarmEmail: 'oncall@newsroom.example' }).pipeline.hasResourceProperties(
      'AWS::SNS::Subscription',
      { Protocol: 'email', Endpoint: 'oncall@newsroom.example' },
    );
  });

  it('reads the metrics the functions write in EMF, under the namespace it gives them, with no metric filter', () => {
    const { pipeline } = dev();
    pipeline.resourceCountIs('AWS::Logs::MetricFilter', 0);
    for (const name of ['Articles', 'RegenerateFeeds']) {
      const [, fn] = resourceOf(pipeline, 'AWS::Lambda::Function', `${name}Function`);
      expect(fn.Properties?.Environment?.Variables?.[METRICS_NAMESPACE_ENV]).toBe('FeedPipeline/dev');
    }
    const [, dashboard] = resourceOf(pipeline, 'AWS::CloudWatch::Dashboard', 'MonitoringDashboard');
    const body = JSON.stringify(dashboard.Properties?.DashboardBody);
    for (const metric of Object.values(PIPELINE_METRICS).filter((m) => m.dimensions.length === 0)) {
      // ["FeedPipeline/dev","FeedsRendered","service","regenerate-feeds"], as a dashboard metric array reads
      expect(body, metric.name).toContain(
        JSON.stringify(['FeedPipeline/dev', metric.name, 'service', metric.service])
          .slice(1, -1)
          .replace(/"/g, '\\"'),
      );
    }
    expect(body).toContain('SEARCH(');
    expect(body).toContain(PIPELINE_METRICS.articlesRejected.name);
  });

  it('shows ingest rate, regeneration latency, feeds published, errors and iterator age on one dashboard', () => {
    const { pipeline } = dev();
    const [, dashboard] = resourceOf(pipeline, 'AWS::CloudWatch::Dashboard', 'MonitoringDashboard');
    const body = JSON.stringify(dashboard.Properties?.DashboardBody);
    for (const title of [
      'Ingest rate',
      'Regeneration latency',
      'Feeds published',
      'Errors',
      'Stream iterator age',
      'Alarms',
    ])
      expect(body).toContain(title);
    for (const metric of [
      'ArticlesAccepted',
      'RegenerationDuration',
      'FeedObjectsPublished',
      'Errors',
      'IteratorAge',
    ])
      expect(body).toContain(metric);
    expect(dashboard.Properties?.DashboardName).toBeUndefined();
  });
});

describe('the outputs', () => {
  it('give the API URL and the public base of the feeds', () => {
    const { pipeline } = dev();
    const [apiId] = resourceOf(pipeline, 'AWS::ApiGatewayV2::Api', 'EditorApi');
    pipeline.hasOutput('ApiUrl', {
      Value: { 'Fn::Join': ['', Match.arrayWith(['https://', { Ref: apiId }])] },
    });
    pipeline.hasOutput('FeedsBaseUrl', {
      Value: {
        'Fn::Join': [
          '',
          ['https://', { 'Fn::ImportValue': Match.stringLikeRegexp('FeedsDistribution') }, '/'],
        ],
      },
    });
  });
});
