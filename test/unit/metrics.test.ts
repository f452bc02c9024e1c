/** The funnel metrics: which effect counts for what, and the EMF line CloudWatch reads. */
import { newConversation, transition } from '../../shared/domain/conversation';
import { funnelPoints } from '../../shared/flow/funnel';
import { emfMetrics, FUNNEL_METRICS } from '../../shared/log/metrics';

const T0 = Date.UTC(2026, 10, 22, 12);

test('a handover from request to a live agent counts each funnel step once, and the time it took', () => {
  let state = newConversation('acme', 'c-1', { type: 'web' }, T0);
  const names: string[] = [];
  const steps = [
    { type: 'requestHandover', handoverId: 'h1', additions: { mscChannel: 'WhatsApp' } },
    { type: 'presenceChecked', handoverId: 'h1', status: 'online' },
    { type: 'intakeCompleted', handoverId: 'h1', answers: {} },
    { type: 'handoverSucceeded', handoverId: 'h1', lockMs: 60_000 },
  ] as const;
  steps.forEach((command, index) => {
    const next = transition(state, command, T0 + index * 10_000);
    for (const point of funnelPoints(state, next.effects, T0 + index * 10_000)) {
      names.push(point.unit === 'Milliseconds' ? `${point.name}=${point.value}` : point.name);
    }
    state = next.state;
  });
  expect(names).toEqual([
    'HandoverRequested',
    'IntakeStarted',
    'IntakeCompleted',
    'HandedOver',
    'TimeToAgent=30000',
  ]);
  const expired = transition(state, { type: 'expire' }, T0 + 100_000);
  expect(funnelPoints(state, expired.effects, T0 + 100_000).map((point) => point.name)).toEqual([
    'SessionExpired',
  ]);
});

test('an EMF line names the namespace, both dimension sets and the value', () => {
  const lines: string[] = [];
  emfMetrics((line) => lines.push(line)).put({ name: 'HandedOver', value: 1, unit: 'Count', tenant: 'acme' });
  expect(JSON.parse(lines[0] ?? '{}')).toEqual({
    _aws: {
      Timestamp: expect.any(Number),
      CloudWatchMetrics: [
        {
          Namespace: 'Baton',
          Dimensions: [[], ['Tenant']],
          Metrics: [{ Name: 'HandedOver', Unit: 'Count' }],
        },
      ],
    },
    Tenant: 'acme',
    HandedOver: 1,
  });
});

test('a failed handover is counted per stage too', () => {
  const lines: string[] = [];
  emfMetrics((line) => lines.push(line)).put({
    name: 'HandoverFailed',
    value: 1,
    unit: 'Count',
    tenant: 'acme',
    stage: 'desk:timeout',
  });
  expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
    _aws: { CloudWatchMetrics: [{ Dimensions: [[], ['Tenant'], ['Stage']] }] },
    Stage: 'desk:timeout',
    HandoverFailed: 1,
  });
});

test('a stalled conveyor is counted per tenant, outside the funnel', () => {
  const lines: string[] = [];
  emfMetrics((line) => lines.push(line)).put({
    name: 'ConveyorStalled',
    value: 1,
    unit: 'Count',
    tenant: 'acme',
  });
  expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
    _aws: {
      CloudWatchMetrics: [
        { Dimensions: [[], ['Tenant']], Metrics: [{ Name: 'ConveyorStalled', Unit: 'Count' }] },
      ],
    },
    Tenant: 'acme',
    ConveyorStalled: 1,
  });
  expect(FUNNEL_METRICS).not.toContain('ConveyorStalled');
});
