/**
 * The cdk-nag (AwsSolutions) findings Baton accepts, each with the reason it is right here.
 * Applied by the Baton construct itself, so an embedding app that runs cdk-nag sees the same.
 */
import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

export const NAG_ACKNOWLEDGEMENTS = {
  'AwsSolutions-APIG4':
    'Webhooks cannot use IAM or JWT authorizers: WhatsApp, web chat and bots sign each body (HMAC-SHA256, checked in constant time by ingest before parsing) and agent desks send a per-tenant bearer token checked by agent-api; unsigned requests get 401.',
  'AwsSolutions-L1':
    'Pinned to nodejs22.x on purpose: middy 7 and the bundles target Node.js 22, and a runtime change is a tested upgrade, not a drift.',
  'AwsSolutions-SQS3':
    'These queues are the dead-letter queues themselves (EventBridge rule targets, Lambda on-failure destinations and the on-failure destination of the stream mapping); cdk-nag only recognises SQS redrive as DLQ use.',
  'AwsSolutions-IAM5[Resource::*]':
    'Only X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) is granted on *: X-Ray has no resource-level permissions. Table, table stream, bus, secrets and logs are granted on their ARNs.',
} as const;

export function acknowledgeNagFindings(scope: IConstruct): void {
  Validations.of(scope).acknowledge(
    ...Object.entries(NAG_ACKNOWLEDGEMENTS).map(([id, reason]) => ({ id: `AwsSolutions::${id}`, reason })),
  );
}
