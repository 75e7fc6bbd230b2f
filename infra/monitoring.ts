import { Duration } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { metricsNamespace, PIPELINE_METRICS, type PipelineMetric } from '../functions/metrics.ts';
import type { HouseFunction } from './house-function.ts';
import type { ReleaseSchedule } from './release-schedule.ts';

export interface MonitoringProps {
  stage: string;
  alarmEmail: string | undefined;
  api: IHttpApi;
  articles: HouseFunction;
  authorizer: HouseFunction;
  regenerate: HouseFunction;
  deadLetterQueue: IQueue;
  /** Where hub notifications go once every receive failed; only a deployment with hubs has one. */
  hubDeadLetterQueue?: IQueue | undefined;
  table: ITableV2;
}

/**
 * Alarms that page someone on one SNS topic, and a dashboard of the pipeline's pulse. Each alarm fires only for
 * something a person must look at: a brief blip that the pipeline's own retries absorb (one throttled request, one
 * failed publish retried by the next batch) stays quiet, and no alarm sends OK notifications, so the topic carries
 * problems only. The README's "Alarms" section says what each means and what to do.
 *
 * The custom metrics are the functions' own, written in the embedded metric format (functions/metrics.ts names them
 * for both sides): the editor API's request lines count writes accepted and rejected by reason, and the regenerate
 * function flushes its batch metrics through Powertools.
 */
export class Monitoring extends Construct {
  readonly topic: Topic;
  readonly alarms: Record<
    | 'deadLetters'
    | 'articlesErrors'
    | 'authorizerErrors'
    | 'regenerateErrors'
    | 'iteratorAge'
    | 'api5xx'
    | 'tableThrottles'
    | 'lambdaThrottles'
    | 'publishFailures',
    Alarm
  > & { hubDeadLetters?: Alarm };
  /** The lifecycle's sweep (infra/release-schedule.ts), once {@link watchRelease} has been called. */
  releaseAlarms?: Record<'scheduleFailures' | 'releaseMissed' | 'releaseErrors', Alarm>;
  previewErrors?: Alarm;
  readonly dashboard: Dashboard;
  private alarmOnTopic?: (alarm: Alarm) => Alarm;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const namespace = metricsNamespace(props.stage);

    this.topic = new Topic(this, 'AlarmTopic', {
      displayName: `feed-pipeline ${props.stage} alarms`,
      enforceSSL: true,
    });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));

    // The functions' own metrics, in EMF (functions/metrics.ts): read here by the names and dimensions they are
    // written with.
    const emf = (metric: PipelineMetric, statistic = 'Sum') =>
      new Metric({
        namespace,
        metricName: metric.name,
        dimensionsMap: { service: metric.service },
        statistic,
        period: Duration.minutes(1),
      });
    const articlesAccepted = emf(PIPELINE_METRICS.articlesAccepted);
    const articlesRejected = new MathExpression({
      expression: `SEARCH('{${namespace},service,reason} MetricName="${PIPELINE_METRICS.articlesRejected.name}"', 'Sum', 60)`,
      label: 'rejected:',
      period: Duration.minutes(1),
    });
    const objectsPublished = emf(PIPELINE_METRICS.objectsPublished);
    const feedsRendered = emf(PIPELINE_METRICS.feedsRendered);
    const regenerationMs = emf(PIPELINE_METRICS.regenerationDuration, 'Average');
    const recordAge = emf(PIPELINE_METRICS.recordAge, 'Maximum');
    const publishFailures = emf(PIPELINE_METRICS.publishFailures);
    const batchRecords = emf(PIPELINE_METRICS.batchRecords);

    const fiveMinutes = Duration.minutes(5);
    const deadLetters = props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
      statistic: 'Maximum',
      period: fiveMinutes,
    });
    const iteratorAge = props.regenerate.function.metric('IteratorAge', {
      statistic: 'Maximum',
      period: Duration.minutes(1),
    });
    const api5xx = props.api.metricServerError({ statistic: 'Sum', period: fiveMinutes });
    const errorsOf = (fn: HouseFunction) =>
      fn.function.metricErrors({ statistic: 'Sum', period: fiveMinutes });

    const tableMetric = (metricName: string) =>
      new Metric({
        namespace: 'AWS/DynamoDB',
        metricName,
        dimensionsMap: { TableName: props.table.tableName },
        statistic: 'Sum',
        period: fiveMinutes,
      });
    const tableThrottles = new MathExpression({
      expression: 'FILL(reads, 0) + FILL(writes, 0)',
      usingMetrics: { reads: tableMetric('ReadThrottleEvents'), writes: tableMetric('WriteThrottleEvents') },
      label: 'table throttle events',
      period: fiveMinutes,
    });
    const lambdaThrottles = new MathExpression({
      expression: 'FILL(articles, 0) + FILL(authorizer, 0) + FILL(regenerate, 0)',
      usingMetrics: {
        articles: props.articles.function.metricThrottles({ statistic: 'Sum', period: fiveMinutes }),
        authorizer: props.authorizer.function.metricThrottles({ statistic: 'Sum', period: fiveMinutes }),
        regenerate: props.regenerate.function.metricThrottles({ statistic: 'Sum', period: fiveMinutes }),
      },
      label: 'function throttles',
      period: fiveMinutes,
    });

    /** An alarm on the topic: `datapoints` of the last `periods` at or over `threshold`. No OK notification. */
    const alarm = (
      name: string,
      description: string,
      metric: IMetric,
      threshold: number,
      periods = 1,
      datapoints = periods,
    ): Alarm => {
      const created = new Alarm(this, name, {
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: periods,
        datapointsToAlarm: datapoints,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(new SnsAction(this.topic));
      return created;
    };
    this.alarmOnTopic = (created) => {
      created.addAlarmAction(new SnsAction(this.topic));
      return created;
    };
    this.alarms = {
      deadLetters: alarm(
        'DeadLettersAlarm',
        'Stream records gave up after every retry: some feeds may be stale. See README, Alarms.',
        deadLetters,
        1,
      ),
      articlesErrors: alarm(
        'ArticlesErrorsAlarm',
        'The editor API function crashed or timed out three times in five minutes (handled errors are problem ' +
          'documents, not errors). See README, Alarms.',
        errorsOf(props.articles),
        3,
      ),
      authorizerErrors: alarm(
        'AuthorizerErrorsAlarm',
        'The editor-key authorizer failed three times in five minutes: editors get 500 instead of their answer.',
        errorsOf(props.authorizer),
        3,
      ),
      regenerateErrors: alarm(
        'RegenerateErrorsAlarm',
        'The regenerate function crashed or timed out on batches for fifteen minutes running (one failure is ' +
          'retried and bisected without anyone). See README, Alarms.',
        errorsOf(props.regenerate),
        1,
        3,
      ),
      iteratorAge: alarm(
        'IteratorAgeAlarm',
        'Feed regeneration is more than five minutes behind the article table, for five minutes running.',
        iteratorAge,
        Duration.minutes(5).toMilliseconds(),
        5,
      ),
      api5xx: alarm(
        'Api5xxAlarm',
        'The editor API answered 5xx (503 when the table is unreachable or throttled) five times or more in five ' +
          'minutes.',
        api5xx,
        5,
      ),
      tableThrottles: alarm(
        'TableThrottlesAlarm',
        'DynamoDB throttled 100 or more requests in each of two of the last three five-minute periods: a hot ' +
          'partition or an account limit. See README, Alarms and Hot partitions.',
        tableThrottles,
        100,
        3,
        2,
      ),
      lambdaThrottles: alarm(
        'LambdaThrottlesAlarm',
        'Lambda refused to run the functions (concurrency exhausted) ten times or more in each of two of the last ' +
          'three five-minute periods.',
        lambdaThrottles,
        10,
        3,
        2,
      ),
      publishFailures: alarm(
        'PublishFailuresAlarm',
        'Feed publishes failed in each of the last three five-minute periods: the bucket or the table keeps ' +
          'refusing them (each failure is retried with its records). See README, Alarms.',
        publishFailures.with({ period: fiveMinutes }),
        1,
        3,
      ),
      ...(props.hubDeadLetterQueue
        ? {
            hubDeadLetters: alarm(
              'HubDeadLettersAlarm',
              'A WebSub hub refused or missed every notification for about fifteen minutes: its subscribers ' +
                'hear of changes late. The feeds themselves are published. See README, Alarms.',
              props.hubDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
                statistic: 'Maximum',
                period: fiveMinutes,
              }),
              1,
            ),
          }
        : {}),
    };

    this.dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(3) });
    const functions = {
      articles: props.articles,
      authorizer: props.authorizer,
      regenerate: props.regenerate,
    };
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Ingest rate (per minute)',
        left: [
          articlesAccepted.with({ label: 'writes accepted (POST, PUT, DELETE 2xx)' }),
          articlesRejected,
          props.api.metricCount({ statistic: 'Sum', period: Duration.minutes(1), label: 'API requests' }),
        ],
        width: 8,
      }),
      new GraphWidget({
        title: 'Regeneration latency (ms)',
        left: [
          regenerationMs.with({ statistic: 'Average', label: 'batch, average' }),
          regenerationMs.with({ statistic: 'Maximum', label: 'batch, maximum' }),
          recordAge.with({ label: 'oldest record, write to publish' }),
          props.regenerate.function.metricDuration({ statistic: 'p99', label: 'invocation p99' }),
        ],
        width: 8,
      }),
      new GraphWidget({
        title: 'Feeds published (per minute)',
        left: [
          objectsPublished.with({ label: 'objects uploaded (bytes changed)' }),
          feedsRendered.with({ label: 'feeds and tag indexes rendered' }),
          batchRecords.with({ label: 'stream records handled' }),
        ],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Errors',
        left: [
          ...Object.entries(functions).map(([name, fn]) => errorsOf(fn).with({ label: `${name} errors` })),
          api5xx.with({ label: 'API 5xx' }),
          publishFailures.with({ period: fiveMinutes, label: 'feed publish failures (retried)' }),
          deadLetters.with({ label: 'dead letters' }),
          tableThrottles,
          lambdaThrottles,
        ],
        width: 12,
      }),
      new GraphWidget({
        title: 'Stream iterator age (ms)',
        left: [iteratorAge.with({ label: 'oldest record in the batch' })],
        leftAnnotations: [{ value: Duration.minutes(5).toMilliseconds(), label: 'alarm' }],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new AlarmStatusWidget({ title: 'Alarms', alarms: Object.values(this.alarms), width: 24 }),
    );
  }
  /**
   * Alarms for the lifecycle's sweep, which publishes scheduled articles and expires others at their time: a
   * schedule that failed to fire is an embargo that does not lift (or an expired article that stays up).
   * - `scheduleFailures`: the Scheduler could not invoke the function (target errors) or gave up on an invocation
   *   (dropped), in each of two of the last three five-minute periods: one failure is retried, and the next
   *   minute's sweep does the same work.
   * - `releaseMissed`: fewer than three sweeps ran in a five-minute period, for two periods running (no data, such
   *   as a disabled or deleted schedule, counts as missed).
   * - `releaseErrors`: the function failed (the table refused its transactions, or it timed out) three times or
   *   more in five minutes.
   */
  watchRelease(release: ReleaseSchedule): void {
    const fiveMinutes = Duration.minutes(5);
    const onTopic = this.alarmOnTopic ?? ((created: Alarm) => created);
    const failures = new MathExpression({
      expression: 'FILL(targetErrors, 0) + FILL(dropped, 0)',
      usingMetrics: {
        targetErrors: release.group.metricTargetErrors({ statistic: 'Sum', period: fiveMinutes }),
        dropped: release.group.metricDropped({ statistic: 'Sum', period: fiveMinutes }),
      },
      label: 'sweep invocations failed or dropped',
      period: fiveMinutes,
    });
    const sweeps = release.function.function.metricInvocations({ statistic: 'Sum', period: fiveMinutes });
    const errors = release.function.function.metricErrors({ statistic: 'Sum', period: fiveMinutes });
    this.releaseAlarms = {
      scheduleFailures: onTopic(
        new Alarm(this, 'ReleaseScheduleFailuresAlarm', {
          alarmDescription:
            'EventBridge Scheduler failed to invoke (or dropped) the release sweep in two of the last three five-' +
            'minute periods: scheduled articles may not be published, nor expiring ones removed, on time.',
          metric: failures,
          threshold: 1,
          evaluationPeriods: 3,
          datapointsToAlarm: 2,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      ),
      releaseMissed: onTopic(
        new Alarm(this, 'ReleaseMissedAlarm', {
          alarmDescription:
            'The release sweep ran fewer than three times in five minutes, ten minutes running: its schedule is ' +
            'not firing (disabled, deleted or throttled). Scheduled articles wait; expiring ones stay up.',
          metric: sweeps,
          threshold: 3,
          evaluationPeriods: 2,
          comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
          treatMissingData: TreatMissingData.BREACHING,
        }),
      ),
      releaseErrors: onTopic(
        new Alarm(this, 'ReleaseErrorsAlarm', {
          alarmDescription:
            'The release sweep failed three times or more in five minutes: articles due are published or expired ' +
            'late, or not at all.',
          metric: errors,
          threshold: 3,
          evaluationPeriods: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      ),
    };
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Release sweep (per five minutes)',
        left: [sweeps.with({ label: 'sweeps' }), errors.with({ label: 'sweep errors' }), failures],
        width: 12,
      }),
      new AlarmStatusWidget({
        title: 'Release alarms',
        alarms: Object.values(this.releaseAlarms),
        width: 12,
      }),
    );
  }

  /**
   * The preview function's errors, as the editor API's: three crashes or timeouts in five minutes page someone
   * (a handled error is a problem document, not an error).
   */
  watchPreview(preview: HouseFunction): void {
    const onTopic = this.alarmOnTopic ?? ((created: Alarm) => created);
    const errors = preview.function.metricErrors({ statistic: 'Sum', period: Duration.minutes(5) });
    this.previewErrors = onTopic(
      new Alarm(this, 'PreviewErrorsAlarm', {
        alarmDescription:
          'The preview function crashed or timed out three times in five minutes: editors get 5xx for previews. ' +
          'See README, Alarms.',
        metric: errors,
        threshold: 3,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
  }
}
