/** checkPresence on DynamoDB Local, against a real presence server on 127.0.0.1. */
import { checkPresence, type PresenceCheck } from '../../../functions/check-presence/check-presence';
import type { Conversation } from '../../../shared/domain/conversation';
import { applyCommand } from '../../../shared/flow/apply-command';
import { OUTBOX_GRACE_MS } from '../../../shared/store/conversation-repository';
import type { Mode, OutsideServer } from './outside-server';
import { resetRigWithOutside, startRigWithOutside, stopRigWithOutside } from './rig-with-outside';
import { handoverIdOf, SECRETS, seed, T0, type TestRig, uniqueId, WHATSAPP_USER } from './runtime';

let outside: OutsideServer;
let rig: TestRig;

beforeAll(async () => {
  ({ rig, outside } = await startRigWithOutside('use-presence'));
});
afterAll(() => stopRigWithOutside({ rig, outside }));
beforeEach(() => resetRigWithOutside({ rig, outside }));

/** The HandoverRequested event of a seeded conversation, as check-presence receives it. */
function requestOf(conversation: Conversation): PresenceCheck {
  const handover = conversation.handover;
  if (!handover) throw new Error('no handover to check');
  return {
    tenantId: conversation.tenantId,
    conversationId: conversation.conversationId,
    handoverId: handover.id,
    additions: handover.additions,
    pageUrl: handover.pageUrl,
  };
}

const storeAdditions = { mscChannel: 'WhatsApp', mscWebstore: 'acme-store', skill: 'billing' };

async function whatsappInPresence(): Promise<Conversation> {
  return seed(rig, 'presence', {
    conversationId: uniqueId('wa:3161'),
    channel: { type: 'whatsapp', ...WHATSAPP_USER },
    additions: storeAdditions,
  });
}

test('MSC answers Online → intake with agentStatus online, IntakeStarted published; the query carries apikey, Channel and the web store', async () => {
  const conversation = await whatsappInPresence();
  const handoverId = handoverIdOf(conversation);

  await checkPresence(rig.runtime, requestOf(conversation));

  expect(outside.requests).toHaveLength(1);
  expect(outside.requests[0]).toMatchObject({
    system: 'presence',
    method: 'GET',
    path: '/presence/api/v1',
    query: { apikey: SECRETS.presenceKey, Channel: 'WhatsApp', referrer: 'acme-store' },
  });
  const stored = await rig.state('acme', conversation.conversationId);
  expect(stored).toMatchObject({
    phase: 'intake',
    agentStatus: 'online',
    version: conversation.version + 1,
    additions: storeAdditions,
    handover: { id: handoverId, intake: { step: 0, answers: {}, invalidAttempts: 0 } },
  });
  expect(rig.publisher.published()).toEqual([['IntakeStarted', `intake:${handoverId}`]]);
  expect(rig.publisher.events[0]?.detail.data).toEqual({
    tenantId: 'acme',
    conversationId: conversation.conversationId,
    handoverId,
  });
  // The writer published its own outbox and cleared it.
  expect(await rig.rawItem('acme', conversation.conversationId)).not.toHaveProperty('outbox');
  expect(rig.logs).toContainEqual(
    expect.objectContaining({
      message: 'presence checked',
      fields: { status: 'online', failure: undefined },
    }),
  );
});

test('MSC answers Offline → back to the bot with agentStatus offline, HandoverDeclined(no_agents)', async () => {
  outside.answer('presence', 'Offline\n');
  const conversation = await whatsappInPresence();
  const handoverId = handoverIdOf(conversation);

  await checkPresence(rig.runtime, requestOf(conversation));

  expect(outside.of('presence')).toHaveLength(1);
  const stored = await rig.state('acme', conversation.conversationId);
  expect(stored).toMatchObject({ phase: 'bot', agentStatus: 'offline', additions: storeAdditions });
  expect(stored?.handover).toBeUndefined();
  expect(rig.publisher.published()).toEqual([['HandoverDeclined', `declined:${handoverId}`]]);
  expect(rig.publisher.events[0]?.detail.data).toEqual({
    tenantId: 'acme',
    conversationId: conversation.conversationId,
    handoverId,
    channel: conversation.channel,
    reason: 'no_agents',
  });
});

const failures: Array<[Mode, string]> = [
  ['5xx', 'status'],
  ['hang', 'timeout'],
  ['garbage', 'invalid-response'],
];
test.each(failures)(
  'presence server in mode %s → offline (failure %s), HandoverDeclined(no_agents)',
  async (mode, failure) => {
    outside.mode('presence', mode);
    const conversation = await whatsappInPresence();
    const handoverId = handoverIdOf(conversation);

    const started = performance.now();
    await checkPresence(rig.runtime, requestOf(conversation));
    // A hanging desk costs the client's timeout (300 ms), not the Lambda's.
    expect(performance.now() - started).toBeLessThan(2_000);

    expect(outside.of('presence')).toHaveLength(1);
    const stored = await rig.state('acme', conversation.conversationId);
    expect(stored).toMatchObject({ phase: 'bot', agentStatus: 'offline' });
    expect(stored?.handover).toBeUndefined();
    expect(rig.publisher.published()).toEqual([['HandoverDeclined', `declined:${handoverId}`]]);
    expect(rig.publisher.events[0]?.detail.data).toMatchObject({ reason: 'no_agents' });
    expect(rig.logs).toContainEqual(
      expect.objectContaining({ message: 'presence checked', fields: { status: 'offline', failure } }),
    );
  },
);

test('without a web store the referrer is the web chat page URL; with neither it is empty', async () => {
  const pageUrl = 'https://shop.example/nl/help?item=42&ref=a b';
  const withPage = await seed(rig, 'presence', {
    conversationId: uniqueId('web'),
    channel: { type: 'web', pageUrl },
    additions: { mscChannel: 'Web', skill: 'sales' },
    pageUrl,
  });
  const bare = await seed(rig, 'presence', {
    conversationId: uniqueId('web'),
    additions: { mscChannel: 'Web' },
  });

  await checkPresence(rig.runtime, requestOf(withPage));
  await checkPresence(rig.runtime, requestOf(bare));

  expect(outside.of('presence').map((request) => request.query)).toEqual([
    { apikey: SECRETS.presenceKey, Channel: 'Web', referrer: pageUrl },
    { apikey: SECRETS.presenceKey, Channel: 'Web', referrer: '' },
  ]);
});

test('the webhook presence gets conversationId, channel and referrer on its own query; agentAvailable false → offline', async () => {
  outside.answer('presence-hook', '{"agentAvailable":false}');
  const conversation = await seed(rig, 'presence', {
    tenantId: 'hooks',
    conversationId: uniqueId('web'),
    additions: { mscChannel: 'Web', mscWebstore: 'hooks-store' },
  });

  await checkPresence(rig.runtime, requestOf(conversation));

  expect(outside.of('presence-hook')).toEqual([
    expect.objectContaining({
      method: 'GET',
      path: '/presence-hook/available',
      query: {
        site: 'hooks',
        conversationId: conversation.conversationId,
        channel: 'Web',
        referrer: 'hooks-store',
      },
    }),
  ]);
  expect(await rig.state('hooks', conversation.conversationId)).toMatchObject({
    phase: 'bot',
    agentStatus: 'offline',
  });
  expect(rig.publisher.events.map((event) => event.detail.data)).toEqual([
    expect.objectContaining({ reason: 'no_agents' }),
  ]);
});

test('a stale event (not the current handover) changes nothing and calls nobody', async () => {
  const conversation = await whatsappInPresence();

  await checkPresence(rig.runtime, { ...requestOf(conversation), handoverId: 'answer:an-older-one:0' });

  expect(outside.requests).toEqual([]);
  expect(rig.publisher.attempts).toBe(0);
  expect(await rig.state('acme', conversation.conversationId)).toEqual(conversation);
});

test('an event for a conversation no longer in presence changes nothing and calls nobody', async () => {
  const conversation = await seed(rig, 'intake', {
    conversationId: uniqueId('web'),
    additions: { mscChannel: 'Web' },
  });

  await checkPresence(rig.runtime, requestOf(conversation));
  await checkPresence(rig.runtime, { ...requestOf(conversation), tenantId: 'nobody' });
  await checkPresence(rig.runtime, { ...requestOf(conversation), conversationId: 'never-seen' });

  expect(outside.requests).toEqual([]);
  expect(rig.publisher.attempts).toBe(0);
  expect(await rig.state('acme', conversation.conversationId)).toEqual(conversation);
});

test('a redelivered event (same handover id), one after the other, asks presence once', async () => {
  const conversation = await whatsappInPresence();

  await checkPresence(rig.runtime, requestOf(conversation));
  await checkPresence(rig.runtime, requestOf(conversation));

  expect(outside.of('presence')).toHaveLength(1);
  expect(rig.publisher.published()).toEqual([['IntakeStarted', `intake:${handoverIdOf(conversation)}`]]);
  expect(await rig.state('acme', conversation.conversationId)).toMatchObject({
    phase: 'intake',
    version: conversation.version + 1,
  });
});

test("a redelivery long after the first, past the claim's window, asks presence no more: the phase records the check", async () => {
  const conversation = await whatsappInPresence();
  await checkPresence(rig.runtime, requestOf(conversation));
  // EventBridge may redeliver for up to 24 hours; the claim only kept duplicates out while it ran.
  rig.setNow(T0 + 3_600_000);
  await checkPresence(rig.runtime, requestOf(conversation));

  expect(outside.of('presence')).toHaveLength(1);
  expect(rig.publisher.published()).toEqual([['IntakeStarted', `intake:${handoverIdOf(conversation)}`]]);
});

test('the same event delivered 3 times at once asks presence once and publishes once', async () => {
  const conversation = await whatsappInPresence();

  await Promise.all([1, 2, 3].map(() => checkPresence(rig.runtime, requestOf(conversation))));

  expect(outside.of('presence')).toHaveLength(1);
  expect(rig.publisher.published()).toEqual([['IntakeStarted', `intake:${handoverIdOf(conversation)}`]]);
  expect(await rig.state('acme', conversation.conversationId)).toMatchObject({
    phase: 'intake',
    version: conversation.version + 1,
  });
});

test('a publish failure after the decision: the retry does not ask presence again, the outbox publishes IntakeStarted after the grace period', async () => {
  const conversation = await whatsappInPresence();
  const handoverId = handoverIdOf(conversation);
  rig.publisher.failNext(1);

  await expect(checkPresence(rig.runtime, requestOf(conversation))).rejects.toThrow(
    'injected publish failure',
  );
  expect(await rig.state('acme', conversation.conversationId)).toMatchObject({
    phase: 'intake',
    outbox: [{ detailType: 'IntakeStarted', detail: { metadata: { id: `intake:${handoverId}` } } }],
  });

  // EventBridge retries at once: the decision stands, nobody is asked again, the writer's grace holds.
  await checkPresence(rig.runtime, requestOf(conversation));
  expect(rig.publisher.events).toEqual([]);

  // A later retry finds the outbox past its grace period and publishes it.
  rig.setNow(T0 + OUTBOX_GRACE_MS);
  await checkPresence(rig.runtime, requestOf(conversation));
  expect(rig.publisher.published()).toEqual([['IntakeStarted', `intake:${handoverId}`]]);
  expect(await rig.rawItem('acme', conversation.conversationId)).not.toHaveProperty('outbox');
  expect(outside.of('presence')).toHaveLength(1);
});

test('the HandoverRequested being handled is not published again from an outbox its writer has not cleared yet', async () => {
  const bot = await seed(rig, 'bot', {
    conversationId: uniqueId('wa:3161'),
    channel: { type: 'whatsapp', ...WHATSAPP_USER },
  });
  const handoverId = 'answer:m-1:0';
  // The request is written and published, but its writer has not cleared the outbox yet.
  rig.publisher.failNext(1);
  await expect(
    applyCommand(rig.runtime, 'acme', bot.conversationId, () => ({
      type: 'requestHandover',
      handoverId,
      additions: storeAdditions,
    })),
  ).rejects.toThrow('injected publish failure');
  const inPresence = await rig.state('acme', bot.conversationId);
  if (!inPresence) throw new Error('no conversation');
  expect(inPresence.outbox?.map((event) => event.detail.metadata.id)).toEqual([`requested:${handoverId}`]);

  await checkPresence(rig.runtime, requestOf(inPresence), `requested:${handoverId}`);

  expect(rig.publisher.published()).toEqual([['IntakeStarted', `intake:${handoverId}`]]);
  expect(await rig.rawItem('acme', bot.conversationId)).not.toHaveProperty('outbox');
});

// Regression: handover ids derive from message ids, which the web chat chooses per conversation
// (`answer:m-1:0`, `start:m-1`). Keyed by the handover id alone, the second conversation's check
// was taken for a duplicate of the first and it stayed in `presence` forever.
test('two web conversations whose handover ids coincide (per-conversation message ids) are each checked', async () => {
  const handoverId = 'answer:m-1:0';
  const first = await seed(rig, 'presence', {
    conversationId: uniqueId('web'),
    handoverId,
    additions: { mscChannel: 'Web' },
  });
  const second = await seed(rig, 'presence', {
    conversationId: uniqueId('web'),
    handoverId,
    additions: { mscChannel: 'Web' },
  });

  await checkPresence(rig.runtime, requestOf(first));
  await checkPresence(rig.runtime, requestOf(second));

  expect(outside.of('presence')).toHaveLength(2);
  expect(await rig.state('acme', first.conversationId)).toMatchObject({ phase: 'intake' });
  expect(await rig.state('acme', second.conversationId)).toMatchObject({ phase: 'intake' });
});
