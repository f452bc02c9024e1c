/**
 * The Lambda entry: the handler on the core AWS adapters and, per tenant, the outside clients the
 * conveyor calls (bot and its status events, channels, desk), built once per container.
 */
import { createBotClient } from '../../shared/clients/bot-client';
import { createChannelSender } from '../../shared/clients/channel-sender';
import { createDeskMessages } from '../../shared/clients/desk-messages';
import { fetchHttp } from '../../shared/clients/http';
import { createNotifications } from '../../shared/clients/notifications';
import { awsCore, awsMediaLinks, scopedPorts } from '../../shared/runtime/aws-core';
import { DynamoSweepIndex } from '../../shared/store/sweep-index';
import { createHandler } from './handler';

const core = await awsCore('conveyor');

export const handler = createHandler(
  scopedPorts(core, { mediaLinks: awsMediaLinks(core) }, (tenant) => ({
    channels: createChannelSender(core.tenants, tenant.secrets, fetchHttp),
    bot: createBotClient(fetchHttp, tenant.secrets),
    deskMessages: createDeskMessages(fetchHttp, tenant.secrets),
    notifications: createNotifications(fetchHttp, tenant.secrets),
    sweepIndex: new DynamoSweepIndex(tenant.doc, core.env.tableName),
  })),
);
