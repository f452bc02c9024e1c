/**
 * The Lambda entry: the handler on the core AWS adapters and the outside clients relay calls (bot,
 * channels, desk, bot notifications; no presence) and the inbox, built once per container.
 */
import { createAgentDeskClient } from '../../shared/clients/agent-desk-client';
import { createBotClient } from '../../shared/clients/bot-client';
import { createChannelSender } from '../../shared/clients/channel-sender';
import { fetchHttp } from '../../shared/clients/http';
import { createNotifications } from '../../shared/clients/notifications';
import { awsCore } from '../../shared/runtime/aws-core';
import { DynamoInboxStore } from '../../shared/store/inbox-repository';
import { createHandler } from './handler';

const core = awsCore('relay');

export const handler = createHandler({
  ...core,
  inbox: new DynamoInboxStore(core.doc, core.env.tableName, core.conversations),
  channels: createChannelSender(core.tenants, core.secrets, fetchHttp),
  bot: createBotClient(fetchHttp, core.secrets),
  desk: createAgentDeskClient(fetchHttp, core.secrets),
  notifications: createNotifications(fetchHttp, core.secrets),
});
