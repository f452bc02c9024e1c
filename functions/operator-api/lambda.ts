/** The Lambda entry: the handler on the core AWS adapters and, per tenant, the stores an operator needs. */
import { awsCore, scopedPorts } from '../../shared/runtime/aws-core';
import { DynamoConversationAdmin } from '../../shared/store/conversation-admin';
import { DynamoIdempotencyStore } from '../../shared/store/idempotency-repository';
import { createHandler } from './handler';

const core = await awsCore('operator-api');

export const handler = createHandler(
  scopedPorts(core, {}, (tenant) => ({
    conversationAdmin: new DynamoConversationAdmin(tenant.doc, core.env.tableName),
    idempotency: new DynamoIdempotencyStore(tenant.doc, core.env.tableName),
  })),
);
