import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { AttributeType, Billing, StreamViewType, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { KEY_ATTRIBUTES, TTL_ATTRIBUTE } from '../shared/adapters/dynamodb/layout.ts';

export interface StatefulStackProps extends StackProps {
  stage: string;
}

/** The feeds bucket as another stack imports it: values, and the export name of the ARN. */
export interface FeedsBucketExports {
  bucketArn: string;
  bucketName: string;
  bucketRegionalDomainName: string;
  /** Derived from this stack's name, so it is unique per stage and known before deployment. */
  arnExportName: string;
}

/**
 * What must outlive any deployment of code: the article table, the feeds bucket and the bucket their access
 * logs go to. The table's keys and TTL attribute come from the same layout module the adapters use, so the
 * table the cloud gets is the table the local stack creates.
 *
 * The feeds bucket's policy (TLS only, readable by the distribution alone) is declared by the stateless stack,
 * next to the distribution it names: a bucket has exactly one policy, and a policy here that named the
 * distribution would make each stack depend on the other.
 */
export class StatefulStack extends Stack {
  readonly table: TableV2;
  readonly bucket: Bucket;
  readonly logsBucket: Bucket;
  readonly feedsBucketExports: FeedsBucketExports;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const production = props.stage === 'prod';
    const removalPolicy = production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    this.table = new TableV2(this, 'Articles', {
      partitionKey: { name: KEY_ATTRIBUTES.partition, type: AttributeType.STRING },
      sortKey: { name: KEY_ATTRIBUTES.sort, type: AttributeType.STRING },
      billing: Billing.onDemand(),
      dynamoStream: StreamViewType.NEW_AND_OLD_IMAGES,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      encryption: TableEncryptionV2.awsManagedKey(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: production,
      removalPolicy,
    });

    this.logsBucket = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // CloudFront's standard logs are delivered with an object ACL, which an ACL-less bucket refuses.
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(production ? 365 : 30) }],
      removalPolicy,
    });

    this.bucket = new Bucket(this, 'Feeds', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: this.logsBucket,
      serverAccessLogsPrefix: 'feeds-bucket/',
      lifecycleRules: [
        // Every regeneration that changes a feed leaves the previous bytes (up to ~200 KB a document) as a
        // noncurrent version: at a million articles a month that is terabytes, so they go after a week. The
        // table (with point-in-time recovery) is the source of truth; any feed can be rendered again from it.
        { noncurrentVersionExpiration: Duration.days(production ? 7 : 1) },
        { abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S10',
      reason:
        'The bucket does require TLS: its only bucket policy, which denies aws:SecureTransport=false and ' +
        'admits the distribution through origin access control, is declared in the stateless stack next to ' +
        'the distribution (see the class comment); cdk-nag looks for it in this stack only. Pinned by ' +
        'tests/infra/stateless-stack.test.ts.',
    });

    // Exported under names of our choosing (not CDK's generated ones), so the IAM finding on the grant that
    // names `<bucket ARN>/feeds/*` can be acknowledged by its exact id.
    const exported = (key: string, value: string) => {
      const name = `${this.stackName}-${key}`;
      return { name, value: this.exportValue(value, { name }) };
    };
    const arn = exported('FeedsBucketArn', this.bucket.bucketArn);
    this.feedsBucketExports = {
      bucketArn: arn.value,
      arnExportName: arn.name,
      bucketName: exported('FeedsBucketName', this.bucket.bucketName).value,
      bucketRegionalDomainName: exported('FeedsBucketDomain', this.bucket.bucketRegionalDomainName).value,
    };

    new CfnOutput(this, 'TableName', {
      value: this.table.tableName,
      description: 'The article table: pass it to npm run admin -- ... --table <name>',
    });
    new CfnOutput(this, 'BucketName', {
      value: this.bucket.bucketName,
      description: 'The bucket the feeds are published to',
    });
  }
}
