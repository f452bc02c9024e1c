/**
 * The Lambda entry: the handler on the core AWS adapters, the expiry index's query (the function's
 * own credentials) and, per tenant, its conversations' place in it; it calls no outside system.
 */
import { awsCore, scopedPorts } from '../../shared/runtime/aws-core';
import { DynamoSweepIndex } from '../../shared/store/sweep-index';
import { createHandler } from './handler';

const core = await awsCore('expire-sessions');

export const handler = createHandler(
  scopedPorts(core, { dueIndex: new DynamoSweepIndex(core.doc, core.env.tableName) }, (tenant) => ({
    sweepIndex: new DynamoSweepIndex(tenant.doc, core.env.tableName),
  })),
);
