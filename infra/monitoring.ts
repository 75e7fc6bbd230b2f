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
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { metricsNamespace, PIPELINE_METRICS, type PipelineMetric } from '../functions/metrics.ts';
import type { HouseFunction } from './house-function.ts';

export interface MonitoringProps {
  stage: string;
  alarmEmail: string | undefined;
  api: IHttpApi;
  articles: HouseFunction;
  authorizer: HouseFunction;
  regenerate: HouseFunction;
  deadLetterQueue: IQueue;
}

/**
 * Alarms that page someone (dead letters, function errors, a stream falling behind, API 5xx) on one SNS topic,
 * and a dashboard of the pipeline's pulse. The custom metrics are the functions' own, written in the embedded
 * metric format (functions/metrics.ts names them for both sides): the editor API's request lines count writes
 * accepted and rejected by reason, and the regenerate function flushes its batch metrics through Powertools.
 */
export class Monitoring extends Construct {
  readonly topic: Topic;
  readonly alarms: Record<
    'deadLetters' | 'articlesErrors' | 'authorizerErrors' | 'regenerateErrors' | 'iteratorAge' | 'api5xx',
    Alarm
  >;
  readonly dashboard: Dashboard;

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

    const alarm = (
      name: string,
      description: string,
      metric: IMetric,
      threshold: number,
      evaluationPeriods = 1,
    ): Alarm => {
      const created = new Alarm(this, name, {
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(new SnsAction(this.topic));
      created.addOkAction(new SnsAction(this.topic));
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
        'The editor API function crashed or timed out (handled errors are problem documents, not errors).',
        errorsOf(props.articles),
        1,
      ),
      authorizerErrors: alarm(
        'AuthorizerErrorsAlarm',
        'The editor-key authorizer failed: editors get 500 instead of their answer.',
        errorsOf(props.authorizer),
        1,
      ),
      regenerateErrors: alarm(
        'RegenerateErrorsAlarm',
        'The regenerate function crashed or timed out on a batch (failed publishes are retried per record).',
        errorsOf(props.regenerate),
        1,
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
        'The editor API answered 5xx five times or more in five minutes.',
        api5xx,
        5,
      ),
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
}
