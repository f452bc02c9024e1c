/**
 * A Runtime for use-case tests: the real DynamoDB stores on DynamoDB Local, the real HTTP clients
 * talking to the outside server on 127.0.0.1, a clock the tests move, a publisher that records
 * (the EventBridge port) and a logger that captures.
 */

import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createAgentDeskClient } from '../../../shared/clients/agent-desk-client';
import { createBotClient } from '../../../shared/clients/bot-client';
import { createChannelSender } from '../../../shared/clients/channel-sender';
import { createDeskMessages } from '../../../shared/clients/desk-messages';
import { fetchHttp, fetchStream } from '../../../shared/clients/http';
import { createNotifications } from '../../../shared/clients/notifications';
import { createPresenceClient } from '../../../shared/clients/presence-client';
import { createWhatsAppMedia } from '../../../shared/clients/whatsapp-media';
import { literalSecrets } from '../../../shared/config/secrets';
import { parseTenants, type TenantConfig, tenantDirectory } from '../../../shared/config/tenants';
import { OffsetClock } from '../../../shared/domain/clock';
import {
  type ChannelRef,
  type Command,
  type Conversation,
  type HandoverAdditions,
  newConversation,
  type Phase,
  transition,
} from '../../../shared/domain/conversation';
import type { OutgoingEvent } from '../../../shared/events/define';
import { MessageUnsent } from '../../../shared/events/message-unsent';
import { type EventPublisher, PublishError } from '../../../shared/events/publisher';
import { applyCommand } from '../../../shared/flow/apply-command';
import { conversationRef, createLogger, type LogFields, type LogLevel } from '../../../shared/log/logger';
import { RecordedMetrics } from '../../../shared/log/metrics';
import { createMediaLinks } from '../../../shared/media/media-link';
import type { Runtime } from '../../../shared/runtime/runtime';
import { DynamoAnswerPushes } from '../../../shared/store/answer-pushes';
import type { Dynamo } from '../../../shared/store/client';
import { DynamoConversationAdmin } from '../../../shared/store/conversation-admin';
import { DynamoConversationStore } from '../../../shared/store/conversation-repository';
import { DynamoDeskAsks } from '../../../shared/store/desk-asks';
import { DynamoIdempotencyStore } from '../../../shared/store/idempotency-repository';
import { DynamoInboxStore } from '../../../shared/store/inbox-repository';
import { conversationKey } from '../../../shared/store/keys';
import { DynamoSweepIndex } from '../../../shared/store/sweep-index';
import { parse } from '../../../shared/validation/zod';

/** Every outside call times out after this, so the `hang` tests take a third of a second. */
export const OUTSIDE_TIMEOUT_MS = 300;
export const LOCK_MINUTES = 30;
export const LOCK_MS = LOCK_MINUTES * 60_000;
/** The clock starts here and only moves when a test moves it. */
export const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);

export const SECRETS = {
  presenceKey: 'acme-presence-key',
  productToken: 'acme-product-token',
  webSecret: 'acme-web-secret',
  botSecret: 'acme-bot-secret',
  deskSecret: 'desk-hook-secret',
};

export const QUESTIONS = {
  name: { prompt: 'What is your name?', reask: 'Please tell me your name.' },
  email: { prompt: 'What is your email address?', reask: 'That does not look like an email address.' },
  topic: { prompt: 'What is it about?', reask: 'Please pick one of the options.' },
};

/**
 * `acme`: MSC desk and presence, web chat and WhatsApp, Web Conversations, a three-question intake.
 * `hooks`: the generic webhook desk and presence, web chat only, no intake questions.
 * `claims`: as `hooks`, but the desk's conversation is live only once it claims it.
 */
export function testTenants(outside: string): TenantConfig[] {
  const timeoutMs = OUTSIDE_TIMEOUT_MS;
  return parseTenants([
    {
      id: 'acme',
      bot: {
        url: `${outside}/bot/acme`,
        eventsUrl: `${outside}/bot-events/acme`,
        signingSecret: { value: SECRETS.botSecret },
        timeoutMs,
      },
      whatsapp: {
        graphApiUrl: `${outside}/whatsapp`,
        appSecret: { value: 'acme-whatsapp-secret' },
        verifyToken: { value: 'acme-verify-token' },
        accessToken: { value: 'acme-whatsapp-token' },
        timeoutMs,
        phoneNumberIds: [WHATSAPP_USER.phoneNumberId],
      },
      web: { signingSecret: { value: SECRETS.webSecret }, deliveryUrl: `${outside}/web/acme`, timeoutMs },
      agentApiToken: { value: 'acme-agent-token' },
      session: { lockMinutes: LOCK_MINUTES },
      desk: {
        type: 'msc',
        apiUrl: `${outside}/msc/`,
        technicalLinkId: 'link-7',
        adapterId: 'baton-adapter',
        mscAdapterId: 'msc-adapter',
        productToken: { value: SECRETS.productToken },
        timeoutMs,
      },
      presence: {
        type: 'msc',
        url: `${outside}/presence`,
        apiKey: { value: SECRETS.presenceKey },
        timeoutMs,
      },
      webConversations: { handoverUrl: `${outside}/webconv/handover`, timeoutMs },
      intake: {
        questions: [
          { id: 'name', type: 'text', minLength: 2, ...QUESTIONS.name },
          { id: 'email', type: 'email', ...QUESTIONS.email },
          { id: 'topic', type: 'choice', choices: ['Billing', 'Technical'], ...QUESTIONS.topic },
        ],
        maxInvalidAttempts: 3,
      },
    },
    {
      id: 'hooks',
      bot: { url: `${outside}/bot/hooks`, signingSecret: { value: 'hooks-bot-secret' }, timeoutMs },
      web: { signingSecret: { value: 'hooks-web-secret' }, deliveryUrl: `${outside}/web/hooks`, timeoutMs },
      // A second number of acme's Meta app (one app secret, one callback URL), with its own token.
      whatsapp: {
        graphApiUrl: `${outside}/whatsapp`,
        appSecret: { value: 'acme-whatsapp-secret' },
        verifyToken: { value: 'hooks-verify-token' },
        accessToken: { value: 'hooks-whatsapp-token' },
        timeoutMs,
        phoneNumberIds: [HOOKS_PHONE_NUMBER_ID],
      },
      agentApiToken: { value: 'hooks-agent-token' },
      // Callers still on the body-only signature (before timestamps) are taken too.
      acceptUntimedSignatures: true,
      // A second team's desk, its token being rotated (both good until the old one is removed).
      desks: {
        billing: {
          desk: {
            type: 'webhook',
            url: `${outside}/desk-hook/billing`,
            signingSecret: { value: SECRETS.deskSecret },
            timeoutMs,
          },
          agentApiToken: [{ value: 'billing-token-old' }, { value: 'billing-token-new' }],
        },
      },
      skillRouting: { billing: 'billing' },
      session: { lockMinutes: 5 },
      desk: {
        type: 'webhook',
        url: `${outside}/desk-hook/handover`,
        signingSecret: { value: SECRETS.deskSecret },
        botId: 'hooks-bot',
        timeoutMs,
      },
      presence: { type: 'webhook', url: `${outside}/presence-hook/available?site=hooks`, timeoutMs },
    },
    {
      id: 'claims',
      bot: {
        url: `${outside}/bot/claims`,
        eventsUrl: `${outside}/bot-events/claims`,
        signingSecret: { value: 'claims-bot-secret' },
        timeoutMs,
      },
      web: { signingSecret: { value: 'claims-web-secret' }, deliveryUrl: `${outside}/web/claims`, timeoutMs },
      agentApiToken: { value: 'claims-agent-token' },
      session: { lockMinutes: 5 },
      desk: {
        type: 'webhook',
        url: `${outside}/desk-hook/handover`,
        signingSecret: { value: SECRETS.deskSecret },
        botId: 'claims-bot',
        timeoutMs,
        liveWhen: 'claimed',
      },
      presence: { type: 'webhook', url: `${outside}/presence-hook/available?site=claims`, timeoutMs },
    },
  ]);
}

/** The EventBridge port: records what is published; can be told to fail the next publishes. */
export class RecordingPublisher implements EventPublisher {
  readonly events: OutgoingEvent[] = [];
  private failures = 0;
  attempts = 0;

  failNext(count = 1): void {
    this.failures = count;
  }

  async publish(events: readonly OutgoingEvent[]): Promise<void> {
    this.attempts += 1;
    if (this.failures > 0) {
      this.failures -= 1;
      throw new PublishError(
        'injected publish failure',
        events.map((event) => ({ detailType: event.detailType, id: event.detail.metadata.id })),
      );
    }
    this.events.push(...events);
  }

  /** `[detailType, metadata.id]` of each published event, in order. */
  /** The MessageUnsent events of one conversation, parsed: what the relay is asked to send, in order. */
  unsent(conversationId: string) {
    return this.of(conversationId)
      .filter((event) => event.detailType === MessageUnsent.detailType)
      .map((event) => parse(MessageUnsent.data, event.detail.data));
  }

  published(conversationId?: string): Array<[string, string]> {
    return this.of(conversationId).map((event) => [event.detailType, event.detail.metadata.id]);
  }

  /** The published events of one conversation (all when no id is given). */
  of(conversationId?: string): OutgoingEvent[] {
    if (conversationId === undefined) return [...this.events];
    // Events on the bus name the conversation by its reference, the item's own ones by its id.
    return this.events.filter((event) => {
      const data = event.detail.data;
      if (typeof data !== 'object' || data === null) return false;
      if ('conversationId' in data) return data.conversationId === conversationId;
      const tenantId = 'tenantId' in data && typeof data.tenantId === 'string' ? data.tenantId : '';
      return 'conversationRef' in data && data.conversationRef === conversationRef(tenantId, conversationId);
    });
  }

  reset(): void {
    this.events.length = 0;
    this.failures = 0;
    this.attempts = 0;
  }
}

export interface LogLine {
  level: LogLevel;
  message: string;
  fields: LogFields;
}

export interface TestRig {
  runtime: TestRuntime;
  clock: OffsetClock;
  publisher: RecordingPublisher;
  store: DynamoConversationStore;
  inbox: DynamoInboxStore;
  sweepIndex: DynamoSweepIndex;
  logs: LogLine[];
  /** The metrics the runtime emitted (the same object as `runtime.metrics`). */
  metrics: RecordedMetrics;
  dynamo: Dynamo;
  tableName: string;
  tenant(id: string): TenantConfig;
  /** Moves the clock to an absolute time (never back). */
  setNow(at: number): void;
  /** The conversation as stored, read at the rig's clock. */
  state(tenantId: string, conversationId: string): Promise<Conversation | undefined>;
  /** The raw DynamoDB item, attributes the domain does not see (outbox, sweepShard) included. */
  rawItem(tenantId: string, conversationId: string): Promise<Record<string, unknown> | undefined>;
  /** Between tests: clock back to T0, no events, no logs. */
  reset(): void;
}

/** A runtime whose `forTenant` gives the same ports for every tenant. */
export type TestRuntime = Runtime & { forTenant(tenantId: string): Promise<Runtime> };

export function buildRuntime(options: { dynamo: Dynamo; tableName: string; outsideUrl: string }): TestRig {
  const { dynamo, tableName, outsideUrl } = options;
  const clock = new OffsetClock({ now: () => T0 });
  const tenantList = testTenants(outsideUrl);
  const tenants = tenantDirectory(tenantList);
  const publisher = new RecordingPublisher();
  const store = new DynamoConversationStore(dynamo.doc, tableName);
  const inbox = new DynamoInboxStore(dynamo.doc, tableName, store);
  const sweepIndex = new DynamoSweepIndex(dynamo.doc, tableName);
  const logs: LogLine[] = [];
  const metrics = new RecordedMetrics();
  const ports: Runtime = {
    clock,
    tenants,
    secrets: literalSecrets,
    conversations: store,
    inbox,
    answerPushes: new DynamoAnswerPushes(dynamo.doc, tableName, store),
    sweepIndex,
    dueIndex: sweepIndex,
    deskAsks: new DynamoDeskAsks(dynamo.doc, tableName),
    idempotency: new DynamoIdempotencyStore(dynamo.doc, tableName),
    conversationAdmin: new DynamoConversationAdmin(dynamo.doc, tableName),
    publisher,
    channels: createChannelSender(tenants, literalSecrets, fetchHttp),
    bot: createBotClient(fetchHttp, literalSecrets),
    presence: createPresenceClient(fetchHttp, literalSecrets),
    desk: createAgentDeskClient(fetchHttp, literalSecrets),
    deskMessages: createDeskMessages(fetchHttp, literalSecrets),
    notifications: createNotifications(fetchHttp, literalSecrets),
    whatsappMedia: createWhatsAppMedia(fetchHttp, fetchStream, literalSecrets),
    mediaLinks: createMediaLinks('http://127.0.0.1:1', async () => 'use-case-test-media-link-key'),
    logger: createLogger({ sink: (level, message, fields) => logs.push({ level, message, fields }) }),
    publicApiUrl: 'http://127.0.0.1:1',
    metrics,
  };
  // The same ports for every tenant: use-case tests drive them directly; the local stack's e2e tests
  // run each tenant on its own guarded client, as AWS runs it on its own credentials.
  const runtime: TestRuntime = { ...ports, forTenant: async () => ports };
  return {
    runtime,
    clock,
    publisher,
    store,
    inbox,
    sweepIndex,
    logs,
    metrics,
    dynamo,
    tableName,
    tenant(id) {
      const tenant = tenants.get(id);
      if (!tenant) throw new Error(`no test tenant ${id}`);
      return tenant;
    },
    setNow(at) {
      const by = at - clock.now();
      if (by < 0) throw new Error('the test clock does not go back');
      clock.advance(by);
    },
    state: (tenantId, conversationId) => store.get(tenantId, conversationId, clock.now()),
    async rawItem(tenantId, conversationId) {
      const { Item } = await dynamo.doc.send(
        new GetCommand({
          TableName: tableName,
          Key: conversationKey(tenantId, conversationId),
          ConsistentRead: true,
        }),
      );
      return Item;
    },
    reset() {
      clock.reset();
      publisher.reset();
      logs.length = 0;
    },
  };
}

export const uniqueId = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

export const WHATSAPP_USER = { waId: '31612345678', phoneNumberId: '1234567890' };
export const HOOKS_PHONE_NUMBER_ID = '2000000001';

export interface SeedSpec {
  tenantId?: string;
  conversationId: string;
  channel?: ChannelRef;
  handoverId?: string;
  additions?: HandoverAdditions;
  pageUrl?: string;
  answers?: Record<string, string>;
  lockMs?: number;
}

const SEED_ORDER: readonly Phase[] = ['bot', 'presence', 'intake', 'handing_over', 'agent'];

/**
 * A conversation brought to `phase` the way the flow gets there, through the pure state machine,
 * and written once, as it ends up (at the rig's clock): one stream record, with none of the steps'
 * events, so the conveyor finds nothing in it to act on but what the phase itself calls for (an
 * intake's first question).
 */
export async function seed(rig: TestRig, phase: Phase, spec: SeedSpec): Promise<Conversation> {
  const now = rig.clock.now();
  const tenantId = spec.tenantId ?? 'acme';
  const channel: ChannelRef = spec.channel ?? { type: 'web' };
  const handoverId = spec.handoverId ?? `h-${spec.conversationId}`;
  const commands: Command[] = [
    {
      type: 'requestHandover',
      handoverId,
      additions: spec.additions ?? { mscChannel: 'WhatsApp' },
      pageUrl: spec.pageUrl,
    },
    { type: 'presenceChecked', handoverId, status: 'online' },
    { type: 'intakeCompleted', handoverId, answers: spec.answers ?? {} },
    { type: 'handoverSucceeded', handoverId, lockMs: spec.lockMs ?? LOCK_MS },
  ];
  let state = newConversation(tenantId, spec.conversationId, channel, now);
  for (const command of commands.slice(0, SEED_ORDER.indexOf(phase))) {
    state = transition(state, command, now).state;
  }
  await rig.store.create(state, now);
  return state;
}

/** `command` applied to the conversation on the rig as a use case applies it: its new state, or it throws. */
export async function appliedOn(
  rig: TestRig,
  conversation: Conversation,
  command: Command,
): Promise<Conversation> {
  const result = await applyCommand(
    rig.runtime,
    conversation.tenantId,
    conversation.conversationId,
    () => command,
  );
  if (result.outcome !== 'applied') throw new Error(`${command.type} was not applied: ${result.outcome}`);
  return result.state;
}

/** The handover id of a seeded conversation that has one. */
/** A conversation as the bus's events name it: by its keyed reference. */
export const byRef = (tenantId: string, conversationId: string) => ({
  tenantId,
  conversationRef: conversationRef(tenantId, conversationId),
});

export function handoverIdOf(conversation: Conversation): string {
  const id = conversation.handover?.id;
  if (id === undefined) throw new Error(`conversation ${conversation.conversationId} has no handover`);
  return id;
}
