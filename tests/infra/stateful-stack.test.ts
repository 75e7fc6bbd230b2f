import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { resourceOf, templates } from './synth.ts';

function stateTemplate(stage: string): Template {
  return templates({ stage }).state;
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

  it('keeps the feeds in a private, versioned, encrypted bucket whose requests are logged', () => {
    const template = stateTemplate('dev');
    const [logsId] = resourceOf(template, 'AWS::S3::Bucket', 'AccessLogs');
    const [, feeds] = resourceOf(template, 'AWS::S3::Bucket', 'Feeds');
    expect(feeds.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      // No ACLs at all: access is decided by policies alone.
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LoggingConfiguration: { DestinationBucketName: { Ref: logsId } },
    });
    expect(feeds.Properties?.BucketName).toBeUndefined();
    expect(feeds.Properties?.AccessControl).toBeUndefined();
    expect(feeds.Properties?.WebsiteConfiguration).toBeUndefined();
  });

  it('expires old versions of feed documents, which every changed regeneration leaves behind', () => {
    const [, feeds] = resourceOf(stateTemplate('prod'), 'AWS::S3::Bucket', 'Feeds');
    expect(feeds.Properties?.LifecycleConfiguration.Rules).toContainEqual({
      NoncurrentVersionExpiration: { NoncurrentDays: 7 },
      Status: 'Enabled',
    });
  });

  it('leaves the feeds bucket policy to the stateless stack and gives the log bucket its own, TLS only', () => {
    const template = stateTemplate('dev');
    const [logsId] = resourceOf(template, 'AWS::S3::Bucket', 'AccessLogs');
    const policies = Object.values(template.findResources('AWS::S3::BucketPolicy'));
    expect(policies.map((policy) => policy.Properties.Bucket)).toEqual([{ Ref: logsId }]);
    expect(policies[0]?.Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 's3:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
  });

  it('keeps production buckets when the stack goes, and lets dev ones go with it', () => {
    for (const prefix of ['Feeds', 'AccessLogs']) {
      expect(resourceOf(stateTemplate('prod'), 'AWS::S3::Bucket', prefix)[1].DeletionPolicy).toBe('Retain');
      expect(resourceOf(stateTemplate('dev'), 'AWS::S3::Bucket', prefix)[1].DeletionPolicy).toBe('Delete');
    }
  });

  it('outputs the table name the operator command needs', () => {
    const [tableId] = resourceOf(stateTemplate('dev'), 'AWS::DynamoDB::GlobalTable', 'Articles');
    stateTemplate('dev').hasOutput('TableName', { Value: { Ref: tableId } });
    stateTemplate('dev').hasOutput('BucketName', { Value: Match.anyValue() });
  });
});
