/**
 * The simulated outside systems of the local contract, under `/sim`: each records every request it
 * receives (`GET /sim/log`) and can be switched to fail (`POST /sim/<system>` with a mode).
 */
import { createHmac } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as z from 'zod';
import { RouterSimulator } from './cm-router-sim';
import { jsonResponse, type SimResponse, send } from './sim-response';
import { DEMO_PHONE_NUMBER_IDS, DEMO_TENANTS } from './tenants';
import { WhatsAppMediaSimulator } from './whatsapp-media-sim';
import { invalidParameter, whatsappSendSchema } from './whatsapp-send-sim';
import { REENGAGEMENT_ERROR, WhatsAppWindows } from './whatsapp-window-sim';

export { jsonResponse, type SimResponse, send };

export const SIM_SYSTEMS = [
  'whatsapp',
  'web',
  'bot',
  'presence',
  'msc',
  'webconv',
  'agent-webhook',
  'bot-events',
  // WhatsApp's Graph media endpoints (whatsapp-media-sim.ts).
  'whatsapp-media',
] as const;
export type SimSystem = (typeof SIM_SYSTEMS)[number];

export interface SimLogEntry {
  at: string;
  system: SimSystem;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
  /** What the simulator answered: an HTTP status, or `timeout` when it held the request. */
  outcome: number | 'timeout';
}

/** `flaky`: one request in ten fails (503), as a struggling system does. */
const okErrorTimeout = z.enum(['ok', 'error', 'timeout', 'flaky']);
const modeSchemas = {
  channel: okErrorTimeout,
  bot: okErrorTimeout,
  // `reject`: the desk refuses the request (422), as it would a malformed or unknown chat.
  msc: z.enum(['ok', 'error', 'timeout', 'reject']),
  presence: z.enum(['online', 'offline', 'error', 'timeout', 'garbage']),
  // The generic desk: staffed (claims every handover at once), or nobody there to claim.
  desk: z.enum(['claims', 'never']),
  // What WhatsApp reports of a message sent with biz_opaque_callback_data (Baton's agents'):
  // nothing, sent and delivered, those and read, or failed (error 131026, undeliverable).
  statuses: z.enum(['none', 'delivered', 'read', 'failed']),
} as const;
type ModeName = keyof typeof modeSchemas;
type Modes = { [K in ModeName]: z.infer<(typeof modeSchemas)[K]> };
const DEFAULT_MODES: Modes = {
  channel: 'ok',
  bot: 'ok',
  msc: 'ok',
  presence: 'online',
  desk: 'claims',
  statuses: 'none',
};

const SECRET_HEADERS = new Set([
  'authorization',
  'x-baton-signature',
  'x-hub-signature-256',
  'x-cm-producttoken',
]);

const botRequestSchema = z.object({
  conversationId: z.string(),
  text: z.string().optional(),
  payload: z.string().optional(),
  event: z.string().optional(),
  /** A file, place, contact cards or reaction, as README's bot protocol types it. */
  attachment: z.object({ type: z.string(), caption: z.string().optional() }).loose().optional(),
});

/** How a simulator calls Baton back (the generic desk's claim, the simulated agent, Meta's statuses). */
export type CallBaton = (
  path: string,
  headers: Record<string, string>,
  body?: unknown,
) => Promise<SimResponse>;

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/**
 * The agent API token of the desk that has a conversation (a real desk knows: Baton handed it the
 * chat). The demo tenants' tokens: `T-agent-token` for the default desk, `T-<desk>-agent-token`.
 */
export type DeskTokenOf = (tenant: string, conversationId: string) => Promise<string>;

export const deskToken = (tenant: string, desk: string | undefined): string =>
  desk ? `${tenant}-${desk}-agent-token` : `${tenant}-agent-token`;

export class Simulators {
  private entries: SimLogEntry[] = [];
  private modes: Modes = { ...DEFAULT_MODES };
  private readonly held = new Set<ServerResponse>();
  private readonly callbacks = new Set<Promise<unknown>>();

  constructor(
    private readonly callBaton: CallBaton,
    private readonly router: RouterSimulator,
    /** WhatsApp's media, by id: what users sent (`add`), served on the Graph API's media endpoints. */
    readonly whatsappMedia: WhatsAppMediaSimulator,
    private readonly deskTokenOf: DeskTokenOf = async (tenant) => deskToken(tenant, undefined),
    /** Meta's 24-hour windows, on the stack's clock. */
    readonly whatsappWindows: WhatsAppWindows = new WhatsAppWindows(Date.now),
    private readonly holdMs = 30_000,
  ) {}

  /** Resolves when no callback to Baton (a desk's claim) is under way; true if it waited for one. */
  async idle(): Promise<boolean> {
    if (this.callbacks.size === 0) return false;
    while (this.callbacks.size > 0) await Promise.allSettled([...this.callbacks]);
    return true;
  }

  /**
   * `POST /sim/agent/{tenant}/{conversationId}/{messages|end|claim|queue|transfer}`: the simulated
   * agent writes or signs off; an MSC agent through CM.com's router (a TwoWay message, the
   * session-ended event), any other through Baton's agent API, where the desk also claims, reports
   * the queue and transfers to another skill.
   */
  async agent(
    tenant: string,
    conversationId: string,
    action: 'messages' | 'end' | 'claim' | 'queue' | 'transfer',
    body: unknown,
  ): Promise<SimResponse> {
    if (this.router.serves(tenant)) {
      if (action === 'claim' || action === 'queue' || action === 'transfer')
        return jsonResponse(404, {
          error: 'not_found',
          message: 'MSC claims and transfers in its own inbox',
        });
      if (action === 'end') return this.router.sessionEnds(tenant, conversationId);
      const message = z.object({ text: z.string().min(1) }).safeParse(body);
      if (!message.success) return jsonResponse(400, { error: 'invalid_request', field: 'text' });
      return this.router.agentWrites(tenant, conversationId, message.data.text);
    }
    return this.callBaton(
      `/v1/${tenant}/agent/conversations/${encodeURIComponent(conversationId)}/${action}`,
      bearer(await this.deskTokenOf(tenant, conversationId)),
      body ?? {},
    );
  }

  /** `POST /sim/router/{tenant}/users/{clientId}` `{text}`: the user of the channel on the router writes. */
  routerUserWrites(tenantId: string, clientId: string, body: unknown): Promise<SimResponse> {
    const message = z.object({ text: z.string().min(1) }).safeParse(body);
    if (!message.success)
      return Promise.resolve(jsonResponse(400, { error: 'invalid_request', field: 'text' }));
    return this.router.userWrites(tenantId, clientId, message.data.text);
  }

  /** `GET /sim/router/{tenant}/users/{clientId}`: the chat, Baton's conversation of it, and what reached the user and MSC. */
  routerUserView(tenantId: string, clientId: string): SimResponse {
    const known = this.router.hostedChat(tenantId, clientId);
    if (!known?.hosted)
      return jsonResponse(404, { error: 'not_found', message: 'this user has not written' });
    return jsonResponse(200, {
      chat: known.chat,
      conversationId: this.router.conversationOf(known.chat.id),
      withMsc: known.withMsc,
      toUser: known.hosted.toUser,
      toMsc: known.hosted.toMsc,
    });
  }

  /** The router's chat of a conversation (as the router would send it), once Baton opened it. */
  routerChat(tenantId: string, conversationId: string): unknown {
    return this.router.chatOf(tenantId, conversationId)?.chat;
  }

  log(filter: { system?: string | null; conversationId?: string | null } = {}): SimLogEntry[] {
    return this.entries.filter(
      (entry) =>
        (!filter.system || entry.system === filter.system) &&
        (!filter.conversationId ||
          (this.router.conversationOf(chatIdOf(entry)) ?? conversationOf(entry)) === filter.conversationId),
    );
  }

  reset(): void {
    this.entries = [];
    this.modes = { ...DEFAULT_MODES };
    this.router.reset();
    this.whatsappWindows.reset();
  }

  /** `POST /sim/{channel|bot|msc|presence}`: answers 400 with the allowed modes on a bad one. */
  setMode(name: string, body: unknown): SimResponse {
    if (!isModeName(name))
      return jsonResponse(404, { error: 'not_found', message: `no simulator mode ${name}` });
    const parsed = z.object({ mode: modeSchemas[name] }).safeParse(body);
    if (!parsed.success) {
      return jsonResponse(400, {
        error: 'invalid_request',
        field: 'mode',
        message: z.prettifyError(parsed.error),
      });
    }
    this.modes = { ...this.modes, [name]: parsed.data.mode };
    return jsonResponse(200, { [name]: parsed.data.mode });
  }

  /** Handles a request to a simulated system; returns false when the path is none of theirs. */
  handle(
    request: IncomingMessage,
    response: ServerResponse,
    url: URL,
    requestBody: unknown,
    rawBody: Buffer = Buffer.alloc(0),
  ): boolean {
    const path = url.pathname;
    if (WhatsAppMediaSimulator.handles(request.method ?? 'GET', path)) {
      const outcome = this.whatsappMedia.serve(request, response, url);
      this.entries.push({
        at: new Date().toISOString(),
        system: 'whatsapp-media',
        method: 'GET',
        path,
        headers: redact(request.headers),
        body: Object.fromEntries(url.searchParams),
        outcome,
      });
      return true;
    }
    const system = systemFor(request.method ?? 'GET', path);
    if (!system) return false;
    // A GET's query is what it says (the presence API key among it, redacted).
    const body =
      request.method === 'GET'
        ? Object.fromEntries(
            [...url.searchParams].map(([k, v]) => [k, k.toLowerCase() === 'apikey' ? '[redacted]' : v]),
          )
        : requestBody;
    const secret = signingSecretOf(system, path);
    const unsigned = secret !== undefined && !signedAsDocumented(secret, rawBody, request.headers);
    const refused =
      system === 'whatsapp' ? whatsappRefusal(path, request.headers.authorization, body) : undefined;
    const mode = unsigned || refused ? 'reject' : this.modeOf(system);
    const answer = refused
      ? refused
      : unsigned
        ? jsonResponse(401, { error: 'missing, wrong or stale X-Baton-Signature' })
        : mode === 'reject'
          ? jsonResponse(422, { error: 'simulated rejection' })
          : mode === 'error'
            ? jsonResponse(503, { error: 'simulated failure' })
            : system === 'msc'
              ? this.router.answer(path, request.headers, body)
              : this.answer(system, path, body);
    this.entries.push({
      at: new Date().toISOString(),
      system,
      method: request.method ?? 'GET',
      path,
      headers: redact(request.headers),
      body,
      outcome: mode === 'timeout' ? 'timeout' : answer.status,
    });
    if (mode === 'timeout') {
      this.hold(response);
      return true;
    }
    send(response, answer);
    if (mode === 'reject' || mode === 'error') return true;
    if (system === 'agent-webhook') this.claimIfHandover(path, body);
    if (system === 'whatsapp') this.reportStatuses(path, body, answer);
    return true;
  }

  /**
   * As Meta does, the statuses of a message sent with `biz_opaque_callback_data`, each a signed
   * webhook to the tenant's URL (the status webhook reference's shape), in the order they happen.
   */
  private reportStatuses(path: string, body: unknown, answer: SimResponse): void {
    const sent = z
      .object({ to: z.string(), type: z.string(), biz_opaque_callback_data: z.string().optional() })
      .safeParse(body);
    const accepted = z
      .object({ messages: z.array(z.object({ id: z.string() })).min(1) })
      .safeParse(JSON.parse(answer.body));
    const number = /^\/sim\/whatsapp\/v\d+\.\d+\/([^/]+)\/messages$/.exec(path)?.[1];
    const tenant = DEMO_TENANTS.find((id) => DEMO_PHONE_NUMBER_IDS[id] === number);
    if (!sent.success || !accepted.success || !tenant || !number) return;
    // Outside the window only a template goes through: Meta fails anything else, whatever the mode.
    const closed = sent.data.type !== 'template' && !this.whatsappWindows.isOpen(number, sent.data.to);
    const mode = closed ? 'failed' : this.modes.statuses;
    const callback = sent.data.biz_opaque_callback_data;
    if (mode === 'none' || callback === undefined) return;
    const error = closed
      ? REENGAGEMENT_ERROR
      : { code: 131026, title: 'Message undeliverable', message: 'Message undeliverable' };
    const steps: ReadonlyArray<'sent' | 'delivered' | 'read' | 'failed'> =
      mode === 'failed'
        ? ['failed']
        : mode === 'delivered'
          ? ['sent', 'delivered']
          : ['sent', 'delivered', 'read'];
    const report = async () => {
      for (const status of steps) {
        const webhook = {
          object: 'whatsapp_business_account',
          entry: [
            {
              id: 'sim-waba',
              changes: [
                {
                  field: 'messages',
                  value: {
                    messaging_product: 'whatsapp',
                    metadata: { display_phone_number: '15550001111', phone_number_id: number },
                    statuses: [
                      {
                        id: accepted.data.messages[0]?.id,
                        status,
                        timestamp: String(Math.floor(Date.now() / 1000)),
                        recipient_id: sent.data.to,
                        biz_opaque_callback_data: callback,
                        ...(status === 'failed' ? { errors: [error] } : {}),
                      },
                    ],
                  },
                },
              ],
            },
          ],
        };
        const signature = createHmac('sha256', `${tenant}-whatsapp-secret`)
          .update(JSON.stringify(webhook))
          .digest('hex');
        await this.callBaton(
          `/v1/${tenant}/whatsapp`,
          { 'x-hub-signature-256': `sha256=${signature}` },
          webhook,
        );
      }
    };
    const reported = report().catch(() => undefined);
    this.callbacks.add(reported);
    void reported.finally(() => this.callbacks.delete(reported));
  }

  private modeOf(system: SimSystem): 'ok' | 'error' | 'timeout' | 'reject' {
    const mode = this.configuredModeOf(system);
    if (mode !== 'flaky') return mode;
    return Math.random() < 0.1 ? 'error' : 'ok';
  }

  private configuredModeOf(system: SimSystem): 'ok' | 'error' | 'timeout' | 'reject' | 'flaky' {
    switch (system) {
      case 'bot':
        return this.modes.bot;
      case 'whatsapp':
      case 'web':
        return this.modes.channel;
      case 'msc':
      case 'agent-webhook':
        return this.modes.msc;
      case 'presence':
        return this.modes.presence === 'error' || this.modes.presence === 'timeout'
          ? this.modes.presence
          : 'ok';
      default:
        return 'ok';
    }
  }

  private answer(system: SimSystem, path: string, body: unknown): SimResponse {
    // demo3's bot runs the prechat dialog itself.
    if (system === 'bot') return botAnswer(body, path === '/sim/bot/demo3');
    if (system !== 'presence') return jsonResponse(200, acknowledgement(system, body));
    const mode = this.modes.presence;
    const msc = path.startsWith('/sim/presence/api/');
    if (mode === 'garbage')
      return msc ? { status: 200, body: '<html>maybe</html>' } : jsonResponse(200, { agents: 'maybe' });
    if (msc) return { status: 200, body: mode === 'online' ? 'Online' : 'Offline' };
    return jsonResponse(200, { agentAvailable: mode === 'online' });
  }

  /**
   * The simulated generic desk is staffed (mode `claims`): it claims every handover at once, through
   * Baton's claim route. In mode `never` nobody claims (a test claims late through `/sim/agent`).
   */
  private claimIfHandover(path: string, body: unknown): void {
    if (this.modes.desk === 'never') return;
    const handover = z.object({ event: z.literal('handover'), sessionId: z.string() }).safeParse(body);
    // A named desk of the tenant has a path of its own: /sim/agent-webhook/{tenant}/{desk}.
    const [, tenant, desk] = /^\/sim\/agent-webhook\/([^/]+)(?:\/([^/]+))?$/.exec(path) ?? [];
    if (!handover.success || !tenant) return;
    const claim = this.callBaton(
      `/v1/${tenant}/agent/conversations/${encodeURIComponent(handover.data.sessionId)}/claim`,
      bearer(deskToken(tenant, desk)),
    ).catch(() => undefined);
    this.callbacks.add(claim);
    void claim.finally(() => this.callbacks.delete(claim));
  }

  /** Ends every request held by a `timeout` mode (the clients gave up on them long ago). */
  releaseHeld(): void {
    for (const response of this.held) response.destroy();
    this.held.clear();
  }

  private hold(response: ServerResponse): void {
    this.held.add(response);
    const timer = setTimeout(() => {
      this.held.delete(response);
      send(response, jsonResponse(504, { error: 'simulated timeout' }));
    }, this.holdMs);
    timer.unref();
    response.on('close', () => {
      clearTimeout(timer);
      this.held.delete(response);
    });
  }
}

/** The simulated bot: `echo: <text>`, with the additions and metadata that request a handover. */
export function botAnswer(body: unknown, runsPrechat = false): SimResponse {
  const request = botRequestSchema.safeParse(body);
  if (!request.success) return jsonResponse(400, { error: 'invalid bot request' });
  const text = request.data.text ?? '';
  // A prechat dialog of the bot's own (a tenant with `intake.by: "bot"`): the event opens it, an
  // email ends it with the captured slots, `never mind` cancels it.
  if (request.data.event === 'prechat')
    return jsonResponse(200, { answers: [{ text: 'Prechat: what is your email address?' }] });
  if (runsPrechat && /^\S+@\S+\.\S+$/.test(text.trim()))
    return jsonResponse(200, {
      answers: [
        {
          text: 'Thanks, connecting you now.',
          outputAdditions: {
            livechatIntakeComplete: true,
            customerInfo: JSON.stringify({ email: text.trim() }),
          },
        },
      ],
    });
  if (runsPrechat && text.toLowerCase() === 'never mind')
    return jsonResponse(200, {
      answers: [{ text: 'Alright.', outputAdditions: { livechatIntakeCancelled: true } }],
    });
  if (text === '' && request.data.payload) return jsonResponse(200, { answers: [] });
  // What the user sent instead of text: named back, so a test sees the bot got it typed.
  const attachment = request.data.attachment;
  if (text === '' && attachment)
    return jsonResponse(200, {
      answers: [
        { text: `got your ${attachment.type}${attachment.caption ? `: ${attachment.caption}` : ''}` },
      ],
    });
  const lower = text.toLowerCase();
  const rich = richAnswer(lower);
  if (rich) return jsonResponse(200, { answers: [rich] });
  const answer: {
    text: string;
    outputAdditions?: Record<string, string | boolean>;
    metadata?: Record<string, string>;
  } = {
    text: `echo: ${text}`,
  };
  if (lower.includes('agent'))
    answer.outputAdditions = { livechat: true, skill: lower.includes('sales') ? 'sales' : 'support' };
  else if (lower.includes('webstore')) answer.outputAdditions = { livechat: true, mscWebstore: 'shop-nl' };
  if (lower.includes('handover')) answer.metadata = { triggerEvent: 'handover' };
  return jsonResponse(200, { answers: [answer] });
}

/**
 * The simulated bot's answers with more than text (README, "Bot protocol"): `menu` reply buttons,
 * `catalog` a list, `picture` an image by its URL.
 */
function richAnswer(lower: string): Record<string, unknown> | undefined {
  if (lower.includes('menu'))
    return {
      text: 'What can I do for you?',
      buttons: [
        { id: 'ORDER_STATUS', title: 'Order status' },
        { id: 'RETURNS', title: 'Returns' },
        { id: 'TALK_TO_AGENT', title: 'Talk to an agent' },
      ],
    };
  if (lower.includes('catalog'))
    return {
      text: 'Pick a category',
      list: {
        button: 'Categories',
        sections: [
          { title: 'Home', rows: [{ id: 'LAMPS', title: 'Lamps', description: 'Desk and floor lamps' }] },
          { title: 'Garden', rows: [{ id: 'TOOLS', title: 'Tools' }] },
        ],
      },
    };
  if (lower.includes('picture'))
    return {
      text: 'Here is the product',
      media: { type: 'image', url: 'https://cdn.example.com/lamp.jpg', caption: 'The Arc lamp' },
    };
  return undefined;
}

function acknowledgement(system: SimSystem, body: unknown): unknown {
  if (system !== 'whatsapp') return { ok: true };
  const to = z.object({ to: z.string() }).safeParse(body);
  return {
    messaging_product: 'whatsapp',
    contacts: to.success ? [{ input: to.data.to, wa_id: to.data.to }] : [],
    messages: [{ id: `wamid.sim-${Date.now()}-${Math.random().toString(36).slice(2, 8)}` }],
  };
}

/**
 * The secret Baton signs its requests to a simulated system with (the demo tenants' secrets of the
 * local contract); undefined for the systems that check other credentials (Meta's token, CM.com's).
 */
function signingSecretOf(system: SimSystem, path: string): string | undefined {
  const [, , , tenant, desk] = path.split('/');
  if (!tenant) return undefined;
  switch (system) {
    case 'web':
    case 'webconv':
      return `${tenant}-web-secret`;
    case 'bot':
    case 'bot-events':
      return `${tenant}-bot-secret`;
    case 'agent-webhook':
      return desk ? `${tenant}-${desk}-desk-secret` : `${tenant}-desk-secret`;
    default:
      return undefined;
  }
}

/**
 * Baton's signature as the README documents it, checked apart from Baton's own code: HMAC-SHA256 of
 * `<X-Baton-Timestamp>.<raw body>`, hex, `sha256=` in front, the timestamp within 5 minutes.
 */
function signedAsDocumented(secret: string, rawBody: Buffer, headers: IncomingMessage['headers']): boolean {
  const timestamp = headers['x-baton-timestamp'];
  const signature = headers['x-baton-signature'];
  if (typeof timestamp !== 'string' || typeof signature !== 'string') return false;
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const hmac = createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
  return signature === `sha256=${hmac}`;
}

/**
 * What WhatsApp refuses of a send: a token that is not the number's business's (401, Graph's
 * OAuthException 190), a body its messages reference does not allow (400, `(#100) Invalid parameter`).
 */
function whatsappRefusal(
  path: string,
  authorization: string | undefined,
  body: unknown,
): SimResponse | undefined {
  const number = /^\/sim\/whatsapp\/v\d+\.\d+\/([^/]+)\/messages$/.exec(path)?.[1];
  const owner = DEMO_TENANTS.find((tenant) => DEMO_PHONE_NUMBER_IDS[tenant] === number);
  if (!owner || authorization !== `Bearer ${owner}-graph-access-token`)
    return jsonResponse(401, {
      error: {
        message: 'Invalid OAuth access token - Cannot parse access token',
        type: 'OAuthException',
        code: 190,
      },
    });
  const parsed = whatsappSendSchema.safeParse(body);
  return parsed.success ? undefined : jsonResponse(400, invalidParameter(parsed.error));
}

function systemFor(method: string, path: string): SimSystem | undefined {
  if (method === 'GET') {
    if (path === '/sim/presence/api/v1' || /^\/sim\/presence\/webhook\/[^/]+(?:\/[^/]+)?$/.test(path))
      return 'presence';
    return undefined;
  }
  if (method !== 'POST') return undefined;
  if (/^\/sim\/whatsapp\/v\d+\.\d+\/[^/]+\/messages$/.test(path)) return 'whatsapp';
  if (/^\/sim\/web\/[^/]+$/.test(path)) return 'web';
  if (/^\/sim\/bot\/[^/]+$/.test(path)) return 'bot';
  if (RouterSimulator.handles(path)) return 'msc';
  if (/^\/sim\/webconv\/[^/]+$/.test(path)) return 'webconv';
  if (/^\/sim\/agent-webhook\/[^/]+(?:\/[^/]+)?$/.test(path)) return 'agent-webhook';
  if (/^\/sim\/bot-events\/[^/]+$/.test(path)) return 'bot-events';
  return undefined;
}

/** The router's chat id a request names (a mutation request's `ChatId`, a TwoWay message's `chat.id`). */
function chatIdOf(entry: SimLogEntry): string | undefined {
  if (entry.system !== 'msc') return undefined;
  const body = z
    .union([z.object({ ChatId: z.string() }), z.object({ chat: z.object({ id: z.string() }) })])
    .safeParse(entry.body);
  if (!body.success) return undefined;
  return 'ChatId' in body.data ? body.data.ChatId : body.data.chat.id;
}

function conversationOf(entry: SimLogEntry): string | undefined {
  const body = z
    .object({
      conversationId: z.string().optional(),
      // A TwoWay message: the client is Baton's conversation.
      chat: z.object({ conversationClientId: z.string() }).optional(),
      conversationClientId: z.string().optional(),
      chatId: z.string().optional(),
      sessionId: z.string().optional(),
      to: z.string().optional(),
    })
    .safeParse(entry.body);
  if (!body.success) return undefined;
  if (entry.system === 'whatsapp') return body.data.to ? `wa:${body.data.to}` : undefined;
  const { conversationId, conversationClientId, chatId, sessionId, chat } = body.data;
  return conversationId ?? conversationClientId ?? chat?.conversationClientId ?? chatId ?? sessionId;
}

function redact(headers: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = SECRET_HEADERS.has(name) ? '[redacted]' : Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function isModeName(name: string): name is ModeName {
  return Object.hasOwn(modeSchemas, name);
}
