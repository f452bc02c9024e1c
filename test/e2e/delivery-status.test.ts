/**
 * Issue 18, delivery statuses, over the local stack: what WhatsApp reports of an agent's message
 * (sent, delivered, read, failed with its error code) reaches the desk that wrote it as a `status`
 * event; the simulated WhatsApp reports them as Meta does, echoing biz_opaque_callback_data.
 */
import * as z from 'zod';
import { flowOnLocalStack } from '../support/flow';

const local = flowOnLocalStack();

const statusEvent = z.object({ event: z.literal('status') }).loose();

async function statusesAtDesk(from: string) {
  return (await local.flow.log({ system: 'agent-webhook', conversationId: `wa:${from}` }))
    .map((entry) => statusEvent.safeParse(entry.body))
    .flatMap((parsed) => (parsed.success ? [parsed.data] : []));
}

// The bus does not keep order: a desk keeps the furthest status it heard (read > delivered > sent).
test('sent, delivered and read reach the desk, under the desk’s own message id', async () => {
  const from = '31655540001';
  await local.flow.whatsappWithAgent('demo2', from);
  await local.flow.mode('statuses', 'read');
  await local.flow.agent('demo2', `wa:${from}`, 'messages', { text: 'Hi Ada', messageId: 'desk-msg-1' });

  const rank = ['sent', 'delivered', 'read'];
  const statuses = (await statusesAtDesk(from)).sort(
    (a, b) => rank.indexOf(String(a.status)) - rank.indexOf(String(b.status)),
  );
  expect(statuses).toEqual(
    ['sent', 'delivered', 'read'].map((status) => ({
      event: 'status',
      sessionId: `wa:${from}`,
      messageId: 'desk-msg-1',
      status,
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    })),
  );
  // What Meta echoed is what Baton sent with the message.
  const [sent] = await local.flow
    .log({ system: 'whatsapp', conversationId: `wa:${from}` })
    .then((entries) => entries.filter((entry) => JSON.stringify(entry.body).includes('Hi Ada')));
  expect(sent?.body).toMatchObject({
    biz_opaque_callback_data: expect.stringMatching(/^baton:agent:.+:desk-msg-1$/),
  });
});

test('a failure carries WhatsApp’s error code and title', async () => {
  const from = '31655540002';
  await local.flow.whatsappWithAgent('demo2', from);
  await local.flow.mode('statuses', 'failed');
  await local.flow.agent('demo2', `wa:${from}`, 'messages', { text: 'Hi Ada', messageId: 'desk-msg-2' });
  expect(await statusesAtDesk(from)).toEqual([
    expect.objectContaining({
      messageId: 'desk-msg-2',
      status: 'failed',
      error: { code: 131026, title: 'Message undeliverable' },
    }),
  ]);
});

test('the bot’s answers and the handover’s notices are not tracked: no status reaches any desk', async () => {
  const from = '31655540003';
  await local.flow.mode('statuses', 'read');
  await local.flow.whatsapp('demo2', from, { text: 'hello' });
  await local.flow.whatsappWithAgent('demo2', from);
  expect(await statusesAtDesk(from)).toEqual([]);
  const tracked = (await local.flow.log({ system: 'whatsapp', conversationId: `wa:${from}` })).filter(
    (entry) => JSON.stringify(entry.body).includes('biz_opaque_callback_data'),
  );
  expect(tracked).toEqual([]);
});

test('a status Baton did not ask for (Meta’s own fixture) is taken with 200 and goes nowhere', async () => {
  const { readFileSync } = await import('node:fs');
  const path = await import('node:path');
  const { createHmac } = await import('node:crypto');
  const body = readFileSync(path.resolve(__dirname, '../fixtures/whatsapp/types/status-failed.json'), 'utf8');
  const signature = createHmac('sha256', 'demo-whatsapp-secret').update(body).digest('hex');
  const answer = await fetch(`${local.stack.url}/v1/demo/whatsapp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${signature}` },
    body,
  });
  expect(answer.status).toBe(200);
  await local.stack.settle();
  expect(await local.flow.log({ system: 'agent-webhook' })).toEqual([]);
});
