import { Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnSchedule, ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { RELEASE_BUDGET } from '../functions/budgets.ts';
import { HouseFunction } from './house-function.ts';

export interface ReleaseScheduleProps {
  stage: string;
  table: ITableV2;
  logRetention: RetentionDays;
  logRemovalPolicy: RemovalPolicy;
  /** The table access the sweep needs, as IAM conditions (infra/stateless-stack.ts's `leadingKeys`). */
  leadingKeys: (patterns: string[]) => Record<string, Record<string, unknown>>;
}

/** Partitions (shared/adapters/dynamodb/layout.ts) the sweep reads: the due indexes and the articles they name. */
export const RELEASE_READ_PARTITIONS = ['schedule', 'expiry', 'article#*'];
/**
 * Partitions its transactions write: the article and its version, its memberships, its tag counts and its due
 * entries. Never idempotency records, sources, keys or publish state.
 */
export const RELEASE_WRITE_PARTITIONS = ['article#*', 'feed#*', 'tagcount#*', 'schedule', 'expiry'];

/**
 * The lifecycle's clock in AWS: EventBridge Scheduler invokes the release function once a minute, which publishes
 * the scheduled articles whose time came and expires those whose expiry came (shared/articles/lifecycle.ts).
 *
 * Why one per-minute sweep rather than one one-time schedule per article (prices of us-east-1 in 2025):
 * - The sweep costs the same whatever the volume: 60 × 24 × 30 = 43,200 invocations a month. Scheduler's first 14
 *   million invocations a month are free (then $1.00 a million: $0.04); Lambda's requests are $0.20 a million
 *   ($0.009), and an idle sweep (two Queries, about 100 ms at 256 MB) is 43,200 × 0.1 s × 0.25 GB = 1,080 GB-s
 *   ($0.018); the Queries read about 86,400 × 1 read unit, strongly consistent ($0.011). About 4 cents a month
 *   (beyond the free tiers), plus the wait for articles due within the coming minute (at most 60 s × 0.25 GB =
 *   15 GB-s, $0.00025, per minute that has one).
 * - Per-article schedules cost one invocation per scheduled and per expiring article (a newsroom's few hundred a
 *   day: 9,000 a month, also cents), but need a CreateSchedule on every post, an UpdateSchedule on every move and
 *   a DeleteSchedule on every cancellation, release and retraction, outside the article's DynamoDB transaction
 *   (a crash between the two leaves an article scheduled with no schedule, or a schedule for a cancelled one:
 *   a sweep would still be needed to reconcile), and the editor API would carry the Scheduler client (its bundle
 *   has a few KB to spare) and the right to pass a role. Their invocation counts cross at 43,200 timed articles a
 *   month (1,440 a day), where both still cost under 5 cents.
 * The sweep is chosen: flat, a few cents, one transaction per step, nothing new on the article path. It releases
 * each article at its own time, not up to a minute late: a sweep also takes what is due within its minute and
 * waits for it (functions/budgets.ts, RELEASE_LOOKAHEAD_MS).
 */
export class ReleaseSchedule extends Construct {
  readonly function: HouseFunction;
  readonly group: ScheduleGroup;
  readonly schedule: CfnSchedule;
  /** The role the Scheduler invokes the function with. */
  readonly invoker: Role;

  constructor(scope: Construct, id: string, props: ReleaseScheduleProps) {
    super(scope, id);
    this.function = new HouseFunction(this, 'ReleaseArticles', {
      entry: 'functions/release-articles/handler.ts',
      description: `feed-pipeline ${props.stage}: publishes scheduled articles and expires articles at their time`,
      environment: { TABLE_NAME: props.table.tableName },
      memorySize: 256,
      timeout: Duration.seconds(RELEASE_BUDGET.timeoutSeconds),
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
    });
    this.function.grantTable(props.table, ['GetItem', 'Query'], props.leadingKeys(RELEASE_READ_PARTITIONS));
    this.function.grantTable(
      props.table,
      ['PutItem', 'UpdateItem', 'DeleteItem'],
      props.leadingKeys(RELEASE_WRITE_PARTITIONS),
    );
    // A group of its own: the Scheduler's metrics (attempts, target errors, drops) are per group, and the alarms
    // read them (infra/monitoring.ts).
    this.group = new ScheduleGroup(this, 'Group');
    // The invoker role may invoke this one function (not its versions or aliases: the schedule calls
    // $LATEST), and only the Scheduler of this account may assume it. The L2 target's role would also grant
    // `{arn}:*`, hence the L1 schedule.
    const { account } = Stack.of(this);
    this.invoker = new Role(this, 'Invoker', {
      description: 'EventBridge Scheduler: invokes the release sweep',
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
    });
    this.invoker.addToPolicy(
      new PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [this.function.function.functionArn],
      }),
    );
    this.schedule = new CfnSchedule(this, 'EveryMinute', {
      description: `feed-pipeline ${props.stage}: the article lifecycle's sweep`,
      scheduleExpression: 'rate(1 minute)',
      groupName: this.group.scheduleGroupName,
      state: 'ENABLED',
      flexibleTimeWindow: { mode: 'OFF' },
      // A failed sweep is retried once within the minute; later than that, the next minute's sweep does its work.
      target: {
        arn: this.function.function.functionArn,
        roleArn: this.invoker.roleArn,
        retryPolicy: { maximumRetryAttempts: 1, maximumEventAgeInSeconds: 60 },
      },
    });
  }
}
