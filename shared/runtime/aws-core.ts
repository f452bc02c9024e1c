/**
 * The ports every function has on AWS (state, events, secrets, tenants, logs), built once per
 * container. The one network call at init reads the reference key (a secret the stack generated):
 * every log line and event names its conversation by it. Each function's lambda.ts adds only the
 * ports it uses (inbox, expiry index, outside clients), so its bundle carries nothing it would never call.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type Environment, readEnvironment } from '../config/environment';
import { secretsManagerResolver } from '../config/secrets-manager';
import { systemClock } from '../domain/clock';
import { EventBridgePublisher } from '../events/eventbridge-publisher';
import { createLogger, useRefKey } from '../log/logger';
import { emfMetrics } from '../log/metrics';
import { createDynamo, type Dynamo } from '../store/client';
import { DynamoConversationStore } from '../store/conversation-repository';
import type { CorePorts } from './runtime';
import { SDK_REQUEST_HANDLER } from './sdk-options';

/** The core ports, and what the outside clients are built from. */
export interface AwsCore extends CorePorts {
  env: Environment;
  doc: DynamoDBDocumentClient;
}

const SDK_CLIENT_OPTIONS = { maxAttempts: 3, requestHandler: SDK_REQUEST_HANDLER };

let core: Promise<AwsCore> | undefined;

/** The core of a Lambda container: built on the first call (awaited at init), the same one after. */
export function awsCore(functionName: string): Promise<AwsCore> {
  core ??= (async () => {
    const built = createAwsCore(functionName, readEnvironment());
    useRefKey(await built.secrets.resolve(built.env.refKey));
    return built;
  })();
  return core;
}

/** `dynamo` is given by the benchmark, which counts the requests on it. */
export function createAwsCore(
  functionName: string,
  env: Environment,
  { doc }: Dynamo = createDynamo({ region: env.region }),
): AwsCore {
  return {
    env,
    doc,
    clock: systemClock,
    tenants: env.tenants,
    secrets: secretsManagerResolver(new SecretsManagerClient({ region: env.region, ...SDK_CLIENT_OPTIONS })),
    conversations: new DynamoConversationStore(doc, env.tableName),
    publisher: new EventBridgePublisher(
      new EventBridgeClient({ region: env.region, ...SDK_CLIENT_OPTIONS }),
      env.eventBusName,
    ),
    metrics: emfMetrics(),
    logger: createLogger({ level: env.logLevel, fields: { service: 'baton', function: functionName } }),
  };
}
