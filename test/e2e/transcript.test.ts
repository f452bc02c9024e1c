/**
 * Issue 18, the transcript, over the local stack: the desk gets the last messages between the user
 * and the bot with the handover, typed, with their times, card numbers redacted as they are kept;
 * within each desk's size limit (the oldest give way, counted), and only within the tenant's retention.
 */
import * as z from 'zod';
import { flowOnLocalStack } from '../support/flow';

// demo2's sales desk takes 1 KB of transcript; demo2 keeps a message one hour.
const local = flowOnLocalStack({
  tenantOverrides: {
    demo2: { transcript: { retentionHours: 1 }, desks: { sales: { desk: { transcriptMaxBytes: 1024 } } } },
  },
});

const CARD = '4111 1111 1111 1111';

const handoverBody = z.looseObject({
  event: z.literal('handover'),
  transcript: z.array(z.looseObject({ from: z.enum(['user', 'bot']), at: z.string() })),
  transcriptOmitted: z.number(),
});

/** A file the user sends, as Meta keeps it for the tenant's number. */
async function upload(tenant: string, mimeType: string): Promise<string> {
  const response = await fetch(`${local.stack.url}/sim/whatsapp/media`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tenant, mimeType, size: 2048 }),
  });
  expect(response.status).toBe(201);
  return z.object({ id: z.string() }).parse(await response.json()).id;
}

async function handoverTo(system: string, conversationId: string) {
  const bodies = (await local.flow.log({ system, conversationId })).map((entry) => entry.body);
  const handovers = bodies.flatMap((body) => {
    const parsed = handoverBody.safeParse(body);
    return parsed.success ? [parsed.data] : [];
  });
  expect(handovers).toHaveLength(1);
  return handovers[0] ?? handoverBody.parse(undefined);
}

test('a webhook desk gets the bot part of the chat typed, in order, with times, the card number redacted', async () => {
  const from = '31655520001';
  const conversationId = `wa:${from}`;
  const startedAt = local.stack.clock.now();
  await local.flow.whatsapp('demo2', from, { text: 'hello' });
  await local.flow.whatsapp('demo2', from, { text: `my card is ${CARD}, order 1234567` });
  const mediaId = await upload('demo2', 'image/jpeg');
  await local.flow.whatsapp('demo2', from, {
    content: {
      type: 'image',
      image: { id: mediaId, mime_type: 'image/jpeg', caption: 'the lamp' },
    },
  });
  await local.flow.whatsapp('demo2', from, { text: 'menu' });
  await local.flow.whatsappWithAgent('demo2', from);

  const { transcript, transcriptOmitted } = await handoverTo('agent-webhook', conversationId);
  expect(transcriptOmitted).toBe(0);
  expect(transcript).toEqual([
    { from: 'user', at: expect.any(String), text: 'hello' },
    { from: 'bot', at: expect.any(String), text: 'echo: hello' },
    { from: 'user', at: expect.any(String), text: 'my card is [card number], order 1234567' },
    { from: 'bot', at: expect.any(String), text: 'echo: my card is [card number], order 1234567' },
    {
      from: 'user',
      at: expect.any(String),
      attachment: {
        type: 'image',
        mediaId,
        mimeType: 'image/jpeg',
        caption: 'the lamp',
        url: expect.stringMatching(new RegExp(`^${local.stack.url}/v1/demo2/media/`)),
      },
    },
    { from: 'bot', at: expect.any(String), text: 'got your image: the lamp' },
    { from: 'user', at: expect.any(String), text: 'menu' },
    {
      from: 'bot',
      at: expect.any(String),
      text: 'What can I do for you?',
      buttons: [
        { id: 'ORDER_STATUS', title: 'Order status' },
        { id: 'RETURNS', title: 'Returns' },
        { id: 'TALK_TO_AGENT', title: 'Talk to an agent' },
      ],
    },
    { from: 'user', at: expect.any(String), text: 'agent' },
    { from: 'bot', at: expect.any(String), text: 'echo: agent' },
  ]);
  // Times in order, from this test's clock: ISO 8601 the desk can read.
  const times = transcript.map((entry) => Date.parse(entry.at));
  expect(times).toEqual([...times].sort((a, b) => a - b));
  expect(times[0]).toBeGreaterThanOrEqual(startedAt - 1000);
  // The link in the transcript serves the file.
  const link = z.object({ attachment: z.object({ url: z.string() }) }).parse(transcript[4]).attachment.url;
  expect((await fetch(link)).status).toBe(200);
  // The number never reached the desk, and no log line carries it.
  expect(JSON.stringify(await local.flow.log({ system: 'agent-webhook' }))).not.toContain(CARD);
  expect(JSON.stringify(local.logs)).not.toContain('4111');
});

test('MSC gets the transcript as one message from the customer side, after the hand-over and before the user’s next message', async () => {
  const from = '31655520002';
  await local.flow.whatsapp('demo', from, { text: 'where is my parcel' });
  await local.flow.whatsapp('demo', from, { text: 'agent' });
  await local.flow.whatsapp('demo', from, { text: 'Ada Lovelace' });
  await local.flow.whatsapp('demo', from, { text: 'ada@example.com' });
  expect(await local.flow.state('demo', `wa:${from}`)).toMatchObject({ phase: 'agent' });
  await local.flow.whatsapp('demo', from, { text: 'are you there?' });

  const calls = (await local.flow.log({ system: 'msc' })).map((entry) => ({
    path: entry.path,
    text: JSON.stringify(entry.body),
  }));
  const mutation = calls.findIndex((call) => call.path.endsWith('/routing/mutationrequests'));
  const transcript = calls.findIndex((call) => call.text.includes('"id":"transcript:'));
  const next = calls.findIndex((call) => call.text.includes('are you there?'));
  expect(mutation).toBeGreaterThanOrEqual(0);
  expect(transcript).toBeGreaterThan(mutation);
  expect(next).toBeGreaterThan(transcript);
  const message = z
    .object({
      conversationMessages: z.array(z.object({ direction: z.string(), text: z.string() })).length(1),
    })
    .parse(JSON.parse(calls[transcript]?.text ?? '{}')).conversationMessages[0];
  expect(message?.direction).toBe('ClientOriginated');
  const lines = message?.text.split('\n') ?? [];
  expect(lines[0]).toBe('Before the handover, with the bot (times UTC):');
  expect(lines.slice(1).map((line) => line.replace(/^\d{4}-\d\d-\d\d \d\d:\d\d /, ''))).toEqual([
    'Customer: where is my parcel',
    'Bot: echo: where is my parcel',
    'Customer: agent',
    'Bot: echo: agent',
  ]);
});

test('a desk with a small limit gets the newest messages that fit, told how many were left out; messages past the retention are not kept', async () => {
  const from = '31655520003';
  const conversationId = `wa:${from}`;
  await local.flow.whatsapp('demo2', from, { text: 'an old question' });
  local.stack.clock.advance(61 * 60_000);
  for (let i = 1; i <= 4; i += 1)
    await local.flow.whatsapp('demo2', from, { text: `question ${i}: ${'why '.repeat(40)}` });
  await local.flow.whatsapp('demo2', from, { text: 'agent for sales' });
  await local.flow.whatsapp('demo2', from, { text: 'ada@example.com' });

  const { transcript, transcriptOmitted } = await handoverTo('agent-webhook', conversationId);
  expect(Buffer.byteLength(JSON.stringify(transcript))).toBeLessThanOrEqual(1024);
  expect(transcript.at(-1)).toMatchObject({ from: 'bot', text: 'echo: agent for sales' });
  // Eight messages after the hour (four questions, their echoes), not the old one nor its echo.
  expect(transcript.length + transcriptOmitted).toBe(10);
  expect(transcriptOmitted).toBeGreaterThan(0);
  expect(JSON.stringify(transcript)).not.toContain('an old question');
});
