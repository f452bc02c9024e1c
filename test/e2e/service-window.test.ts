/**
 * Issue 18, WhatsApp's 24-hour window, over the local stack: an agent's message after the user has
 * not written for 24 hours is refused to the desk (409 window_closed, counted), or goes as the
 * tenant's approved template when it has one; the user's next message opens the window again.
 */
import * as z from 'zod';
import { type Flow, flowOnLocalStack } from '../support/flow';

const HOUR = 60 * 60 * 1000;
// A session that outlives the window: demo2's locks last 60 minutes otherwise.
const longSession = { session: { lockMinutes: 3 * 24 * 60 } };

async function sentToWhatsApp(flow: Flow, from: string) {
  return (await flow.log({ system: 'whatsapp', conversationId: `wa:${from}` })).map((entry) => ({
    outcome: entry.outcome,
    body: z.object({ type: z.string() }).loose().parse(entry.body),
  }));
}

describe('without a window template', () => {
  const local = flowOnLocalStack({ tenantOverrides: { demo2: longSession } });

  test('23 hours after the user wrote the agent is heard; at 24 the desk gets 409 window_closed, counted', async () => {
    const from = '31655530001';
    await local.flow.whatsappWithAgent('demo2', from);
    local.stack.clock.advance(23 * HOUR);
    expect((await local.flow.agent('demo2', `wa:${from}`, 'messages', { text: 'Still there?' })).status).toBe(
      202,
    );
    const before = (await sentToWhatsApp(local.flow, from)).length;
    const counted = local.stack.metrics.count('WindowClosed');

    local.stack.clock.advance(1 * HOUR);
    const refused = await local.flow.agent('demo2', `wa:${from}`, 'messages', { text: 'Hello?' });
    expect(refused.status).toBe(409);
    expect(refused.json).toMatchObject({ error: 'window_closed' });
    expect(local.stack.metrics.count('WindowClosed')).toBe(counted + 1);
    expect(await sentToWhatsApp(local.flow, from)).toHaveLength(before);

    // The user writes: the window is open again.
    await local.flow.whatsapp('demo2', from, { text: 'yes, sorry' });
    expect((await local.flow.agent('demo2', `wa:${from}`, 'messages', { text: 'Great' })).status).toBe(202);
    expect((await sentToWhatsApp(local.flow, from)).at(-1)?.body).toMatchObject({
      type: 'text',
      text: { body: 'Great' },
    });
  });
});

/** What WhatsApp reported to the desk of a conversation's agent messages. */
async function statusesAtDesk(flow: Flow, from: string) {
  return (await flow.log({ system: 'agent-webhook', conversationId: `wa:${from}` }))
    .map((entry) => z.looseObject({ event: z.string() }).parse(entry.body))
    .filter((body) => body.event === 'status');
}

describe('the simulator keeps Meta’s window too', () => {
  const local = flowOnLocalStack({ tenantOverrides: { demo2: longSession } });

  test('a message inside it is delivered; the same message reaching WhatsApp after it fails with 131047, and the desk hears of it', async () => {
    const from = '31655530003';
    await local.flow.whatsappWithAgent('demo2', from);
    await local.flow.mode('statuses', 'delivered');
    local.stack.clock.advance(23 * HOUR + 59 * 60_000);
    await local.flow.agent('demo2', `wa:${from}`, 'messages', { text: 'Still there?', messageId: 'late-1' });
    expect((await statusesAtDesk(local.flow, from)).map((body) => body.status)).toEqual([
      'sent',
      'delivered',
    ]);

    // Baton's send of it arriving at WhatsApp two minutes later (a retry after the window closed):
    // Meta takes the request and fails the message.
    const [send] = (await local.flow.log({ system: 'whatsapp', conversationId: `wa:${from}` })).filter(
      (entry) => JSON.stringify(entry.body).includes('Still there?'),
    );
    local.stack.clock.advance(2 * 60_000);
    const resent = await fetch(`${local.stack.url}${send?.path}`, {
      method: 'POST',
      headers: { authorization: 'Bearer demo2-graph-access-token', 'content-type': 'application/json' },
      body: JSON.stringify(send?.body),
    });
    expect(resent.status).toBe(200);
    await local.stack.settle();
    expect((await statusesAtDesk(local.flow, from)).at(-1)).toEqual({
      event: 'status',
      sessionId: `wa:${from}`,
      messageId: 'late-1',
      status: 'failed',
      timestamp: expect.any(String),
      error: { code: 131047, title: 'Re-engagement message' },
    });
  });
});

describe('with a window template', () => {
  const local = flowOnLocalStack({
    tenantOverrides: {
      demo2: {
        ...longSession,
        whatsapp: {
          windowTemplate: { name: 'agent_follow_up', language: 'en_US', parameters: ['Ada', '{text}'] },
        },
      },
    },
  });

  test('the message goes as the template, the text in its parameters, and WhatsApp takes it', async () => {
    const from = '31655530002';
    await local.flow.whatsappWithAgent('demo2', from);
    local.stack.clock.advance(25 * HOUR);
    expect(
      (await local.flow.agent('demo2', `wa:${from}`, 'messages', { text: 'Your refund is on its way' }))
        .status,
    ).toBe(202);
    expect((await sentToWhatsApp(local.flow, from)).at(-1)).toEqual({
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
