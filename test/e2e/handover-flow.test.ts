/**
 * The handover flow end to end over HTTP, through the real handlers of the local stack and the
 * simulated outside systems: triggers, presence, offline, intake, handover, live, end, expiry.
 */

import * as z from 'zod';
import type { LocalStack } from '../../infra/local/stack';
import { Flow } from '../support/flow';
import { type CapturedLine, startTestStack } from '../support/local-stack';

let stack: LocalStack;
let logs: CapturedLine[];
let flow: Flow;
const DAY_MS = 24 * 3600 * 1000;

beforeAll(async () => {
  ({ stack, logs } = await startTestStack());
  flow = new Flow(stack);
});
afterAll(() => stack.stop());
beforeEach(async () => {
  await flow.reset();
  stack.metrics.points.length = 0;
});

/** demo (MSC desk, intake name + email) from the bot to a live agent. */
async function toAgentOnWeb(conversationId: string, pageUrl = 'https://shop.example/nl/help') {
  await flow.web('demo', conversationId, { text: 'I need an agent', pageUrl });
  await flow.web('demo', conversationId, { text: 'Ada Lovelace' });
  await flow.web('demo', conversationId, { text: 'ada@example.com' });
}

describe('1. triggers', () => {
  test('livechat=true: the answer text is delivered, the additions are saved, the intake starts', async () => {
    await flow.web('demo', 'w-trigger', { text: 'I need an agent' });
    expect(await flow.userTexts('w-trigger')).toEqual([
      'echo: I need an agent',
      'Before I connect you: what is your name?',
    ]);
    const state = await flow.state('demo', 'w-trigger');
    expect(state).toMatchObject({
      phase: 'intake',
      agentStatus: 'online',
      additions: { skill: 'support', mscChannel: 'WebChat' },
    });
  });

  test('triggerEvent metadata naming the tenant handover event requests a handover', async () => {
    await flow.web('demo2', 'w-event', { text: 'handover please' });
    expect(await flow.state('demo2', 'w-event')).toMatchObject({
      phase: 'intake',
      additions: { mscChannel: 'WebChat' },
    });
  });

  test('mscWebstore is saved and used as the presence referrer', async () => {
    await flow.web('demo', 'w-store', { text: 'webstore question', pageUrl: 'https://shop.example/page' });
    expect((await flow.state('demo', 'w-store')).additions).toEqual({
      mscWebstore: 'shop-nl',
      mscChannel: 'WebChat',
    });
    const [presence] = await flow.log({ system: 'presence' });
    expect(presence?.body).toEqual({ apikey: '[redacted]', Channel: 'WebChat', referrer: 'shop-nl' });
  });

  test('the user payload LIVECHAT_SESSION_START requests a handover without asking the bot', async () => {
    await flow.whatsapp('demo', '31600000001', { buttonPayload: 'LIVECHAT_SESSION_START' });
    // On WhatsApp, MSC's channel is WhatsApp (a web chat's is WebChat).
    expect(await flow.state('demo', 'wa:31600000001')).toMatchObject({
      phase: 'intake',
      additions: { mscChannel: 'WhatsApp' },
    });
    // The bot hears of the request (its status event), but is not asked what to answer.
    expect(await flow.systems('wa:31600000001')).toEqual(['bot-events', 'whatsapp']);
    expect((await flow.botEvents('wa:31600000001')).map((event) => event.event)).toEqual([
      'handover.requested',
    ]);
  });

  test('an answer pushed to /answers (async bot) goes through the same answer ingestion', async () => {
    await flow.web('demo', 'w-async', { text: 'hello' });
    const pushed = await flow.pushAnswer('demo', {
      conversationId: 'w-async',
      answerId: 'later-1',
      text: 'Let me find someone',
      outputAdditions: { livechat: true, skill: 'billing', mscChannel: 'WebChat' },
    });
    expect(pushed.status).toBe(200);
    expect(await flow.userTexts('w-async')).toEqual([
      'echo: hello',
      'Let me find someone',
      'Before I connect you: what is your name?',
    ]);
    expect((await flow.state('demo', 'w-async')).additions).toEqual({
      skill: 'billing',
      mscChannel: 'WebChat',
    });
  });

  test('the bot cannot push into a live chat: 409 with a reason, nothing reaches the user; after the session it can again', async () => {
    await toAgentOnWeb('w-push-live');
    const textsBefore = await flow.userTexts('w-push-live');
    const { version, ...before } = await flow.state('demo', 'w-push-live');
    const pushed = await flow.pushAnswer('demo', {
      conversationId: 'w-push-live',
      answerId: 'late-1',
      text: 'Anything else I can do?',
    });
    expect(pushed.status).toBe(409);
    expect(pushed.json).toEqual({
      error: 'live_chat',
      message: 'an agent has this conversation: the bot cannot write into it',
    });
    expect(await flow.userTexts('w-push-live')).toEqual(textsBefore);
    expect(await flow.state('demo', 'w-push-live')).toEqual({ version, ...before });
    await flow.agent('demo', 'w-push-live', 'end');
    const after = await flow.pushAnswer('demo', {
      conversationId: 'w-push-live',
      answerId: 'late-2',
      text: 'Welcome back',
    });
    expect(after.status).toBe(200);
    expect((await flow.userTexts('w-push-live')).at(-1)).toBe('Welcome back');
  });

  test('a handover request while one is under way changes nothing and is not an intake answer', async () => {
    await flow.web('demo', 'w-twice', { text: 'agent please' });
    // The version moves (the message passed through the inbox, as the audit trail records); nothing else does.
    const { version: _before, audit: trail, ...before } = await flow.state('demo', 'w-twice');
    await flow.web('demo', 'w-twice', { payload: 'LIVECHAT_SESSION_START' });
    const { version: _after, audit, ...after } = await flow.state('demo', 'w-twice');
    expect(after).toEqual(before);
    expect(audit).toEqual([...trail, expect.objectContaining({ action: 'delivered', cause: 'session' })]);
    expect((await flow.log({ system: 'presence' })).length).toBe(1);
  });
});

describe('2. presence check', () => {
  test('MSC presence API: GET with apikey, Channel and the page URL as referrer; Online → agentStatus online', async () => {
    // The page of the message that led to the handover counts, not the page the chat started on.
    await flow.web('demo', 'w-presence', { text: 'hello', pageUrl: 'https://shop.example/de' });
    await flow.web('demo', 'w-presence', { text: 'agent', pageUrl: 'https://shop.example/de/faq' });
    const [presence] = await flow.log({ system: 'presence' });
    expect(presence).toMatchObject({ method: 'GET', path: '/sim/presence/api/v1' });
    expect(presence?.body).toEqual({
      apikey: '[redacted]',
      Channel: 'WebChat',
      referrer: 'https://shop.example/de/faq',
    });
    expect((await flow.state('demo', 'w-presence')).agentStatus).toBe('online');
  });

  test('the generic desk presence URL answers {"agentAvailable": false} → offline', async () => {
    await flow.mode('presence', 'offline');
    await flow.web('demo2', 'w-generic-presence', { text: 'agent' });
    const [presence] = await flow.log({ system: 'presence' });
    expect(presence?.path).toBe('/sim/presence/webhook/demo2');
    expect(presence?.body).toMatchObject({ conversationId: 'w-generic-presence' });
    expect(await flow.state('demo2', 'w-generic-presence')).toMatchObject({
      phase: 'bot',
      agentStatus: 'offline',
    });
  });

  test.each(['error', 'timeout', 'garbage'])('presence %s → agentStatus offline', async (mode) => {
    await flow.mode('presence', mode);
    await flow.web('demo', `w-presence-${mode}`, { text: 'agent' });
    expect(await flow.state('demo', `w-presence-${mode}`)).toMatchObject({
      phase: 'bot',
      agentStatus: 'offline',
    });
  });
});

describe('3. offline path', () => {
  test('the no-agents message is sent, the bot owns the conversation and gets the next message', async () => {
    await flow.mode('presence', 'offline');
    await flow.whatsapp('demo', '31600000003', { text: 'agent please' });
    await flow.whatsapp('demo', '31600000003', { text: 'ok then' });
    expect(await flow.userTexts('wa:31600000003')).toEqual([
      'echo: agent please',
      'Sorry, no agents are available right now. You can keep chatting with me.',
      'echo: ok then',
    ]);
    // The bot learns the presence check's outcome as CM.com's flow tells it: context variable agentStatus.
    const botRequests = await flow.log({ system: 'bot' });
    expect(botRequests.map((entry) => entry.body)).toEqual([
      expect.not.objectContaining({ context: expect.anything() }),
      expect.objectContaining({ text: 'ok then', context: { agentStatus: 'offline' } }),
    ]);
  });
});

describe('4. prechat intake', () => {
  test('questions in order, invalid answers re-asked, answers captured; the bot hears nothing meanwhile', async () => {
    await flow.web('demo', 'w-intake', { text: 'agent' });
    await flow.web('demo', 'w-intake', { text: 'Ada Lovelace' });
    await flow.web('demo', 'w-intake', { text: 'not an email' });
    await flow.web('demo', 'w-intake', { text: 'Ada@Example.com' });
    expect(await flow.userTexts('w-intake')).toEqual([
      'echo: agent',
      'Before I connect you: what is your name?',
      'What is your email address?',
      'That does not look like an email address.\nWhat is your email address?',
      'An agent will be with you shortly.',
    ]);
    expect((await flow.log({ system: 'bot' })).length).toBe(1);
    expect((await flow.state('demo', 'w-intake')).intakeAnswers).toEqual({
      name: 'Ada Lovelace',
      email: 'ada@example.com',
    });
  });

  test('3 invalid answers abandon the intake and the bot takes over again', async () => {
    await flow.web('demo2', 'w-invalid', { text: 'agent' });
    for (const text of ['no', 'still no', 'nope']) await flow.web('demo2', 'w-invalid', { text });
    expect((await flow.userTexts('w-invalid')).at(-1)).toBe(
      'No problem, the request for an agent is cancelled.',
    );
    expect((await flow.state('demo2', 'w-invalid')).phase).toBe('bot');
    await flow.web('demo2', 'w-invalid', { text: 'back to you' });
    expect((await flow.userTexts('w-invalid')).at(-1)).toBe('echo: back to you');
  });

  test.each(['cancel', 'STOP'])('the word %s abandons the intake', async (word) => {
    await flow.web('demo', `w-${word}`, { text: 'agent' });
    await flow.web('demo', `w-${word}`, { text: word });
    expect(await flow.state('demo', `w-${word}`)).toMatchObject({ phase: 'bot' });
    expect(await flow.log({ system: 'msc' })).toEqual([]);
  });
});

describe('5. handover', () => {
  test('MSC: routing mutation with product token, keywords, page URL referrer and customer info; Web Conversations told; locked 24 h', async () => {
    const before = stack.clock.now();
    await toAgentOnWeb('w-msc');
    // CM.com's router, as documented: the client's first TwoWay message opens the chat, then the
    // hand-over is a mutation request on the chat id the router answered with; then the transcript.
    const [opening, mutation, transcript, ...more] = await flow.log({ system: 'msc' });
    expect(more).toEqual([]);
    // All name the conversation, the mutation through the router's chat id: the log's filter finds them.
    expect(await flow.log({ system: 'msc', conversationId: 'w-msc' })).toEqual([
      opening,
      mutation,
      transcript,
    ]);
    const routerHeaders = expect.objectContaining({
      'x-cm-producttoken': '[redacted]',
      'content-type': 'application/json',
    });
    expect(opening).toMatchObject({
      method: 'POST',
      path: '/sim/msc/conversational/twoway/v1/accounts/demo-technical-link/adapters/demo-baton-adapter',
      headers: routerHeaders,
      outcome: 201,
      body: {
        chat: {
          id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
          accountId: 'demo-technical-link',
          channel: 'CXWebConversations',
          conversationClientId: 'w-msc',
          conversationHostId: 'demo',
        },
        conversationMessages: [
          {
            $type: 'text',
            id: expect.stringMatching(/^handover:/),
            direction: 'ClientOriginated',
            // The intake answers go to MSC alone, in the hand-over's CustomerInfo.
            text: 'The customer asked for an agent.',
          },
        ],
      },
    });
    const routerChatId = /\/chats\/([^/]+)\/routing\/mutationrequests$/.exec(mutation?.path ?? '')?.[1];
    // The router's own id, not the one Baton sent: Baton keeps what the router answered.
    expect(routerChatId).toMatch(/^[0-9a-f-]{36}$/);
    expect(routerChatId).not.toBe(JSON.stringify(opening?.body).match(/"id":"([0-9a-f-]{36})"/)?.[1]);
    expect(mutation).toMatchObject({
      method: 'POST',
      path: `/sim/msc/conversational/control/v1/accounts/demo-technical-link/chats/${routerChatId}/routing/mutationrequests`,
      headers: routerHeaders,
      outcome: 200,
    });
    expect(mutation?.body).toEqual({
      ChatId: routerChatId,
      Mutations: [
        {
          $type: 'ruleMutation',
          action: 'Enable',
          operator: 'And',
          sourceAdapterId: 'demo-baton-adapter',
          targetAdapterId: 'demo-msc-adapter',
        },
      ],
      Context: {
        RoutingKeywords: 'support',
        WebStoreReferrer: 'https://shop.example/nl/help',
        CustomerInfo: expect.any(String),
      },
    });
    // The bot's part of the chat, from the customer's side, on the router's chat id, once MSC has it.
    expect(transcript).toMatchObject({ path: opening?.path, outcome: 201 });
    expect(transcript?.body).toEqual({
      chat: expect.objectContaining({ id: routerChatId, conversationClientId: 'w-msc' }),
      conversationMessages: [
        {
          $type: 'text',
          // The same handover as the opening's `handover:<id>`.
          id: `transcript:${JSON.stringify(opening?.body).match(/"id":"handover:([^"]+)"/)?.[1]}`,
          direction: 'ClientOriginated',
          text: expect.stringMatching(
            /^Before the handover, with the bot \(times UTC\):\n\S+ \S+ Customer: I need an agent\n\S+ \S+ Bot: echo: I need an agent$/,
          ),
        },
      ],
    });
    const customerInfo = z.object({ Context: z.object({ CustomerInfo: z.string() }) }).parse(mutation?.body);
    expect(JSON.parse(customerInfo.Context.CustomerInfo)).toEqual({
      name: 'Ada Lovelace',
      email: 'ada@example.com',
    });
    expect((await flow.log({ system: 'webconv' })).map((entry) => entry.body)).toEqual([
      { conversationClientId: 'w-msc' },
    ]);
    const state = await flow.state('demo', 'w-msc');
    expect(state.phase).toBe('agent');
    // The funnel, as the functions emitted it (EMF in AWS).
    const funnel = [
      'HandoverRequested',
      'IntakeStarted',
      'IntakeCompleted',
      'HandedOver',
      'TimeToAgent',
    ] as const;
    expect(funnel.map((name) => stack.metrics.points.filter((point) => point.name === name).length)).toEqual([
      1, 1, 1, 1, 1,
    ]);
    const lock = Date.parse(state.lockExpiresAt ?? '');
    expect(lock - before).toBeGreaterThanOrEqual(DAY_MS - 60_000);
    expect(lock - before).toBeLessThanOrEqual(DAY_MS + 60_000);
  });

  test('generic desk: the Certainly-style webhook, the desk claims at once, the conversation is live', async () => {
    await flow.web('demo2', 'w-generic', { text: 'agent' });
    await flow.web('demo2', 'w-generic', { text: 'grace@example.com' });
    const [webhook] = await flow.log({ system: 'agent-webhook' });
    expect(webhook?.body).toMatchObject({
      event: 'handover',
      sessionId: 'w-generic',
      botId: 'demo2-bot',
      direction: 'out',
      customVariables: { email: 'grace@example.com' },
      extractedData: expect.objectContaining({ email: 'grace@example.com', skill: 'support' }),
      reply: '',
      firstName: '',
      lastName: '',
    });
    expect((await flow.state('demo2', 'w-generic')).phase).toBe('agent');
  });

  test.each(['error', 'timeout'])(
    'desk %s: no handover, the user is told, the bot keeps the conversation',
    async (mode) => {
      await flow.mode('msc', mode);
      await toAgentOnWeb(`w-fail-${mode}`);
      expect(await flow.state('demo', `w-fail-${mode}`)).toMatchObject({ phase: 'bot', lockExpiresAt: null });
      expect((await flow.userTexts(`w-fail-${mode}`)).at(-1)).toBe(
        'Sorry, I could not reach an agent. You can keep chatting with me.',
      );
      expect(await flow.log({ system: 'webconv' })).toEqual([]);
    },
  );
});

describe('6. live', () => {
  test('user messages go to the desk and never to the bot; agent messages reach the user on WhatsApp; each extends the lock', async () => {
    await flow.whatsapp('demo', '31600000006', { text: 'agent' });
    await flow.whatsapp('demo', '31600000006', { text: 'Alan Turing' });
    await flow.whatsapp('demo', '31600000006', { text: 'alan@example.com' });
    const botCalls = (await flow.log({ system: 'bot' })).length;
    const firstLock = Date.parse((await flow.state('demo', 'wa:31600000006')).lockExpiresAt ?? '');
    stack.clock.advance(3600_000);
    await flow.whatsapp('demo', '31600000006', { text: 'is anyone there?' });
    const afterUser = Date.parse((await flow.state('demo', 'wa:31600000006')).lockExpiresAt ?? '');
    expect(afterUser - firstLock).toBeGreaterThanOrEqual(3600_000);
    stack.clock.advance(3600_000);
    // MSC's agent writes through the router: a ClientTerminated TwoWay message to Baton, which answers 201.
    expect(
      (await flow.agent('demo', 'wa:31600000006', 'messages', { text: 'Hello Alan, Grace here' })).status,
    ).toBe(201);
    const afterAgent = Date.parse((await flow.state('demo', 'wa:31600000006')).lockExpiresAt ?? '');
    expect(afterAgent - afterUser).toBeGreaterThanOrEqual(3600_000);
    expect((await flow.log({ system: 'bot' })).length).toBe(botCalls);
    const routerLog = await flow.log({ system: 'msc' });
    const routerChatId = /\/chats\/([^/]+)\/routing/.exec(routerLog[1]?.path ?? '')?.[1];
    const twoWay = routerLog.filter((entry) => entry.path.includes('/twoway/'));
    // The opening, the transcript, then the user's message.
    const [, , userMessage, ...rest] = twoWay;
    expect(rest).toEqual([]);
    expect(userMessage).toMatchObject({ outcome: 201 });
    expect(userMessage?.body).toEqual({
      // The chat id the router answered at the hand-over, kept with the conversation.
      chat: {
        id: routerChatId,
        accountId: 'demo-technical-link',
        channel: 'WhatsApp',
        conversationClientId: 'wa:31600000006',
        conversationHostId: 'demo',
      },
      conversationMessages: [
        { $type: 'text', id: expect.any(String), direction: 'ClientOriginated', text: 'is anyone there?' },
      ],
    });
    expect((await flow.userTexts('wa:31600000006')).at(-1)).toBe('Hello Alan, Grace here');
  });

  test('generic desk: user messages are posted to its webhook with interlocutor user', async () => {
    await flow.web('demo2', 'w-live2', { text: 'agent' });
    await flow.web('demo2', 'w-live2', { text: 'grace@example.com' });
    await flow.web('demo2', 'w-live2', { text: 'my order is late' });
    const messages = (await flow.log({ system: 'agent-webhook' })).filter(
      (entry) => entry.body !== null && JSON.stringify(entry.body).includes('"interlocutor"'),
    );
    expect(messages.map((entry) => entry.body)).toEqual([
      {
        event: 'message',
        interlocutor: 'user',
        sessionId: 'w-live2',
        messageId: expect.any(String),
        message: 'my order is late',
      },
    ]);
  });

  test('the agent API needs the tenant token: another tenant token gets 401, no live session gets 409', async () => {
    const wrong = await fetch(`${stack.url}/v1/demo/agent/conversations/w-none/messages`, {
      method: 'POST',
      headers: { authorization: 'Bearer demo2-agent-token' },
      body: JSON.stringify({ text: 'hi' }),
    });
    expect(wrong.status).toBe(401);
    await flow.web('demo2', 'w-none', { text: 'hello' });
    expect((await flow.agent('demo2', 'w-none', 'messages', { text: 'hi' })).status).toBe(409);
  });

  describe("Baton's TwoWay endpoints (the router's calls)", () => {
    const chat = (conversationClientId: string) => ({
      id: 'c0ffee00-0000-0000-0000-000000000000',
      accountId: 'demo-technical-link',
      channel: 'CXWebConversations',
      conversationClientId,
      conversationHostId: 'demo',
    });
    const agentText = (text: string) => ({ $type: 'text', id: 'tw-1', direction: 'ClientTerminated', text });
    const post = (tenant: string, body: unknown, token = 'demo-product-token', kind = 'messages') =>
      fetch(`${stack.url}/v1/${tenant}/twoway/${kind}`, {
        method: 'POST',
        headers: { 'x-cm-producttoken': token, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    test('need the tenant product token and an MSC tenant (401), its technical link and the documented shape (400); nothing changes', async () => {
      await toAgentOnWeb('w-tw-refused');
      const before = await flow.state('demo', 'w-tw-refused');
      const message = { chat: chat('w-tw-refused'), conversationMessages: [agentText('hi')] };

      expect((await post('demo', message, 'demo2-product-token')).status).toBe(401);
      expect((await post('demo', message, '')).status).toBe(401);
      // A tenant without a router has nothing to authenticate it with: 401, not a hint that it exists.
      expect((await post('demo2', message, 'demo-product-token')).status).toBe(401);
      const otherLink = await post('demo', {
        ...message,
        chat: { ...message.chat, accountId: 'someone-else' },
      });
      expect(otherLink.status).toBe(400);
      expect(await otherLink.json()).toMatchObject({ field: 'chat.accountId' });
      const noDirection = await post('demo', {
        ...message,
        conversationMessages: [{ $type: 'text', text: 'hi' }],
      });
      expect(noDirection.status).toBe(400);
      expect(await noDirection.json()).toMatchObject({ field: 'conversationMessages.0.direction' });

      expect(await flow.state('demo', 'w-tw-refused')).toEqual(before);
      expect((await flow.userTexts('w-tw-refused')).at(-1)).toBe('An agent will be with you shortly.');
    });

    test('take only what the host sends as text: a ClientOriginated echo and other types reach nobody', async () => {
      await toAgentOnWeb('w-tw-only');
      const answer = await post('demo', {
        chat: chat('w-tw-only'),
        conversationMessages: [
          { $type: 'text', id: 'echo-1', direction: 'ClientOriginated', text: 'my own words' },
          { $type: 'media', id: 'media-1', direction: 'ClientTerminated' },
          agentText('Hello from MSC'),
        ],
      });
      expect(answer.status).toBe(201);
      expect(await answer.json()).toEqual({ taken: 1, dropped: 1 });
      const texts = await flow.userTexts('w-tw-only');
      expect(texts.at(-1)).toBe('Hello from MSC');
      expect(texts).not.toContain('my own words');
    });
  });

  test('a conversation id in the path that Baton never issues is a 400 naming it, before anything is read', async () => {
    const answer = await fetch(`${stack.url}/v1/demo/agent/conversations/w%23none%20x/messages`, {
      method: 'POST',
      headers: { authorization: 'Bearer demo-agent-token' },
      body: JSON.stringify({ text: 'hi' }),
    });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({ field: 'conversationId' });
  });
});

describe('7. end', () => {
  test('generic desk: agent ends → sign-off with a confirm button; other text continues; the confirm ends it and the bot is told', async () => {
    await flow.whatsapp('demo2', '31600000007', { text: 'agent' });
    await flow.whatsapp('demo2', '31600000007', { text: 'ada@example.com' });
    // The desk retries its sign-off with the same messageId: the user gets it once.
    expect((await flow.agent('demo2', 'wa:31600000007', 'end', { messageId: 'end-1' })).status).toBe(202);
    expect((await flow.agent('demo2', 'wa:31600000007', 'end', { messageId: 'end-1' })).status).toBe(202);
    const sentToUser = await flow.log({ system: 'whatsapp' });
    expect(sentToUser.filter((entry) => JSON.stringify(entry.body).includes('Tap to confirm'))).toHaveLength(
      1,
    );
    const signOff = sentToUser.at(-1);
    expect(signOff?.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '31600000007',
      // An agent's message: its statuses find their way back to the desk with this.
      biz_opaque_callback_data: expect.stringMatching(/^baton:agent:.+:end-1$/),
      type: 'interactive',
      interactive: {
        type: 'button',
        body: { text: 'The agent has ended the chat. Tap to confirm.' },
        action: { buttons: [{ type: 'reply', reply: { id: 'LIVECHAT_SESSION_END', title: 'End chat' } }] },
      },
    });
    await flow.whatsapp('demo2', '31600000007', { text: 'wait, one more thing' });
    expect((await flow.state('demo2', 'wa:31600000007')).phase).toBe('agent');
    await flow.whatsapp('demo2', '31600000007', { buttonPayload: 'LIVECHAT_SESSION_END' });
    expect((await flow.state('demo2', 'wa:31600000007')).phase).toBe('bot');
    const botEvents = await flow.botEvents('wa:31600000007');
    expect(botEvents.map((event) => event.event)).toEqual([
      'handover.requested',
      'handover.accepted',
      'handover.claimed',
      'session.ended',
    ]);
    expect(botEvents.at(-1)).toMatchObject({
      tenantId: 'demo2',
      payload: 'LIVECHAT_SESSION_END',
      by: 'user',
      agentStatus: 'online',
    });
    await flow.whatsapp('demo2', '31600000007', { text: 'thanks bot' });
    expect((await flow.userTexts('wa:31600000007')).at(-1)).toBe('echo: thanks bot');
  });

  test("MSC: the router's session-ended event gives the conversation back to the bot; again, or late, it changes nothing", async () => {
    await toAgentOnWeb('w-msc-end');
    expect((await flow.agent('demo', 'w-msc-end', 'end', {})).status).toBe(201);
    await stack.settle();
    expect((await flow.state('demo', 'w-msc-end')).phase).toBe('bot');
    expect((await flow.userTexts('w-msc-end')).at(-1)).toBe('The chat with the agent has ended.');
    expect((await flow.botEvents('w-msc-end')).at(-1)).toMatchObject({
      event: 'session.ended',
      by: 'agent',
      payload: 'LIVECHAT_SESSION_END',
    });
    const botEventsAtEnd = (await flow.botEvents('w-msc-end')).length;
    // The router ended it: nothing to hand back.
    expect((await flow.log({ system: 'msc' })).map((entry) => entry.path.split('/').at(-1))).toEqual([
      'demo-baton-adapter',
      'mutationrequests',
      // The transcript.
      'demo-baton-adapter',
    ]);
    const chat = stack.simulators.routerChat('demo', 'w-msc-end');
    // The router offering the same event again, and an agent message after the end: 201, nothing changes.
    const again = await fetch(`${stack.url}/v1/demo/twoway/events?token=demo-product-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ chat, conversationEvents: [{ $type: 'RouterSessionEnded', id: 'e-again' }] }),
    });
    expect(again.status).toBe(201);
    const late = await fetch(`${stack.url}/v1/demo/twoway/messages`, {
      method: 'POST',
      headers: { 'x-cm-producttoken': 'demo-product-token', 'content-type': 'application/json' },
      body: JSON.stringify({
        chat,
        conversationMessages: [{ $type: 'text', id: 'late-1', direction: 'ClientTerminated', text: 'late' }],
      }),
    });
    expect(late.status).toBe(201);
    expect(await late.json()).toEqual({ taken: 0, dropped: 1 });
    await stack.settle();
    expect((await flow.botEvents('w-msc-end')).length).toBe(botEventsAtEnd);
    expect((await flow.userTexts('w-msc-end')).at(-1)).toBe('The chat with the agent has ended.');
    await flow.web('demo', 'w-msc-end', { text: 'hello bot' });
    expect((await flow.userTexts('w-msc-end')).at(-1)).toBe('echo: hello bot');

    // A session-ended event created before the next handover was asked for is an earlier session's.
    await flow.web('demo', 'w-msc-end', { text: 'agent again' });
    await flow.web('demo', 'w-msc-end', { text: 'Ada Lovelace' });
    await flow.web('demo', 'w-msc-end', { text: 'ada@example.com' });
    expect((await flow.state('demo', 'w-msc-end')).phase).toBe('agent');
    const stale = await fetch(`${stack.url}/v1/demo/twoway/events?token=demo-product-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        chat,
        conversationEvents: [{ $type: 'RouterSessionEnded', createdOn: '2020-01-01T00:00:00Z' }],
      }),
    });
    expect(stale.status).toBe(201);
    expect((await flow.state('demo', 'w-msc-end')).phase).toBe('agent');
  });

  test('the user may send LIVECHAT_SESSION_END at any time of a live chat', async () => {
    await toAgentOnWeb('w-user-end');
    await flow.web('demo', 'w-user-end', { payload: 'LIVECHAT_SESSION_END' });
    expect((await flow.state('demo', 'w-user-end')).phase).toBe('bot');
    expect((await flow.userTexts('w-user-end')).at(-1)).toBe('The chat with the agent has ended.');
    // MSC still has the chat: Baton hands it back, the link to MSC disabled, on the router's chat id.
    const [, handOver, _transcript, handBack, ...rest] = await flow.log({ system: 'msc' });
    expect(rest).toEqual([]);
    expect(handBack).toMatchObject({ path: handOver?.path, outcome: 200 });
    expect(handBack?.body).toMatchObject({ Mutations: [expect.objectContaining({ action: 'Disable' })] });
  });
});

describe('8. expiry', () => {
  test('demo2 (60 min): the sweep releases the lock, the bot gets LIVECHAT_SESSION_EXPIRED, the next message goes to the bot', async () => {
    await flow.web('demo2', 'w-expire', { text: 'agent' });
    await flow.web('demo2', 'w-expire', { text: 'grace@example.com' });
    expect((await flow.state('demo2', 'w-expire')).phase).toBe('agent');
    const advance = await fetch(`${stack.url}/sim/clock`, {
      method: 'POST',
      body: JSON.stringify({ advanceSeconds: 59 * 60 }),
    });
    expect(advance.status).toBe(200);
    expect((await flow.state('demo2', 'w-expire')).phase).toBe('agent');
    await fetch(`${stack.url}/sim/clock`, {
      method: 'POST',
      body: JSON.stringify({ advanceSeconds: 2 * 60 }),
    });
    await stack.settle();
    expect(await flow.state('demo2', 'w-expire')).toMatchObject({ phase: 'bot', storedPhase: 'bot' });
    expect((await flow.botEvents('w-expire')).at(-1)).toMatchObject({
      event: 'session.expired',
      payload: 'LIVECHAT_SESSION_EXPIRED',
    });
    await flow.web('demo2', 'w-expire', { text: 'hello again' });
    expect((await flow.userTexts('w-expire')).at(-1)).toBe('echo: hello again');
  });

  test('a read never trusts an expired lock, even before the sweep ran', async () => {
    await toAgentOnWeb('w-unswept');
    stack.clock.advance(DAY_MS + 1000);
    expect(await flow.state('demo', 'w-unswept')).toMatchObject({ phase: 'bot', storedPhase: 'agent' });
    const botCalls = (await flow.log({ system: 'bot' })).length;
    await flow.web('demo', 'w-unswept', { text: 'still there?' });
    expect((await flow.log({ system: 'bot' })).length).toBe(botCalls + 1);
    expect((await flow.botEvents('w-unswept')).map((event) => [event.event, event.payload])).toEqual([
      ['handover.requested', undefined],
      ['handover.accepted', undefined],
      ['session.expired', 'LIVECHAT_SESSION_EXPIRED'],
    ]);
  });
});

test('no personal data in any log line of the flow: no text, phone number or email the users and agents sent', () => {
  const all = JSON.stringify(logs);
  // Short words ("no", "agent") also name things in log messages; everything of substance is checked.
  const personal = [...flow.sent].filter((sent) => sent.length >= 8 || /@|\d{6}/.test(sent));
  expect(personal.length).toBeGreaterThan(20);
  for (const needle of personal) expect(all).not.toContain(needle);
});
