/**
 * What the bus carries of a WhatsApp user through a whole handover, over the local stack: every
 * event that went on it (and every dead letter) names the conversation by its keyed reference and
 * holds no phone number, no message id, no name or email, no text the user, the bot or the agent
 * wrote. A channel that fails makes the relay's retries run (and dead-letter) too.
 */
import { conversationRef } from '../../shared/log/logger';
import { flowOnLocalStack } from '../support/flow';

const local = flowOnLocalStack();

const NUMBER = '31655501234';
const CONVERSATION = `wa:${NUMBER}`;
/** Everything personal this conversation puts into Baton. */
const PERSONAL = [
  NUMBER,
  'Grace Hopper',
  'grace@example.com',
  'my order 7781 never came',
  'Sorry to hear that, Grace',
  'Refund of 49.95 approved',
  'echo:',
];

test('a whole handover on WhatsApp puts no personal data on the bus, dead letters included', async () => {
  const { stack, flow } = local;
  const firstEvent = stack.bus.published;
  await flow.whatsapp('demo', NUMBER, { text: 'my order 7781 never came' });
  await flow.whatsapp('demo', NUMBER, { text: 'I need an agent' });
  await flow.whatsapp('demo', NUMBER, { text: 'Grace Hopper' });
  await flow.whatsapp('demo', NUMBER, { text: 'grace@example.com' });
  expect((await flow.state('demo', CONVERSATION)).phase).toBe('agent');
  await flow.agent('demo', CONVERSATION, 'messages', { text: 'Sorry to hear that, Grace' });
  // The channel fails for one agent message: it waits in the item, the relay retries, then gives up.
  await flow.mode('channel', 'error');
  await flow.agent('demo', CONVERSATION, 'messages', { text: 'Refund of 49.95 approved' });
  await flow.mode('channel', 'ok');
  await flow.agent('demo', CONVERSATION, 'end', { summary: 'Refund for Grace Hopper, grace@example.com' });
  await flow.whatsapp('demo', NUMBER, { buttonPayload: 'LIVECHAT_SESSION_END' });
  expect((await flow.state('demo', CONVERSATION)).phase).toBe('bot');

  const events = stack.bus.since(firstEvent);
  const kinds = new Set(events.map((event) => event.detailType));
  // The steps of the handover, and the relay's retry of the message the channel did not take.
  for (const kind of [
    'HandoverRequested',
    'IntakeCompleted',
    'SessionStarted',
    'SessionEnded',
    'MessageUnsent',
  ])
    expect(kinds).toContain(kind);
  const ref = conversationRef('demo', CONVERSATION);
  for (const event of events) {
    expect(event.detail.data).toMatchObject({ tenantId: 'demo', conversationRef: ref });
    expect(event.detail.metadata.correlationId).toBe(ref);
    const wire = JSON.stringify(event);
    for (const personal of [...PERSONAL, 'wamid', 'conversationId'])
      expect({ event: event.detailType, holds: wire.includes(personal) ? personal : undefined }).toEqual({
        event: event.detailType,
        holds: undefined,
      });
  }
  const letters = JSON.stringify(stack.bus.deadLetters);
  expect(stack.bus.deadLetters.map((letter) => letter.detailType)).toContain('MessageUnsent');
  for (const personal of [...PERSONAL, 'wamid']) expect(letters).not.toContain(personal);
}, 60_000);
