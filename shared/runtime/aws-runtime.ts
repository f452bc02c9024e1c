/** Builds the Runtime from the Lambda environment, once per container, with no network call at init. */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createAgentDeskClient } from '../clients/agent-desk-client';
import { createBotClient } from '../clients/bot-client';
import { cachedPresence } from '../clients/cached-presence';
import { createChannelSender } from '../clients/channel-sender';
import { fetchHttp } from '../clients/http';
import { createNotifications } from '../clients/notifications';
import { createPresenceClient } from '../clients/presence-client';
import { type Environment, readEnvironment } from '../config/environment';
import { secretsManagerResolver } from '../config/secrets-manager';
import { tenantDirectory } from '../config/tenants';
import { systemClock } from '../domain/clock';
import { EventBridgePublisher } from '../events/eventbridge-publisher';
import { createLogger } from '../log/logger';
import { emfMetrics } from '../log/metrics';
import { createDynamo, type Dynamo } from '../store/client';
import { DynamoConversationStore } from '../store/conversation-repository';
import { DynamoIdempotencyStore } from '../store/idempotency-repository';
import { DynamoPresenceCacheStore } from '../store/presence-cache-repository';
import type { Runtime } from './runtime';
import { SDK_REQUEST_HANDLER } from './sdk-options';

let runtime: Runtime | undefined;

/** The runtime of a Lambda container: built on the first call, the same one after. */
export function awsRuntime(functionName: string): Runtime {
  runtime ??= createAwsRuntime(functionName, readEnvironment());
  return runtime;
}

/** The AWS adapters for `env`; `dynamo` is given by the benchmark, which counts the requests on it. */
export function createAwsRuntime(
  functionName: string,
  env: Environment,
  { doc }: Dynamo = createDynamo({ region: env.region }),
): Runtime {
  const sdkTimeouts = { maxAttempts: 3, requestHandler: SDK_REQUEST_HANDLER };
  const secrets = secretsManagerResolver(new SecretsManagerClient({ region: env.region, ...sdkTimeouts }));
  const tenants = tenantDirectory(env.tenants);
  return {
    clock: systemClock,
    tenants,
    secrets,
    conversations: new DynamoConversationStore(doc, env.tableName),
    idempotency: new DynamoIdempotencyStore(doc, env.tableName),
    publisher: new EventBridgePublisher(
      new EventBridgeClient({ region: env.region, ...sdkTimeouts }),
      env.eventBusName,
    ),
    channels: createChannelSender(tenants, secrets, fetchHttp),
    bot: createBotClient(fetchHttp, secrets),
    presence: cachedPresence(createPresenceClient(fetchHttp, secrets), {
      store: new DynamoPresenceCacheStore(doc, env.tableName),
      clock: systemClock,
    }),
    desk: createAgentDeskClient(fetchHttp, secrets),
    notifications: createNotifications(fetchHttp, secrets),
    publicApiUrl: env.publicApiUrl,
    metrics: emfMetrics(),
    logger: createLogger({ level: env.logLevel, fields: { service: 'baton', function: functionName } }),
  };
}
