/** The Lambda entry: the handler on the core AWS adapters and the channels it asks on, built once per container. */
import { createChannelSender } from '../../shared/clients/channel-sender';
import { fetchHttp } from '../../shared/clients/http';
import { awsCore } from '../../shared/runtime/aws-core';
import { createHandler } from './handler';

const core = awsCore('advance-intake');

export const handler = createHandler({
  ...core,
  channels: createChannelSender(core.tenants, core.secrets, fetchHttp),
});
