/**
 * The Lambda entry: the handler on the core AWS adapters and, per tenant, the desk-call marks, the
 * agent desk and Web Conversations' notifications, built once per container.
 */
import { createAgentDeskClient } from '../../shared/clients/agent-desk-client';
import { fetchHttp } from '../../shared/clients/http';
import { createNotifications } from '../../shared/clients/notifications';
import { awsCore, awsMediaLinks, scopedPorts } from '../../shared/runtime/aws-core';
import { DynamoDeskAsks } from '../../shared/store/desk-asks';
import { createHandler } from './handler';

const core = await awsCore('hand-over');

export const handler = createHandler(
  scopedPorts(core, { publicApiUrl: core.env.publicApiUrl, mediaLinks: awsMediaLinks(core) }, (tenant) => ({
    deskAsks: new DynamoDeskAsks(tenant.doc, core.env.tableName),
    desk: createAgentDeskClient(fetchHttp, tenant.secrets),
    notifications: createNotifications(fetchHttp, tenant.secrets),
  })),
);
