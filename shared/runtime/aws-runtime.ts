/** Builds the whole Runtime on AWS: the core ports and the clients of the outside systems. */
import { createAgentDeskClient } from '../clients/agent-desk-client';
import { createBotClient } from '../clients/bot-client';
import { cachedPresence } from '../clients/cached-presence';
import { createChannelSender } from '../clients/channel-sender';
import { fetchHttp } from '../clients/http';
import { createNotifications } from '../clients/notifications';
import { createPresenceClient } from '../clients/presence-client';
import type { Environment } from '../config/environment';
import { systemClock } from '../domain/clock';
import type { Dynamo } from '../store/client';
import { DynamoPresenceCacheStore } from '../store/presence-cache-repository';
import { type AwsCore, awsCore, createAwsCore } from './aws-core';
import type { Runtime } from './runtime';

let runtime: Runtime | undefined;

/** The runtime of a Lambda container: built on the first call, the same one after. */
export function awsRuntime(functionName: string): Runtime {
  runtime ??= withOutsideClients(awsCore(functionName));
  return runtime;
}

/** The whole runtime for `env`; `dynamo` is given by the benchmark, which counts the requests on it. */
export function createAwsRuntime(functionName: string, env: Environment, dynamo?: Dynamo): Runtime {
  return withOutsideClients(createAwsCore(functionName, env, dynamo));
}

function withOutsideClients(core: AwsCore): Runtime {
  const { env, doc, tenants, secrets } = core;
  return {
    ...core,
    channels: createChannelSender(tenants, secrets, fetchHttp),
    bot: createBotClient(fetchHttp, secrets),
    presence: cachedPresence(createPresenceClient(fetchHttp, secrets), {
      store: new DynamoPresenceCacheStore(doc, env.tableName),
      clock: systemClock,
    }),
    desk: createAgentDeskClient(fetchHttp, secrets),
    notifications: createNotifications(fetchHttp, secrets),
    publicApiUrl: env.publicApiUrl,
  };
}
