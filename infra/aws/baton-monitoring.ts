/**
 * What an operator of Baton watches: the handover funnel and the errors on one dashboard, alarms on
 * function errors and throttles, dead letters, slow event delivery and a stream consumer falling
 * behind, and Logs Insights queries saved over every function's log group (baton-queries.ts).
 */
import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  SingleValueWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FUNNEL_METRICS, METRIC_NAMESPACE, USER_CHANNEL_METRICS } from '../../shared/log/metrics';
import type { BatonFunction } from './baton-function';
import { BatonQueries } from './baton-queries';

export interface BatonMonitoringProps {
  readonly functions: Readonly<Record<string, BatonFunction>>;
  /** The functions the table's stream triggers, by name (a subset of `functions`). */
  readonly streamConsumers?: Readonly<Record<string, BatonFunction>> | undefined;
  readonly deadLetterQueues: Readonly<Record<string, Queue>>;
  readonly bus: EventBus;
  readonly rules: readonly Rule[];
  readonly api: HttpApi;
  readonly alarmTopic?: ITopic | undefined;
}

/** Event delivery slower than this (p99 over 5 minutes) means EventBridge is retrying or throttled. */
export const DELIVERY_LATENCY_ALARM_MS = 30_000;
/**
 * A stream consumer whose newest batch was older than this (maximum over 1 minute) is falling behind:
 * a batch keeps failing and holds its lane, or the function cannot keep up with the writes.
 */
export const ITERATOR_AGE_ALARM_MS = 60_000;

export class BatonMonitoring extends Construct {
  readonly dashboard: Dashboard;
  readonly alarms: Alarm[] = [];
  /** One conversation, the errors, the dead letters, a tenant's handovers: in Logs Insights, under `Baton/<stack>`. */
  readonly queries: BatonQueries;

  constructor(scope: Construct, id: string, props: BatonMonitoringProps) {
    super(scope, id);
    this.queries = new BatonQueries(this, 'Queries', {
      logGroups: Object.values(props.functions).map((fn) => fn.logGroup),
    });
    const fiveMinutes = Duration.minutes(5);
    const oneMinute = Duration.minutes(1);
    const alarm = (alarmId: string, metric: IMetric, threshold: number, description: string): void => {
      const created = new Alarm(this, alarmId, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      if (props.alarmTopic) created.addAlarmAction(new SnsAction(props.alarmTopic));
      this.alarms.push(created);
    };

    for (const [name, fn] of Object.entries(props.functions)) {
      alarm(`${name}Errors`, fn.metricErrors({ period: fiveMinutes }), 1, `${name} failed invocations`);
      alarm(`${name}Throttles`, fn.metricThrottles({ period: fiveMinutes }), 1, `${name} was throttled`);
    }
    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      alarm(
        `${name}Depth`,
        queue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: 'Maximum' }),
        1,
        `dead letters in ${name}: events that were not handled`,
      );
    }
    // A user message no owner could take: kept on the conversation, counted in Baton's namespace.
    alarm(
      'MessagesDeadLettered',
      new Metric({
        namespace: METRIC_NAMESPACE,
        metricName: 'MessageDeadLettered',
        statistic: 'Sum',
        period: fiveMinutes,
      }),
      1,
      'user messages dead-lettered on their conversation (see its deadLetters)',
    );
    // A message to a user the channel refused for good (a 4xx): not retried, so only this tells.
    alarm(
      'MessagesUndeliverable',
      new Metric({
        namespace: METRIC_NAMESPACE,
        metricName: 'MessageUndeliverable',
        statistic: 'Sum',
        period: fiveMinutes,
      }),
      1,
      'messages to users the channel refused (4xx, not retried); see the relay log',
    );
    // A conversation the conveyor could not finish (the table failing): the sweep nudges it, and this tells.
    alarm(
      'ConveyorStalled',
      new Metric({
        namespace: METRIC_NAMESPACE,
        metricName: 'ConveyorStalled',
        statistic: 'Sum',
        period: fiveMinutes,
      }),
      1,
      'conversations the conveyor could not finish; the sweep nudges them (see the conveyor log)',
    );
    const latency = props.rules.map(
      (rule) =>
        new Metric({
          namespace: 'AWS/Events',
          metricName: 'IngestionToInvocationSuccessLatency',
          dimensionsMap: { EventBusName: props.bus.eventBusName, RuleName: rule.ruleName },
          statistic: 'p99',
          period: fiveMinutes,
        }),
    );
    latency.forEach((metric, index) => {
      alarm(`DeliveryLatency${index}`, metric, DELIVERY_LATENCY_ALARM_MS, 'events reach their consumer late');
    });
    const iteratorAge = Object.entries(props.streamConsumers ?? {}).map(([name, fn]) => ({
      name,
      metric: fn.metric('IteratorAge', { statistic: 'Maximum', period: oneMinute }),
    }));
    for (const { name, metric } of iteratorAge) {
      alarm(
        `${name}IteratorAge`,
        metric,
        ITERATOR_AGE_ALARM_MS,
        `${name} falls behind the table's stream: records reach it a minute or more after their write`,
      );
    }

    const funnel = (name: string): Metric =>
      new Metric({ namespace: METRIC_NAMESPACE, metricName: name, statistic: 'Sum', period: fiveMinutes });
    const errors = Object.entries(props.functions).map(([name, fn]) =>
      fn.metricErrors({ period: fiveMinutes, label: name }),
    );
    const deadLetters = Object.values(props.deadLetterQueues).map((queue) =>
      queue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: 'Maximum' }),
    );
    // Delivery latency of the bus and of the stream side by side: the two ways work reaches a function.
    const streamWidgets =
      iteratorAge.length > 0
        ? [
            new GraphWidget({
              title: 'Stream iterator age, maximum (ms)',
              width: 6,
              left: iteratorAge.map(({ name, metric }) => metric.with({ label: name })),
            }),
          ]
        : [];
    const width = streamWidgets.length > 0 ? 6 : 8;
    this.dashboard = new Dashboard(this, 'Dashboard', {
      widgets: [
        [
          new GraphWidget({
            title: 'Handover funnel',
            width: 16,
            left: FUNNEL_METRICS.map((name) => funnel(name)),
          }),
          new SingleValueWidget({
            title: 'Time to agent (p50 / p90)',
            width: 8,
            metrics: [
              new Metric({
                namespace: METRIC_NAMESPACE,
                metricName: 'TimeToAgent',
                statistic: 'p50',
                period: Duration.hours(1),
              }),
              new Metric({
                namespace: METRIC_NAMESPACE,
                metricName: 'TimeToAgent',
                statistic: 'p90',
                period: Duration.hours(1),
              }),
            ],
          }),
        ],
        [
          new GraphWidget({ title: 'Function errors', width, left: errors }),
          new GraphWidget({
            title: 'Dead letters (all queues)',
            width,
            left: [
              new MathExpression({
                expression: deadLetters.map((_, index) => `m${index}`).join(' + ') || '0',
                usingMetrics: Object.fromEntries(deadLetters.map((metric, index) => [`m${index}`, metric])),
                label: 'events',
                period: fiveMinutes,
              }),
              new Metric({
                namespace: METRIC_NAMESPACE,
                metricName: 'MessageDeadLettered',
                statistic: 'Sum',
                period: fiveMinutes,
                label: 'user messages',
              }),
            ],
          }),
          new GraphWidget({ title: 'Event delivery latency p99 (ms)', width, left: latency }),
          ...streamWidgets,
        ],
        [
          new GraphWidget({
            title: 'Handovers failed, by stage',
            width: 24,
            left: [
              new MathExpression({
                expression: `SEARCH('{${METRIC_NAMESPACE},Stage} MetricName="HandoverFailed"', 'Sum', 300)`,
                label: 'failed',
                period: fiveMinutes,
              }),
            ],
          }),
        ],
        [
          new GraphWidget({
            title: 'Messages the channel kept from users, and media not served',
            width: 24,
            left: USER_CHANNEL_METRICS.map((name) => funnel(name)),
          }),
        ],
        [
          new GraphWidget({
            title: 'Webhooks: requests and 4xx / 5xx',
            width: 24,
            left: [
              props.api.metricCount({ period: fiveMinutes }),
              props.api.metricClientError({ period: fiveMinutes }),
              props.api.metricServerError({ period: fiveMinutes }),
            ],
          }),
        ],
      ],
    });
  }
}
