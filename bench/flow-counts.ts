/**
 * What one message and one handover cost in DynamoDB requests and event hops. Counts, unlike
 * times, do not depend on how loaded this machine is, and in AWS they are the bill (DynamoDB
 * requests) and the latency floor (each EventBridge hop adds tens of milliseconds), so they are
 * the figures a change to the flow moves for certain.
 *
 * The local stack runs every function in-process on one shared set of DynamoDB clients, so a
 * middleware on that client sees every request every function makes; it sits at the `initialize`
 * step, before the SDK's retries, so it counts requests the code makes, not attempts on the wire.
 * The local bus logs one `event <DetailType>` line per event published; counting those lines
 * counts the hops EventBridge would carry. The conversation is on demo2 (generic webhook desk, one
 * intake question), the shortest complete handover the demo tenants have.
 *
 * A handover's count is not fixed: its presence check costs more requests when another presence
 * call is queued (its reservation takes two requests, and it reads again after waiting its turn),
 * and nothing is asked at all while the tenant's presence answer is cached. So the figure is the
 * median of a few handovers, each with the cache expired (the stack's clock stepped past it), as
 * for a quiet tenant; one with the answer cached is given in the note.
 *
 * Reading the conversation's phase (`/sim/state`) is itself a DynamoDB read on the same client,
 * so the counter is switched off around those reads; every step settles first, so nothing of the
 * flow is running while it is off.
 */

import * as z from 'zod';
import { startLocalStack } from '../infra/local/stack';
import { localTenants } from '../infra/local/tenants';
import { postWeb, request } from '../test/support/http';
import { RequestCounter } from '../test/support/request-counter';
import { type BenchRow, median } from './report';

const TENANT = 'demo2';
/** Bot-owned messages sent to measure ingest and conveyor; the first message of the conversation is not one. */
const MESSAGES = 5;

/** Handovers measured with the presence cache expired; the figure is their median. */
const HANDOVERS = 3;

const stateSchema = z.object({ phase: z.string() });

interface Handover {
  /** Command names of the DynamoDB requests, in order. */
  requests: string[];
  /** Error names of the requests that failed (lost races on the conversation's version). */
  refused: string[];
  /** Detail types of the events published, in order. */
  events: string[];
  /** Requests per step (the handover request, the intake answer). */
  perStep: number[];
  /** Requests of the bot's status events (not in `requests`). */
  botEventRequests: number;
  /** The conversation's phase after each step. */
  phases: string[];
}

/** `A×2, B×1` in order of first appearance: what the requests or events were, for the reader. */
function tally(names: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  return [...counts].map(([name, count]) => `${name.replace(/Command$/, '')}×${count}`).join(', ');
}

const average = (values: readonly number[]): number =>
  values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;

export async function measureFlowCounts(): Promise<BenchRow[]> {
  /** Every event published on the local bus. */
  const published: Array<{ detailType: string }> = [];
  const problems: string[] = [];

  const stack = await startLocalStack({
    port: 0,
    retryDelaysMs: [100, 200],
    // A sweep firing on its timer inside a counted step would be counted with it.
    scheduleTimers: false,
    logSink: (level, message, fields) => {
      if (level === 'warn' || level === 'error') problems.push(`${level}: ${message}`);
      if (fields.function !== 'event-bus' || !message.startsWith('event ')) return;
      published.push({ detailType: message.slice('event '.length) });
    },
  });
  const requestCounter = new RequestCounter(stack);

  let sequence = 0;
  /** Requests made by the time the last webhook answered: ingest's (it publishes nothing to tell by). */
  let madeWhenAnswered = 0;
  const send = async (conversationId: string, text: string): Promise<void> => {
    sequence += 1;
    const answer = await postWeb(stack.url, TENANT, { conversationId, messageId: `bench-${sequence}`, text });
    madeWhenAnswered = requestCounter.made.length;
    if (answer.status !== 200) throw new Error(`web message answered ${answer.status}: ${answer.text}`);
  };
  /** Counts what `step` and everything it sets off make, until the stack settles. */
  const counted = async (step: () => Promise<void>) => {
    const from = published.length;
    const counted = await requestCounter.during(step);
    // The bot's status events are a delivery of their own beside the conversation's path (a
    // once-claim and its completion each): reported apart, as the request budget test holds them.
    const made = counted.filter((request) => request.kind !== 'I');
    const events = published.slice(from);
    return {
      botEventRequests: counted.length - made.length,
      requests: made.map((request) => request.command),
      refused: made.flatMap((request) => (request.error ? [request.error] : [])),
      events: events.map((event) => event.detailType),
      ingest: madeWhenAnswered,
    };
  };
  const phaseOf = async (conversationId: string): Promise<string> => {
    const answer = await request(`${stack.url}/sim/state/${TENANT}/${encodeURIComponent(conversationId)}`);
    return stateSchema.parse(answer.json).phase;
  };

  /** From "I need an agent" to a live agent: the bot's answer starts it, the intake asks the email. */
  const handover = async (conversationId: string): Promise<Handover> => {
    const run: Handover = {
      requests: [],
      refused: [],
      events: [],
      perStep: [],
      phases: [],
      botEventRequests: 0,
    };
    for (const text of ['I need an agent', 'ada@example.com']) {
      const step = await counted(() => send(conversationId, text));
      run.requests.push(...step.requests);
      run.refused.push(...step.refused);
      run.events.push(...step.events);
      run.perStep.push(step.requests.length);
      run.botEventRequests += step.botEventRequests;
      run.phases.push(await phaseOf(conversationId));
    }
    return run;
  };
  /** A conversation the bot already owns, as a handover's usually is: its first message is not counted. */
  const openConversation = async (conversationId: string): Promise<void> => {
    await send(conversationId, 'hello');
    await stack.settle();
  };

  try {
    // (a) Messages to a bot-owned conversation.
    await openConversation('bench-flow-1');
    const perMessage: Array<{ ingest: number; total: number; requests: string[]; events: string[] }> = [];
    for (let i = 0; i < MESSAGES; i += 1) {
      const step = await counted(() => send('bench-flow-1', `what are your opening hours? (${i + 1})`));
      perMessage.push({
        ingest: step.ingest,
        total: step.requests.length,
        requests: step.requests,
        events: step.events,
      });
    }
    const ingest = average(perMessage.map((message) => message.ingest));
    const whole = average(perMessage.map((message) => message.total));
    const sample = perMessage.at(-1);
    const messageNote =
      `${MESSAGES} text messages to one bot-owned ${TENANT} web conversation, counted at the DynamoDB ` +
      `client (initialize step: requests the code makes, SDK retries not counted); per message ` +
      `(ingest/whole): ${perMessage.map((m) => `${m.ingest}/${m.total}`).join(' ')}`;

    // (b) Handovers. The presence answer is shared for the tenant's cacheSeconds; stepping the
    // stack's clock past it makes each handover ask the presence API, as a quiet tenant's does.
    const cacheMs =
      (localTenants(`${stack.url}/sim`).find((tenant) => tenant.id === TENANT)?.presence.cacheSeconds ?? 0) *
      1000;
    const cold: Handover[] = [];
    for (let i = 0; i < HANDOVERS; i += 1) {
      const conversationId = `bench-handover-${i + 1}`;
      await openConversation(conversationId);
      stack.clock.advance(cacheMs + 1000);
      cold.push(await handover(conversationId));
    }
    // One more right after, within the cache's lifetime: what a busy tenant's handover costs.
    await openConversation('bench-handover-cached');
    const cached = await handover('bench-handover-cached');

    const reached = cold.every((run) => run.phases.at(-1) === 'agent');
    const requestsPerHandover = median(cold.map((run) => run.requests.length));
    const eventsPerHandover = median(cold.map((run) => run.events.length));
    const typical = cold.find((run) => run.requests.length === requestsPerHandover) ?? cold[0];
    const problemNote = problems.length ? `; warnings and errors logged: ${tally(problems)}` : '';
    const handoverNote =
      `median of ${HANDOVERS} ${TENANT} web conversations, each from "I need an agent" (bot-owned) to ` +
      `phase agent, the email sent when the intake asks, settling after each step, presence not ` +
      `cached: ${cold.map((run) => `${run.requests.length} (${run.perStep.join('+')})`).join(', ')} ` +
      `requests (per step), of which refused: ${cold.map((run) => tally(run.refused) || 'none').join(' | ')}; phases after each step: ${cold.map((run) => run.phases.join('→')).join(', ')}; ` +
      `one of them: ${tally(typical?.requests ?? [])}. With presence cached: ${cached.requests.length} ` +
      `requests, ${cached.events.length} events. Not counted above: the bot's status events, ${typical?.botEventRequests ?? 0} requests`;

    return [
      {
        figure: 'DynamoDB requests per inbound message (ingest)',
        unit: 'count',
        baton: ingest,
        target: '≤ 2',
        met: ingest <= 2,
        note: `${messageNote}; ingest of the last: ${tally(sample?.requests.slice(0, sample.ingest) ?? [])}`,
      },
      {
        figure: 'DynamoDB requests per inbound message (ingest + conveyor + answer)',
        unit: 'count',
        baton: whole,
        target: '≤ 2',
        met: whole <= 2,
        note:
          `${messageNote}; the last: ${tally(sample?.requests ?? [])}; ` +
          `events: ${tally(sample?.events ?? [])}${problemNote}`,
      },
      {
        figure: 'DynamoDB requests per complete handover',
        unit: 'count',
        baton: requestsPerHandover,
        target: '≤ 12',
        met: reached && requestsPerHandover <= 12,
        note: `${reached ? '' : 'A HANDOVER DID NOT REACH PHASE agent; '}${handoverNote}${problemNote}`,
      },
      {
        figure: 'EventBridge hops per handover',
        unit: 'count',
        baton: eventsPerHandover,
        target: 'report',
        met: reached,
        note:
          `events published on the local bus per handover: ${cold.map((run) => run.events.length).join(', ')}; ` +
          `in order: ${(typical?.events ?? []).join(' → ')}`,
      },
    ];
  } finally {
    await stack.stop();
  }
}
