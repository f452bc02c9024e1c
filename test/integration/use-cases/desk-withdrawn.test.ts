/**
 * The relay tells a desk that may hold a chat that the handover is off, once: after a pickup
 * timeout, and after a handover the desk never answered (it may have taken it). The real relay
 * handler on DynamoDB Local, the desks on 127.0.0.1.
 */
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { createHandler } from '../../../functions/relay/handler';
import { conversationEventMetadata, createEvent } from '../../../shared/events/define';
import { HandoverDeclined } from '../../../shared/events/handover-events';
import { jsonBody } from './outside-server';
import { useRigWithOutside } from './rig-with-outside';
import { byRef, seed, uniqueId } from './runtime';

const setup = useRigWithOutside('use-withdrawn');

type Declined = Parameters<typeof createEvent<'HandoverDeclined', typeof HandoverDeclined.data>>[2];

async function declined(data: Declined): Promise<void> {
  const event = createEvent(
    HandoverDeclined,
    {
      ...conversationEventMetadata(`declined:${data.handoverId}`, data.tenantId, 'unused', Date.now()),
      correlationId: data.conversationRef,
    },
    data,
  );
  const relay = createHandler(setup.rig.runtime);
  await relay({
    version: '0',
    id: randomUUID(),
    'detail-type': event.detailType,
    source: 'baton',
    account: '0',
    time: new Date().toISOString(),
    region: 'eu-west-1',
    resources: [],
    detail: event.detail,
  });
}

/**
 * A web chat's handover that failed at `stage` of `tenantId`'s default desk: the conversation is
 * back with the bot, and the event names it by reference (the relay reads where it came from).
 */
async function failedAt(tenantId: string, handoverId: string, stage: string) {
  const { conversationId } = await seed(setup.rig, 'bot', { tenantId, conversationId: uniqueId('web') });
  const event = { ...byRef(tenantId, conversationId), handoverId, reason: 'failed', stage } as const;
  return { conversationId, event };
}

const withdrawalSchema = z.object({
  event: z.literal('handover_withdrawn'),
  sessionId: z.string(),
  handoverId: z.string(),
  reason: z.string(),
});

test('a webhook desk that never answered the handover is told it is withdrawn (desk_unreachable), once however often the event comes', async () => {
  const { event, conversationId } = await failedAt('hooks', 'h-unanswered', 'desk:timeout');

  await declined(event);
  await declined(event);

  expect(setup.outside.of('desk-hook').map((request) => jsonBody(request, withdrawalSchema))).toEqual([
    {
      event: 'handover_withdrawn',
      sessionId: conversationId,
      handoverId: 'h-unanswered',
      reason: 'desk_unreachable',
    },
  ]);
});

test('an MSC desk that never answered: the link to MSC is disabled again, as at the end of a chat', async () => {
  await declined((await failedAt('acme', 'h-msc', 'desk:network')).event);

  const [mutation] = setup.outside.of('msc');
  expect(mutation?.path).toMatch(/\/routing\/mutationrequests$/);
  expect(
    jsonBody(mutation, z.object({ Mutations: z.array(z.object({ action: z.string() })) })).Mutations,
  ).toEqual([expect.objectContaining({ action: 'Disable' })]);
});

test('a desk that answered (refused, or no agents) is not told anything: it never took the chat', async () => {
  await declined((await failedAt('hooks', 'h-refused', 'desk:status')).event);
  await declined({ ...(await failedAt('hooks', 'h-offline', 'presence')).event, reason: 'no_agents' });

  expect(setup.outside.of('desk-hook')).toEqual([]);
});

test('a desk still unreachable when told: the event fails, and its retry (the bus) tells the desk', async () => {
  setup.outside.mode('desk-hook', '5xx');
  const { event } = await failedAt('hooks', 'h-retry', 'desk:timeout');

  await expect(declined(event)).rejects.toThrow();
  setup.outside.mode('desk-hook', 'ok');
  await declined(event);

  const told = setup.outside.of('desk-hook').map((request) => jsonBody(request, withdrawalSchema));
  expect(told.map((withdrawal) => withdrawal.handoverId)).toEqual(['h-retry', 'h-retry']);
});
