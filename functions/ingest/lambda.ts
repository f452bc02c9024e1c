/**
 * The Lambda entry: the handler on the core AWS adapters and, per tenant, the inbox and pushed
 * answers (it calls no outside system), built once per container.
 */
import { awsCore, scopedPorts } from '../../shared/runtime/aws-core';
import { DynamoAnswerPushes } from '../../shared/store/answer-pushes';
import { DynamoInboxStore } from '../../shared/store/inbox-repository';
import { createHandler } from './handler';

const core = await awsCore('ingest');

export const handler = createHandler(
  scopedPorts(core, {}, (tenant) => ({
    inbox: new DynamoInboxStore(tenant.doc, core.env.tableName, tenant.conversations, tenant.retention),
    answerPushes: new DynamoAnswerPushes(tenant.doc, core.env.tableName, tenant.conversations),
  })),
);
