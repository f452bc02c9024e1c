/**
 * Issue 18, WhatsApp's 24-hour window, over the local stack: an agent's message after the user has
 * not written for 24 hours is refused to the desk (409 window_closed, counted), or goes as the
 * tenant's approved template when it has one; the user's next message opens the window again.
 */
import * as z from 'zod';
import type { LocalStack } from '../../infra/local/stack';
import { Flow } from '../support/flow';
import { startTestStack } from '../support/local-stack';

const HOUR = 60 * 60 * 1000;
// A session that outlives the window: demo2's locks last 60 minutes otherwise.
const longSession = { session: { lockMinutes: 3 * 24 * 60 } };

async function liveWithDesk(flow: Flow, from: string): Promise<void> {
  await flow.whatsapp('demo2', from, { text: 'agent' });
  await flow.whatsapp('demo2', from, { text: 'ada@example.com' });
  expect((await flow.state('demo2', `wa:${from}`)).phase).toBe('agent');
}

async function sentToWhatsApp(flow: Flow, from: string) {
  return (await flow.log({ system: 'whatsapp', conversationId: `wa:${from}` })).map((entry) => ({
    outcome: entry.outcome,
    body: z.object({ type: z.string() }).loose().parse(entry.body),
  }));
}

describe('without a window template', () => {
  let stack: LocalStack;
  let flow: Flow;
  beforeAll(async () => {
    ({ stack } = await startTestStack({ tenantOverrides: { demo2: longSession } }));
    flow = new Flow(stack);
  });
  afterAll(() => stack.stop());
  beforeEach(() => flow.reset());

  test('23 hours after the user wrote the agent is heard; at 24 the desk gets 409 window_closed, counted', async () => {
    const from = '31655530001';
    await liveWithDesk(flow, from);
    stack.clock.advance(23 * HOUR);
    expect((await flow.agent('demo2', `wa:${from}`, 'messages', { text: 'Still there?' })).status).toBe(202);
    const before = (await sentToWhatsApp(flow, from)).length;
    const counted = stack.metrics.count('WindowClosed');

    stack.clock.advance(1 * HOUR);
    const refused = await flow.agent('demo2', `wa:${from}`, 'messages', { text: 'Hello?' });
    expect(refused.status).toBe(409);
    expect(refused.json).toMatchObject({ error: 'window_closed' });
    expect(stack.metrics.count('WindowClosed')).toBe(counted + 1);
    expect(await sentToWhatsApp(flow, from)).toHaveLength(before);

    // The user writes: the window is open again.
    await flow.whatsapp('demo2', from, { text: 'yes, sorry' });
    expect((await flow.agent('demo2', `wa:${from}`, 'messages', { text: 'Great' })).status).toBe(202);
    expect((await sentToWhatsApp(flow, from)).at(-1)?.body).toMatchObject({
      type: 'text',
      text: { body: 'Great' },
    });
  });
});

describe('with a window template', () => {
  let stack: LocalStack;
  let flow: Flow;
  beforeAll(async () => {
    ({ stack } = await startTestStack({
      tenantOverrides: {
        demo2: {
          ...longSession,
          whatsapp: {
            windowTemplate: { name: 'agent_follow_up', language: 'en_US', parameters: ['Ada', '{text}'] },
          },
        },
      },
    }));
    flow = new Flow(stack);
  });
  afterAll(() => stack.stop());
  beforeEach(() => flow.reset());

  test('the message goes as the template, the text in its parameters, and WhatsApp takes it', async () => {
    const from = '31655530002';
    await liveWithDesk(flow, from);
    stack.clock.advance(25 * HOUR);
    expect(
      (await flow.agent('demo2', `wa:${from}`, 'messages', { text: 'Your refund is on its way' })).status,
    ).toBe(202);
    expect((await sentToWhatsApp(flow, from)).at(-1)).toEqual({
      outcome: 200,
      body: expect.objectContaining({
        type: 'template',
        template: {
          name: 'agent_follow_up',
          language: { code: 'en_US' },
          components: [
            {
              type: 'body',
              parameters: [
                { type: 'text', text: 'Ada' },
                { type: 'text', text: 'Your refund is on its way' },
              ],
            },
          ],
        },
      }),
    });
  });
});
