import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildFor, resourceOf, templates } from './synth.ts';

function stateTemplate(stage: string): Template {
  return templates({ stage, ...(stage === 'prod' ? { production: 'true' } : {}) }).state;
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

  it('gives each bucket one policy, TLS only', () => {
    const template = stateTemplate('dev');
    for (const prefix of ['Feeds', 'AccessLogs']) {
      const [bucketId] = resourceOf(template, 'AWS::S3::Bucket', prefix);
      const policies = Object.values(template.findResources('AWS::S3::BucketPolicy')).filter(
        (policy) => policy.Properties.Bucket.Ref === bucketId,
      );
      expect(policies, prefix).toHaveLength(1);
      expect(policies[0]?.Properties.PolicyDocument.Statement, prefix).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 's3:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    }
  });

  it('keeps production buckets and table when the stack goes, protected from termination and deletion', () => {
    const { built, state } = templates({ stage: 'prod', production: 'true' });
    expect(built.state.terminationProtection).toBe(true);
    for (const prefix of ['Feeds', 'AccessLogs'])
      expect(resourceOf(state, 'AWS::S3::Bucket', prefix)[1].DeletionPolicy).toBe('Retain');
    // Nothing empties a production bucket.
    expect(state.findResources('Custom::S3AutoDeleteObjects')).toEqual({});
  });

  it('tears a development stage down cleanly: its versioned buckets are emptied, then deleted with the table', () => {
    const { built, state } = templates({ stage: 'dev' });
    expect(built.state.terminationProtection).toBe(false);
    const [tableId, table] = resourceOf(state, 'AWS::DynamoDB::GlobalTable', 'Articles');
    expect(table.DeletionPolicy).toBe('Delete');
    expect(table.Properties?.Replicas[0].DeletionProtectionEnabled).toBeFalsy();
    expect(tableId).toMatch(/^Articles/);
    const emptied = Object.values(state.findResources('Custom::S3AutoDeleteObjects')).map(
      (resource) => resource.Properties.BucketName.Ref,
    );
    for (const prefix of ['Feeds', 'AccessLogs']) {
      const [bucketId, bucket] = resourceOf(state, 'AWS::S3::Bucket', prefix);
      expect(bucket.DeletionPolicy, prefix).toBe('Delete');
      // A versioned bucket with objects cannot be deleted: the custom resource deletes every version first.
      expect(emptied, prefix).toContain(bucketId);
    }
  });

  it('takes production from an explicit setting only, and refuses to guess it for a stage named like it', () => {
    expect(templates({ stage: 'prod', production: 'false' }).built.state.terminationProtection).toBe(false);
    expect(templates({ stage: 'staging', production: 'true' }).built.state.terminationProtection).toBe(true);
    expect(() => buildFor({ stage: 'prod' })).toThrow(/production must be set/);
    expect(() => buildFor({ stage: 'dev', production: 'yes' })).toThrow(/production must be true or false/);
  });

  it('warms the table for a backfill only when asked', () => {
    expect(
      resourceOf(stateTemplate('dev'), 'AWS::DynamoDB::GlobalTable', 'Articles')[1].Properties
        ?.WarmThroughput,
    ).toBeUndefined();
    const warmed = templates({
      stage: 'dev',
      tableWarmWriteUnits: '25000',
      tableWarmReadUnits: '40000',
    }).state;
    expect(
      resourceOf(warmed, 'AWS::DynamoDB::GlobalTable', 'Articles')[1].Properties?.WarmThroughput,
    ).toEqual({
      WriteUnitsPerSecond: 25000,
      ReadUnitsPerSecond: 40000,
    });
    expect(() => buildFor({ tableWarmWriteUnits: '100' })).toThrow(/tableWarmWriteUnits/);
  });

  it('outputs the table name the operator command needs', () => {
    const [tableId] = resourceOf(stateTemplate('dev'), 'AWS::DynamoDB::GlobalTable', 'Articles');
    stateTemplate('dev').hasOutput('TableName', { Value: { Ref: tableId } });
    stateTemplate('dev').hasOutput('BucketName', { Value: Match.anyValue() });
  });
});
