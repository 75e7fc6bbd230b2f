import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, Billing, StreamViewType, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { KEY_ATTRIBUTES, TTL_ATTRIBUTE } from '../shared/adapters/dynamodb/layout.ts';
import type { PipelineConfig } from './config.ts';
import { Edge } from './edge.ts';

export interface StatefulStackProps extends StackProps {
  /**
   * The stage's settings. Production keeps the table and the buckets when the stack goes, protects the table from
   * deletion and the stack from termination. Anything else tears down cleanly: `cdk destroy` empties the buckets
   * (every object version) and deletes them with the table. Warm throughput, when set, readies the table for a
   * backfill (a new on-demand table starts at 4,000 write units a second).
   */
  config: PipelineConfig;
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
  readonly edge: Edge;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, { ...props, terminationProtection: props.config.production });
    const { production, tableWarmThroughput } = props.config;
    const removalPolicy = production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    // Outside production a bucket goes with its stack, objects and versions first (a custom resource empties it):
    // a versioned bucket that is not empty cannot be deleted, and `cdk destroy` would fail.
    const buckets = { removalPolicy, autoDeleteObjects: !production };
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
      ...(tableWarmThroughput ? { warmThroughput: tableWarmThroughput } : {}),
    });

    this.logsBucket = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // CloudFront's standard logs are delivered with an object ACL, which an ACL-less bucket refuses.
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(production ? 365 : 30) }],
      ...buckets,
    });

    this.bucket = new Bucket(this, 'Feeds', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
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
      ...buckets,
    });
    // The public addresses: the distribution reads the bucket through its one policy, beside it in this stack.
    this.edge = new Edge(this, 'Edge', {
      config: props.config,
      bucket: this.bucket,
      logsBucket: this.logsBucket,
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
