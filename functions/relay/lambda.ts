/**
 * The Lambda entry: the handler on the core AWS adapters and, per tenant, the outside clients relay
 * calls (the once-only store, channels, desk, bot notifications), built once per container.
 */
import { createAgentDeskClient } from '../../shared/clients/agent-desk-client';
import { createChannelSender } from '../../shared/clients/channel-sender';
import { fetchHttp } from '../../shared/clients/http';
import { createNotifications } from '../../shared/clients/notifications';
import { awsCore, scopedPorts } from '../../shared/runtime/aws-core';
import { DynamoIdempotencyStore } from '../../shared/store/idempotency-repository';
import { createHandler } from './handler';

const core = await awsCore('relay');

export const handler = createHandler(
  scopedPorts(core, {}, (tenant) => ({
    idempotency: new DynamoIdempotencyStore(tenant.doc, core.env.tableName),
    channels: createChannelSender(core.tenants, tenant.secrets, fetchHttp),
    desk: createAgentDeskClient(fetchHttp, tenant.secrets),
    notifications: createNotifications(fetchHttp, tenant.secrets),
  })),
);
