/** The Lambda entry: the handler on the core AWS adapters and the inbox (it calls no outside system), built once per container. */
import { awsCore } from '../../shared/runtime/aws-core';
import { DynamoInboxStore } from '../../shared/store/inbox-repository';
import { createHandler } from './handler';

const core = awsCore('ingest');

export const handler = createHandler({
  ...core,
  inbox: new DynamoInboxStore(core.doc, core.env.tableName, core.conversations),
});
