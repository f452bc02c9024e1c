/**
 * Baton as one construct, generated from infra/topology.ts: per declared function a Lambda, its
 * trigger (HTTP route, EventBridge rule, schedule, or an event source mapping on the table's
 * stream) and only the access declared; dead-letter queues for everything asynchronous and an
 * on-failure queue for the stream; the funnel dashboard and the alarms. Stateful resources come
 * from a BatonState, given or created here.
 */
import * as path from 'node:path';
import { Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CfnStage,
  HttpApi,
  HttpMethod,
  type HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { ArnPrincipal, PolicyStatement, Role, SessionTagsPrincipal } from 'aws-cdk-lib/aws-iam';
import {
  FilterCriteria,
  FilterRule,
  type FunctionUrl,
  FunctionUrlAuthType,
  InvokeMode,
  StartingPosition,
} from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { parseTenants, type TenantConfig } from '../../shared/config/tenants';
import { EVENT_SOURCE } from '../../shared/events/define';
import {
  ITEM_READ_ACTIONS,
  ITEM_WRITE_ACTIONS,
  TENANT_TAG,
  tenantSessionPolicy,
} from '../../shared/runtime/tenant-credentials';
import { EXPIRY_INDEX, PHASE_INDEX } from '../../shared/store/keys';
import { FUNCTIONS, type FunctionDeclaration, type RouteKey, type StreamTrigger } from '../topology';
import { BatonFunction } from './baton-function';
import { BatonMonitoring } from './baton-monitoring';
import { BatonState } from './baton-state';
import { acknowledgeNagFindings, MEDIA_LINK_KEY_ACKNOWLEDGEMENT } from './nag-acknowledgements';
import { grantedSecretIds, refuseLiteralSecrets, secretArn } from './tenant-secrets';
import '../../shared/validation/english';

/** Requests per second a route accepts before API Gateway answers 429. */
export interface BatonThrottle {
  /** Steady-state requests per second. */
  readonly rateLimit: number;
  /** Requests allowed in a burst above the rate. */
  readonly burstLimit: number;
}

export interface BatonProps {
  /**
   * The tenants, as in `infra/aws/tenants.example.json`: validated at synth (a bad configuration
   * fails `cdk synth`), bundled into every function. Secrets only as Secrets Manager references.
   */
  readonly tenants: unknown;
  /**
   * The table (with its stream) and bus. Pass a BatonState from another stack to keep stateful
   * resources apart: the stream consumer then reads the stream through that stack's export.
   * @default created inside this construct
   */
  readonly state?: BatonState;
  /**
   * How long function and API access logs are kept.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Where alarms notify. The alarms exist either way.
   * @default no notification
   */
  readonly alarmTopic?: ITopic;
  /**
   * Throttling of every webhook route.
   * @default 50 requests per second, bursts of 100
   */
  readonly throttling?: BatonThrottle;
  /**
   * Throttling of single routes, by route key (`POST /v1/{tenant}/whatsapp`), over `throttling`.
   * @default none
   */
  readonly routeThrottling?: Readonly<Partial<Record<RouteKey, BatonThrottle>>>;
  /**
   * Reserved concurrency per function name (`ingest`, `relay`, ...): caps what one function may take
   * from the account's concurrency, and guarantees it that much.
   * @default none
   */
  readonly reservedConcurrency?: Readonly<Record<string, number>>;
  /**
   * Whether created logs, queues and (when created here) the table and bus are kept on `cdk destroy`.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * The Baton repository (functions are bundled from its sources).
   * @default the repository this construct is part of
   */
  readonly projectRoot?: string;
}

const DEFAULT_THROTTLE: BatonThrottle = { rateLimit: 50, burstLimit: 100 };

export class Baton extends Construct {
  readonly state: BatonState;
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly functions: Readonly<Record<string, BatonFunction>>;
  /** Each function's role for acting on one tenant (assumed per tenant, tagged with it), by function name. */
  readonly tenantRoles: Readonly<Record<string, Role>>;
  /**
   * The media endpoint (functions/media): a function URL in RESPONSE_STREAM mode, since API Gateway
   * buffers at most 6 MB of a Lambda's answer. Give desks and bots this host; links are signed.
   */
  readonly mediaUrl: FunctionUrl;
  /** The key media links are signed with (generated; rotating it only voids the links out). */
  readonly mediaLinkKey: Secret;
  /** Every dead-letter queue, by a name saying what it catches. */
  readonly deadLetterQueues: Readonly<Record<string, Queue>>;
  readonly monitoring: BatonMonitoring;
  private readonly rules: Rule[] = [];

  constructor(scope: Construct, id: string, props: BatonProps) {
    super(scope, id);
    const tenants = parseTenants(props.tenants);
    const projectRoot = props.projectRoot ?? path.resolve(import.meta.dirname, '..', '..');
    this.state = props.state ?? new BatonState(this, 'State', { removalPolicy: props.removalPolicy });
    const removalPolicy = props.removalPolicy ?? this.state.removalPolicy;
    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;
    refuseLiteralSecrets(tenants);
    assertSessionPoliciesFit(tenants);
    const secretArns = (declaration: FunctionDeclaration): string[] =>
      grantedSecretIds(tenants, declaration.access.secrets).map((secretId) =>
        secretArn(Stack.of(this), secretId),
      );
    const tenantsJson = JSON.stringify(tenants);
    const unknown = Object.keys(props.reservedConcurrency ?? {}).filter(
      (name) => !FUNCTIONS.some((fn) => fn.name === name),
    );
    if (unknown.length > 0)
      throw new Error(`reservedConcurrency names unknown functions: ${unknown.join(', ')}`);
    for (const [name, reserved] of Object.entries(props.reservedConcurrency ?? {})) {
      // 0 would silently stop the function; a negative number is not a concurrency.
      if (!Number.isInteger(reserved) || reserved < 1) {
        throw new Error(`reservedConcurrency.${name} must be a whole number ≥ 1`);
      }
    }
    if (props.throttling) assertThrottle(props.throttling, 'throttling');

    this.api = new HttpApi(this, 'Api', { description: 'Baton webhooks', createDefaultStage: false });
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', { retention: logRetention, removalPolicy });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttling ?? DEFAULT_THROTTLE,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        // Request metadata only: no bodies, no query strings (they carry tokens), no source IPs.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            time: '$context.requestTimeEpoch',
            routeKey: '$context.routeKey',
            status: '$context.status',
            latencyMs: '$context.responseLatency',
            integrationLatencyMs: '$context.integrationLatency',
            responseLength: '$context.responseLength',
            error: '$context.error.messageString',
          }),
        ),
      },
    });

    const environment = {
      TABLE_NAME: this.state.table.tableName,
      EVENT_BUS_NAME: this.state.bus.eventBusName,
      PUBLIC_API_URL: this.api.apiEndpoint,
      BATON_REF_KEY_SECRET: this.state.refKey.secretArn,
    };
    this.mediaLinkKey = new Secret(this, 'MediaLinkKey', {
      description: 'Baton: the key of signed links to users’ media (functions/media)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    Validations.of(this.mediaLinkKey).acknowledge(MEDIA_LINK_KEY_ACKNOWLEDGEMENT);
    const functions: Record<string, BatonFunction> = {};
    const tenantRoles: Record<string, Role> = {};
    const streamConsumers: Record<string, BatonFunction> = {};
    const queues: Record<string, Queue> = {};
    const deadLetterQueue = (queueId: string): Queue => {
      const queue = new Queue(this, queueId, {
        retentionPeriod: Duration.days(14),
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        removalPolicy,
      });
      queues[queueId] = queue;
      return queue;
    };

    for (const declaration of FUNCTIONS) {
      const id = pascal(declaration.name);
      const fn = new BatonFunction(this, id, {
        declaration,
        projectRoot,
        environment,
        tenantsJson,
        logRetention,
        removalPolicy,
        reservedConcurrency: props.reservedConcurrency?.[declaration.name],
      });
      functions[declaration.name] = fn;
      if (declaration.trigger.kind === 'stream') streamConsumers[declaration.name] = fn;
      tenantRoles[declaration.name] = this.grantAccess(fn, declaration, id, secretArns(declaration));
      this.connectTrigger(fn, declaration, id, deadLetterQueue);
    }
    this.functions = functions;
    this.mediaUrl = this.connectMediaLinks(functions);
    this.tenantRoles = tenantRoles;
    this.deadLetterQueues = queues;
    this.throttleRoutes(props.routeThrottling ?? {});
    this.monitoring = new BatonMonitoring(this, 'Monitoring', {
      functions,
      streamConsumers,
      deadLetterQueues: queues,
      bus: this.state.bus,
      rules: this.rules,
      api: this.api,
      alarmTopic: props.alarmTopic,
    });
    acknowledgeNagFindings(this);
  }

  /**
   * A function's own role reaches no tenant's items: it may take on its tenant role for one tenant at
   * a time (the session tagged with the tenant), and that role holds only the items whose keys begin
   * `T#<tenant>#` and the function's secrets (the session policy narrows them to the tenant's). The
   * own role keeps what spans tenants: the reference key, the bus, the expiry index (the sweep), the
   * stream (the conveyor's mapping). Returns the tenant role.
   */
  private grantAccess(
    fn: BatonFunction,
    declaration: FunctionDeclaration,
    id: string,
    secretArns: string[],
  ): Role {
    const { table, bus } = this.state;
    const tenantRole = new Role(this, `${id}TenantRole`, {
      description: `Baton ${declaration.name}, acting for the one tenant its session is tagged with`,
      assumedBy: new SessionTagsPrincipal(new ArnPrincipal(fn.executionRole.roleArn)).withConditions({
        // A session without the tenant tag, or with any other tag, is refused.
        StringLike: { [`aws:RequestTag/${TENANT_TAG}`]: '?*' },
        'ForAllValues:StringEquals': { 'aws:TagKeys': [TENANT_TAG] },
      }),
    });
    const actions = {
      none: [],
      read: ITEM_READ_ACTIONS,
      readWrite: [...ITEM_READ_ACTIONS, ...ITEM_WRITE_ACTIONS],
    }[declaration.access.table];
    if (actions.length > 0) {
      tenantRole.addToPolicy(
        new PolicyStatement({
          actions,
          // The phase index under the same condition: its partition keys are the tenant's too.
          resources: [
            table.tableArn,
            ...(declaration.access.phaseIndex ? [`${table.tableArn}/index/${PHASE_INDEX}`] : []),
          ],
          conditions: {
            // Every key a request touches is the tenant's (tenant ids hold no `#`).
            'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`T#\${aws:PrincipalTag/${TENANT_TAG}}#*`] },
          },
        }),
      );
    }
    if (secretArns.length > 0) {
      tenantRole.addToPolicy(
        new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: secretArns }),
      );
    }
    fn.addToRolePolicy(
      new PolicyStatement({ actions: ['sts:AssumeRole', 'sts:TagSession'], resources: [tenantRole.roleArn] }),
    );
    const stack = Stack.of(this);
    fn.addEnvironment('BATON_TENANT_ROLE_ARN', tenantRole.roleArn);
    fn.addEnvironment('BATON_SECRET_PATHS', declaration.access.secrets.join(','));
    fn.addEnvironment(
      'BATON_SECRET_ARN_PREFIX',
      `arn:${stack.partition}:secretsmanager:${stack.region}:${stack.account}:secret:`,
    );
    if (declaration.access.expiryIndex) {
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['dynamodb:Query'],
          resources: [`${table.tableArn}/index/${EXPIRY_INDEX}`],
        }),
      );
    }
    if (declaration.access.publish) bus.grantPutEventsTo(fn);
    // Every function names conversations in its logs: the reference key, read once at init.
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [this.state.refKey.secretArn],
      }),
    );
    return tenantRole;
  }

  /** The media endpoint's URL and key to every function that signs or checks links (access.mediaLinks). */
  private connectMediaLinks(functions: Record<string, BatonFunction>): FunctionUrl {
    const [host, ...more] = FUNCTIONS.filter((fn) => fn.trigger.kind === 'url');
    const hostFn = host && functions[host.name];
    if (!hostFn || more.length > 0)
      throw new Error('the topology needs exactly one function with a url trigger');
    // No authorization of the URL's own: the link is the credential, checked by the function.
    const url = hostFn.addFunctionUrl({
      authType: FunctionUrlAuthType.NONE,
      invokeMode: InvokeMode.RESPONSE_STREAM,
    });
    for (const declaration of FUNCTIONS) {
      const fn = functions[declaration.name];
      if (!fn || !declaration.access.mediaLinks) continue;
      if (fn !== hostFn) fn.addEnvironment('BATON_MEDIA_URL', url.url);
      fn.addEnvironment('BATON_MEDIA_LINK_KEY_SECRET', this.mediaLinkKey.secretArn);
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['secretsmanager:GetSecretValue'],
          resources: [this.mediaLinkKey.secretArn],
        }),
      );
    }
    return url;
  }

  private connectTrigger(
    fn: BatonFunction,
    declaration: FunctionDeclaration,
    id: string,
    deadLetterQueue: (queueId: string) => Queue,
  ): void {
    const trigger = declaration.trigger;
    if (trigger.kind === 'events' || trigger.kind === 'schedule') {
      // EventBridge invokes asynchronously: what the handler still fails after Lambda's retries
      // lands here (the rule DLQs only catch events EventBridge could not deliver at all). HTTP and
      // the stream invoke synchronously: an async invoke config would never apply to them.
      fn.configureAsyncInvoke({
        retryAttempts: 2,
        maxEventAge: Duration.hours(6),
        onFailure: new SqsDestination(deadLetterQueue(`${id}FailedInvocations`)),
      });
    }
    switch (trigger.kind) {
      case 'http': {
        const integration = new HttpLambdaIntegration(`${id}Integration`, fn);
        for (const routeKey of trigger.routes) {
          const { method, path: routePath } = splitRouteKey(routeKey);
          this.api.addRoutes({
            path: routePath,
            methods: [method],
            integration,
            ...(trigger.authorization === 'iam' ? { authorizer: new HttpIamAuthorizer() } : {}),
          });
        }
        return;
      }
      case 'events':
        trigger.rules.forEach((rule, index) => {
          const ruleId = `${id}On${rule.detailType}${index}`;
          this.rules.push(
            new Rule(this, ruleId, {
              eventBus: this.state.bus,
              eventPattern: { source: [EVENT_SOURCE], detailType: [rule.detailType] },
              targets: [
                new LambdaFunction(fn, {
                  deadLetterQueue: deadLetterQueue(`${ruleId}Dlq`),
                  retryAttempts: 8,
                  maxEventAge: Duration.hours(6),
                }),
              ],
            }),
          );
        });
        return;
      case 'schedule':
        new Rule(this, `${id}Schedule`, {
          schedule: Schedule.rate(Duration.minutes(trigger.everyMinutes)),
          targets: [
            new LambdaFunction(fn, {
              retryAttempts: 2,
              deadLetterQueue: deadLetterQueue(`${id}ScheduleDlq`),
            }),
          ],
        });
        return;
      case 'stream':
        this.connectStream(fn, declaration.name, trigger, deadLetterQueue(`${id}StreamDlq`));
        return;
      case 'url':
        // Its function URL is made with the media links (connectMediaLinks), once all functions exist.
        return;
    }
  }

  /**
   * An event source mapping on the table's stream. Lambda polls the stream and invokes the function
   * synchronously, one batch per shard lane at a time, in order per partition key. A failed batch
   * is retried from the first record the function reports failed, or halved when the function
   * throws, up to the declared attempts and record age; then the shard and sequence numbers of what
   * still fails (not the records: the stream keeps those 24 hours) go to the on-failure queue.
   */
  private connectStream(fn: BatonFunction, name: string, trigger: StreamTrigger, onFailure: Queue): void {
    assertStreamTrigger(name, trigger);
    const { table } = this.state;
    const streamArn = table.tableStreamArn;
    if (!streamArn) throw new Error(`${name} reads the table's stream, but the table has none`);
    const [sortKey, ...more] = table.schemaV2().sortKeys;
    if (!sortKey || more.length > 0) throw new Error(`${name} filters on the table's one sort key`);
    // What the mapping reads with the function's role, on this stream only. (CDK's DynamoEventSource
    // would also grant dynamodb:ListStreams on "*".)
    fn.addToRolePolicy(new PolicyStatement({ actions: STREAM_READ_ACTIONS, resources: [streamArn] }));
    fn.addEventSourceMapping('TableStream', {
      eventSourceArn: streamArn,
      startingPosition: StartingPosition.TRIM_HORIZON,
      batchSize: trigger.batchSize,
      parallelizationFactor: trigger.parallelizationFactor,
      retryAttempts: trigger.maxRetryAttempts,
      maxRecordAge: Duration.seconds(trigger.maxRecordAgeSeconds),
      bisectBatchOnError: true,
      reportBatchItemFailures: true,
      // Filtered records are dropped by Lambda, never invoked for: no deletes (TTL), no other item kinds.
      filters: [
        FilterCriteria.filter({
          eventName: FilterRule.or('INSERT', 'MODIFY'),
          dynamodb: { Keys: { [sortKey.name]: { S: FilterRule.isEqual(trigger.sortKey) } } },
        }),
      ],
      // Grants the function's role sqs:SendMessage on the queue.
      onFailure: new SqsDlq(onFailure),
    });
  }

  private throttleRoutes(routes: Readonly<Partial<Record<RouteKey, BatonThrottle>>>): void {
    const entries = Object.entries(routes).flatMap(([routeKey, throttle]) =>
      throttle ? [[routeKey, throttle] as const] : [],
    );
    const declared = new Set<string>(
      FUNCTIONS.flatMap((fn) => (fn.trigger.kind === 'http' ? fn.trigger.routes : [])),
    );
    const unknownRoutes = entries.map(([routeKey]) => routeKey).filter((routeKey) => !declared.has(routeKey));
    // API Gateway refuses settings for a route that does not exist, but only at deploy time.
    if (unknownRoutes.length > 0)
      throw new Error(`routeThrottling names unknown routes: ${unknownRoutes.join(', ')}`);
    for (const [routeKey, throttle] of entries) assertThrottle(throttle, `routeThrottling['${routeKey}']`);
    if (entries.length === 0) return;
    const cfnStage = this.stage.node.defaultChild;
    if (!(cfnStage instanceof CfnStage)) throw new Error('the HTTP API stage has no CfnStage');
    cfnStage.routeSettings = Object.fromEntries(
      entries.map(([routeKey, throttle]) => [
        routeKey,
        // RouteSettings is plain JSON to CDK: the keys must already be CloudFormation's.
        { ThrottlingRateLimit: throttle.rateLimit, ThrottlingBurstLimit: throttle.burstLimit },
      ]),
    );
  }
}

/** What an event source mapping needs to read a DynamoDB stream with the function's role. */
const STREAM_READ_ACTIONS = [
  'dynamodb:DescribeStream',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
  'dynamodb:ListStreams',
];

/**
 * A stream trigger Lambda accepts and that cannot hold a shard forever: bounded retries and record
 * age (Lambda would take -1, infinite, for both), whole numbers in Lambda's ranges for DynamoDB.
 */
export function assertStreamTrigger(name: string, trigger: StreamTrigger): void {
  const problems = [
    trigger.sortKey.length > 0 ? '' : 'a sortKey',
    isWholeIn(trigger.batchSize, 1, 10_000) ? '' : 'a batchSize of 1 to 10000',
    isWholeIn(trigger.parallelizationFactor, 1, 10) ? '' : 'a parallelizationFactor of 1 to 10',
    isWholeIn(trigger.maxRetryAttempts, 0, 10_000) ? '' : 'maxRetryAttempts of 0 to 10000',
    isWholeIn(trigger.maxRecordAgeSeconds, 60, 604_800) ? '' : 'maxRecordAgeSeconds of 60 to 604800',
  ].filter((problem) => problem !== '');
  if (problems.length > 0) throw new Error(`${name}: a stream trigger needs ${problems.join(', ')}`);
}

function isWholeIn(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}

function assertThrottle(throttle: BatonThrottle, where: string): void {
  if (!(throttle.rateLimit > 0) || !Number.isInteger(throttle.burstLimit) || throttle.burstLimit < 1) {
    throw new Error(`${where} needs a rateLimit > 0 and a whole burstLimit ≥ 1`);
  }
}

function splitRouteKey(routeKey: RouteKey): { method: HttpMethod; path: string } {
  const [verb, routePath] = routeKey.split(' ');
  const method = verb === 'GET' ? HttpMethod.GET : HttpMethod.POST;
  if (!routePath) throw new Error(`route ${routeKey} has no path`);
  return { method, path: routePath };
}

function pascal(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, _dash: string, letter: string) => letter.toUpperCase());
}

/** The longest secret ARN prefix AWS has (partition, region): a session policy that fits with it fits anywhere. */
const LONGEST_SECRET_ARN_PREFIX = 'arn:aws-us-gov:secretsmanager:ap-southeast-7:123456789012:secret:';

/** Every tenant's session policy, for every function, must fit STS's limit: found at synth, not at 3 a.m. */
function assertSessionPoliciesFit(tenants: readonly TenantConfig[]): void {
  for (const declaration of FUNCTIONS)
    for (const tenant of tenants)
      tenantSessionPolicy(tenant, declaration.access.secrets, LONGEST_SECRET_ARN_PREFIX);
}
