import { Duration } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { FilterPattern, type IFilterPattern, type ILogGroup, MetricFilter } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ARTICLE_ROUTES } from '../functions/articles/routes.ts';
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

/** Write routes: what counts as an article arriving. */
const WRITE_ROUTES = ARTICLE_ROUTES.filter((route) => !route.startsWith('GET '));

/**
 * Alarms that page someone (dead letters, function errors, a stream falling behind, API 5xx) on one SNS topic,
 * and a dashboard of the pipeline's pulse. The custom metrics come from the structured log lines the handlers
 * already write (`request` from the editor API, `regenerated` and `publish failed` from the regenerate function),
 * through metric filters, so the handlers need no metrics client.
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
    const namespace = `FeedPipeline/${props.stage}`;

    this.topic = new Topic(this, 'AlarmTopic', {
      displayName: `feed-pipeline ${props.stage} alarms`,
      enforceSSL: true,
    });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));

    const custom = (metricName: string, logGroup: ILogGroup, pattern: IFilterPattern, value: string) => {
      new MetricFilter(this, `${metricName}Filter`, {
        logGroup,
        filterPattern: pattern,
        metricNamespace: namespace,
        metricName,
        metricValue: value,
      });
      return new Metric({ namespace, metricName, statistic: 'Sum', period: Duration.minutes(1) });
    };
    const regenerated = FilterPattern.stringValue('$.message', '=', 'regenerated');
    const articleWrites = custom(
      'ArticleWrites',
      props.articles.logGroup,
      FilterPattern.all(
        FilterPattern.stringValue('$.message', '=', 'request'),
        FilterPattern.numberValue('$.status', '>=', 200),
        FilterPattern.numberValue('$.status', '<', 300),
        FilterPattern.any(...WRITE_ROUTES.map((route) => FilterPattern.stringValue('$.route', '=', route))),
      ),
      '1',
    );
    const objectsPublished = custom(
      'FeedObjectsPublished',
      props.regenerate.logGroup,
      regenerated,
      '$.uploaded',
    );
    const feedsRendered = custom('FeedsRendered', props.regenerate.logGroup, regenerated, '$.rendered');
    const regenerationMs = custom(
      'RegenerationDuration',
      props.regenerate.logGroup,
      regenerated,
      '$.durationMs',
    );
    const publishFailures = custom(
      'FeedPublishFailures',
      props.regenerate.logGroup,
      FilterPattern.stringValue('$.message', '=', 'publish failed'),
      '1',
    );

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
          articleWrites.with({ label: 'articles written (POST, PUT, DELETE 2xx)' }),
          props.api.metricCount({ statistic: 'Sum', period: Duration.minutes(1), label: 'API requests' }),
        ],
        width: 8,
      }),
      new GraphWidget({
        title: 'Regeneration latency (ms)',
        left: [
          regenerationMs.with({ statistic: 'Average', label: 'batch, average' }),
          regenerationMs.with({ statistic: 'Maximum', label: 'batch, maximum' }),
          props.regenerate.function.metricDuration({ statistic: 'p99', label: 'invocation p99' }),
        ],
        width: 8,
      }),
      new GraphWidget({
        title: 'Feeds published (per minute)',
        left: [
          objectsPublished.with({ label: 'objects uploaded (bytes changed)' }),
          feedsRendered.with({ label: 'feeds and tag indexes rendered' }),
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
