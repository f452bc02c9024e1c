/**
 * The handover funnel as CloudWatch metrics, in Embedded Metric Format: one JSON line per metric
 * on stdout, which Lambda's log pipeline turns into metrics without any API call on the hot path.
 * Each metric is published across all tenants and per tenant (HandoverFailed also per stage).
 */
export const METRIC_NAMESPACE = 'Baton';

export type MetricName =
  | 'HandoverRequested'
  | 'AgentsOffline'
  | 'IntakeStarted'
  | 'IntakeCompleted'
  | 'IntakeAbandoned'
  | 'HandedOver'
  | 'HandoverFailed'
  /** A desk live on its claim did not claim by the pickup deadline. */
  | 'HandoverWithdrawn'
  | 'HandoverTransferred'
  | 'SessionEnded'
  | 'SessionExpired'
  | 'TimeToAgent'
  /** A user message no owner could take (see the conversation's deadLetters). */
  | 'MessageDeadLettered'
  /** A message to the user the channel refused for good (a 4xx other than 429): not retried. */
  | 'MessageUndeliverable'
  /** A conversation the stream's consumer could not finish (the table failing): the sweep nudges it. */
  | 'ConveyorStalled'
  /** An agent's TwoWay message Baton could not deliver (the conversation not with an agent, or not text). */
  | 'TwoWayDropped'
  /** A signed WhatsApp message older than Meta's retries: a replay, not taken. */
  | 'WhatsAppReplayRefused'
  /** A media link Baton could not serve: WhatsApp refused, failed or broke off the download. */
  | 'MediaFetchFailed'
  /** An agent's message after WhatsApp's 24-hour window closed, with no template to send it as. */
  | 'WindowClosed'
  /** MSC took the handover, but the transcript message after it failed: the agent starts without it. */
  | 'TranscriptNotSent';

export const FUNNEL_METRICS: readonly MetricName[] = [
  'HandoverRequested',
  'AgentsOffline',
  'IntakeStarted',
  'IntakeCompleted',
  'IntakeAbandoned',
  'HandedOver',
  'HandoverFailed',
  'HandoverWithdrawn',
  'HandoverTransferred',
  'SessionEnded',
  'SessionExpired',
];

/** What the user's channel refused or could not get: on the dashboard beside the funnel. */
export const USER_CHANNEL_METRICS: readonly MetricName[] = [
  'WindowClosed',
  'MessageUndeliverable',
  'MediaFetchFailed',
];

export interface MetricPoint {
  name: MetricName;
  value: number;
  unit: 'Count' | 'Milliseconds';
  tenant: string;
  /** Where a handover failed (`desk:timeout`, ...): a third dimension set on HandoverFailed. */
  stage?: string;
}

export interface Metrics {
  put(point: MetricPoint): void;
}

export function emfMetrics(write: (line: string) => void = (line) => process.stdout.write(line)): Metrics {
  return {
    put(point) {
      write(
        `${JSON.stringify({
          _aws: {
            Timestamp: Date.now(),
            CloudWatchMetrics: [
              {
                Namespace: METRIC_NAMESPACE,
                Dimensions: point.stage === undefined ? [[], ['Tenant']] : [[], ['Tenant'], ['Stage']],
                Metrics: [{ Name: point.name, Unit: point.unit }],
              },
            ],
          },
          Tenant: point.tenant,
          ...(point.stage === undefined ? {} : { Stage: point.stage }),
          [point.name]: point.value,
        })}\n`,
      );
    },
  };
}

/** Collects points in memory: the local stack and tests read them. */
export class RecordedMetrics implements Metrics {
  readonly points: MetricPoint[] = [];

  put(point: MetricPoint): void {
    this.points.push(point);
  }

  count(name: MetricName): number {
    return this.points.filter((point) => point.name === name).reduce((sum, point) => sum + point.value, 0);
  }
}
