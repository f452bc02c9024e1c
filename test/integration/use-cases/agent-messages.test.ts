/**
 * An agent's messages on DynamoDB Local and a real HTTP web chat: they ride in the write that slides
 * the lock and go to the user from its record, in order with the notices around them; the bus never
 * carries their text. One the channel does not take waits in the item for the relay.
 */
import { postAgentMessage } from '../../../functions/agent-api/agent-api';
import { DEFAULT_DESK } from '../../../functions/agent-api/desk-token';
import { deliverUnsent } from '../../../functions/relay/deliver-unsent';
import { LIVECHAT_SESSION_END } from '../../../shared/domain/livechat-payloads';
import { unsentKey } from '../../../shared/domain/unsent';
import { MessageUnsent } from '../../../shared/events/message-unsent';
import { applyCommand } from '../../../shared/flow/apply-command';
import { idRef } from '../../../shared/log/logger';
import { parse } from '../../../shared/validation/zod';
import { webDeliveries, webTexts } from './outside-server';
import { useRigWithOutside } from './rig-with-outside';
import { seed, uniqueId } from './runtime';

const setup = useRigWithOutside('use-agent-messages');

const post = (conversationId: string, messageId: string, text: string, signOff = false) =>
  postAgentMessage(setup.rig.runtime, setup.rig.tenant('acme'), DEFAULT_DESK, conversationId, {
    messageId,
    text,
    signOff,
  });

test('told once however often the stream is read, a desk retry included; nothing goes on the bus', async () => {
  const { conversationId } = await seed(setup.rig, 'agent', { conversationId: uniqueId('web') });

  await post(conversationId, 'desk-1', 'Hi, Grace here');
  await setup.conveyor.convey();
  await post(conversationId, 'desk-1', 'Hi, Grace here');
  await setup.conveyor.convey();
  await setup.conveyor.convey();

  expect(webTexts(setup.outside, conversationId)).toEqual(['Hi, Grace here']);
  expect(setup.rig.publisher.published(conversationId)).toEqual([]);
});

test('the sign-off carries the button that ends the session; the messages and the end reach the user in their order', async () => {
  const { conversationId } = await seed(setup.rig, 'agent', { conversationId: uniqueId('web') });

  await post(conversationId, 'desk-2', 'Anything else?');
  await post(conversationId, 'desk-3', 'Bye for now', true);
  await applyCommand(setup.rig.runtime, 'acme', conversationId, () => ({ type: 'endSession', by: 'user' }));
  await setup.conveyor.convey();

  const signOffButton = setup.rig.tenant('acme').messages.signOffButton;
  expect(
    webDeliveries(setup.outside).filter((delivery) => delivery.conversationId === conversationId),
  ).toEqual([
    { conversationId, text: 'Anything else?' },
    {
      conversationId,
      text: 'Bye for now',
      buttons: [{ payload: LIVECHAT_SESSION_END, title: signOffButton }],
    },
    { conversationId, text: setup.rig.tenant('acme').messages.sessionEnded },
  ]);
});

test('a channel that keeps failing: tried in place, then kept in the item; the relay delivers it once and takes it out', async () => {
  const { conversationId } = await seed(setup.rig, 'agent', { conversationId: uniqueId('web') });
  setup.outside.mode('web', '5xx');

  await post(conversationId, 'desk-4', 'Your refund is on its way');
  await setup.conveyor.convey();

  expect(webTexts(setup.outside, conversationId).length).toBeGreaterThan(1);
  const key = unsentKey.agent('desk-4');
  expect((await setup.rig.state('acme', conversationId))?.unsent).toEqual([
    expect.objectContaining({ kind: 'agent', key, text: 'Your refund is on its way' }),
  ]);
  const events = setup.rig.publisher.of(conversationId);
  expect(events.map((event) => event.detailType)).toEqual(['MessageUnsent']);
  expect(JSON.stringify(events)).not.toContain('refund');
  expect(JSON.stringify(events)).not.toContain('desk-4');

  setup.outside.reset();
  const event = parse(MessageUnsent.data, events[0]?.detail.data);
  expect(event.keyRef).toBe(idRef(key));
  await deliverUnsent(setup.rig.runtime, event);
  await deliverUnsent(setup.rig.runtime, event);

  expect(webTexts(setup.outside, conversationId)).toEqual(['Your refund is on its way']);
  expect((await setup.rig.state('acme', conversationId))?.unsent).toBeUndefined();
});

test('the relay fails while the channel is still down: the message stays for the next try of the bus', async () => {
  const { conversationId } = await seed(setup.rig, 'agent', { conversationId: uniqueId('web') });
  setup.outside.mode('web', '5xx');
  await post(conversationId, 'desk-5', 'One more thing');
  await setup.conveyor.convey();
  const event = parse(MessageUnsent.data, setup.rig.publisher.of(conversationId)[0]?.detail.data);

  await expect(deliverUnsent(setup.rig.runtime, event)).rejects.toThrow();
  expect((await setup.rig.state('acme', conversationId))?.unsent).toHaveLength(1);

  setup.outside.mode('web', 'ok');
  await deliverUnsent(setup.rig.runtime, event);
  expect(webTexts(setup.outside, conversationId).at(-1)).toBe('One more thing');
  expect((await setup.rig.state('acme', conversationId))?.unsent).toBeUndefined();
});

test('behind a message waiting for the relay, the next ones wait too: the user gets them in their order', async () => {
  const { conversationId } = await seed(setup.rig, 'agent', { conversationId: uniqueId('web') });
  setup.outside.mode('web', '5xx');
  await post(conversationId, 'desk-6', 'First');
  await setup.conveyor.convey();
  setup.outside.mode('web', 'ok');
  setup.outside.reset();

  // The channel is back, but "Second" is not sent ahead of "First".
  await post(conversationId, 'desk-7', 'Second');
  await setup.conveyor.convey();
  expect(webTexts(setup.outside, conversationId)).toEqual([]);
  const waiting = await setup.rig.state('acme', conversationId);
  expect(waiting?.unsent?.map((entry) => entry.key)).toEqual([
    unsentKey.agent('desk-6'),
    unsentKey.agent('desk-7'),
  ]);

  // The bus delivers the second's event first: the first still goes first.
  const events = setup.rig.publisher
    .of(conversationId)
    .map((event) => parse(MessageUnsent.data, event.detail.data));
  for (const event of [...events].reverse()) await deliverUnsent(setup.rig.runtime, event);
  expect(webTexts(setup.outside, conversationId)).toEqual(['First', 'Second']);
});

test('a sign-off waiting for the relay: the notice that the chat ended waits behind it, and comes after it', async () => {
  const { conversationId } = await seed(setup.rig, 'agent', { conversationId: uniqueId('web') });
  setup.outside.mode('web', '5xx');
  await post(conversationId, 'desk-8', 'Bye for now', true);
  await setup.conveyor.convey();
  setup.outside.mode('web', 'ok');
  setup.outside.reset();

  await applyCommand(setup.rig.runtime, 'acme', conversationId, () => ({ type: 'endSession', by: 'user' }));
  await setup.conveyor.convey();
  expect(webTexts(setup.outside, conversationId)).toEqual([]);

  const events = setup.rig.publisher.unsent(conversationId);
  const [, last] = events;
  if (!last) throw new Error('expected two waiting messages');
  // The notice's event: the sign-off before it still goes first.
  await deliverUnsent(setup.rig.runtime, last);
  expect(webTexts(setup.outside, conversationId)).toEqual([
    'Bye for now',
    setup.rig.tenant('acme').messages.sessionEnded,
  ]);
});
