/** A small driver for flow tests: a user on a channel, the simulators' log and the stored state. */
import * as z from 'zod';
import type { LocalStack, LocalStackOptions } from '../../infra/local/stack';
import { DEMO_PHONE_NUMBER_IDS } from '../../infra/local/tenants';
import { postSigned, postWeb, postWhatsApp, request, whatsappWebhook } from './http';
import { type CapturedLine, startTestStack } from './local-stack';

export const simEntrySchema = z.object({
  system: z.string(),
  method: z.string(),
  path: z.string(),
  headers: z.record(z.string(), z.string()),
  body: z.unknown(),
  /** What the simulator answered: a status, or `timeout`. */
  outcome: z.union([z.number(), z.literal('timeout')]),
});
export type SimEntry = z.infer<typeof simEntrySchema>;

const stateSchema = z.object({
  phase: z.string(),
  storedPhase: z.string(),
  version: z.number(),
  agentStatus: z.string().nullable(),
  additions: z.record(z.string(), z.string()).nullable(),
  intakeAnswers: z.record(z.string(), z.string()).nullable(),
  lockExpiresAt: z.string().nullable(),
  /** Messages in the inbox, not yet delivered. */
  waiting: z.number(),
  deadLetters: z.array(z.object({ messageId: z.string(), route: z.string(), reason: z.string() })),
  audit: z.array(
    z.object({
      at: z.string(),
      version: z.number(),
      from: z.string(),
      to: z.string(),
      action: z.string(),
      actor: z.string(),
      cause: z.string().optional(),
      handoverId: z.string().optional(),
    }),
  ),
});
export type SimState = z.infer<typeof stateSchema>;

const routerViewSchema = z.object({
  chat: z.object({ id: z.string(), channel: z.string(), conversationClientId: z.string() }).loose(),
  conversationId: z.string(),
  withMsc: z.boolean(),
  toUser: z.array(z.string()),
  toMsc: z.array(z.string()),
});

export class Flow {
  private counter = 0;
  /** Everything personal this driver sent (texts, phone numbers, emails), for the log scan. */
  readonly sent = new Set<string>();

  constructor(readonly stack: LocalStack) {}

  async reset(): Promise<void> {
    await request(`${this.stack.url}/sim/reset`, { method: 'POST' });
  }

  async mode(
    system: 'presence' | 'msc' | 'channel' | 'bot' | 'desk' | 'statuses',
    mode: string,
  ): Promise<void> {
    const answer = await request(`${this.stack.url}/sim/${system}`, {
      method: 'POST',
      body: JSON.stringify({ mode }),
    });
    if (answer.status !== 200) throw new Error(`mode ${system}=${mode}: ${answer.status}`);
  }

  /** A web chat user sends text (or a payload) and the stack settles. */
  async web(
    tenant: string,
    conversationId: string,
    message: { text?: string; payload?: string; pageUrl?: string },
  ) {
    this.counter += 1;
    if (message.text) this.sent.add(message.text);
    const answer = await postWeb(this.stack.url, tenant, {
      conversationId,
      messageId: `m-${this.counter}`,
      ...message,
    });
    if (answer.status !== 200) throw new Error(`web message answered ${answer.status}: ${answer.text}`);
    await this.stack.settle();
  }

  /**
   * A WhatsApp user sends a text or taps a button; the conversation id is `wa:<from>`. `content`:
   * a message's `type` and typed object as Meta sends it (e.g. a fixture's image).
   */
  async whatsapp(
    tenant: string,
    from: string,
    message: { text?: string; buttonPayload?: string; content?: Record<string, unknown> },
  ) {
    this.counter += 1;
    this.sent.add(from);
    if (message.text) this.sent.add(message.text);
    const id = `wamid.flow-${this.counter}`;
    const content = message.content
      ? message.content
      : message.buttonPayload
        ? {
            type: 'interactive',
            interactive: {
              type: 'button_reply',
              button_reply: { id: message.buttonPayload, title: 'End chat' },
            },
          }
        : { type: 'text', text: { body: message.text ?? '' } };
    // Sent to the tenant's own number, as Meta names it (another tenant's is refused).
    const number = Object.entries(DEMO_PHONE_NUMBER_IDS).find(([id]) => id === tenant)?.[1];
    const body = whatsappWebhook(from, { id, ...content }, number);
    const answer = await postWhatsApp(this.stack.url, tenant, body);
    if (answer.status !== 200) throw new Error(`whatsapp message answered ${answer.status}: ${answer.text}`);
    await this.stack.settle();
  }

  /** A user of the tenant's WhatsApp number on CM.com's router writes; the router decides where it goes. */
  async routerUser(tenant: string, clientId: string, text: string) {
    this.sent.add(clientId);
    this.sent.add(text);
    const answer = await request(
      `${this.stack.url}/sim/router/${tenant}/users/${encodeURIComponent(clientId)}`,
      {
        method: 'POST',
        body: JSON.stringify({ text }),
      },
    );
    if (answer.status !== 201)
      throw new Error(`router user message answered ${answer.status}: ${answer.text}`);
    await this.stack.settle();
    return answer;
  }

  /** That user's chat on the router: Baton's conversation of it, and what reached the user and MSC. */
  async routerView(tenant: string, clientId: string) {
    const answer = await request(
      `${this.stack.url}/sim/router/${tenant}/users/${encodeURIComponent(clientId)}`,
    );
    return routerViewSchema.parse(answer.json);
  }

  async pushAnswer(tenant: string, answer: Record<string, unknown>) {
    const result = await postSigned(
      `${this.stack.url}/v1/${tenant}/answers`,
      JSON.stringify(answer),
      `${tenant}-bot-secret`,
    );
    await this.stack.settle();
    return result;
  }

  /**
   * A WhatsApp user of `tenant` asks for an agent and gives the intake its answer (the demo tenants
   * ask for an email): the conversation is the agent's, checked.
   */
  async whatsappWithAgent(tenant: string, from: string): Promise<void> {
    await this.whatsapp(tenant, from, { text: 'agent' });
    await this.whatsapp(tenant, from, { text: 'ada@example.com' });
    const { phase } = await this.state(tenant, `wa:${from}`);
    if (phase !== 'agent') throw new Error(`wa:${from} is in phase ${phase}, not with the agent`);
  }

  async agent(
    tenant: string,
    conversationId: string,
    action: 'messages' | 'end' | 'claim' | 'queue' | 'transfer',
    /** What the desk sends: `text`, `messageId`, `skill`, `position`, a file, buttons, a list. */
    body?: { text?: string } & Record<string, unknown>,
  ) {
    if (body?.text) this.sent.add(body.text);
    const answer = await request(
      `${this.stack.url}/sim/agent/${tenant}/${encodeURIComponent(conversationId)}/${action}`,
      {
        method: 'POST',
        body: JSON.stringify(body ?? {}),
      },
    );
    await this.stack.settle();
    return answer;
  }

  async state(tenant: string, conversationId: string): Promise<SimState> {
    const answer = await request(
      `${this.stack.url}/sim/state/${tenant}/${encodeURIComponent(conversationId)}`,
    );
    return stateSchema.parse(answer.json);
  }

  async log(filter: { system?: string; conversationId?: string } = {}): Promise<SimEntry[]> {
    await this.stack.settle();
    const query = new URLSearchParams(filter);
    const answer = await request(`${this.stack.url}/sim/log?${query}`);
    return z.array(simEntrySchema).parse(answer.json);
  }

  /** The texts the user received, in order, on whichever channel. */
  async userTexts(conversationId: string): Promise<string[]> {
    const entries = await this.log({ conversationId });
    return entries.flatMap((entry) => {
      if (entry.system === 'web') return [z.object({ text: z.string() }).parse(entry.body).text];
      if (entry.system !== 'whatsapp') return [];
      const body = z
        .object({
          text: z.object({ body: z.string() }).optional(),
          interactive: z.object({ body: z.object({ text: z.string() }) }).optional(),
        })
        .parse(entry.body);
      return [body.text?.body ?? body.interactive?.body.text ?? ''];
    });
  }

  async systems(conversationId: string): Promise<string[]> {
    return (await this.log({ conversationId })).map((entry) => entry.system);
  }

  /** What the bot's events URL received about a conversation, in order. */
  async botEvents(conversationId: string): Promise<BotEventBody[]> {
    return (await this.log({ system: 'bot-events', conversationId })).map((entry) =>
      botEventSchema.parse(entry.body),
    );
  }
}

const botEventSchema = z.looseObject({
  tenantId: z.string(),
  conversationId: z.string(),
  eventId: z.string(),
  event: z.string(),
  handoverId: z.string(),
});
export type BotEventBody = z.infer<typeof botEventSchema>;

/**
 * A test file's local stack and its flow driver: started before its tests, reset before each,
 * stopped after them. Read the fields inside tests (they are set by the hooks).
 */
export function flowOnLocalStack(
  options: Pick<LocalStackOptions, 'tenantOverrides' | 'operatorTokens'> = {},
): {
  readonly stack: LocalStack;
  readonly flow: Flow;
  readonly logs: CapturedLine[];
} {
  let started: { stack: LocalStack; flow: Flow; logs: CapturedLine[] } | undefined;
  const get = () => {
    if (!started) throw new Error('the local stack starts in beforeAll');
    return started;
  };
  beforeAll(async () => {
    const { stack, logs } = await startTestStack(options);
    started = { stack, logs, flow: new Flow(stack) };
  });
  afterAll(() => get().stack.stop());
  beforeEach(() => get().flow.reset());
  return {
    get stack() {
      return get().stack;
    },
    get flow() {
      return get().flow;
    },
    get logs() {
      return get().logs;
    },
  };
}
