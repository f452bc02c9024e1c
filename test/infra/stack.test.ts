/**
 * The synthesized CloudFormation of BatonStack, checked against the topology (infra/topology.ts):
 * every expectation about functions, routes, rules and access is derived from FUNCTIONS, so adding a
 * function to the topology is covered without touching this file. Bundling is skipped here (see
 * bundling.test.ts for one synth with real esbuild).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { CfnEventBus } from 'aws-cdk-lib/aws-events';
import { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import * as z from 'zod';
import { BatonStack } from '../../infra/aws/baton-stack';
import { eventRules, FUNCTIONS, type FunctionDeclaration } from '../../infra/topology';

const projectRoot = path.resolve(__dirname, '..', '..');
const exampleTenants: unknown = JSON.parse(
  readFileSync(path.join(projectRoot, 'infra', 'aws', 'tenants.example.json'), 'utf8'),
);

/** A new App per stack: skipping esbuild keeps a synth well under a second. */
function synth(tenants: unknown): { stack: BatonStack; template: Template } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new BatonStack(app, 'Test', { tenants, projectRoot });
  return { stack, template: Template.fromStack(stack) };
}

// ---- Template shapes (narrowed with zod; nothing is cast) ----

const refSchema = z.object({ Ref: z.string() });
const getAttArnSchema = z.object({ 'Fn::GetAtt': z.tuple([z.string(), z.literal('Arn')]) });

const resourceSchema = z.object({
  Type: z.string(),
  Properties: z.record(z.string(), z.unknown()).default({}),
  DeletionPolicy: z.string().optional(),
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
});

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
  EventBusName: refSchema.optional(),
  EventPattern: z.record(z.string(), z.unknown()).optional(),
  ScheduleExpression: z.string().optional(),
  Targets: z.array(ruleTargetSchema),
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
  Policies: z.array(z.object({ PolicyDocument: policyDocumentSchema })).optional(),
});

function resourcesOfType(template: Template, type: string): Array<[string, Resource]> {
  const { Resources } = templateSchema.parse(template.toJSON());
  return Object.entries(Resources).filter(([, resource]) => resource.Type === type);
}

function actionsOf(statement: Statement): string[] {
  if (statement.Action === undefined) return [];
  return typeof statement.Action === 'string' ? [statement.Action] : statement.Action;
}

// ---- The stack under test, built once from the example tenants ----

const { stack, template } = synth(exampleTenants);

function functionLogicalId(declaration: FunctionDeclaration): string {
  const cfn = stack.functions[declaration.name]?.node.defaultChild;
  if (!(cfn instanceof CfnFunction)) throw new Error(`no CfnFunction for ${declaration.name}`);
  return stack.getLogicalId(cfn);
}

function busLogicalId(): string {
  const cfn = stack.bus.node.defaultChild;
  if (!(cfn instanceof CfnEventBus)) throw new Error('no CfnEventBus');
  return stack.getLogicalId(cfn);
}

/** Baton's own functions: CDK helper functions (if any) run other runtimes. */
function batonLambdas(): Array<[string, z.infer<typeof lambdaPropertiesSchema>]> {
  return resourcesOfType(template, 'AWS::Lambda::Function')
    .filter(([, resource]) => resource.Properties.Runtime === 'nodejs22.x')
    .map(([id, resource]) => [id, lambdaPropertiesSchema.parse(resource.Properties)]);
}

function lambdaOf(declaration: FunctionDeclaration): z.infer<typeof lambdaPropertiesSchema> {
  const id = functionLogicalId(declaration);
  const found = batonLambdas().find(([logicalId]) => logicalId === id);
  if (!found) throw new Error(`no AWS::Lambda::Function ${id} for ${declaration.name}`);
  return found[1];
}

function rules(): Array<[string, z.infer<typeof rulePropertiesSchema>]> {
  return resourcesOfType(template, 'AWS::Events::Rule').map(([id, resource]) => [
    id,
    rulePropertiesSchema.parse(resource.Properties),
  ]);
}

/** Every policy statement attached to a function's role (its default policy and any inline ones). */
function statementsOf(declaration: FunctionDeclaration): Statement[] {
  const roleId = lambdaOf(declaration).Role['Fn::GetAtt'][0];
  const fromPolicies = resourcesOfType(template, 'AWS::IAM::Policy')
    .map(([, resource]) => policyPropertiesSchema.parse(resource.Properties))
    .filter((policy) => policy.Roles.some((role) => role.Ref === roleId))
    .flatMap((policy) => policy.PolicyDocument.Statement);
  const role = resourcesOfType(template, 'AWS::IAM::Role').find(([id]) => id === roleId);
  if (!role) throw new Error(`no role ${roleId}`);
  const inline = (rolePropertiesSchema.parse(role[1].Properties).Policies ?? []).flatMap(
    (policy) => policy.PolicyDocument.Statement,
  );
  return [...fromPolicies, ...inline];
}

function allowedActionsOf(declaration: FunctionDeclaration): string[] {
  return statementsOf(declaration)
    .filter((statement) => statement.Effect === 'Allow')
    .flatMap(actionsOf);
}

// ---- Tests ----

describe('functions', () => {
  test('one Lambda per declared function, and seven are declared today', () => {
    expect(FUNCTIONS.map((fn) => fn.name).sort()).toEqual([
      'advance-intake',
      'agent-api',
      'check-presence',
      'expire-sessions',
      'hand-over',
      'ingest',
      'relay',
    ]);
    const ids = batonLambdas().map(([id]) => id);
    expect(ids).toHaveLength(FUNCTIONS.length);
    expect(ids.sort()).toEqual(FUNCTIONS.map(functionLogicalId).sort());
  });

  test.each(FUNCTIONS.map((declaration) => [declaration.name, declaration] as const))(
    '%s: nodejs22.x on arm64, declared timeout, environment and its own log group',
    (_name, declaration) => {
      const lambda = lambdaOf(declaration);
      expect(lambda.Runtime).toBe('nodejs22.x');
      expect(lambda.Architectures).toEqual(['arm64']);
      expect(lambda.Timeout).toBe(declaration.timeoutSeconds);
      for (const name of ['TABLE_NAME', 'EVENT_BUS_NAME', 'BATON_TENANTS']) {
        expect(lambda.Environment.Variables).toHaveProperty([name]);
      }
      const logGroupId = lambda.LoggingConfig.LogGroup.Ref;
      expect(resourcesOfType(template, 'AWS::Logs::LogGroup').map(([id]) => id)).toContain(logGroupId);
    },
  );

  test('each function has a log group of its own', () => {
    const logGroups = FUNCTIONS.map((declaration) => lambdaOf(declaration).LoggingConfig.LogGroup.Ref);
    expect(new Set(logGroups).size).toBe(FUNCTIONS.length);
  });
});

describe('http routes', () => {
  const declared = FUNCTIONS.flatMap((declaration) =>
    declaration.trigger.kind === 'http'
      ? declaration.trigger.routes.map((routeKey) => ({ routeKey, declaration }))
      : [],
  );

  function synthesizedRoutes(): Array<{ routeKey: string; integrationId: string }> {
    return resourcesOfType(template, 'AWS::ApiGatewayV2::Route').map(([, resource]) => {
      const route = routePropertiesSchema.parse(resource.Properties);
      return { routeKey: route.RouteKey, integrationId: route.Target['Fn::Join'][1][1].Ref };
    });
  }

  test('every declared route exists, and no other', () => {
    expect(declared.length).toBeGreaterThan(0);
    expect(
      synthesizedRoutes()
        .map((route) => route.routeKey)
        .sort(),
    ).toEqual(declared.map((route) => route.routeKey).sort());
  });

  test('each route is integrated with the function that declares it', () => {
    const integrations = new Map(
      resourcesOfType(template, 'AWS::ApiGatewayV2::Integration').map(([id, resource]) => [
        id,
        integrationPropertiesSchema.parse(resource.Properties).IntegrationUri['Fn::GetAtt'][0],
      ]),
    );
    for (const { routeKey, declaration } of declared) {
      const route = synthesizedRoutes().find((candidate) => candidate.routeKey === routeKey);
      expect(route).toBeDefined();
      expect(integrations.get(route?.integrationId ?? '')).toBe(functionLogicalId(declaration));
    }
  });
});

describe('event rules', () => {
  const eventBusRules = () => rules().filter(([, rule]) => rule.EventPattern !== undefined);

  test('one rule per declared event rule, each on the Baton bus', () => {
    expect(eventRules().length).toBeGreaterThan(0);
    expect(eventBusRules()).toHaveLength(eventRules().length);
    for (const [, rule] of eventBusRules()) {
      expect(rule.EventBusName).toEqual({ Ref: busLogicalId() });
    }
  });

  test.each(eventRules().map(({ fn, rule }) => [`${fn.name} on ${rule.detailType}`, fn, rule] as const))(
    '%s: pattern on source baton and the detail-type, with the declared content filter',
    (_, fn, rule) => {
      const fnId = functionLogicalId(fn);
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
        ...(rule.where ? { detail: { data: rule.where } } : {}),
      });
    },
  );

  test('MessageRouted is split by route: bot and agent to relay, intake to advance-intake', () => {
    const routed = eventBusRules().filter(
      ([, rule]) => JSON.stringify(rule.EventPattern?.['detail-type']) === JSON.stringify(['MessageRouted']),
    );
    expect(
      routed
        .map(([, rule]) => rule.EventPattern?.detail)
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    ).toEqual([{ data: { route: ['bot', 'agent'] } }, { data: { route: ['intake'] } }]);
  });

  test('every target has a dead-letter queue and a retry policy', () => {
    const queues = resourcesOfType(template, 'AWS::SQS::Queue').map(([id]) => id);
    for (const [, rule] of eventBusRules()) {
      expect(rule.Targets.length).toBeGreaterThan(0);
      for (const target of rule.Targets) {
        expect(target.DeadLetterConfig).toBeDefined();
        expect(queues).toContain(target.DeadLetterConfig?.Arn['Fn::GetAtt'][0]);
        expect(target.RetryPolicy).toBeDefined();
      }
    }
  });
});

describe('schedules', () => {
  const scheduled = FUNCTIONS.flatMap((declaration) =>
    declaration.trigger.kind === 'schedule'
      ? [{ declaration, everyMinutes: declaration.trigger.everyMinutes }]
      : [],
  );
  const scheduleRules = () => rules().filter(([, rule]) => rule.ScheduleExpression !== undefined);

  test('one scheduled rule, every minute, today', () => {
    expect(scheduled).toHaveLength(1);
    expect(scheduleRules()).toHaveLength(1);
    expect(scheduleRules()[0]?.[1].ScheduleExpression).toBe('rate(1 minute)');
  });

  test.each(scheduled.map((entry) => [entry.declaration.name, entry] as const))(
    '%s runs at its declared rate',
    (_, { declaration, everyMinutes }) => {
      const expression = `rate(${everyMinutes} ${everyMinutes === 1 ? 'minute' : 'minutes'})`;
      const fnId = functionLogicalId(declaration);
      const matching = scheduleRules().filter(([, rule]) =>
        rule.Targets.some((target) => target.Arn['Fn::GetAtt'][0] === fnId),
      );
      expect(matching).toHaveLength(1);
      expect(matching[0]?.[1].ScheduleExpression).toBe(expression);
      expect(matching[0]?.[1].EventPattern).toBeUndefined();
    },
  );
});

describe('table', () => {
  test('on demand, TTL on expiresAt, point-in-time recovery, the expiry-sweep index, retained', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResource('AWS::DynamoDB::Table', {
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
        ]),
      }),
    });
  });
});

describe('least privilege', () => {
  const forbidden = ['*', 'dynamodb:*', 'events:*', 'secretsmanager:*'];

  function allStatements(): Statement[] {
    const policies = resourcesOfType(template, 'AWS::IAM::Policy').flatMap(
      ([, resource]) => policyPropertiesSchema.parse(resource.Properties).PolicyDocument.Statement,
    );
    const inline = resourcesOfType(template, 'AWS::IAM::Role').flatMap(([, resource]) =>
      (rolePropertiesSchema.parse(resource.Properties).Policies ?? []).flatMap(
        (policy) => policy.PolicyDocument.Statement,
      ),
    );
    return [...policies, ...inline];
  }

  test('no statement grants a whole service or everything', () => {
    const statements = allStatements();
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      expect(statement.NotAction).toBeUndefined();
      for (const action of actionsOf(statement)) {
        expect(forbidden).not.toContain(action.toLowerCase());
        // A wildcard over a whole service in any spelling, e.g. `DynamoDB:*` or `events:**`.
        expect(action).not.toMatch(/^(\*+|[a-z0-9-]+:\*+)$/i);
      }
    }
  });

  test('table, bus and secret statements are scoped to resources, never "*"', () => {
    for (const statement of allStatements()) {
      const scoped = actionsOf(statement).some((action) =>
        /^(dynamodb|events|secretsmanager):/i.test(action),
      );
      if (!scoped) continue;
      expect(statement.Resource).toBeDefined();
      expect(statement.Resource).not.toBe('*');
      if (Array.isArray(statement.Resource)) expect(statement.Resource).not.toContain('*');
    }
  });

  test.each(FUNCTIONS.map((declaration) => [declaration.name, declaration] as const))(
    '%s gets events:PutEvents, secrets and table access exactly as declared',
    (_, declaration) => {
      const actions = allowedActionsOf(declaration);
      expect(actions.includes('events:PutEvents')).toBe(declaration.access.publish);
      expect(actions.includes('secretsmanager:GetSecretValue')).toBe(declaration.access.secrets);
      expect(actions.includes('dynamodb:GetItem')).toBe(declaration.access.table !== 'none');
      expect(actions.includes('dynamodb:PutItem')).toBe(declaration.access.table === 'readWrite');
    },
  );

  test('secret access names the tenants’ secrets, not every secret', () => {
    for (const declaration of FUNCTIONS.filter((candidate) => candidate.access.secrets)) {
      const secretStatements = statementsOf(declaration).filter((statement) =>
        actionsOf(statement).includes('secretsmanager:GetSecretValue'),
      );
      expect(secretStatements).toHaveLength(1);
      expect(JSON.stringify(secretStatements[0]?.Resource)).toContain(':secret:baton/acme-??????');
    }
  });
});

describe('logs', () => {
  test('every log group has a retention', () => {
    const logGroups = resourcesOfType(template, 'AWS::Logs::LogGroup');
    expect(logGroups.length).toBeGreaterThanOrEqual(FUNCTIONS.length);
    for (const [, logGroup] of logGroups) {
      expect(typeof logGroup.Properties.RetentionInDays).toBe('number');
    }
  });
});

describe('secrets stay out of the environment', () => {
  const secretLikeKey = /secret|token|password|api[-_]?key/i;

  /** Where a tenant configuration holds a literal secret, or a secret-looking field that is no reference. */
  function literalSecretsIn(value: unknown, where: string): string[] {
    if (typeof value !== 'object' || value === null) return [];
    const found: string[] = [];
    if ('value' in value) found.push(`${where}.value`);
    // A reference `{ secretId, field? }` is a leaf: its keys name a secret, they hold none.
    if (typeof Reflect.get(value, 'secretId') === 'string') return found;
    for (const [key, child] of Object.entries(value)) {
      const isReference =
        typeof child === 'object' && child !== null && typeof Reflect.get(child, 'secretId') === 'string';
      if (secretLikeKey.test(key) && !isReference) found.push(`${where}.${key}`);
      found.push(...literalSecretsIn(child, `${where}.${key}`));
    }
    return found;
  }

  test.each(FUNCTIONS.map((declaration) => [declaration.name, declaration] as const))(
    '%s: tenants configured by secretId only, no literal secret in any variable',
    (_, declaration) => {
      const variables = lambdaOf(declaration).Environment.Variables;
      const tenantsJson = variables.BATON_TENANTS;
      if (typeof tenantsJson !== 'string') throw new Error('BATON_TENANTS is not a literal string');
      const tenants: unknown = JSON.parse(tenantsJson);
      expect(Array.isArray(tenants)).toBe(true);
      expect(literalSecretsIn(tenants, 'BATON_TENANTS')).toEqual([]);
      const withLiteral = Object.entries(variables).filter(
        ([, value]) => typeof value === 'string' && /"value"\s*:/.test(value),
      );
      expect(withLiteral).toEqual([]);
    },
  );

  test('Lambda environment stays under the 4 KB limit with the example tenants', () => {
    for (const declaration of FUNCTIONS) {
      const variables = lambdaOf(declaration).Environment.Variables;
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
    desk: { type: 'msc', technicalLinkId: 'link', productToken: { secretId: 'baton/acme' } },
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
        },
        agentApiToken: { secretId: 'baton/acme' },
      }),
    ],
  ];

  test.each(literalPlacements)('a literal secret at %s is refused at synth', (_, tenantWith) => {
    expect(() => synth([tenantWith({ value: 'x' })])).toThrow(/literal secret/);
  });

  test.each(literalPlacements)('control: a reference at %s synthesizes', (_, tenantWith) => {
    // The same tenant with a reference is valid: the refusal above is about the literal, nothing else.
    expect(() => synth([tenantWith({ secretId: 'baton/acme' })])).not.toThrow();
  });
});
