/** The bot's status events on DynamoDB Local and a real HTTP bot: once per step and handover, retried after a failure. */
import { handoverDeclined, handoverRequested } from '../../../functions/relay/bot-status';
import { signatureOf } from '../../support/signed';
import { useRigWithOutside } from './rig-with-outside';
import { uniqueId } from './runtime';

const setup = useRigWithOutside('use-bot-status');

const botEvents = () => setup.outside.of('bot-events');

test('the same step delivered again, or twice at once, reaches the bot once; another step of the handover is its own event', async () => {
  const event = { tenantId: 'acme', conversationId: uniqueId('web'), handoverId: 'h-1' };

  await handoverRequested(setup.rig.runtime, event);
  await Promise.all([
    handoverRequested(setup.rig.runtime, event),
    handoverRequested(setup.rig.runtime, event),
  ]);
  await handoverDeclined(setup.rig.runtime, { ...event, agentStatus: 'offline', reason: 'no_agents' });

  expect(botEvents().map((request) => JSON.parse(request.body))).toEqual([
    {
      tenantId: 'acme',
      conversationId: event.conversationId,
      eventId: 'handover.requested:h-1',
      event: 'handover.requested',
      handoverId: 'h-1',
    },
    {
      tenantId: 'acme',
      conversationId: event.conversationId,
      eventId: 'handover.offline:h-1',
      event: 'handover.offline',
      handoverId: 'h-1',
      agentStatus: 'offline',
    },
  ]);
});

test("signed with the bot's secret, as Baton's requests to the bot are", async () => {
  await handoverRequested(setup.rig.runtime, {
    tenantId: 'acme',
    conversationId: uniqueId('web'),
    handoverId: 'h-2',
  });
  const [request] = botEvents();
  const secret = await setup.rig.runtime.secrets.resolve(setup.rig.tenant('acme').bot.signingSecret);
  expect(signatureOf(secret, request)).toBe('valid');
});

test('a bot that fails: the event fails (the bus retries it) and the retry reaches the bot', async () => {
  const event = { tenantId: 'acme', conversationId: uniqueId('web'), handoverId: 'h-3' };
  setup.outside.mode('bot-events', '5xx');
  await expect(handoverRequested(setup.rig.runtime, event)).rejects.toThrow();
  setup.outside.mode('bot-events', 'ok');
  await handoverRequested(setup.rig.runtime, event);
  // Asked twice (the retry is not refused as a duplicate): the failure released the claim.
  expect(botEvents()).toHaveLength(2);
  await handoverRequested(setup.rig.runtime, event);
  expect(botEvents()).toHaveLength(2);
});
