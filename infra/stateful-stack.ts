import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, Billing, StreamViewType, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { KEY_ATTRIBUTES, TTL_ATTRIBUTE } from '../shared/adapters/dynamodb/layout.ts';

export interface StatefulStackProps extends StackProps {
  stage: string;
}

/**
 * What must outlive any deployment of code: the article table. Its keys and TTL attribute come from the same
 * layout module the adapters use, so the table the cloud gets is the table the local stack creates.
 */
export class StatefulStack extends Stack {
  readonly table: TableV2;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const production = props.stage === 'prod';
    this.table = new TableV2(this, 'Articles', {
      partitionKey: { name: KEY_ATTRIBUTES.partition, type: AttributeType.STRING },
      sortKey: { name: KEY_ATTRIBUTES.sort, type: AttributeType.STRING },
      billing: Billing.onDemand(),
      dynamoStream: StreamViewType.NEW_AND_OLD_IMAGES,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      encryption: TableEncryptionV2.awsManagedKey(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: production,
      removalPolicy: production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
  }
}
