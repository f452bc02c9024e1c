/**
 * The ports every function has on AWS (state, events, secrets, tenants, logs), built once per
 * container. The one network call at init reads the reference key (a secret the stack generated):
 * every log line and event names its conversation by it. A tenant's ports are built on its first
 * use, on credentials assumed for that tenant alone (tenant-credentials.ts). Each function's
 * lambda.ts adds only the ports it uses, so its bundle carries nothing it would never call.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { STSClient } from '@aws-sdk/client-sts';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type Environment, readEnvironment } from '../config/environment';
import { secretsManagerResolver } from '../config/secrets-manager';
import { ConfigError, retentionSecondsOf } from '../config/tenants';
import { systemClock } from '../domain/clock';
import { EventBridgePublisher } from '../events/eventbridge-publisher';
import { createLogger, useRefKey } from '../log/logger';
import { emfMetrics } from '../log/metrics';
import { createMediaLinks, type MediaLinks } from '../media/media-link';
import { createDynamo, type Dynamo } from '../store/client';
import { DynamoConversationStore } from '../store/conversation-repository';
import type { CorePorts } from './runtime';
import { SDK_REQUEST_HANDLER } from './sdk-options';
import { tenantCredentials, tenantSessionPolicy } from './tenant-credentials';
import { scopedBy, type TenantPorts } from './tenant-scope';

/** What a tenant's ports are built from: its table client and secrets, on its own credentials. */
export interface TenantCore {
  tenantId: string;
  doc: DynamoDBDocumentClient;
  secrets: CorePorts['secrets'];
  conversations: CorePorts['conversations'];
  /** The tenant's retention, for the stores that write its conversations. */
  retention: { retentionSeconds: number };
}

/** The core ports, and what the outside clients are built from. */
export interface AwsCore extends Omit<CorePorts, keyof TenantPorts> {
  env: Environment;
  /**
   * The function's own table client: the expiry index's query only. Its role holds no item of any
   * tenant; those are reached through `forTenant`.
   */
  doc: DynamoDBDocumentClient;
  /** The reference key's secret, read with the function's own credentials. */
  ownSecrets: CorePorts['secrets'];
  /** A tenant's table client and secrets (built once per tenant and container). */
  tenantCore(tenantId: string): TenantCore;
}

const SDK_CLIENT_OPTIONS = { maxAttempts: 3, requestHandler: SDK_REQUEST_HANDLER };

let core: Promise<AwsCore> | undefined;

/** The core of a Lambda container: built on the first call (awaited at init), the same one after. */
export function awsCore(functionName: string): Promise<AwsCore> {
  core ??= (async () => {
    const built = createAwsCore(functionName, readEnvironment());
    useRefKey(await built.ownSecrets.resolve(built.env.refKey));
    return built;
  })();
  return core;
}

/**
 * `tenantDynamo` is given by the benchmark, which counts the requests on it; by default every
 * tenant's clients sign with credentials assumed for it.
 */
export function createAwsCore(
  functionName: string,
  env: Environment,
  tenantDynamo?: (tenantId: string) => Dynamo,
): AwsCore {
  const region = env.region;
  const sts = new STSClient({ region, ...SDK_CLIENT_OPTIONS });
  const role = { sts, roleArn: env.tenantRoleArn, functionName };
  const tenantCores = new Map<string, TenantCore>();
  const tenantCore = (tenantId: string): TenantCore => {
    const hit = tenantCores.get(tenantId);
    if (hit) return hit;
    const tenant = env.tenants.get(tenantId);
    if (!tenant) throw new ConfigError(`no tenant ${tenantId}`);
    const credentials = tenantCredentials(
      role,
      tenantId,
      tenantSessionPolicy(tenant, env.secretPaths, env.secretArnPrefix),
    );
    const { doc } = tenantDynamo?.(tenantId) ?? createDynamo({ region, credentials });
    const retention = { retentionSeconds: retentionSecondsOf(tenant) };
    const built: TenantCore = {
      tenantId,
      doc,
      secrets: secretsManagerResolver(
        new SecretsManagerClient({ region, credentials, ...SDK_CLIENT_OPTIONS }),
      ),
      conversations: new DynamoConversationStore(doc, env.tableName, retention),
      retention,
    };
    tenantCores.set(tenantId, built);
    return built;
  };
  return {
    env,
    doc: createDynamo({ region }).doc,
    clock: systemClock,
    tenants: env.tenants,
    ownSecrets: secretsManagerResolver(new SecretsManagerClient({ region, ...SDK_CLIENT_OPTIONS })),
    tenantCore,
    publisher: new EventBridgePublisher(
      new EventBridgeClient({ region, ...SDK_CLIENT_OPTIONS }),
      env.eventBusName,
    ),
    metrics: emfMetrics(),
    logger: createLogger({ level: env.logLevel, fields: { service: 'baton', function: functionName } }),
  };
}

/**
 * A handler's ports from the core: `shared` for every tenant alike, and what `perTenant` builds
 * on one tenant's table client and secrets.
 */
export function scopedPorts<Shared extends object, PerTenant extends object>(
  core: AwsCore,
  shared: Shared,
  perTenant: (tenant: TenantCore) => PerTenant,
): Omit<CorePorts, keyof TenantPorts> &
  Shared & { forTenant(tenantId: string): Promise<CorePorts & Shared & PerTenant> } {
  const { clock, tenants, publisher, metrics, logger } = core;
  const common = { clock, tenants, publisher, metrics, logger, ...shared };
  return {
    ...common,
    forTenant: scopedBy(async (tenantId) => {
      const tenant = core.tenantCore(tenantId);
      return {
        ...common,
        secrets: tenant.secrets,
        conversations: tenant.conversations,
        ...perTenant(tenant),
      };
    }),
  };
}

/** The media links of a function the stack gave the media endpoint and its key (access.mediaLinks). */
export function awsMediaLinks(core: AwsCore): MediaLinks {
  const media = core.env.media;
  if (!media) throw new ConfigError('no media links here: BATON_MEDIA_LINK_KEY_SECRET is not set');
  return createMediaLinks(media.url, () => core.ownSecrets.resolve(media.linkKey));
}
