/**
 * The Lambda entry: the handler on the core AWS adapters, the inbox and pushed answers (it calls no
 * outside system), built once per container.
 */
import { awsCore } from '../../shared/runtime/aws-core';
import { DynamoAnswerPushes } from '../../shared/store/answer-pushes';
import { DynamoInboxStore } from '../../shared/store/inbox-repository';
import { createHandler } from './handler';

const core = await awsCore('ingest');

export const handler = createHandler({
  ...core,
  inbox: new DynamoInboxStore(core.doc, core.env.tableName, core.conversations),
  answerPushes: new DynamoAnswerPushes(core.doc, core.env.tableName, core.conversations),
});
