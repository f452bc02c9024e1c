/** The Lambda entry: the handler on the core AWS adapters and the expiry index (it calls no outside system), built once per container. */
import { awsCore } from '../../shared/runtime/aws-core';
import { DynamoSweepIndex } from '../../shared/store/sweep-index';
import { createHandler } from './handler';

const core = await awsCore('expire-sessions');

export const handler = createHandler({
  ...core,
  sweepIndex: new DynamoSweepIndex(core.doc, core.env.tableName),
});
