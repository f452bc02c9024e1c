/**
 * The Lambda entry: the handler on the core AWS adapters and the outside clients the conveyor calls
 * (bot and its status events, channels, desk), built once per container.
 */
import { createBotClient } from '../../shared/clients/bot-client';
import { createChannelSender } from '../../shared/clients/channel-sender';
import { createDeskMessages } from '../../shared/clients/desk-messages';
import { fetchHttp } from '../../shared/clients/http';
import { createNotifications } from '../../shared/clients/notifications';
import { awsCore } from '../../shared/runtime/aws-core';
import { DynamoSweepIndex } from '../../shared/store/sweep-index';
import { createHandler } from './handler';

const core = await awsCore('conveyor');

export const handler = createHandler({
  ...core,
  channels: createChannelSender(core.tenants, core.secrets, fetchHttp),
  bot: createBotClient(fetchHttp, core.secrets),
  deskMessages: createDeskMessages(fetchHttp, core.secrets),
  notifications: createNotifications(fetchHttp, core.secrets),
  sweepIndex: new DynamoSweepIndex(core.doc, core.env.tableName),
});
