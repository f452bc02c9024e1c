/**
 * The Lambda entry: the handler on the core AWS adapters and the outside clients relay calls
 * (the once-only store, channels, desk, bot notifications), built once per container.
 */
import { createAgentDeskClient } from '../../shared/clients/agent-desk-client';
import { createChannelSender } from '../../shared/clients/channel-sender';
import { fetchHttp } from '../../shared/clients/http';
import { createNotifications } from '../../shared/clients/notifications';
import { awsCore } from '../../shared/runtime/aws-core';
import { DynamoIdempotencyStore } from '../../shared/store/idempotency-repository';
import { createHandler } from './handler';

const core = await awsCore('relay');

export const handler = createHandler({
  ...core,
  idempotency: new DynamoIdempotencyStore(core.doc, core.env.tableName),
  channels: createChannelSender(core.tenants, core.secrets, fetchHttp),
  desk: createAgentDeskClient(fetchHttp, core.secrets),
  notifications: createNotifications(fetchHttp, core.secrets),
});
