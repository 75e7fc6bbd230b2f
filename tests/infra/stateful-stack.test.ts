import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app.ts';

function stateTemplate(stage: string): Template {
  const app = buildApp(new App({ context: { stage } }));
  const stack = app.node.findChild(`FeedPipeline-${stage}-State`) as Stack;
  return Template.fromStack(stack);
}

describe('the stateful stack', () => {
  it('declares the table the local stack creates: pk/sk strings, a stream with both images, TTL on expiresAt', () => {
    stateTemplate('dev').hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      SSESpecification: { SSEEnabled: true },
      Replicas: [{ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }],
    });
  });

  it('protects the production table from deletion and keeps it when the stack goes', () => {
    const prod = stateTemplate('prod').findResources('AWS::DynamoDB::GlobalTable');
    const [table] = Object.values(prod);
    expect(table?.DeletionPolicy).toBe('Retain');
    expect(table?.Properties.Replicas[0].DeletionProtectionEnabled).toBe(true);
    const dev = Object.values(stateTemplate('dev').findResources('AWS::DynamoDB::GlobalTable'))[0];
    expect(dev?.DeletionPolicy).toBe('Delete');
  });

  it('sets no physical table name, so two stages fit in one account', () => {
    const [table] = Object.values(stateTemplate('dev').findResources('AWS::DynamoDB::GlobalTable'));
    expect(table?.Properties.TableName).toBeUndefined();
  });
});
