/**
 * Baton in one stack, generated from infra/topology.ts: the table and bus (stateful), and per declared
 * function a Lambda, its trigger (HTTP route, EventBridge rule, schedule) and only the access declared.
 */
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AttributeType, BillingMode, ProjectionType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { parseTenants } from '../../shared/config/tenants';
import { EVENT_SOURCE } from '../../shared/events/define';
import { EXPIRY_INDEX, TTL_ATTRIBUTE } from '../../shared/store/keys';
import { FUNCTIONS, type FunctionDeclaration, type RouteKey } from '../topology';
import { BatonFunction } from './baton-function';
import { secretArn, secretIdsOf } from './tenant-secrets';

/** What is left of Lambda's 4 KB environment after the other variables. */
const MAX_TENANTS_ENV_BYTES = 3_400;

export interface BatonStackProps extends StackProps {
  /** Tenant configuration (validated here, at synth): secrets only by Secrets Manager reference. */
  tenants: unknown;
  projectRoot: string;
  logRetention?: RetentionDays;
  /** RETAIN by default: a `cdk destroy` must not delete conversations by accident. */
  removalPolicy?: RemovalPolicy;
}

export class BatonStack extends Stack {
  readonly table: Table;
  readonly bus: EventBus;
  readonly api: HttpApi;
  readonly functions: Record<string, BatonFunction> = {};
  private readonly removalPolicy: RemovalPolicy;

  constructor(scope: Construct, id: string, props: BatonStackProps) {
    super(scope, id, props);
    const tenants = parseTenants(props.tenants);
    const secretArns = secretIdsOf(tenants).map((secretId) => secretArn(this, secretId));
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.removalPolicy = removalPolicy;

    this.table = new Table(this, 'Table', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: EXPIRY_INDEX,
      partitionKey: { name: 'sweepShard', type: AttributeType.STRING },
      sortKey: { name: 'lockExpiresAt', type: AttributeType.NUMBER },
      projectionType: ProjectionType.INCLUDE,
      nonKeyAttributes: ['tenantId', 'conversationId'],
    });
    this.bus = new EventBus(this, 'Bus');
    this.api = new HttpApi(this, 'Api', { description: 'Baton webhooks' });

    const environment = {
      TABLE_NAME: this.table.tableName,
      EVENT_BUS_NAME: this.bus.eventBusName,
      BATON_TENANTS: JSON.stringify(tenants),
      PUBLIC_API_URL: this.api.apiEndpoint,
    };
    // Lambda allows 4 KB of environment in all; fail at synth rather than at deploy.
    if (environment.BATON_TENANTS.length > MAX_TENANTS_ENV_BYTES) {
      throw new Error(
        `tenant configuration is ${environment.BATON_TENANTS.length} bytes as JSON; at most ${MAX_TENANTS_ENV_BYTES} fit in a Lambda environment`,
      );
    }
    for (const declaration of FUNCTIONS) {
      const fn = new BatonFunction(this, pascal(declaration.name), {
        declaration,
        projectRoot: props.projectRoot,
        environment,
        logRetention: props.logRetention ?? RetentionDays.ONE_MONTH,
        removalPolicy,
      });
      this.functions[declaration.name] = fn;
      this.grantAccess(fn, declaration, secretArns);
      this.connectTrigger(fn, declaration);
    }
    new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'EventBusName', { value: this.bus.eventBusName });
  }

  private grantAccess(fn: BatonFunction, declaration: FunctionDeclaration, secretArns: string[]): void {
    if (declaration.access.table === 'read') this.table.grantReadData(fn);
    if (declaration.access.table === 'readWrite') this.table.grantReadWriteData(fn);
    if (declaration.access.publish) this.bus.grantPutEventsTo(fn);
    if (declaration.access.secrets && secretArns.length > 0) {
      fn.addToRolePolicy(
        new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: secretArns }),
      );
    }
  }

  /** Kept 14 days: long enough to notice, look and redrive. */
  private deadLetterQueue(id: string): Queue {
    return new Queue(this, id, {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy: this.removalPolicy,
    });
  }

  private connectTrigger(fn: BatonFunction, declaration: FunctionDeclaration): void {
    const trigger = declaration.trigger;
    const id = pascal(declaration.name);
    if (trigger.kind !== 'http') {
      // EventBridge invokes asynchronously: what the handler still fails after Lambda's retries
      // lands here (the rule DLQs only catch events EventBridge could not deliver at all).
      fn.configureAsyncInvoke({
        retryAttempts: 2,
        maxEventAge: Duration.hours(6),
        onFailure: new SqsDestination(this.deadLetterQueue(`${id}FailedInvocations`)),
      });
    }
    switch (trigger.kind) {
      case 'http': {
        const integration = new HttpLambdaIntegration(`${id}Integration`, fn);
        for (const routeKey of trigger.routes) {
          const { method, path } = splitRouteKey(routeKey);
          this.api.addRoutes({ path, methods: [method], integration });
        }
        return;
      }
      case 'events':
        trigger.rules.forEach((rule, index) => {
          const ruleId = `${id}On${rule.detailType}${index}`;
          const deadLetterQueue = this.deadLetterQueue(`${ruleId}Dlq`);
          new Rule(this, ruleId, {
            eventBus: this.bus,
            eventPattern: {
              source: [EVENT_SOURCE],
              detailType: [rule.detailType],
              ...(rule.where
                ? {
                    detail: {
                      data: Object.fromEntries(Object.entries(rule.where).map(([k, v]) => [k, [...v]])),
                    },
                  }
                : {}),
            },
            targets: [
              new LambdaFunction(fn, { deadLetterQueue, retryAttempts: 8, maxEventAge: Duration.hours(6) }),
            ],
          });
        });
        return;
      case 'schedule':
        new Rule(this, `${id}Schedule`, {
          schedule: Schedule.rate(Duration.minutes(trigger.everyMinutes)),
          targets: [
            new LambdaFunction(fn, {
              retryAttempts: 2,
              deadLetterQueue: this.deadLetterQueue(`${id}ScheduleDlq`),
            }),
          ],
        });
        return;
    }
  }
}

function splitRouteKey(routeKey: RouteKey): { method: HttpMethod; path: string } {
  const [verb, path] = routeKey.split(' ');
  const method = verb === 'GET' ? HttpMethod.GET : HttpMethod.POST;
  if (!path) throw new Error(`route ${routeKey} has no path`);
  return { method, path };
}

function pascal(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, _dash: string, letter: string) => letter.toUpperCase());
}
