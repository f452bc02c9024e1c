/**
 * The Lambda entry: the handler on the core AWS adapters, the desk-call marks, the agent desk and Web Conversations'
 * notifications, built once per container.
 */
import { createAgentDeskClient } from '../../shared/clients/agent-desk-client';
import { fetchHttp } from '../../shared/clients/http';
import { createNotifications } from '../../shared/clients/notifications';
import { awsCore } from '../../shared/runtime/aws-core';
import { DynamoDeskAsks } from '../../shared/store/desk-asks';
import { createHandler } from './handler';

const core = await awsCore('hand-over');

export const handler = createHandler({
  ...core,
  deskAsks: new DynamoDeskAsks(core.doc, core.env.tableName),
  desk: createAgentDeskClient(fetchHttp, core.secrets),
  notifications: createNotifications(fetchHttp, core.secrets),
  publicApiUrl: core.env.publicApiUrl,
});
