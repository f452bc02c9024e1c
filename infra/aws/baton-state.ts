/**
 * Baton's stateful resources: the conversation table (with its change stream) and the event bus. A
 * construct of their own, so a platform team can keep them in a stack that is deployed (and
 * protected) apart from the code.
 */
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { EXPIRY_INDEX, PHASE_INDEX, PHASE_INDEX_PROJECTION, TTL_ATTRIBUTE } from '../../shared/store/keys';
import { REF_KEY_ACKNOWLEDGEMENT } from './nag-acknowledgements';

export interface BatonStateProps {
  /**
   * What `cdk destroy` does to the table and the bus.
   * @default RemovalPolicy.RETAIN (conversations are not deleted by accident)
   */
  readonly removalPolicy?: RemovalPolicy;
}

export class BatonState extends Construct {
  /**
   * One table: conversations, idempotency keys, the sparse expiry index. Its stream carries old and
   * new images: the stream consumer (infra/topology.ts) compares the two versions of a conversation.
   */
  readonly table: Table;
  /** The custom bus that links the functions. */
  readonly bus: EventBus;
  /**
   * The key of the references that name conversations and ids in logs and events (HMAC-SHA-256),
   * generated here once. Kept with the data it names: a new key renames every conversation.
   */
  readonly refKey: Secret;
  readonly removalPolicy: RemovalPolicy;

  constructor(scope: Construct, id: string, props: BatonStateProps = {}) {
    super(scope, id);
    this.removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.table = new Table(this, 'Table', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
      removalPolicy: this.removalPolicy,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: EXPIRY_INDEX,
      partitionKey: { name: 'sweepShard', type: AttributeType.STRING },
      sortKey: { name: 'lockExpiresAt', type: AttributeType.NUMBER },
      projectionType: ProjectionType.INCLUDE,
      nonKeyAttributes: ['tenantId', 'conversationId'],
    });
    // An operator's listing: a tenant's conversations in one phase, the most recently written first.
    this.table.addGlobalSecondaryIndex({
      indexName: PHASE_INDEX,
      partitionKey: { name: 'phaseKey', type: AttributeType.STRING },
      sortKey: { name: 'updatedAt', type: AttributeType.NUMBER },
      projectionType: ProjectionType.INCLUDE,
      nonKeyAttributes: PHASE_INDEX_PROJECTION,
    });
    this.bus = new EventBus(this, 'Bus');
    this.bus.applyRemovalPolicy(this.removalPolicy);
    this.refKey = new Secret(this, 'RefKey', {
      description: 'Baton: the key of conversation references in logs and events (never rotated)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: this.removalPolicy,
    });
    Validations.of(this.refKey).acknowledge(REF_KEY_ACKNOWLEDGEMENT);
  }
}
