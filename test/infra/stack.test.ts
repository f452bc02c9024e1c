/**
 * The synthesized CloudFormation of Baton (the construct, and BatonStack around it), checked against
 * the topology (infra/topology.ts): every expectation about functions, routes, rules and access is
 * derived from FUNCTIONS, so adding a function to the topology is covered without touching this
 * file. Bundling is skipped here (see bundling.test.ts for one synth with real esbuild and a bundle
 * invoked as Lambda would).
 */
import { App, CfnElement, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { IConstruct } from 'constructs';
import * as z from 'zod';
import { assertStreamTrigger, Baton, type BatonProps } from '../../infra/aws/baton';
import { ITERATOR_AGE_ALARM_MS } from '../../infra/aws/baton-monitoring';
import { BatonStack, type BatonStackProps } from '../../infra/aws/baton-stack';
import { BatonState } from '../../infra/aws/baton-state';
import {
  eventRules,
  FUNCTIONS,
  type FunctionDeclaration,
  functionNamed,
  type StreamTrigger,
  streamConsumer,
} from '../../infra/topology';
import { FUNNEL_METRICS, USER_CHANNEL_METRICS } from '../../shared/log/metrics';
import { PHASE_INDEX, PHASE_INDEX_PROJECTION } from '../../shared/store/keys';
import { projectRoot, readExampleTenants, stringLeaves } from './tenants-fixture';

const exampleTenants = readExampleTenants();

// ---- Template shapes (narrowed with zod; nothing is cast) ----

const refSchema = z.object({ Ref: z.string() });
const getAttArnSchema = z.object({ 'Fn::GetAtt': z.tuple([z.string(), z.literal('Arn')]) });
/** What a Lambda environment variable may be besides a literal: a reference resolved at deploy time. */
const intrinsicSchema = z.union([
  refSchema,
  z.object({ 'Fn::GetAtt': z.tuple([z.string(), z.string()]) }),
  z.object({ 'Fn::ImportValue': z.string() }),
  // Literal text around pseudo parameters, e.g. an ARN prefix.
  z.object({ 'Fn::Join': z.tuple([z.literal(''), z.array(z.union([z.string(), refSchema]))]) }),
]);

const resourceSchema = z.object({
  Type: z.string(),
  Properties: z.record(z.string(), z.unknown()).default({}),
  DeletionPolicy: z.string().optional(),
  UpdateReplacePolicy: z.string().optional(),
});
const templateSchema = z.object({ Resources: z.record(z.string(), resourceSchema) });
type Resource = z.infer<typeof resourceSchema>;

const lambdaPropertiesSchema = z.object({
  Runtime: z.string(),
  Architectures: z.array(z.string()),
  Timeout: z.number(),
  Role: getAttArnSchema,
  Environment: z.object({ Variables: z.record(z.string(), z.unknown()) }),
  LoggingConfig: z.object({ LogGroup: refSchema }),
  ReservedConcurrentExecutions: z.number().optional(),
});
type LambdaProperties = z.infer<typeof lambdaPropertiesSchema>;

const routePropertiesSchema = z.object({
  RouteKey: z.string(),
  Target: z.object({
    'Fn::Join': z.tuple([z.literal(''), z.tuple([z.literal('integrations/'), refSchema])]),
  }),
});
const integrationPropertiesSchema = z.object({ IntegrationUri: getAttArnSchema });

const ruleTargetSchema = z.object({
  Arn: getAttArnSchema,
  DeadLetterConfig: z.object({ Arn: getAttArnSchema }).optional(),
  RetryPolicy: z
    .object({ MaximumRetryAttempts: z.number().optional(), MaximumEventAgeInSeconds: z.number().optional() })
    .optional(),
});
const rulePropertiesSchema = z.object({
  EventBusName: z.unknown().optional(),
  EventPattern: z.record(z.string(), z.unknown()).optional(),
  ScheduleExpression: z.string().optional(),
  Targets: z.array(ruleTargetSchema),
});

const eventInvokeConfigSchema = z.object({
  FunctionName: refSchema,
  Qualifier: z.string(),
  MaximumRetryAttempts: z.number().optional(),
  MaximumEventAgeInSeconds: z.number().optional(),
  DestinationConfig: z
    .object({ OnFailure: z.object({ Destination: getAttArnSchema }).optional() })
    .optional(),
});

const alarmSchema = z.object({
  MetricName: z.string().optional(),
  Namespace: z.string().optional(),
  Dimensions: z.array(z.object({ Name: z.string(), Value: z.unknown() })).default([]),
  Statistic: z.string().optional(),
  Period: z.number().optional(),
  EvaluationPeriods: z.number().optional(),
  Threshold: z.number(),
  ComparisonOperator: z.string(),
  AlarmActions: z.array(z.unknown()).optional(),
});
type Alarm = z.infer<typeof alarmSchema>;

const eventSourceMappingSchema = z.object({
  FunctionName: refSchema,
  EventSourceArn: z.unknown(),
  StartingPosition: z.string().optional(),
  BatchSize: z.number().optional(),
  ParallelizationFactor: z.number().optional(),
  MaximumRetryAttempts: z.number().optional(),
  MaximumRecordAgeInSeconds: z.number().optional(),
  BisectBatchOnFunctionError: z.boolean().optional(),
  FunctionResponseTypes: z.array(z.string()).optional(),
  FilterCriteria: z.object({ Filters: z.array(z.object({ Pattern: z.string() })) }).optional(),
  DestinationConfig: z
    .object({ OnFailure: z.object({ Destination: getAttArnSchema }).optional() })
    .optional(),
});
type EventSourceMapping = z.infer<typeof eventSourceMappingSchema>;

const tableSchema = z.object({
  KeySchema: z.array(z.object({ AttributeName: z.string(), KeyType: z.string() })),
  StreamSpecification: z.object({ StreamViewType: z.string() }).optional(),
});

const queuePropertiesSchema = z.object({
  SqsManagedSseEnabled: z.boolean().optional(),
  KmsMasterKeyId: z.unknown().optional(),
  MessageRetentionPeriod: z.number().optional(),
});

/** A dashboard widget as CloudWatch reads it from the DashboardBody. */
const widgetSchema = z.object({
  type: z.string(),
  x: z.number(),
  y: z.number(),
  width: z.number(),
  height: z.number(),
  properties: z.object({ title: z.string().optional(), metrics: z.array(z.array(z.unknown())).optional() }),
});
const dashboardBodySchema = z.object({
  'Fn::Join': z.tuple([z.literal(''), z.array(z.unknown())]),
});

const stageSchema = z.object({
  StageName: z.string(),
  DefaultRouteSettings: z.record(z.string(), z.unknown()).optional(),
  RouteSettings: z.record(z.string(), z.unknown()).optional(),
  AccessLogSettings: z.object({ DestinationArn: getAttArnSchema, Format: z.string() }).optional(),
});

const statementSchema = z
  .object({
    Effect: z.string(),
    Action: z.union([z.string(), z.array(z.string())]).optional(),
    NotAction: z.unknown().optional(),
    Resource: z.unknown().optional(),
  })
  .loose();
type Statement = z.infer<typeof statementSchema>;
const policyDocumentSchema = z.object({ Statement: z.array(statementSchema) });
const policyPropertiesSchema = z.object({ PolicyDocument: policyDocumentSchema, Roles: z.array(refSchema) });
const rolePropertiesSchema = z.object({
  AssumeRolePolicyDocument: policyDocumentSchema.optional(),
  Policies: z.array(z.object({ PolicyDocument: policyDocumentSchema })).optional(),
  ManagedPolicyArns: z.array(z.unknown()).optional(),
});
/** Any resource holding a policy document of its own: IAM policies, queue and topic policies, ... */
const resourcePolicySchema = z.object({ PolicyDocument: policyDocumentSchema });
const queuePolicySchema = z.object({ Queues: z.array(refSchema), PolicyDocument: policyDocumentSchema });

function actionsOf(statement: Statement): string[] {
  if (statement.Action === undefined) return [];
  return typeof statement.Action === 'string' ? [statement.Action] : statement.Action;
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

const byJson = (a: unknown, b: unknown): number => JSON.stringify(a).localeCompare(JSON.stringify(b));

// ---- One synthesized stack, read through the constructs that made it ----

/** A secret ARN in this stack's account and region, as CloudFormation joins it, ending `:secret:<tail>`. */
const secretArnOf = (tail: string) => ({
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':secretsmanager:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      `:secret:${tail}`,
    ],
  ],
});
/** The ARN pattern of a secret configured by name (Secrets Manager appends six characters). */
const secretArnPattern = (name: string) => secretArnOf(`${name}-??????`);

class Synth {
  readonly template: Template;
  readonly resources: Readonly<Record<string, Resource>>;

  constructor(
    readonly stack: Stack,
    readonly baton: Baton,
  ) {
    this.template = Template.fromStack(stack);
    this.resources = templateSchema.parse(this.template.toJSON()).Resources;
  }

  ofType(type: string): Array<[string, Resource]> {
    return Object.entries(this.resources).filter(([, resource]) => resource.Type === type);
  }

  propertiesOf<Schema extends z.ZodType>(type: string, schema: Schema): Array<[string, z.output<Schema>]> {
    return this.ofType(type).map(([id, resource]) => [id, schema.parse(resource.Properties)]);
  }

  /** The logical id of a construct's CloudFormation resource, in whichever stack it lives. */
  idOf(construct: IConstruct): string {
    const cfn = construct.node.defaultChild;
    if (!(cfn instanceof CfnElement))
      throw new Error(`${construct.node.path} has no CloudFormation resource`);
    return Stack.of(cfn).getLogicalId(cfn);
  }

  functionId(declaration: FunctionDeclaration): string {
    const fn = this.baton.functions[declaration.name];
    if (!fn) throw new Error(`no function ${declaration.name} in the construct`);
    return this.idOf(fn);
  }

  /** Baton's own functions: CDK helper functions (if any) run other runtimes. */
  lambdas(): Array<[string, LambdaProperties]> {
    return this.ofType('AWS::Lambda::Function')
      .filter(([, resource]) => resource.Properties.Runtime === 'nodejs22.x')
      .map(([id, resource]) => [id, lambdaPropertiesSchema.parse(resource.Properties)]);
  }

  lambda(declaration: FunctionDeclaration): LambdaProperties {
    const id = this.functionId(declaration);
    const found = this.lambdas().find(([logicalId]) => logicalId === id);
    if (!found) throw new Error(`no AWS::Lambda::Function ${id} for ${declaration.name}`);
    return found[1];
  }

  rules(): Array<[string, z.infer<typeof rulePropertiesSchema>]> {
    return this.propertiesOf('AWS::Events::Rule', rulePropertiesSchema);
  }

  alarms(): Alarm[] {
    return this.propertiesOf('AWS::CloudWatch::Alarm', alarmSchema).map(([, alarm]) => alarm);
  }

  eventSourceMappings(): EventSourceMapping[] {
    return this.propertiesOf('AWS::Lambda::EventSourceMapping', eventSourceMappingSchema).map(
      ([, mapping]) => mapping,
    );
  }

  /**
   * The dashboard's widgets, as CloudWatch will read them: the body is a Fn::Join whose tokens sit
   * inside JSON strings, so each one is written as text (a Ref as `Ref:<logical id>`) before parsing.
   */
  dashboardWidgets(): Array<z.infer<typeof widgetSchema>> {
    const dashboards = this.ofType('AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    const parts = dashboardBodySchema.parse(dashboards[0]?.[1].Properties.DashboardBody)['Fn::Join'][1];
    const text = parts
      .map((part) => {
        if (typeof part === 'string') return part;
        const ref = refSchema.safeParse(part);
        return ref.success ? `Ref:${ref.data.Ref}` : 'token';
      })
      .join('');
    return z.object({ widgets: z.array(widgetSchema) }).parse(JSON.parse(text)).widgets;
  }

  /** The API's `$default` stage: there is exactly one. */
  defaultStage(): z.infer<typeof stageSchema> {
    const stages = this.propertiesOf('AWS::ApiGatewayV2::Stage', stageSchema).filter(
      ([, stage]) => stage.StageName === '$default',
    );
    expect(stages).toHaveLength(1);
    const stage = stages[0]?.[1];
    if (!stage) throw new Error('no $default stage');
    return stage;
  }

  /** Every policy statement attached to a function's role (its default policy and any inline ones). */
  statementsOf(declaration: FunctionDeclaration): Statement[] {
    return this.statementsOfRole(this.lambda(declaration).Role['Fn::GetAtt'][0]);
  }

  /** The logical id of the role a function takes on for one tenant. */
  tenantRoleId(declaration: FunctionDeclaration): string {
    const role = this.baton.tenantRoles[declaration.name];
    if (!role) throw new Error(`no tenant role for ${declaration.name}`);
    return this.idOf(role);
  }

  /** Every policy statement of the role a function takes on for one tenant. */
  tenantStatementsOf(declaration: FunctionDeclaration): Statement[] {
    return this.statementsOfRole(this.tenantRoleId(declaration));
  }

  statementsOfRole(roleId: string): Statement[] {
    const fromPolicies = this.propertiesOf('AWS::IAM::Policy', policyPropertiesSchema)
      .filter(([, policy]) => policy.Roles.some((role) => role.Ref === roleId))
      .flatMap(([, policy]) => policy.PolicyDocument.Statement);
    const role = this.resources[roleId];
    if (!role) throw new Error(`no role ${roleId}`);
    const inline = (rolePropertiesSchema.parse(role.Properties).Policies ?? []).flatMap(
      (policy) => policy.PolicyDocument.Statement,
    );
    return [...fromPolicies, ...inline];
  }

  allowedActionsOf(declaration: FunctionDeclaration): string[] {
    return this.statementsOf(declaration)
      .filter((statement) => statement.Effect === 'Allow')
      .flatMap(actionsOf);
  }

  /** Every statement of every policy document in the template, with the resource it belongs to. */
  allStatements(): Array<{ owner: string; statement: Statement }> {
    return Object.entries(this.resources).flatMap(([owner, resource]) =>
      policyDocumentsOf(resource).flatMap((document) =>
        document.Statement.map((statement) => ({ owner, statement })),
      ),
    );
  }
}

/** A resource's own policy document (IAM policies, queue policies, ...) and a role's trust and inline policies. */
function policyDocumentsOf(resource: Resource): Array<z.infer<typeof policyDocumentSchema>> {
  const own = resourcePolicySchema.safeParse(resource.Properties).data?.PolicyDocument;
  const documents = own ? [own] : [];
  if (resource.Type !== 'AWS::IAM::Role') return documents;
  const role = rolePropertiesSchema.parse(resource.Properties);
  if (role.AssumeRolePolicyDocument) documents.push(role.AssumeRolePolicyDocument);
  return [...documents, ...(role.Policies ?? []).map((policy) => policy.PolicyDocument)];
}

type Options = Omit<BatonProps, 'tenants' | 'projectRoot'>;

/**
 * A new App per synth, without esbuild. CloudFormation's built-in validation is off too: it only
 * warns, and it would double the time of this suite.
 */
function noBundlingApp(): App {
  return new App({ context: { 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
}

/** The repository's own stack. */
function synthStack(options: Partial<BatonStackProps> = {}, tenants: unknown = exampleTenants): Synth {
  const stack = new BatonStack(noBundlingApp(), 'Test', { tenants, projectRoot, ...options });
  return new Synth(stack, stack.baton);
}

/** The construct in a plain stack of someone else's app; options may create resources in that stack. */
function synthConstruct(options: (stack: Stack) => Options = () => ({})): Synth {
  const stack = new Stack(noBundlingApp(), 'Platform');
  const baton = new Baton(stack, 'B', { tenants: exampleTenants, projectRoot, ...options(stack) });
  return new Synth(stack, baton);
}

/** Built on first use: only the tests that need a variant pay for its synth. */
function lazy<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= make();
    return value;
  };
}

// ---- The stack under test, built once from the example tenants ----

const main = synthStack();

/** The alarms of `main` on a queue's visible messages. */
const depthAlarmsOf = (queueId: string) =>
  main
    .alarms()
    .filter(
      (alarm) =>
        alarm.MetricName === 'ApproximateNumberOfMessagesVisible' &&
        JSON.stringify(alarm.Dimensions) ===
          JSON.stringify([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }]),
    );
/** EventBridge invokes these asynchronously; HTTP and the table's stream invoke synchronously. */
const asyncFunctions = FUNCTIONS.filter(
  (declaration) => declaration.trigger.kind === 'events' || declaration.trigger.kind === 'schedule',
);
const streamFunctions = FUNCTIONS.filter((declaration) => declaration.trigger.kind === 'stream');

/** The stream's consumer as the topology declares it: every expectation on the mapping comes from here. */
function consumer(): FunctionDeclaration & { trigger: StreamTrigger } {
  const found = streamConsumer();
  if (!found) throw new Error('the topology declares no stream consumer');
  return found;
}
const byName = FUNCTIONS.map((declaration) => [declaration.name, declaration] as const);

function busId(synth: Synth): string {
  return synth.idOf(synth.baton.state.bus);
}

function tableId(synth: Synth): string {
  return synth.idOf(synth.baton.state.table);
}

/** The one event source mapping of a stack: the table's stream to its consumer. */
function streamMapping(synth: Synth): EventSourceMapping {
  const mappings = synth.eventSourceMappings();
  expect(mappings).toHaveLength(1);
  const mapping = mappings[0];
  if (!mapping) throw new Error('no event source mapping');
  return mapping;
}

const STREAM_READ = [
  'dynamodb:DescribeStream',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
  'dynamodb:ListStreams',
];
const isStreamAction = (action: string): boolean => STREAM_READ.includes(action);

// ---- Tests ----

describe('functions', () => {
  test('one Lambda per declared function, and nine are declared today', () => {
    expect(FUNCTIONS.map((fn) => fn.name).sort()).toEqual([
      'agent-api',
      'check-presence',
      'conveyor',
      'expire-sessions',
      'hand-over',
      'ingest',
      'media',
      'operator-api',
      'relay',
    ]);
    const ids = main.lambdas().map(([id]) => id);
    expect(ids).toHaveLength(FUNCTIONS.length);
    expect(ids.sort()).toEqual(FUNCTIONS.map((declaration) => main.functionId(declaration)).sort());
  });

  test.each(byName)(
    '%s: nodejs22.x on arm64, declared timeout, environment and its own log group',
    (_name, declaration) => {
      const lambda = main.lambda(declaration);
      expect(lambda.Runtime).toBe('nodejs22.x');
      expect(lambda.Architectures).toEqual(['arm64']);
      expect(lambda.Timeout).toBe(declaration.timeoutSeconds);
      const variables = lambda.Environment.Variables;
      expect(variables.TABLE_NAME).toEqual({ Ref: tableId(main) });
      expect(variables.EVENT_BUS_NAME).toEqual({ Ref: busId(main) });
      expect(variables).toHaveProperty(['PUBLIC_API_URL']);
      // The tenants travel in the bundle: the environment only names the file.
      expect(variables.BATON_TENANTS_FILE).toBe('tenants.json');
      expect(variables).not.toHaveProperty(['BATON_TENANTS']);
      const logGroupId = lambda.LoggingConfig.LogGroup.Ref;
      expect(main.ofType('AWS::Logs::LogGroup').map(([id]) => id)).toContain(logGroupId);
    },
  );

  test('advance-intake is gone: no construct, no Lambda, no role, no queue of it', () => {
    expect(Object.keys(main.baton.functions)).not.toContain('advance-intake');
    expect(Object.keys(main.resources).filter((id) => /AdvanceIntake/i.test(id))).toEqual([]);
  });

  test('each function has a log group of its own', () => {
    const logGroups = FUNCTIONS.map((declaration) => main.lambda(declaration).LoggingConfig.LogGroup.Ref);
    expect(new Set(logGroups).size).toBe(FUNCTIONS.length);
  });
});

describe('the Baton construct', () => {
  const inPlainStack = lazy(() => synthConstruct());

  function countsByType(synth: Synth): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const resource of Object.values(synth.resources))
      counts[resource.Type] = (counts[resource.Type] ?? 0) + 1;
    return counts;
  }

  test('works inside any Stack: the same resources as BatonStack, which adds only outputs', () => {
    const synth = inPlainStack();
    expect(synth.stack).not.toBeInstanceOf(BatonStack);
    expect(Object.keys(synth.baton.functions).sort()).toEqual(FUNCTIONS.map((fn) => fn.name).sort());
    expect(synth.lambdas()).toHaveLength(FUNCTIONS.length);
    synth.template.resourceCountIs('AWS::DynamoDB::Table', 1);
    synth.template.resourceCountIs('AWS::Events::EventBus', 1);
    synth.template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    expect(countsByType(synth)).toEqual(countsByType(main));
  });

  describe('with the state in another stack', () => {
    const separated = lazy(() => {
      const app = noBundlingApp();
      const stateStack = new Stack(app, 'State');
      const state = new BatonState(stateStack, 'State');
      const stack = new BatonStack(app, 'Test', {
        tenants: exampleTenants,
        projectRoot,
        state,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      return {
        state,
        stateStack,
        stateTemplate: Template.fromStack(stateStack),
        synth: new Synth(stack, stack.baton),
      };
    });

    test('the Baton stack has no table and no bus; the state stack has them', () => {
      const { synth, stateTemplate, state } = separated();
      expect(synth.baton.state).toBe(state);
      synth.template.resourceCountIs('AWS::DynamoDB::Table', 0);
      synth.template.resourceCountIs('AWS::Events::EventBus', 0);
      stateTemplate.resourceCountIs('AWS::DynamoDB::Table', 1);
      stateTemplate.resourceCountIs('AWS::Events::EventBus', 1);
      // The code stack is complete otherwise.
      expect(synth.lambdas()).toHaveLength(FUNCTIONS.length);
    });

    test('functions reach the table and bus through the state stack’s exports', () => {
      const { synth, stateStack } = separated();
      expect(synth.stack.dependencies).toContain(stateStack);
      for (const declaration of FUNCTIONS) {
        const variables = synth.lambda(declaration).Environment.Variables;
        expect(variables.TABLE_NAME).toEqual({ 'Fn::ImportValue': expect.stringMatching(/^State:/) });
        expect(variables.EVENT_BUS_NAME).toEqual({ 'Fn::ImportValue': expect.stringMatching(/^State:/) });
      }
      const eventBusRules = synth.rules().filter(([, rule]) => rule.EventPattern !== undefined);
      expect(eventBusRules).toHaveLength(eventRules().length);
      for (const [, rule] of eventBusRules) {
        expect(rule.EventBusName).toEqual({ 'Fn::ImportValue': expect.stringMatching(/^State:/) });
      }
    });

    test('the stream lives in the state stack; the mapping and the grant to read it use its export', () => {
      const { synth, stateTemplate } = separated();
      stateTemplate.hasResourceProperties('AWS::DynamoDB::Table', {
        StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      });
      const imported = { 'Fn::ImportValue': expect.stringMatching(/^State:.*StreamArn/) };
      expect(streamMapping(synth).EventSourceArn).toEqual(imported);
      const streamStatements = synth
        .statementsOf(consumer())
        .filter((statement) => actionsOf(statement).some(isStreamAction));
      expect(streamStatements).toHaveLength(1);
      expect(streamStatements[0]?.Resource).toEqual(imported);
    });

    test('removalPolicy applies to what Baton creates; the given state keeps its own (retain)', () => {
      const { synth, stateTemplate } = separated();
      for (const type of ['AWS::SQS::Queue', 'AWS::Logs::LogGroup']) {
        expect(synth.ofType(type).length).toBeGreaterThan(0);
        for (const [, resource] of synth.ofType(type)) expect(resource.DeletionPolicy).toBe('Delete');
      }
      stateTemplate.allResources('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain' });
      stateTemplate.allResources('AWS::Events::EventBus', { DeletionPolicy: 'Retain' });
    });
  });

  describe('reservedConcurrency', () => {
    const reserved = lazy(() => synthStack({ reservedConcurrency: { ingest: 5 } }));

    test('{ ingest: 5 } reserves 5 for ingest and nothing for the others', () => {
      for (const declaration of FUNCTIONS) {
        expect(reserved().lambda(declaration).ReservedConcurrentExecutions).toBe(
          declaration.name === 'ingest' ? 5 : undefined,
        );
      }
    });

    test('by default no function reserves concurrency', () => {
      for (const declaration of FUNCTIONS) {
        expect(main.lambda(declaration).ReservedConcurrentExecutions).toBeUndefined();
      }
    });

    test('an unknown function name is refused at synth', () => {
      expect(() => synthStack({ reservedConcurrency: { ingest: 5, 'no-such-function': 1 } })).toThrow(
        /no-such-function/,
      );
    });

    test.each([0, -1, 2.5])(
      'a reservation of %s is refused at synth (0 would silently stop the function)',
      (value) => {
        expect(() => synthStack({ reservedConcurrency: { ingest: value } })).toThrow(
          /reservedConcurrency.ingest/,
        );
      },
    );
  });

  test('routeThrottling for a route that does not exist, or a throttle of 0, is refused at synth', () => {
    expect(() =>
      synthStack({ routeThrottling: { 'POST /v1/typo': { rateLimit: 1, burstLimit: 1 } } }),
    ).toThrow(/unknown routes: POST \/v1\/typo/);
    expect(() => synthStack({ throttling: { rateLimit: 0, burstLimit: 10 } })).toThrow(/throttling/);
  });

  describe('removalPolicy', () => {
    const stateful = [
      'AWS::DynamoDB::Table',
      'AWS::Events::EventBus',
      'AWS::SQS::Queue',
      'AWS::Logs::LogGroup',
    ];
    const destroyed = lazy(() => synthStack({ removalPolicy: RemovalPolicy.DESTROY }));

    test.each(stateful)('default: every %s is retained', (type) => {
      expect(main.ofType(type).length).toBeGreaterThan(0);
      for (const [, resource] of main.ofType(type)) {
        expect(resource.DeletionPolicy).toBe('Retain');
        expect(resource.UpdateReplacePolicy).toBe('Retain');
      }
    });

    test.each(stateful)('DESTROY: every %s is deleted', (type) => {
      expect(destroyed().ofType(type).length).toBeGreaterThan(0);
      for (const [, resource] of destroyed().ofType(type)) expect(resource.DeletionPolicy).toBe('Delete');
    });
  });
});

describe('http routes', () => {
  const declared = FUNCTIONS.flatMap((declaration) =>
    declaration.trigger.kind === 'http'
      ? declaration.trigger.routes.map((routeKey) => ({ routeKey, declaration }))
      : [],
  );

  function synthesizedRoutes(): Array<{ routeKey: string; integrationId: string }> {
    return main.propertiesOf('AWS::ApiGatewayV2::Route', routePropertiesSchema).map(([, route]) => ({
      routeKey: route.RouteKey,
      integrationId: route.Target['Fn::Join'][1][1].Ref,
    }));
  }

  test('every declared route exists, and no other', () => {
    expect(declared.length).toBeGreaterThan(0);
    expect(
      synthesizedRoutes()
        .map((route) => route.routeKey)
        .sort(),
    ).toEqual(declared.map((route) => route.routeKey).sort());
  });

  test('a route declared for IAM has the IAM authorizer, every other none (the function checks its own)', () => {
    const routes = main.propertiesOf(
      'AWS::ApiGatewayV2::Route',
      z.object({ RouteKey: z.string(), AuthorizationType: z.string().optional() }),
    );
    const iam = new Set<string>(
      FUNCTIONS.flatMap((fn) =>
        fn.trigger.kind === 'http' && fn.trigger.authorization === 'iam' ? fn.trigger.routes : [],
      ),
    );
    expect(iam.size).toBeGreaterThan(0);
    for (const [, route] of routes)
      expect([route.RouteKey, route.AuthorizationType ?? 'NONE']).toEqual([
        route.RouteKey,
        iam.has(route.RouteKey) ? 'AWS_IAM' : 'NONE',
      ]);
  });

  test('each route is integrated with the function that declares it', () => {
    const integrations = new Map(
      main
        .propertiesOf('AWS::ApiGatewayV2::Integration', integrationPropertiesSchema)
        .map(([id, integration]) => [id, integration.IntegrationUri['Fn::GetAtt'][0]]),
    );
    for (const { routeKey, declaration } of declared) {
      const route = synthesizedRoutes().find((candidate) => candidate.routeKey === routeKey);
      expect(route).toBeDefined();
      expect(integrations.get(route?.integrationId ?? '')).toBe(main.functionId(declaration));
    }
  });
});

describe('event rules', () => {
  const eventBusRules = () => main.rules().filter(([, rule]) => rule.EventPattern !== undefined);

  test('one rule per declared event rule, each on the Baton bus', () => {
    expect(eventRules().length).toBeGreaterThan(0);
    expect(eventBusRules()).toHaveLength(eventRules().length);
    for (const [, rule] of eventBusRules()) {
      expect(rule.EventBusName).toEqual({ Ref: busId(main) });
    }
  });

  test.each(eventRules().map(({ fn, rule }) => [`${fn.name} on ${rule.detailType}`, fn, rule] as const))(
    '%s: pattern on source baton and the detail-type, with the declared content filter',
    (_, fn, rule) => {
      const fnId = main.functionId(fn);
      const matching = eventBusRules().filter(
        ([, candidate]) =>
          candidate.Targets.some((target) => target.Arn['Fn::GetAtt'][0] === fnId) &&
          JSON.stringify(candidate.EventPattern?.['detail-type']) === JSON.stringify([rule.detailType]),
      );
      expect(matching).toHaveLength(1);
      const pattern = matching[0]?.[1].EventPattern;
      expect(pattern).toEqual({
        source: ['baton'],
        'detail-type': [rule.detailType],
      });
    },
  );

  test('no rule on MessagesWaiting (the stream delivers waiting messages), relay only on its own', () => {
    const waiting = eventBusRules().filter(([, rule]) =>
      JSON.stringify(rule.EventPattern?.['detail-type']).includes('MessagesWaiting'),
    );
    expect(waiting).toEqual([]);
    const relay = FUNCTIONS.find((fn) => fn.name === 'relay');
    if (relay?.trigger.kind !== 'events') throw new Error('relay is no longer triggered by events');
    const relayId = main.functionId(relay);
    const relayDetailTypes = eventBusRules()
      .filter(([, rule]) => rule.Targets.some((target) => target.Arn['Fn::GetAtt'][0] === relayId))
      .flatMap(([, rule]) => z.array(z.string()).parse(rule.EventPattern?.['detail-type']));
    expect(relayDetailTypes.sort()).toEqual(relay.trigger.rules.map((rule) => rule.detailType).sort());
    expect(relayDetailTypes).not.toContain('MessagesWaiting');
  });
});

describe('schedules', () => {
  const scheduled = FUNCTIONS.flatMap((declaration) =>
    declaration.trigger.kind === 'schedule'
      ? [{ declaration, everyMinutes: declaration.trigger.everyMinutes }]
      : [],
  );
  const scheduleRules = () => main.rules().filter(([, rule]) => rule.ScheduleExpression !== undefined);

  test('one scheduled rule, every minute, today', () => {
    expect(scheduled).toHaveLength(1);
    expect(scheduleRules()).toHaveLength(1);
    expect(scheduleRules()[0]?.[1].ScheduleExpression).toBe('rate(1 minute)');
  });

  test.each(scheduled.map((entry) => [entry.declaration.name, entry] as const))(
    '%s runs at its declared rate',
    (_, { declaration, everyMinutes }) => {
      const expression = `rate(${everyMinutes} ${everyMinutes === 1 ? 'minute' : 'minutes'})`;
      const fnId = main.functionId(declaration);
      const matching = scheduleRules().filter(([, rule]) =>
        rule.Targets.some((target) => target.Arn['Fn::GetAtt'][0] === fnId),
      );
      expect(matching).toHaveLength(1);
      expect(matching[0]?.[1].ScheduleExpression).toBe(expression);
      expect(matching[0]?.[1].EventPattern).toBeUndefined();
    },
  );
});

describe('the media endpoint', () => {
  const media = () => functionNamed('media');
  const urls = () =>
    main.propertiesOf(
      'AWS::Lambda::Url',
      z.object({ TargetFunctionArn: z.unknown(), AuthType: z.string(), InvokeMode: z.string() }),
    );

  test('one function URL, on the media function, its response streamed, the link its only credential', () => {
    expect(urls()).toEqual([
      [
        expect.any(String),
        {
          TargetFunctionArn: { 'Fn::GetAtt': [main.functionId(media()), 'Arn'] },
          AuthType: 'NONE',
          InvokeMode: 'RESPONSE_STREAM',
        },
      ],
    ]);
  });

  test('the functions that make links know the URL; the media function, which checks them, does not need it', () => {
    const [[urlId] = ['']] = urls();
    for (const declaration of FUNCTIONS) {
      const variables = main.lambda(declaration).Environment.Variables;
      const signs = declaration.access.mediaLinks && declaration.trigger.kind !== 'url';
      expect({ name: declaration.name, url: variables.BATON_MEDIA_URL }).toEqual({
        name: declaration.name,
        url: signs ? { 'Fn::GetAtt': [urlId, 'FunctionUrl'] } : undefined,
      });
    }
    expect(
      FUNCTIONS.filter((fn) => fn.access.mediaLinks)
        .map((fn) => fn.name)
        .sort(),
    ).toEqual(['conveyor', 'hand-over', 'media']);
  });

  test('the media function reads the tenant’s WhatsApp token and no item of the table', () => {
    expect(media().access.secrets).toEqual(['whatsapp.accessToken']);
    expect(media().access.table).toBe('none');
    const tableActions = main
      .tenantStatementsOf(media())
      .flatMap(actionsOf)
      .filter((action) => action.startsWith('dynamodb:'));
    expect(tableActions).toEqual([]);
  });
});

describe('the table stream', () => {
  const mapping = () => streamMapping(main);

  test('one event source mapping, from the table’s stream to the declared consumer (conveyor today)', () => {
    expect(consumer().name).toBe('conveyor');
    expect(mapping().FunctionName).toEqual({ Ref: main.functionId(consumer()) });
    expect(mapping().EventSourceArn).toEqual({ 'Fn::GetAtt': [tableId(main), 'StreamArn'] });
    expect(mapping().StartingPosition).toBe('TRIM_HORIZON');
  });

  test('batch size, parallelization, bounded retries and record age as the topology declares', () => {
    const { trigger } = consumer();
    expect(mapping()).toMatchObject({
      BatchSize: trigger.batchSize,
      ParallelizationFactor: trigger.parallelizationFactor,
      MaximumRetryAttempts: trigger.maxRetryAttempts,
      MaximumRecordAgeInSeconds: trigger.maxRecordAgeSeconds,
    });
    // Bounded: -1 would retry, and hold the shard, until the record leaves the stream.
    expect(mapping().MaximumRetryAttempts).toBeGreaterThanOrEqual(0);
    expect(mapping().MaximumRecordAgeInSeconds).toBeGreaterThanOrEqual(60);
  });

  test('a failing batch is halved, and the function may report single failed records', () => {
    expect(mapping().BisectBatchOnFunctionError).toBe(true);
    expect(mapping().FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
  });

  test('only inserts and updates of items with the declared sort key reach the function', () => {
    const tables = main.propertiesOf('AWS::DynamoDB::Table', tableSchema);
    const sortKey = tables[0]?.[1].KeySchema.find((key) => key.KeyType === 'RANGE')?.AttributeName;
    expect(sortKey).toBe('sk');
    const filters = mapping().FilterCriteria?.Filters ?? [];
    expect(filters).toHaveLength(1);
    expect(JSON.parse(filters[0]?.Pattern ?? 'null')).toEqual({
      eventName: ['INSERT', 'MODIFY'],
      dynamodb: { Keys: { [sortKey ?? 'sk']: { S: [consumer().trigger.sortKey] } } },
    });
  });

  test('what still fails goes to an SQS queue: encrypted, TLS only, kept 14 days, alarmed at one message', () => {
    const queueId = mapping().DestinationConfig?.OnFailure?.Destination['Fn::GetAtt'][0] ?? '';
    const queue = main.resources[queueId];
    expect(queue?.Type).toBe('AWS::SQS::Queue');
    expect(queuePropertiesSchema.parse(queue?.Properties)).toEqual({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    const policies = main
      .propertiesOf('AWS::SQS::QueuePolicy', queuePolicySchema)
      .filter(([, policy]) => policy.Queues.some((ref) => ref.Ref === queueId));
    expect(policies).toHaveLength(1);
    expect(JSON.stringify(policies[0]?.[1].PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    const depth = depthAlarmsOf(queueId);
    expect(depth).toHaveLength(1);
    expect(depth[0]).toMatchObject({ Namespace: 'AWS/SQS', Threshold: 1 });
    expect(Object.values(main.baton.deadLetterQueues).map((known) => main.idOf(known))).toContain(queueId);
  });

  test('the consumer’s role may send to its on-failure queue (the mapping sends with it)', () => {
    const queueId = mapping().DestinationConfig?.OnFailure?.Destination['Fn::GetAtt'][0];
    const sendsTo = main
      .statementsOf(consumer())
      .filter((statement) => statement.Effect === 'Allow' && actionsOf(statement).includes('sqs:SendMessage'))
      .flatMap((statement) => asList(statement.Resource));
    expect(sendsTo).toEqual([{ 'Fn::GetAtt': [queueId, 'Arn'] }]);
  });

  describe('a stream trigger that would hold a shard forever, or that Lambda refuses, fails synth', () => {
    const declared = () => consumer().trigger;

    test('control: the declared trigger passes', () => {
      expect(() => assertStreamTrigger('conveyor', declared())).not.toThrow();
    });

    test.each<[string, Partial<StreamTrigger>]>([
      ['infinite retries', { maxRetryAttempts: -1 }],
      ['infinite record age', { maxRecordAgeSeconds: -1 }],
      ['a record age under a minute', { maxRecordAgeSeconds: 59 }],
      ['a record age over a week', { maxRecordAgeSeconds: 604_801 }],
      ['an empty batch', { batchSize: 0 }],
      ['a batch over 10000', { batchSize: 10_001 }],
      ['parallelization 11', { parallelizationFactor: 11 }],
      ['a fractional retry count', { maxRetryAttempts: 2.5 }],
      ['an empty sort key', { sortKey: '' }],
    ])('%s', (_, change) => {
      expect(() => assertStreamTrigger('conveyor', { ...declared(), ...change })).toThrow(
        /^conveyor: a stream trigger needs/,
      );
    });
  });
});

describe('async safety', () => {
  const queueIds = () => main.ofType('AWS::SQS::Queue').map(([id]) => id);

  test('every rule target (events and schedules) has a retry policy and a dead-letter queue', () => {
    const all = main.rules();
    expect(all).toHaveLength(
      eventRules().length + FUNCTIONS.filter((fn) => fn.trigger.kind === 'schedule').length,
    );
    for (const [, rule] of all) {
      expect(rule.Targets.length).toBeGreaterThan(0);
      for (const target of rule.Targets) {
        expect(target.RetryPolicy?.MaximumRetryAttempts).toEqual(expect.any(Number));
        expect(queueIds()).toContain(target.DeadLetterConfig?.Arn['Fn::GetAtt'][0]);
      }
    }
  });

  test.each(asyncFunctions.map((declaration) => [declaration.name, declaration] as const))(
    '%s (invoked asynchronously): 2 retries, 6 hours, failures to an SQS queue it may send to',
    (_, declaration) => {
      const fnId = main.functionId(declaration);
      const configs = main
        .propertiesOf('AWS::Lambda::EventInvokeConfig', eventInvokeConfigSchema)
        .filter(([, config]) => config.FunctionName.Ref === fnId);
      expect(configs).toHaveLength(1);
      const config = configs[0]?.[1];
      expect(config?.Qualifier).toBe('$LATEST');
      expect(config?.MaximumRetryAttempts).toBe(2);
      expect(config?.MaximumEventAgeInSeconds).toBe(21600);
      const destination = config?.DestinationConfig?.OnFailure?.Destination['Fn::GetAtt'][0];
      expect(queueIds()).toContain(destination);
      const sendsTo = main
        .statementsOf(declaration)
        .filter(
          (statement) => statement.Effect === 'Allow' && actionsOf(statement).includes('sqs:SendMessage'),
        );
      expect(sendsTo.flatMap((statement) => asList(statement.Resource))).toContainEqual({
        'Fn::GetAtt': [destination, 'Arn'],
      });
    },
  );

  test('there are asynchronous functions to check', () => {
    expect(asyncFunctions.map((fn) => fn.name).sort()).toEqual([
      'check-presence',
      'expire-sessions',
      'hand-over',
      'relay',
    ]);
  });

  test('only they have an async invoke config: not the HTTP functions, not the stream consumer', () => {
    expect(streamFunctions.map((fn) => fn.name)).toEqual([consumer().name]);
    const configured = main
      .propertiesOf('AWS::Lambda::EventInvokeConfig', eventInvokeConfigSchema)
      .map(([, config]) => config.FunctionName.Ref);
    expect(configured).not.toContain(main.functionId(consumer()));
    expect(configured.sort()).toEqual(asyncFunctions.map((fn) => main.functionId(fn)).sort());
  });

  test('every queue has an alarm on a single visible message', () => {
    // One per rule target, one per asynchronous function, one on-failure queue per stream consumer.
    expect(queueIds()).toHaveLength(main.rules().length + asyncFunctions.length + streamFunctions.length);
    for (const queueId of queueIds()) {
      const alarms = depthAlarmsOf(queueId);
      expect(alarms).toHaveLength(1);
      expect(alarms[0]?.Namespace).toBe('AWS/SQS');
      expect(alarms[0]?.Threshold).toBe(1);
      expect(alarms[0]?.ComparisonOperator).toBe('GreaterThanOrEqualToThreshold');
    }
  });
});

describe('table', () => {
  test('has a stream with old and new images (the consumer compares the two versions)', () => {
    const tables = main.propertiesOf('AWS::DynamoDB::Table', tableSchema);
    expect(tables).toHaveLength(1);
    expect(tables[0]?.[1].StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
  });

  test('on demand, TTL on expiresAt, point-in-time recovery, the expiry-sweep and phase indexes, retained', () => {
    main.template.resourceCountIs('AWS::DynamoDB::Table', 1);
    main.template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        GlobalSecondaryIndexes: Match.arrayWith([
          Match.objectLike({
            IndexName: 'expiry-sweep',
            KeySchema: [
              { AttributeName: 'sweepShard', KeyType: 'HASH' },
              { AttributeName: 'lockExpiresAt', KeyType: 'RANGE' },
            ],
          }),
          // As the local table has it (shared/store/table.ts): an operator's listing.
          Match.objectLike({
            IndexName: PHASE_INDEX,
            KeySchema: [
              { AttributeName: 'phaseKey', KeyType: 'HASH' },
              { AttributeName: 'updatedAt', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: PHASE_INDEX_PROJECTION },
          }),
        ]),
      }),
    });
  });
});

describe('least privilege', () => {
  const scopedServices = /^(dynamodb|events|secretsmanager):/i;

  test('no Allow statement grants everything, a whole service, or a wildcard on table, bus or secrets', () => {
    const statements = main.allStatements();
    expect(statements.length).toBeGreaterThan(0);
    for (const { owner, statement } of statements) {
      // Deny statements may be broad: the queues' "deny sqs:* without TLS" is one.
      if (statement.Effect === 'Deny') continue;
      expect({ owner, notAction: statement.NotAction }).toEqual({ owner, notAction: undefined });
      for (const action of actionsOf(statement)) {
        // A wildcard over a whole service in any spelling, e.g. `*`, `DynamoDB:*` or `events:**`.
        expect({ owner, action }).not.toEqual({
          owner,
          action: expect.stringMatching(/^(\*+|[a-z0-9-]+:\*+)$/i),
        });
        if (scopedServices.test(action))
          expect({ owner, action }).not.toEqual({ owner, action: expect.stringContaining('*') });
      }
    }
  });

  test('no role carries a managed policy beyond basic Lambda logging', () => {
    for (const [, role] of main.propertiesOf('AWS::IAM::Role', rolePropertiesSchema)) {
      for (const arn of role.ManagedPolicyArns ?? []) {
        expect(JSON.stringify(arn)).toMatch(/:iam::aws:policy\/service-role\/AWSLambdaBasicExecutionRole"/);
      }
    }
  });

  test('table, bus and secret statements are scoped to resources, never "*"', () => {
    for (const { statement } of main.allStatements()) {
      if (!actionsOf(statement).some((action) => scopedServices.test(action))) continue;
      expect(statement.Resource).toBeDefined();
      expect(asList(statement.Resource)).not.toContain('*');
    }
  });

  test.each(byName)(
    '%s: its own role publishes as declared, takes on its tenant role, and reaches no tenant item',
    (_, declaration) => {
      const actions = main.allowedActionsOf(declaration);
      expect(actions.includes('events:PutEvents')).toBe(declaration.access.publish);
      // Every function reads the reference key; tenants' secrets only through its tenant role (below).
      expect(actions.includes('secretsmanager:GetSecretValue')).toBe(true);
      for (const action of [
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
      ])
        expect({ action, granted: actions.includes(action) }).toEqual({ action, granted: false });
      const assume = main
        .statementsOf(declaration)
        .filter((statement) => actionsOf(statement).some((action) => /^sts:/i.test(action)));
      expect(assume).toEqual([
        expect.objectContaining({
          Effect: 'Allow',
          Action: ['sts:AssumeRole', 'sts:TagSession'],
          Resource: { 'Fn::GetAtt': [main.tenantRoleId(declaration), 'Arn'] },
        }),
      ]);
      expect(main.lambda(declaration).Environment.Variables.BATON_TENANT_ROLE_ARN).toEqual({
        'Fn::GetAtt': [main.tenantRoleId(declaration), 'Arn'],
      });
    },
  );

  test.each(byName)(
    '%s: its tenant role is assumable by its own role alone, only with the session tagged by a tenant',
    (_, declaration) => {
      const role = rolePropertiesSchema.parse(main.resources[main.tenantRoleId(declaration)]?.Properties);
      const ownRoleId = main.lambda(declaration).Role['Fn::GetAtt'][0];
      expect(role.AssumeRolePolicyDocument?.Statement).toEqual([
        {
          Effect: 'Allow',
          Action: ['sts:AssumeRole', 'sts:TagSession'],
          Principal: { AWS: { 'Fn::GetAtt': [ownRoleId, 'Arn'] } },
          Condition: {
            StringLike: { 'aws:RequestTag/tenant': '?*' },
            'ForAllValues:StringEquals': { 'aws:TagKeys': ['tenant'] },
          },
        },
      ]);
      expect(role.ManagedPolicyArns).toBeUndefined();
    },
  );

  test.each(byName)(
    '%s: its tenant role holds exactly the DynamoDB actions of its access, on the table, on the tagged tenant’s keys only',
    (_, declaration) => {
      const read = ['dynamodb:GetItem', 'dynamodb:Query'];
      const readWrite = [
        ...read,
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:ConditionCheckItem',
      ];
      const expected = { none: [], read, readWrite }[declaration.access.table];
      const statements = main
        .tenantStatementsOf(declaration)
        .filter((statement) => actionsOf(statement).some((action) => /^dynamodb:/i.test(action)));
      expect([...statements.flatMap(actionsOf)].sort()).toEqual([...expected].sort());
      const table = { 'Fn::GetAtt': [tableId(main), 'Arn'] };
      for (const statement of statements) {
        expect(statement).toEqual({
          Effect: 'Allow',
          Action: expect.any(Array),
          // The phase index (an operator's listing) only where declared, under the same condition.
          Resource: declaration.access.phaseIndex
            ? [table, { 'Fn::Join': ['', [table, `/index/${PHASE_INDEX}`]] }]
            : table,
          Condition: {
            // An IAM policy variable, not a template placeholder.
            'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`T#${'$'}{aws:PrincipalTag/tenant}#*`] },
          },
        });
      }
    },
  );

  test.each(byName)(
    '%s: its own role queries the expiry-sweep index only if declared, and touches no other part of the table',
    (_, declaration) => {
      // Reading the stream is the trigger's, checked below.
      const statements = main
        .statementsOf(declaration)
        .filter((statement) =>
          actionsOf(statement).some((action) => /^dynamodb:/i.test(action) && !isStreamAction(action)),
        );
      if (!declaration.access.expiryIndex) {
        expect(statements).toEqual([]);
        return;
      }
      const table = { 'Fn::GetAtt': [tableId(main), 'Arn'] };
      expect(statements).toEqual([
        {
          Effect: 'Allow',
          Action: 'dynamodb:Query',
          Resource: { 'Fn::Join': ['', [table, '/index/expiry-sweep']] },
        },
      ]);
    },
  );

  test.each(byName)(
    '%s: reads the table’s stream only if the stream triggers it, and then on the stream ARN only',
    (_, declaration) => {
      const statements = main
        .statementsOf(declaration)
        .filter((statement) => actionsOf(statement).some(isStreamAction));
      if (declaration.trigger.kind !== 'stream') {
        expect(statements).toEqual([]);
        return;
      }
      expect(statements).toHaveLength(1);
      expect(statements[0]?.Effect).toBe('Allow');
      expect(statements.flatMap(actionsOf).sort()).toEqual([...STREAM_READ].sort());
      expect(statements[0]?.Resource).toEqual({ 'Fn::GetAtt': [tableId(main), 'StreamArn'] });
    },
  );

  /** Every function reads the reference key (checked below); these are the tenants' secrets. */
  const isRefKey = (resource: unknown) => JSON.stringify(resource).includes('RefKey');
  const isMediaLinkKey = (resource: unknown) => JSON.stringify(resource).includes('MediaLinkKey');
  /** What a function's own role may read: the reference key, and the media link key if it signs or checks links. */
  const isOwnKey = (declaration: FunctionDeclaration) => (resource: unknown) =>
    isRefKey(resource) || (declaration.access.mediaLinks && isMediaLinkKey(resource));

  /** The tenants' secrets a function's tenant role may read (its session policy narrows them to one tenant's). */
  function secretResources(synth: Synth, declaration: FunctionDeclaration): unknown[] {
    expect(
      synth
        .statementsOf(declaration)
        .filter((statement) => actionsOf(statement).some((action) => /^secretsmanager:/i.test(action)))
        .flatMap((statement) => asList(statement.Resource))
        .every(isOwnKey(declaration)),
    ).toBe(true);
    const statements = synth
      .tenantStatementsOf(declaration)
      .filter((statement) => actionsOf(statement).some((action) => /^secretsmanager:/i.test(action)))
      .filter((statement) => !asList(statement.Resource).every(isRefKey));
    for (const statement of statements) {
      expect(statement.Effect).toBe('Allow');
      expect(actionsOf(statement)).toEqual(['secretsmanager:GetSecretValue']);
    }
    return statements.flatMap((statement) => asList(statement.Resource)).sort(byJson);
  }

  test.each(byName)(
    '%s: GetSecretValue on the tenants’ secrets only (the example: baton/acme)',
    (_, declaration) => {
      // The example keeps every secret in baton/acme: all but the sweep and the operator's API read some of it.
      expect(secretResources(main, declaration)).toEqual(
        ['expire-sessions', 'operator-api'].includes(declaration.name)
          ? []
          : [secretArnPattern('baton/acme')],
      );
    },
  );

  test.each(byName)(
    '%s: GetSecretValue on the reference key the state generated, and the variable naming it',
    (_, declaration) => {
      const refKey = main
        .statementsOf(declaration)
        .filter((statement) => asList(statement.Resource).every(isRefKey));
      expect(refKey.map(actionsOf)).toEqual([['secretsmanager:GetSecretValue']]);
      expect(refKey.flatMap((statement) => asList(statement.Resource))).toEqual([
        { Ref: expect.stringMatching(/RefKey/) },
      ]);
      expect(main.lambda(declaration).Environment.Variables.BATON_REF_KEY_SECRET).toEqual({
        Ref: expect.stringMatching(/RefKey/),
      });
    },
  );

  test('with several tenants, each function reads the secrets its work needs and no other (names and full ARNs)', () => {
    const globexArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:baton/globex-AbCdEf';
    const globex = {
      id: 'globex',
      bot: { url: 'https://bot.globex.example/baton', signingSecret: { secretId: globexArn, field: 'bot' } },
      agentApiToken: { secretId: 'baton/globex-agents' },
      desk: {
        type: 'webhook',
        url: 'https://desk.globex.example/handover',
        signingSecret: { secretId: 'baton/globex-desk' },
      },
      presence: { type: 'webhook', url: 'https://desk.globex.example/presence' },
    };
    const synth = synthStack({}, [...z.array(z.unknown()).parse(exampleTenants), globex]);
    // globex keeps each secret apart: the bot's (a full ARN), the desk's signing secret, the agents' token.
    const acme = secretArnPattern('baton/acme');
    const bot = globexArn;
    const desk = secretArnPattern('baton/globex-desk');
    const agents = secretArnPattern('baton/globex-agents');
    const expected: Record<string, unknown[]> = {
      ingest: [acme, bot],
      conveyor: [acme, bot, desk],
      relay: [acme, bot, desk],
      'check-presence': [acme],
      'hand-over': [acme, bot, desk],
      'agent-api': [acme, agents],
      'expire-sessions': [],
      'operator-api': [],
      // globex has no WhatsApp: the media function reads acme's token alone.
      media: [acme],
    };
    for (const declaration of FUNCTIONS) {
      expect({ fn: declaration.name, secrets: secretResources(synth, declaration) }).toEqual({
        fn: declaration.name,
        secrets: [...(expected[declaration.name] ?? ['(a function this test does not know)'])].sort(byJson),
      });
    }
  });

  test('no other secretsmanager action exists anywhere in the template', () => {
    const actions = main
      .allStatements()
      .flatMap(({ statement }) => actionsOf(statement))
      .filter((action) => /^secretsmanager:/i.test(action));
    expect(new Set(actions)).toEqual(new Set(['secretsmanager:GetSecretValue']));
  });
});

describe('observability', () => {
  const withTopic = lazy(() => synthConstruct((stack) => ({ alarmTopic: new Topic(stack, 'T') })));
  const weekOfLogs = lazy(() => synthStack({ logRetention: RetentionDays.ONE_WEEK }));

  /** How a fragment of the dashboard's JSON appears once the DashboardBody (a Fn::Join) is stringified. */
  const asInBody = (fragment: string): string => JSON.stringify(fragment).slice(1, -1);

  test('one dashboard, showing every funnel metric in the Baton namespace', () => {
    const dashboards = main.ofType('AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0]?.[1].Properties.DashboardBody);
    expect(FUNNEL_METRICS.length).toBeGreaterThan(0);
    for (const name of FUNNEL_METRICS) {
      expect(body).toContain(asInBody(`["Baton","${name}"`));
    }
  });

  test('the dashboard shows what the channel kept from users: the closed window, refusals, media not served', () => {
    const body = JSON.stringify(main.ofType('AWS::CloudWatch::Dashboard')[0]?.[1].Properties.DashboardBody);
    expect(USER_CHANNEL_METRICS).toEqual(['WindowClosed', 'MessageUndeliverable', 'MediaFetchFailed']);
    for (const name of USER_CHANNEL_METRICS) expect(body).toContain(asInBody(`["Baton","${name}"`));
  });

  test.each(byName)('%s: an Errors alarm and a Throttles alarm', (_, declaration) => {
    const dimensions = JSON.stringify([
      { Name: 'FunctionName', Value: { Ref: main.functionId(declaration) } },
    ]);
    for (const metricName of ['Errors', 'Throttles']) {
      const alarms = main
        .alarms()
        .filter(
          (alarm) => alarm.MetricName === metricName && JSON.stringify(alarm.Dimensions) === dimensions,
        );
      expect(alarms).toHaveLength(1);
      expect(alarms[0]?.Namespace).toBe('AWS/Lambda');
      expect(alarms[0]?.Threshold).toBeGreaterThan(0);
    }
  });

  test('every rule on the bus has an alarm on its delivery latency', () => {
    const eventBusRules = main.rules().filter(([, rule]) => rule.EventPattern !== undefined);
    expect(eventBusRules).toHaveLength(eventRules().length);
    for (const [ruleId] of eventBusRules) {
      const alarms = main
        .alarms()
        .filter(
          (alarm) =>
            alarm.MetricName === 'IngestionToInvocationSuccessLatency' &&
            alarm.Dimensions.some(
              (dimension) =>
                dimension.Name === 'RuleName' &&
                JSON.stringify(dimension.Value) === JSON.stringify({ Ref: ruleId }),
            ),
        );
      expect(alarms).toHaveLength(1);
      expect(alarms[0]?.Namespace).toBe('AWS/Events');
      expect([...(alarms[0]?.Dimensions ?? [])].sort(byJson)).toEqual(
        [
          { Name: 'EventBusName', Value: { Ref: busId(main) } },
          { Name: 'RuleName', Value: { Ref: ruleId } },
        ].sort(byJson),
      );
    }
  });

  test.each([
    ['a user message dead-lettered by the conveyor', 'MessageDeadLettered'],
    ['a message to a user the channel refused for good', 'MessageUndeliverable'],
    ['a conversation the conveyor could not finish', 'ConveyorStalled'],
  ])('%s raises an alarm at the first one (%s)', (_what, metricName) => {
    const alarms = main.alarms().filter((alarm) => alarm.MetricName === metricName);
    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toMatchObject({
      Namespace: 'Baton',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  test('the stream consumer has an alarm on its iterator age: maximum over a minute, at a minute', () => {
    const dimensions = [{ Name: 'FunctionName', Value: { Ref: main.functionId(consumer()) } }];
    const alarms = main.alarms().filter((alarm) => alarm.MetricName === 'IteratorAge');
    expect(alarms).toHaveLength(1);
    expect(ITERATOR_AGE_ALARM_MS).toBe(60_000);
    expect(alarms[0]).toMatchObject({
      Namespace: 'AWS/Lambda',
      Dimensions: dimensions,
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: ITERATOR_AGE_ALARM_MS,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    const withTopicAlarms = withTopic()
      .alarms()
      .filter((alarm) => alarm.MetricName === 'IteratorAge');
    expect(withTopicAlarms).toHaveLength(1);
    expect(withTopicAlarms[0]?.AlarmActions).toEqual([
      { Ref: withTopic().ofType('AWS::SNS::Topic')[0]?.[0] },
    ]);
  });

  test('the dashboard shows the iterator age next to the event delivery latency, in the same row', () => {
    const widgets = main.dashboardWidgets();
    const latency = widgets.filter((widget) => widget.properties.title?.startsWith('Event delivery latency'));
    const iteratorAge = widgets.filter((widget) =>
      (widget.properties.metrics ?? []).some((metric) => metric[1] === 'IteratorAge'),
    );
    expect(latency).toHaveLength(1);
    expect(iteratorAge).toHaveLength(1);
    const [left, right] = [latency[0], iteratorAge[0]];
    expect(right?.y).toBe(left?.y);
    expect(right?.x).toBe((left?.x ?? 0) + (left?.width ?? 0));
    expect(right?.properties.metrics).toEqual([
      ['AWS/Lambda', 'IteratorAge', 'FunctionName', `Ref:${main.functionId(consumer())}`, expect.anything()],
    ]);
    // The row still fits the dashboard's 24 columns.
    const row = widgets.filter((widget) => widget.y === left?.y);
    expect(row.reduce((total, widget) => total + widget.width, 0)).toBeLessThanOrEqual(24);
  });

  test('with an alarm topic, every alarm notifies it', () => {
    const synth = withTopic();
    const topics = synth.ofType('AWS::SNS::Topic');
    expect(topics).toHaveLength(1);
    const alarms = synth.alarms();
    expect(alarms.length).toBeGreaterThan(0);
    for (const alarm of alarms) expect(alarm.AlarmActions).toEqual([{ Ref: topics[0]?.[0] }]);
  });

  test('without one, the alarms exist and notify nobody', () => {
    const alarms = main.alarms();
    expect(alarms).toHaveLength(withTopic().alarms().length);
    for (const alarm of alarms) expect(alarm.AlarmActions ?? []).toEqual([]);
  });

  test('every log group keeps 30 days by default', () => {
    const logGroups = main.ofType('AWS::Logs::LogGroup');
    expect(logGroups.length).toBeGreaterThan(FUNCTIONS.length);
    for (const [, logGroup] of logGroups) expect(logGroup.Properties.RetentionInDays).toBe(30);
  });

  test('logRetention sets the retention of every log group', () => {
    const logGroups = weekOfLogs().ofType('AWS::Logs::LogGroup');
    expect(logGroups).toHaveLength(main.ofType('AWS::Logs::LogGroup').length);
    for (const [, logGroup] of logGroups) expect(logGroup.Properties.RetentionInDays).toBe(7);
  });
});

describe('edge: the $default stage', () => {
  const whatsapp = 'POST /v1/{tenant}/whatsapp';
  const throttled = lazy(() =>
    synthStack({
      throttling: { rateLimit: 7, burstLimit: 11 },
      routeThrottling: { [whatsapp]: { rateLimit: 3, burstLimit: 5 } },
    }),
  );

  test('throttles every route at 50 requests per second, bursts of 100, by default', () => {
    const stage = main.defaultStage();
    expect(stage.DefaultRouteSettings).toEqual({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 });
    expect(stage.RouteSettings).toBeUndefined();
  });

  test('throttling overrides the default', () => {
    expect(throttled().defaultStage().DefaultRouteSettings).toEqual({
      ThrottlingRateLimit: 7,
      ThrottlingBurstLimit: 11,
    });
  });

  test('routeThrottling sets that route’s own limits', () => {
    const routeKeys = throttled()
      .propertiesOf('AWS::ApiGatewayV2::Route', routePropertiesSchema)
      .map(([, route]) => route.RouteKey);
    expect(routeKeys).toContain(whatsapp);
    // CloudFormation's RouteSettings are keyed by route key, with PascalCase settings.
    expect(throttled().defaultStage().RouteSettings).toEqual({
      [whatsapp]: { ThrottlingRateLimit: 3, ThrottlingBurstLimit: 5 },
    });
  });

  test('access logs: JSON with route and status, to a log group, without IPs, bodies or query strings', () => {
    const settings = main.defaultStage().AccessLogSettings;
    if (!settings) throw new Error('the $default stage has no access logs');
    expect(main.ofType('AWS::Logs::LogGroup').map(([id]) => id)).toContain(
      settings.DestinationArn['Fn::GetAtt'][0],
    );
    const format = z.record(z.string(), z.string()).parse(JSON.parse(settings.Format));
    expect(Object.values(format)).toEqual(expect.arrayContaining(['$context.routeKey', '$context.status']));
    const lower = settings.Format.toLowerCase();
    for (const forbidden of ['$context.identity.sourceip', 'body', 'querystring']) {
      expect(lower).not.toContain(forbidden);
    }
  });
});

describe('secrets stay out of the environment', () => {
  const secretLikeName = /secret|token|password|passwd|credential|private|api[-_]?key/i;
  const secretLikeValue =
    /\b(AKIA|ASIA)[0-9A-Z]{16}\b|-----BEGIN|"secretId"|"value"\s*:|^[A-Za-z0-9+/_-]{32,}={0,2}$/;
  const tenantLeaves = stringLeaves(exampleTenants).filter((leaf) => leaf.length > 8);
  const jsonDocumentSchema = z.union([z.array(z.unknown()), z.record(z.string(), z.unknown())]);

  function parseJsonOrUndefined(text: string): unknown {
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  }

  test.each(byName)(
    '%s: no variable holds tenant configuration or anything secret-looking',
    (_, declaration) => {
      const variables = main.lambda(declaration).Environment.Variables;
      // The only variable about tenants names the bundled file.
      // The only variables about tenants name the bundled file and the role taken on per tenant.
      expect(Object.keys(variables).filter((name) => /tenant/i.test(name))).toEqual([
        'BATON_TENANTS_FILE',
        'BATON_TENANT_ROLE_ARN',
      ]);
      // The secret-like names hold the ARN of the stack's reference key, the configuration paths the
      // function reads secrets at and the ARN prefix of secrets by name: never a value.
      expect(
        Object.keys(variables)
          .filter((name) => secretLikeName.test(name))
          .sort(),
      ).toEqual([
        ...(declaration.access.mediaLinks ? ['BATON_MEDIA_LINK_KEY_SECRET'] : []),
        'BATON_REF_KEY_SECRET',
        'BATON_SECRET_ARN_PREFIX',
        'BATON_SECRET_PATHS',
      ]);
      expect(variables.BATON_SECRET_PATHS).toBe(declaration.access.secrets.join(','));
      expect(variables.BATON_SECRET_ARN_PREFIX).toEqual(secretArnOf(''));
      for (const [name, value] of Object.entries(variables)) {
        if (typeof value !== 'string') {
          // Not a literal: a table name, bus name or URL resolved by CloudFormation.
          expect({ name, intrinsic: intrinsicSchema.safeParse(value).success }).toEqual({
            name,
            intrinsic: true,
          });
          continue;
        }
        // A JSON object or array in a variable is configuration, whatever its name.
        const jsonDocument = jsonDocumentSchema.safeParse(parseJsonOrUndefined(value)).success;
        expect({ name, jsonDocument }).toEqual({ name, jsonDocument: false });
        expect({ name, value }).not.toEqual({ name, value: expect.stringMatching(secretLikeValue) });
      }
    },
  );

  test.each(byName)('%s: no variable carries a string of the tenants file', (_, declaration) => {
    expect(tenantLeaves).toEqual(expect.arrayContaining(['baton/acme', 'https://bot.example.com/baton']));
    for (const [name, value] of Object.entries(main.lambda(declaration).Environment.Variables)) {
      // Names of configuration fields (checked above to be exactly the declared ones), not their values.
      if (name === 'BATON_SECRET_PATHS') continue;
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      for (const leaf of tenantLeaves) {
        expect({ name, leaf, found: text.includes(leaf) }).toEqual({ name, leaf, found: false });
      }
    }
  });

  test('Lambda environment stays under the 4 KB limit with the example tenants', () => {
    for (const declaration of FUNCTIONS) {
      const variables = main.lambda(declaration).Environment.Variables;
      // Tokens (table and bus names) resolve at deploy time: count them generously.
      const size = Object.entries(variables).reduce(
        (total, [name, value]) => total + name.length + (typeof value === 'string' ? value.length : 256),
        0,
      );
      expect(size).toBeLessThan(4096);
    }
  });

  // What every tenant needs besides the field under test: a desk and a presence check, by reference.
  const required = {
    desk: {
      type: 'msc',
      technicalLinkId: 'link',
      adapterId: 'baton',
      mscAdapterId: 'msc',
      productToken: { secretId: 'baton/acme' },
    },
    presence: { type: 'msc', apiKey: { secretId: 'baton/acme' } },
  };
  const literalPlacements: Array<[string, (secret: unknown) => unknown]> = [
    [
      'bot.signingSecret',
      (secret) => ({
        ...required,
        id: 'acme',
        bot: { url: 'https://bot.example.com/baton', signingSecret: secret },
        agentApiToken: { secretId: 'baton/acme', field: 'agentApiToken' },
      }),
    ],
    [
      'agentApiToken',
      (secret) => ({
        ...required,
        id: 'acme',
        bot: { url: 'https://bot.example.com/baton', signingSecret: { secretId: 'baton/acme' } },
        agentApiToken: secret,
      }),
    ],
    [
      'whatsapp.accessToken',
      (secret) => ({
        ...required,
        id: 'acme',
        bot: { url: 'https://bot.example.com/baton', signingSecret: { secretId: 'baton/acme' } },
        whatsapp: {
          appSecret: { secretId: 'baton/acme' },
          verifyToken: { secretId: 'baton/acme' },
          accessToken: secret,
          phoneNumberIds: ['1234567890'],
        },
        agentApiToken: { secretId: 'baton/acme' },
      }),
    ],
  ];

  test.each(literalPlacements)('a literal secret at %s is refused at synth', (_, tenantWith) => {
    expect(() => synthStack({}, [tenantWith({ value: 'x' })])).toThrow(/literal secret/);
  });

  test.each(literalPlacements)('control: a reference at %s synthesizes', (_, tenantWith) => {
    // The same tenant with a reference is valid: the refusal above is about the literal, nothing else.
    expect(() => synthStack({}, [tenantWith({ secretId: 'baton/acme' })])).not.toThrow();
  });
});
