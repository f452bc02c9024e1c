/**
 * Issue 19, the operator API, over the local stack (the gateway stands in for IAM with bearer
 * tokens): who may call it, the listing by phase, one conversation's state, force-end, redrive of
 * dead letters and erasure, each seen by the user, the bot and the desk as they would be.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { conversationRef } from '../../shared/log/logger';
import { idempotencyPartition } from '../../shared/store/keys';
import { flowOnLocalStack } from '../support/flow';
import { type HttpAnswer, request } from '../support/http';

const ALL_TENANTS = 'operator-token-for-every-tenant';
const DEMO_ONLY = 'operator-token-for-demo-only';
const local = flowOnLocalStack({ operatorTokens: { [ALL_TENANTS]: '*', [DEMO_ONLY]: ['demo'] } });

const operator = (
  method: 'GET' | 'POST',
  path: string,
  { token = ALL_TENANTS, body }: { token?: string | null; body?: unknown } = {},
): Promise<HttpAnswer> =>
  request(`${local.stack.url}/v1/operator${path}`, {
    method,
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

const refOf = (tenant: string, conversationId: string) => conversationRef(tenant, conversationId);

describe('who may call it', () => {
  test('no token 401, an unknown token 403, a token for another tenant 403; nothing reaches the function', async () => {
    await local.flow.web('demo2', 'op-auth', { text: 'hello' });
    const path = `/demo2/conversations/${refOf('demo2', 'op-auth')}`;
    expect((await operator('GET', path, { token: null })).status).toBe(401);
    expect((await operator('GET', path, { token: 'not-a-token' })).status).toBe(403);
    expect((await operator('GET', path, { token: DEMO_ONLY })).status).toBe(403);
    expect((await operator('POST', `${path}/erase`, { token: DEMO_ONLY })).status).toBe(403);
    // Refused before the function: the conversation is still there.
    expect((await operator('GET', path)).status).toBe(200);
  });

  test("another tenant's conversation is not found under this tenant, even for a token of both", async () => {
    await local.flow.web('demo2', 'op-other', { text: 'hello' });
    const answer = await operator('GET', `/demo/conversations/${refOf('demo2', 'op-other')}`);
    expect(answer.status).toBe(404);
    expect(answer.json).toMatchObject({ error: 'not_found' });
    const erased = await operator('POST', `/demo/conversations/${refOf('demo2', 'op-other')}/erase`);
    expect(erased.json).toMatchObject({ erased: { conversation: false, records: 0 } });
    expect((await local.flow.state('demo2', 'op-other')).version).toBeGreaterThan(0);
  });

  test('bad input: 400 naming the field, nothing changed', async () => {
    expect((await operator('GET', '/demo/conversations/wa:31600000000')).json).toMatchObject({
      error: 'invalid_request',
      field: 'conversationRef',
    });
    expect((await operator('GET', '/demo/conversations?phase=lunch')).status).toBe(400);
    expect((await operator('GET', '/demo/conversations?phase=bot&limit=1000')).status).toBe(400);
    expect((await operator('GET', '/demo/conversations?phase=bot&after=bm90LWpzb24')).json).toMatchObject({
      field: 'after',
    });
    expect((await operator('GET', '/nobody/conversations?phase=bot')).status).toBe(404);
  });
});

test('refs: a conversation id, sent in the body, gives the reference the logs use', async () => {
  const answer = await operator('POST', '/demo/refs', { body: { conversationId: 'wa:31600000001' } });
  expect(answer.json).toEqual({ conversationRef: refOf('demo', 'wa:31600000001') });
  expect((await operator('POST', '/demo/refs', { body: {} })).status).toBe(400);
});

test('the listing: a tenant’s conversations in one phase, the most recently written first, page by page', async () => {
  const { flow } = local;
  await flow.web('demo2', 'op-list-1', { text: 'hello' });
  await flow.web('demo2', 'op-list-2', { text: 'hello' });
  await flow.web('demo', 'op-list-3', { text: 'hello' });
  await flow.whatsappWithAgent('demo2', '31655570001');

  const bots = await operator('GET', '/demo2/conversations?phase=bot');
  const listed = (bots.json as { conversations: Array<{ conversationId: string }> }).conversations;
  const ids = listed.map((entry) => entry.conversationId);
  expect(ids.indexOf('op-list-2')).toBeLessThan(ids.indexOf('op-list-1'));
  expect(ids).not.toContain('op-list-3'); // demo's
  expect(ids).not.toContain('wa:31655570001'); // with the agent
  expect(listed[0]).toEqual({
    conversationRef: refOf('demo2', ids[0] ?? ''),
    conversationId: ids[0],
    channel: 'web',
    phase: 'bot',
    version: expect.any(Number),
    createdAt: expect.any(Number),
    updatedAt: expect.any(Number),
  });

  const agents = await operator('GET', '/demo2/conversations?phase=agent');
  expect(agents.json).toMatchObject({
    conversations: [{ conversationId: 'wa:31655570001', channel: 'whatsapp', phase: 'agent' }],
  });

  // Page by page: one at a time, every one once, then no `after`.
  const paged: string[] = [];
  let after: string | undefined;
  do {
    const page = await operator(
      'GET',
      `/demo2/conversations?phase=bot&limit=1${after ? `&after=${after}` : ''}`,
    );
    const body = page.json as { conversations: Array<{ conversationId: string }>; after?: string };
    paged.push(...body.conversations.map((entry) => entry.conversationId));
    after = body.after;
  } while (after);
  expect(paged).toEqual(ids);
});

test('one conversation: its state, inbox, dead letters and audit trail, with its reference and the phase it is in now', async () => {
  await local.flow.whatsappWithAgent('demo2', '31655570002');
  const answer = await operator('GET', `/demo2/conversations/${refOf('demo2', 'wa:31655570002')}`);
  expect(answer.status).toBe(200);
  expect(answer.json).toMatchObject({
    conversationRef: refOf('demo2', 'wa:31655570002'),
    conversationId: 'wa:31655570002',
    phase: 'agent',
    effectivePhase: 'agent',
    handover: { id: expect.any(String), lockExpiresAt: expect.any(Number) },
    audit: expect.arrayContaining([expect.objectContaining({ action: 'handoverSucceeded', actor: 'desk' })]),
  });
});

describe('force-end', () => {
  test('a live session ends as the agent’s end would: the user, the bot and the desk are told; the trail says the operator, and why', async () => {
    const { flow } = local;
    const from = '31655570003';
    const conversationId = `wa:${from}`;
    await flow.whatsappWithAgent('demo2', from);
    const path = `/demo2/conversations/${refOf('demo2', conversationId)}`;

    expect((await operator('POST', `${path}/end`, { body: { reason: 'Ada Lovelace' } })).status).toBe(400);
    const answer = await operator('POST', `${path}/end`, { body: { reason: 'abusive' } });
    expect(answer.status).toBe(200);
    await local.stack.settle();

    const state = await flow.state('demo2', conversationId);
    expect(state.phase).toBe('bot');
    expect(state.audit.at(-1)).toMatchObject({ action: 'forceEnd', actor: 'operator', cause: 'abusive' });
    expect(await flow.userTexts(conversationId)).toContain('The chat with the agent has ended.');
    const ended = (await flow.botEvents(conversationId)).filter((event) => event.event === 'session.ended');
    expect(ended).toEqual([expect.objectContaining({ by: 'operator', payload: 'LIVECHAT_SESSION_END' })]);
    const desk = await flow.log({ system: 'agent-webhook', conversationId });
    expect(desk.map((entry) => entry.body)).toContainEqual(
      expect.objectContaining({ event: 'session_ended', reason: 'operator' }),
    );
    // Once: there is no live session left to end.
    const again = await operator('POST', `${path}/end`, { body: { reason: 'abusive' } });
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({ error: 'no_live_session' });
    // The user goes on with the bot.
    await flow.whatsapp('demo2', from, { text: 'back again' });
    expect(await flow.userTexts(conversationId)).toContain('echo: back again');
  });
});

test('redrive: a dead-lettered message goes to the owner of now, once; the trail says the operator did it', async () => {
  const { flow } = local;
  await flow.mode('bot', 'timeout');
  await flow.web('demo', 'op-redrive', { text: 'lost in transit' });
  await flow.mode('bot', 'ok');
  expect((await flow.state('demo', 'op-redrive')).deadLetters).toHaveLength(1);
  expect(await flow.userTexts('op-redrive')).toEqual([]);

  const path = `/demo/conversations/${refOf('demo', 'op-redrive')}/redrive`;
  expect((await operator('POST', path)).json).toEqual({ redriven: 1 });
  await local.stack.settle();
  expect(await flow.userTexts('op-redrive')).toEqual(['echo: lost in transit']);
  const state = await flow.state('demo', 'op-redrive');
  expect(state.deadLetters).toEqual([]);
  expect(state.waiting).toBe(0);
  expect(state.audit.map((entry) => [entry.action, entry.actor])).toContainEqual(['redriven', 'operator']);
  // Nothing left to send again.
  expect((await operator('POST', path)).json).toEqual({ redriven: 0 });
  await local.stack.settle();
  expect(await flow.userTexts('op-redrive')).toEqual(['echo: lost in transit']);
}, 20_000);

describe('erasure', () => {
  const idempotencyRecords = async (tenant: string, conversationId: string) => {
    const { Items = [] } = await local.stack.dynamo.doc.send(
      new QueryCommand({
        TableName: local.stack.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': idempotencyPartition(tenant, conversationId) },
      }),
    );
    return Items.length;
  };

  test('everything Baton keeps of the conversation is gone; again, nothing is found; the log says so, by reference', async () => {
    const { flow } = local;
    const from = '31655570004';
    const conversationId = `wa:${from}`;
    await flow.whatsapp('demo2', from, { text: 'hello' });
    await flow.whatsapp('demo2', from, { text: 'my card is 4111 1111 1111 1111' });
    const records = await idempotencyRecords('demo2', conversationId);
    expect(records).toBeGreaterThan(0);

    const path = `/demo2/conversations/${refOf('demo2', conversationId)}`;
    const answer = await operator('POST', `${path}/erase`);
    expect(answer.json).toEqual({
      conversationRef: refOf('demo2', conversationId),
      erased: { conversation: true, records },
    });
    expect((await operator('GET', path)).status).toBe(404);
    expect(await idempotencyRecords('demo2', conversationId)).toBe(0);
    expect((await operator('GET', '/demo2/conversations?phase=bot')).text).not.toContain(conversationId);
    // Idempotent.
    expect((await operator('POST', `${path}/erase`)).json).toEqual({
      conversationRef: refOf('demo2', conversationId),
      erased: { conversation: false, records: 0 },
    });
    const logged = local.logs.filter(
      (line) =>
        line.message === 'audit' &&
        line.fields?.action === 'erased' &&
        line.fields.conversationRef === refOf('demo2', conversationId),
    );
    expect(logged).toHaveLength(2);
    expect(JSON.stringify(logged)).not.toContain(from);
  });

  test('refused while a handover is on (the desk may hold the chat): end it first', async () => {
    const from = '31655570005';
    await local.flow.whatsappWithAgent('demo2', from);
    const path = `/demo2/conversations/${refOf('demo2', `wa:${from}`)}`;
    const refused = await operator('POST', `${path}/erase`);
    expect(refused.status).toBe(409);
    expect(refused.json).toMatchObject({ error: 'handover_in_progress' });
    expect((await local.flow.state('demo2', `wa:${from}`)).phase).toBe('agent');
    await operator('POST', `${path}/end`, { body: { reason: 'erasure' } });
    await local.stack.settle();
    expect((await operator('POST', `${path}/erase`)).json).toMatchObject({ erased: { conversation: true } });
  });
});
