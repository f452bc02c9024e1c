/**
 * Issue 19, the audit trail, over the local stack: a whole handover leaves each transition and
 * each delivery decision in the conversation's item, in order, with who caused it and for which
 * handover; nothing anyone wrote is in it.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { conversationKey, TTL_ATTRIBUTE } from '../../shared/store/keys';
import { flowOnLocalStack } from '../support/flow';

const local = flowOnLocalStack();

test('hello, a handover to the webhook desk (claimed), a message each way, the user ends it', async () => {
  const from = '31655560001';
  const conversationId = `wa:${from}`;
  await local.flow.whatsapp('demo2', from, { text: 'hello' });
  await local.flow.whatsappWithAgent('demo2', from);
  await local.flow.whatsapp('demo2', from, { text: 'my parcel is late' });
  await local.flow.agent('demo2', conversationId, 'messages', { text: 'Looking into it' });
  await local.flow.whatsapp('demo2', from, { buttonPayload: 'LIVECHAT_SESSION_END' });

  const { audit, version } = await local.flow.state('demo2', conversationId);
  expect(audit.map(({ action, actor, from, to, cause }) => [action, actor, from, to, cause])).toEqual([
    ['delivered', 'baton', 'bot', 'bot', 'bot'], // hello
    ['delivered', 'baton', 'bot', 'bot', 'bot'], // agent: the bot's answer asks for a handover…
    ['requestHandover', 'bot', 'bot', 'presence', undefined], // …in the same write
    ['presenceChecked', 'baton', 'presence', 'intake', 'online'],
    ['delivered', 'baton', 'intake', 'intake', 'intake'], // the email…
    ['intakeCompleted', 'user', 'intake', 'handing_over', undefined], // …completes the intake
    ['handoverSucceeded', 'desk', 'handing_over', 'agent', undefined], // the desk's claim
    ['delivered', 'baton', 'agent', 'agent', 'agent'], // my parcel is late…
    ['activity', 'agent', 'agent', 'agent', undefined], // …slides the lock
    ['activity', 'agent', 'agent', 'agent', 'message'],
    ['delivered', 'baton', 'agent', 'agent', 'session'], // the end button…
    ['endSession', 'user', 'agent', 'bot', undefined], // …ends the session
  ]);
  // One handover throughout, versions rising, the last the conversation's own; times in order.
  const handovers = new Set(audit.slice(2).map((entry) => entry.handoverId));
  expect(handovers.size).toBe(1);
  expect([...handovers][0]).toMatch(/^answer:/);
  const versions = audit.map((entry) => entry.version);
  expect(versions).toEqual([...versions].sort((a, b) => a - b));
  expect(versions.at(-1)).toBe(version);
  const times = audit.map((entry) => Date.parse(entry.at));
  expect(times).toEqual([...times].sort((a, b) => a - b));
  expect(JSON.stringify(audit)).not.toMatch(/hello|parcel|Looking|ada@|31655560001/);
  // Each entry is in the log too (the item keeps the last 50), by reference only.
  const logged = local.logs.filter((line) => JSON.stringify(line).includes('"audit"'));
  expect(logged.length).toBeGreaterThanOrEqual(audit.length);
  expect(JSON.stringify(logged)).not.toContain('31655560001');
  expect(logged.every((line) => /"conversationRef":"[^"]+"/.test(JSON.stringify(line)))).toBe(true);
});

describe('kept for the tenant’s retention', () => {
  const short = flowOnLocalStack({ tenantOverrides: { demo2: { retentionDays: 2 } } });

  test('the item, audit trail and transcript with it, expires its retention after the last write', async () => {
    const from = '31655560002';
    await short.flow.whatsapp('demo2', from, { text: 'hello' });
    await short.flow.whatsapp('demo', from, { text: 'hello' });
    const expiresAt = async (tenant: string) => {
      const { Item } = await short.stack.dynamo.doc.send(
        new GetCommand({ TableName: short.stack.tableName, Key: conversationKey(tenant, `wa:${from}`) }),
      );
      return Number(Item?.[TTL_ATTRIBUTE]) - Math.floor(short.stack.clock.now() / 1000);
    };
    const day = 24 * 3600;
    expect(Math.abs((await expiresAt('demo2')) - 2 * day)).toBeLessThan(60);
    // Another tenant keeps the default 30 days.
    expect(Math.abs((await expiresAt('demo')) - 30 * day)).toBeLessThan(60);
  });
});
