/**
 * EventBridge down: a user's message is still accepted and still reaches the bot, and the bot's
 * answer still reaches the user, because nothing on that path publishes. Ingest appends to the
 * inbox; the table's stream brings the append to the conveyor, which asks the bot and sends the
 * answers itself. The real ingest handler, the real conveyor on DynamoDB Local's stream, the bot
 * and the web chat on 127.0.0.1.
 */
import * as z from 'zod';
import { createHandler } from '../../functions/ingest/handler';
import { signatureHeaders } from '../../shared/http/signature';
import { httpEvent } from '../support/http-event';
import { lambdaContext } from '../support/lambda-context';
import type { ConveyorDriver } from './use-cases/conveyor-driver';
import { type OutsideServer, webTexts } from './use-cases/outside-server';
import { type RigWithOutside, startRigWithOutside, stopRigWithOutside } from './use-cases/rig-with-outside';
import { SECRETS, type TestRig } from './use-cases/runtime';

let setup: RigWithOutside;
let rig: TestRig;
let outside: OutsideServer;
let conveyor: ConveyorDriver;

beforeAll(async () => {
  setup = await startRigWithOutside('publish-failure');
  ({ rig, outside, conveyor } = setup);
});
afterAll(() => stopRigWithOutside(setup));

const resultSchema = z.object({ statusCode: z.number(), body: z.string() });
const botRequestSchema = z.object({ conversationId: z.string(), messageId: z.string(), text: z.string() });

const webEvent = (body: string) =>
  httpEvent('POST /v1/{tenant}/web', {
    rawPath: '/v1/acme/web',
    pathParameters: { tenant: 'acme' },
    headers: signatureHeaders(SECRETS.webSecret, body),
    body,
  });

test('PutEvents failing on every call: the message is accepted, a retried webhook is a duplicate, the bot gets it once and its answer reaches the user', async () => {
  // Prepare: the bus refuses whatever it is given, for the whole test.
  rig.publisher.failNext(1_000);
  outside.answer('bot', '{"answers":[{"text":"Hi, how can I help?"}]}');
  const handler = createHandler(rig.runtime);
  const body = JSON.stringify({ conversationId: 'c-bus-down', messageId: 'm-1', text: 'hello' });

  // Act
  const accepted = resultSchema.parse(await handler(webEvent(body), lambdaContext()));
  const retried = resultSchema.parse(await handler(webEvent(body), lambdaContext()));
  await conveyor.convey();

  // Assess
  expect(accepted.statusCode).toBe(200);
  expect(JSON.parse(accepted.body)).toEqual({ ok: true, duplicate: false });
  expect(retried.statusCode).toBe(200);
  expect(JSON.parse(retried.body)).toEqual({ ok: true, duplicate: true });
  expect(outside.of('bot').map((request) => botRequestSchema.parse(JSON.parse(request.body)))).toEqual([
    { conversationId: 'c-bus-down', messageId: 'm-1', text: 'hello' },
  ]);
  expect(webTexts(outside, 'c-bus-down')).toEqual(['Hi, how can I help?']);
  // Delivered and popped: nothing waits, nothing was dead-lettered, nothing was given up.
  const stored = await rig.state('acme', 'c-bus-down');
  expect(stored?.inbox).toBeUndefined();
  expect(stored?.deadLetters).toBeUndefined();
  expect(conveyor.failures).toEqual([]);
  // Nothing on the way even tried the bus.
  expect(rig.publisher.attempts).toBe(0);
  expect(rig.publisher.events).toEqual([]);
});
