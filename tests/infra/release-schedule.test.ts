import { describe, expect, it } from 'vitest';
import { RELEASE_BUDGET } from '../../functions/budgets.ts';
import { RELEASE_READ_PARTITIONS, RELEASE_WRITE_PARTITIONS } from '../../infra/release-schedule.ts';
import { allowedActions, resourceOf, statementsOf, templates } from './synth.ts';

const dev = () => templates({ stage: 'dev' });

describe('the release sweep (the article lifecycle in AWS)', () => {
  it('is a function run once a minute by EventBridge Scheduler, in a group of its own, retried once', () => {
    const { pipeline } = dev();
    const [functionId, fn] = resourceOf(pipeline, 'AWS::Lambda::Function', 'ReleaseReleaseArticlesFunction');
    expect(fn.Properties?.Timeout).toBe(RELEASE_BUDGET.timeoutSeconds);
    const [, group] = resourceOf(pipeline, 'AWS::Scheduler::ScheduleGroup', 'ReleaseGroup');
    expect(group).toBeDefined();
    const [, schedule] = resourceOf(pipeline, 'AWS::Scheduler::Schedule', 'ReleaseEveryMinute');
    expect(schedule.Properties).toMatchObject({
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: { 'Fn::GetAtt': [functionId, 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 1, MaximumEventAgeInSeconds: 60 },
      },
    });
  });

  it('invokes through a role that may invoke that function and nothing else, assumed only by the Scheduler', () => {
    const { pipeline } = dev();
    const [, schedule] = resourceOf(pipeline, 'AWS::Scheduler::Schedule', 'ReleaseEveryMinute');
    const roleId = schedule.Properties?.Target.RoleArn['Fn::GetAtt'][0] as string;
    const role = pipeline.toJSON().Resources[roleId];
    const trust = role.Properties.AssumeRolePolicyDocument.Statement;
    expect(trust).toHaveLength(1);
    expect(trust[0].Principal).toEqual({ Service: 'scheduler.amazonaws.com' });
    expect(trust[0].Condition?.StringEquals?.['aws:SourceAccount']).toBeDefined();
    const policies = Object.values(pipeline.toJSON().Resources as Record<string, any>).filter(
      (resource) =>
        resource.Type === 'AWS::IAM::Policy' && resource.Properties.Roles.some((r: any) => r.Ref === roleId),
    );
    const statements = policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement);
    expect(allowedActions(statements)).toEqual(['lambda:InvokeFunction']);
    const [functionId] = resourceOf(pipeline, 'AWS::Lambda::Function', 'ReleaseReleaseArticlesFunction');
    for (const resource of statements.flatMap((statement: any) => [statement.Resource].flat()))
      expect(JSON.stringify(resource)).toContain(functionId);
  });

  it('may read the due indexes and articles, and write only what an article’s transaction writes', () => {
    const { pipeline } = dev();
    const statements = statementsOf(pipeline, 'ReleaseReleaseArticles');
    const dynamo = statements.filter((s) => [s.Action].flat().some((a: string) => a.startsWith('dynamodb:')));
    const byActions = Object.fromEntries(
      dynamo.map((s) => [
        [s.Action].flat().sort().join(),
        s.Condition['ForAllValues:StringLike']['dynamodb:LeadingKeys'],
      ]),
    );
    expect(byActions).toEqual({
      'dynamodb:GetItem,dynamodb:Query': RELEASE_READ_PARTITIONS,
      'dynamodb:DeleteItem,dynamodb:PutItem,dynamodb:UpdateItem': RELEASE_WRITE_PARTITIONS,
    });
    expect(RELEASE_WRITE_PARTITIONS).not.toContain('idempotency#*');
    expect(RELEASE_WRITE_PARTITIONS).not.toContain('key');
  });

  it('alarms when the schedule failed to fire, when sweeps stop, and when they fail', () => {
    const { pipeline } = dev();
    const alarms = Object.values(pipeline.toJSON().Resources as Record<string, any>).filter(
      (resource) => resource.Type === 'AWS::CloudWatch::Alarm',
    );
    const [failures] = alarms.filter((alarm) =>
      (alarm.Properties.Metrics ?? []).some((m: any) => m.MetricStat?.Metric?.Namespace === 'AWS/Scheduler'),
    );
    expect(
      failures?.Properties.Metrics.map((m: any) => m.MetricStat?.Metric?.MetricName)
        .filter(Boolean)
        .sort(),
    ).toEqual(['InvocationDroppedCount', 'TargetErrorCount']);
    const [, missedAlarm] = resourceOf(pipeline, 'AWS::CloudWatch::Alarm', 'MonitoringReleaseMissedAlarm');
    expect(missedAlarm.Properties).toMatchObject({
      MetricName: 'Invocations',
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
    const [, errorsAlarm] = resourceOf(pipeline, 'AWS::CloudWatch::Alarm', 'MonitoringReleaseErrorsAlarm');
    expect(errorsAlarm.Properties).toMatchObject({ MetricName: 'Errors' });
    for (const alarm of [failures, missedAlarm, errorsAlarm])
      expect(alarm?.Properties.AlarmActions).toHaveLength(1);
  });
});
