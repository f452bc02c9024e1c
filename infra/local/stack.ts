/**
 * The whole suite on one machine: DynamoDB Local, the gateway, the event bus and the scheduler
 * generated from infra/topology.ts around the real handlers, and the simulated outside systems.
 */

import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import * as path from 'node:path';
import { DeleteTableCommand, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import * as z from 'zod';
import { createAgentDeskClient } from '../../shared/clients/agent-desk-client';
import { createBotClient } from '../../shared/clients/bot-client';
import { cachedPresence } from '../../shared/clients/cached-presence';
import { createChannelSender } from '../../shared/clients/channel-sender';
import { createDeskMessages } from '../../shared/clients/desk-messages';
import { fetchHttp, fetchStream } from '../../shared/clients/http';
import { createNotifications } from '../../shared/clients/notifications';
import { createPresenceClient } from '../../shared/clients/presence-client';
import { createWhatsAppMedia } from '../../shared/clients/whatsapp-media';
import { deskOfConversation } from '../../shared/config/desk-routing';
import { secretRefsOf } from '../../shared/config/secret-paths';
import { literalSecrets } from '../../shared/config/secrets';
import { retentionSecondsOf, type TenantDirectory, tenantDirectory } from '../../shared/config/tenants';
import { OffsetClock } from '../../shared/domain/clock';
import { effectivePhase } from '../../shared/domain/conversation';
import type { EventPublisher } from '../../shared/events/publisher';
import { createLogger, errorFields, type LogSink } from '../../shared/log/logger';
import { RecordedMetrics } from '../../shared/log/metrics';
import { createMediaLinks, type MediaLinks } from '../../shared/media/media-link';
import type { ConversationAdmin } from '../../shared/ports/conversation-admin';
import type { Runtime } from '../../shared/runtime/runtime';
import { type Scoped, scopedBy } from '../../shared/runtime/tenant-scope';
import { DynamoAnswerPushes } from '../../shared/store/answer-pushes';
import { createDynamo, type Dynamo } from '../../shared/store/client';
import { DynamoConversationAdmin } from '../../shared/store/conversation-admin';
import { DynamoConversationStore } from '../../shared/store/conversation-repository';
import { DynamoDeskAsks } from '../../shared/store/desk-asks';
import { DynamoIdempotencyStore } from '../../shared/store/idempotency-repository';
import { DynamoInboxStore } from '../../shared/store/inbox-repository';
import { DynamoPresenceCacheStore } from '../../shared/store/presence-cache-repository';
import { DynamoSweepIndex } from '../../shared/store/sweep-index';
import { createTable } from '../../shared/store/table';
import { grantedSecrets } from '../secret-grants';
import { FUNCTIONS, type FunctionDeclaration, streamConsumer } from '../topology';
import { type RouterAccount, RouterSimulator } from './cm-router-sim';
import { startDynamoDbLocal } from './dynamodb-local';
import { LocalEventBus } from './event-bus';
import { LocalGateway } from './gateway';
import { type Invoke, loadFunctions } from './lambda-invoker';
import { guardLeadingKeys } from './leading-keys-guard';
import { readableSink } from './readable-log';
import { deskToken, jsonResponse, type SimResponse, Simulators, send } from './simulators';
import { LocalStreamPoller, type OnFailureRecord } from './stream-poller';
import { DEMO_PHONE_NUMBER_IDS, DEMO_TENANTS, localTenants } from './tenants';
import { FIXTURE_MEDIA, simulatedBytes, WhatsAppMediaSimulator } from './whatsapp-media-sim';
import { WhatsAppWindows } from './whatsapp-window-sim';

const AGENT_ACTIONS = ['messages', 'end', 'claim', 'queue', 'transfer'] as const;

export const PROJECT_ROOT = path.resolve(import.meta.dirname, '..', '..');
const MAX_REQUEST_BYTES = 1024 * 1024;

/** The largest file `POST /sim/whatsapp/media` makes: 16 MB, WhatsApp's limit for audio and video. */
const MAX_SIM_MEDIA_BYTES = 16 * 1024 * 1024;

/** A DynamoDB request (its retries included) this slow is logged. */
const SLOW_DYNAMO_MS = 1_000;

export interface LocalStackOptions {
  /** 0 picks a free port. */
  port?: number;
  /** Keep DynamoDB data in this directory instead of memory. */
  persistDir?: string;
  /** Use an already running DynamoDB Local (tests share one) instead of starting one. */
  dynamoEndpoint?: string;
  tableName?: string;
  logSink?: LogSink;
  retryDelaysMs?: readonly number[];
  /**
   * false: the schedules run only when asked (`runSchedules`, `/sim/clock`), never on their timers.
   * For runs that count requests: a sweep that fires in the middle would be counted with them.
   */
  scheduleTimers?: boolean;
  /**
   * Changes to the demo tenants, for tests of an option they do not set (business hours, a short
   * intake timeout): per tenant id, what to merge into its configuration (objects merged key by key).
   */
  tenantOverrides?: Readonly<Record<string, Record<string, unknown>>>;
  /**
   * The operator API's bearer tokens (IAM in AWS) and the tenants each may act for (`*`: all).
   * Default: one token for all tenants, made for this run (`operatorToken`).
   */
  operatorTokens?: Readonly<Record<string, readonly string[] | '*'>>;
}

export interface LocalStack {
  url: string;
  port: number;
  bus: LocalEventBus;
  /** Stream batches the conveyor gave up on (the on-failure queue in AWS). */
  streamFailures(): readonly OnFailureRecord[];
  clock: OffsetClock;
  simulators: Simulators;
  /** The funnel metrics the functions emitted (EMF in AWS). */
  metrics: RecordedMetrics;
  /** The stack's own DynamoDB client (its simulators, tests looking at items). */
  dynamo: Dynamo;
  /**
   * Adds a middleware to every DynamoDB client the functions use (a tenant's, a function's own), now
   * and later: the request budget test and the benchmark count requests with it.
   */
  onFunctionDynamo(add: (client: Dynamo['raw']) => void): void;
  /** A bearer token of the operator API for every tenant, if one is configured. */
  operatorToken: string | undefined;
  /** The media links the functions sign and check (tests make expired or foreign ones with it). */
  mediaLinks: MediaLinks;
  /** The table they share, for tests that look at an item as it is stored. */
  tableName: string;
  /** Runs every scheduled function once, now. */
  runSchedules(): Promise<void>;
  /** Resolves when no event delivery and no simulator callback is under way. */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const logger = createLogger({ level: 'info', sink: options.logSink ?? readableSink() });
  const dynamoLocal = options.dynamoEndpoint
    ? undefined
    : await startDynamoDbLocal(options.persistDir ? { dataDir: options.persistDir } : {});
  const dynamo = createDynamo({ endpoint: options.dynamoEndpoint ?? dynamoLocal?.endpoint });
  const tableName = options.tableName ?? 'baton';
  const endpoint = options.dynamoEndpoint ?? dynamoLocal?.endpoint ?? '';
  const server = createServer();
  const stopAll = async (): Promise<void> => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    dynamo.raw.destroy();
    await dynamoLocal?.stop();
  };
  let created = false;
  try {
    created = await createTable(dynamo.raw, tableName);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 3000, '127.0.0.1', () => resolve());
    });
  } catch (error) {
    await stopAll().catch(() => undefined);
    throw error;
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;

  const clock = new OffsetClock();
  // The media link key lives as long as the stack (a link from an earlier run is refused as invalid).
  const mediaLinkKey = randomBytes(32).toString('base64url');
  const mediaLinks = createMediaLinks(url, async () => mediaLinkKey);
  const metrics = new RecordedMetrics();
  const tenants = tenantDirectory(localTenants(`${url}/sim`, options.tenantOverrides));
  const conversations = new DynamoConversationStore(dynamo.doc, tableName);
  const bus = new LocalEventBus({
    logger: logger.child({ function: 'event-bus' }),
    retryDelaysMs: options.retryDelaysMs,
  });
  const refusingListing = (admin: ConversationAdmin, name: string): ConversationAdmin => ({
    list: () => Promise.reject(new Error(`${name} may not query the phase index (access.phaseIndex)`)),
    remove: (...args) => admin.remove(...args),
  });
  const refusingPublisher = (name: string): EventPublisher => ({
    publish: () => Promise.reject(new Error(`${name} may not put events on the bus (access.publish)`)),
  });
  // As in AWS, functions reach a tenant's items only through that tenant's client, and their own
  // client only reaches the expiry index (leading-keys-guard.ts stands in for IAM). Every one of
  // them wakes the stream's poller when it writes.
  const functionClients: Array<Dynamo['raw']> = [];
  const addToFunctionClients: Array<(client: Dynamo['raw']) => void> = [];
  const functionDynamo = (scope: { tenantId: string } | 'function'): Dynamo => {
    const made = createDynamo({ endpoint });
    guardLeadingKeys(made.raw, scope);
    made.raw.middlewareStack.add(
      (next, context) => async (args) => {
        const started = performance.now();
        try {
          const result = await next(args);
          if (/^(Put|Update|Delete|TransactWrite|BatchWrite)/.test(context.commandName ?? '')) poller?.wake();
          return result;
        } finally {
          // DynamoDB Local answers in milliseconds; a second or more (SDK retries included) is worth a line.
          const ms = Math.round(performance.now() - started);
          if (ms >= SLOW_DYNAMO_MS)
            logger.warn('slow DynamoDB request', { command: context.commandName, ms });
        }
      },
      { step: 'initialize', name: 'wakeStreamPoller' },
    );
    for (const add of addToFunctionClients) add(made.raw);
    functionClients.push(made.raw);
    return made;
  };
  const ownDynamo = functionDynamo('function');
  const tenantDynamo = new Map<string, Dynamo>();
  const dynamoOf = (tenantId: string): Dynamo => {
    const hit = tenantDynamo.get(tenantId);
    if (hit) return hit;
    const made = functionDynamo({ tenantId });
    tenantDynamo.set(tenantId, made);
    return made;
  };
  const runtimeFor = (fn: FunctionDeclaration): Scoped<Runtime> => {
    const shared = {
      clock,
      tenants,
      // As in AWS, only a function granted PutEvents may publish.
      publisher: fn.access.publish ? bus : refusingPublisher(fn.name),
      // As in AWS, only a function granted the index may query it.
      dueIndex: fn.access.expiryIndex
        ? new DynamoSweepIndex(ownDynamo.doc, tableName)
        : {
            findDueForSweep: () =>
              Promise.reject(new Error(`${fn.name} may not query the expiry index (access.expiryIndex)`)),
          },
      publicApiUrl: url,
      // As in AWS, only a function granted the media link key may sign or check links.
      mediaLinks: fn.access.mediaLinks ? mediaLinks : refusingMediaLinks(fn.name),
      metrics,
      logger: logger.child({ function: fn.name }),
    };
    return {
      ...shared,
      forTenant: scopedBy(async (tenantId) => {
        const tenant = tenants.get(tenantId);
        if (!tenant) throw new Error(`no tenant ${tenantId}`);
        const { doc } = dynamoOf(tenantId);
        // What AWS grants it for this tenant: the tenant's secrets at its declared paths, no other.
        const secrets = grantedSecrets(literalSecrets, secretRefsOf([tenant], fn.access.secrets), fn.name);
        const retention = { retentionSeconds: retentionSecondsOf(tenant) };
        const tenantConversations = new DynamoConversationStore(doc, tableName, retention);
        return {
          ...shared,
          secrets,
          conversations: tenantConversations,
          inbox: new DynamoInboxStore(doc, tableName, tenantConversations, retention),
          answerPushes: new DynamoAnswerPushes(doc, tableName, tenantConversations),
          sweepIndex: new DynamoSweepIndex(doc, tableName),
          deskAsks: new DynamoDeskAsks(doc, tableName),
          idempotency: new DynamoIdempotencyStore(doc, tableName),
          // As in AWS, only a function granted the phase index may query it.
          conversationAdmin: fn.access.phaseIndex
            ? new DynamoConversationAdmin(doc, tableName)
            : refusingListing(new DynamoConversationAdmin(doc, tableName), fn.name),
          channels: createChannelSender(tenants, secrets, fetchHttp),
          bot: createBotClient(fetchHttp, secrets),
          presence: cachedPresence(createPresenceClient(fetchHttp, secrets), {
            store: new DynamoPresenceCacheStore(doc, tableName),
            clock,
          }),
          desk: createAgentDeskClient(fetchHttp, secrets),
          deskMessages: createDeskMessages(fetchHttp, secrets),
          notifications: createNotifications(fetchHttp, secrets),
          whatsappMedia: createWhatsAppMedia(fetchHttp, fetchStream, secrets),
        };
      }),
    };
  };
  const loaded = await loadFunctions(PROJECT_ROOT, runtimeFor);
  const invokers = new Map<string, Invoke>([...loaded].map(([name, fn]) => [name, fn.invoke]));
  bus.connect(invokers);
  const operatorTokens = new Map(
    Object.entries(options.operatorTokens ?? { [randomBytes(24).toString('base64url')]: '*' }),
  );
  const gateway = new LocalGateway(
    invokers,
    (route, ms) => logger.warn('slow request', { route, ms }),
    operatorTokens,
  );

  // The table's stream, read as the event source mapping does, woken by every write the functions make.
  const consumer = streamConsumer();
  const failures: OnFailureRecord[] = [];
  const startPoller = async (startAt: 'TRIM_HORIZON' | 'LATEST'): Promise<LocalStreamPoller | undefined> => {
    const invoke = consumer && invokers.get(consumer.name);
    if (!consumer || !invoke) return undefined;
    const started = new LocalStreamPoller({
      endpoint,
      tableName,
      functionName: consumer.name,
      trigger: consumer.trigger,
      invoke,
      logger: logger.child({ function: 'stream' }),
      startAt,
    });
    await started.start();
    return started;
  };
  let poller = await startPoller(created ? 'TRIM_HORIZON' : 'LATEST');
  /** A POST from a simulated system to Baton's own routes, as the outside system would send it. */
  const callBaton = async (path: string, headers: Record<string, string>, body: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    return {
      status: response.status,
      contentType: response.headers.get('content-type') ?? 'application/json',
      body: await response.text(),
    };
  };
  const router = new RouterSimulator(await routerAccounts(tenants), callBaton);
  const whatsappMedia = new WhatsAppMediaSimulator(
    `${url}/sim/whatsapp`,
    // Meta's side: the contract's tokens, whatever a test configures Baton with.
    DEMO_TENANTS.map((id) => ({
      accessToken: `${id}-graph-access-token`,
      phoneNumberIds: [DEMO_PHONE_NUMBER_IDS[id]],
    })),
  );
  for (const { id, mimeType } of FIXTURE_MEDIA)
    whatsappMedia.add(
      { phoneNumberId: DEMO_PHONE_NUMBER_IDS.demo, mimeType, bytes: simulatedBytes(id, 48 * 1024) },
      id,
    );
  const simulators = new Simulators(
    callBaton,
    router,
    whatsappMedia,
    async (tenantId, conversationId) => {
      const tenant = tenants.get(tenantId);
      const conversation = await conversations.get(tenantId, conversationId, clock.now());
      return deskToken(
        tenantId,
        tenant && conversation ? deskOfConversation(tenant, conversation).deskName : undefined,
      );
    },
    new WhatsAppWindows(() => clock.now()),
  );
  /** Waits until no event delivery, no stream record and no simulator callback is under way. */
  const settle = async (): Promise<void> => {
    for (;;) {
      await bus.idle();
      const streamed = (await poller?.idle()) ?? false;
      const called = await simulators.idle();
      if (!streamed && !called && (await busWasIdle())) return;
    }
  };
  const busWasIdle = async (): Promise<boolean> => {
    const before = bus.delivered;
    await bus.idle();
    return bus.delivered === before;
  };

  const scheduled = FUNCTIONS.flatMap((fn) =>
    fn.trigger.kind === 'schedule' ? [{ fn, every: fn.trigger.everyMinutes }] : [],
  );
  const runSchedules = async (): Promise<void> => {
    for (const { fn } of scheduled) {
      const invoke = invokers.get(fn.name);
      try {
        await invoke?.({
          'detail-type': 'Scheduled Event',
          source: 'aws.events',
          time: new Date(clock.now()).toISOString(),
          detail: {},
        });
      } catch (error) {
        logger.error(`scheduled ${fn.name} failed`, errorFields(error));
      }
    }
    await bus.idle();
  };
  const timers =
    options.scheduleTimers === false
      ? []
      : scheduled.map(({ every }) => setInterval(() => void runSchedules(), every * 60_000));

  const simRoutes = async (
    request: IncomingMessage,
    requestUrl: URL,
    body: unknown,
  ): Promise<SimResponse | undefined> => {
    const method = request.method ?? 'GET';
    const pathname = requestUrl.pathname;
    if (method === 'GET' && pathname === '/sim/log') {
      return jsonResponse(
        200,
        simulators.log({
          system: requestUrl.searchParams.get('system'),
          conversationId: requestUrl.searchParams.get('conversationId'),
        }),
      );
    }
    if (method === 'POST' && pathname === '/sim/reset') {
      await settle();
      simulators.reset();
      clock.reset();
      // A new table has a new stream: the old one's reader goes with it.
      failures.push(...(poller?.failures ?? []));
      await poller?.stop();
      poller = undefined;
      await dynamo.raw.send(new DeleteTableCommand({ TableName: tableName })).catch((error: unknown) => {
        if (!(error instanceof ResourceNotFoundException)) throw error;
      });
      await createTable(dynamo.raw, tableName);
      poller = await startPoller('TRIM_HORIZON');
      return jsonResponse(200, { reset: true });
    }
    if (method === 'POST' && pathname === '/sim/clock') {
      const parsed = z
        .object({
          advanceSeconds: z
            .number()
            .nonnegative()
            .max(365 * 24 * 3600),
        })
        .safeParse(body);
      if (!parsed.success) return jsonResponse(400, { error: 'invalid_request', field: 'advanceSeconds' });
      clock.advance(parsed.data.advanceSeconds * 1000);
      await runSchedules();
      await settle();
      return jsonResponse(200, { now: new Date(clock.now()).toISOString() });
    }
    const state = /^\/sim\/state\/([^/]+)\/([^/]+)$/.exec(pathname);
    if (method === 'GET' && state) {
      const tenantId = decodeURIComponent(state[1] ?? '');
      const conversationId = decodeURIComponent(state[2] ?? '');
      const conversation = await conversations.get(tenantId, conversationId, clock.now());
      if (!conversation) return jsonResponse(404, { error: 'not_found', message: 'conversation never seen' });
      const handover = conversation.handover;
      return jsonResponse(200, {
        tenantId,
        conversationId,
        phase: effectivePhase(conversation, clock.now()),
        storedPhase: conversation.phase,
        version: conversation.version,
        channel: conversation.channel.type,
        agentStatus: conversation.agentStatus ?? null,
        additions: conversation.additions ?? null,
        intakeAnswers: handover?.intake?.answers ?? null,
        lockExpiresAt: handover?.lockExpiresAt ? new Date(handover.lockExpiresAt).toISOString() : null,
        waiting: conversation.inbox?.length ?? 0,
        deadLetters: (conversation.deadLetters ?? []).map((letter) => ({
          messageId: letter.message.id,
          route: letter.route,
          reason: letter.reason,
        })),
        // The last transitions and delivery decisions, oldest first, as the item keeps them.
        audit: (conversation.audit ?? []).map((entry) => ({
          ...entry,
          at: new Date(entry.at).toISOString(),
        })),
      });
    }
    const agent = /^\/sim\/agent\/([^/]+)\/([^/]+)\/(messages|end|claim|queue|transfer)$/.exec(pathname);
    if (method === 'POST' && agent) {
      const action = AGENT_ACTIONS.find((known) => known === agent[3]) ?? 'messages';
      return simulators.agent(agent[1] ?? '', decodeURIComponent(agent[2] ?? ''), action, body);
    }
    // A user of the tenant's channel on CM.com's router (its WhatsApp): writes, or what reached them.
    const routerUser = /^\/sim\/router\/([^/]+)\/users\/([^/]+)$/.exec(pathname);
    if (routerUser && (method === 'POST' || method === 'GET')) {
      const tenantId = decodeURIComponent(routerUser[1] ?? '');
      const clientId = decodeURIComponent(routerUser[2] ?? '');
      return method === 'GET'
        ? simulators.routerUserView(tenantId, clientId)
        : simulators.routerUserWrites(tenantId, clientId, body);
    }
    // A file a WhatsApp user sends: kept as Meta keeps it, for the number it is sent to.
    if (method === 'POST' && pathname === '/sim/whatsapp/media') {
      const media = z
        .object({
          tenant: z.string().default('demo'),
          mimeType: z.string().regex(/^[\w.+-]+\/[\w.+-]+/),
          text: z.string().optional(),
          size: z.number().int().min(1).max(MAX_SIM_MEDIA_BYTES).optional(),
          /** The same seed and size, the same bytes (`simulatedBytes`): a test knows what to expect. */
          seed: z.string().optional(),
        })
        .safeParse(body);
      const number = media.success ? tenants.get(media.data.tenant)?.whatsapp?.phoneNumberIds[0] : undefined;
      if (!media.success || !number)
        return jsonResponse(400, {
          error: 'invalid_request',
          message: 'expected {tenant?, mimeType, text? | size? and seed?}',
        });
      const { text, size, mimeType, seed } = media.data;
      const bytes =
        text === undefined ? simulatedBytes(seed ?? randomUUID(), size ?? 48 * 1024) : Buffer.from(text);
      return jsonResponse(201, {
        id: whatsappMedia.add({ phoneNumberId: number, mimeType, bytes }),
        size: bytes.length,
      });
    }
    const mode = /^\/sim\/(channel|bot|msc|presence|desk|statuses)$/.exec(pathname);
    if (method === 'POST' && mode) return simulators.setMode(mode[1] ?? '', body);
    return undefined;
  };

  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    void (async () => {
      const requestUrl = new URL(request.url ?? '/', url);
      const raw = await readBody(request, MAX_REQUEST_BYTES);
      if (raw === undefined) return send(response, jsonResponse(413, { error: 'payload_too_large' }));
      if (requestUrl.pathname.startsWith('/sim/')) {
        const body = parseMaybeJson(raw);
        if (simulators.handle(request, response, requestUrl, body, raw)) return;
        return send(
          response,
          (await simRoutes(request, requestUrl, body)) ?? jsonResponse(404, { error: 'not_found' }),
        );
      }
      // What is posted to Baton's WhatsApp route stands in for Meta: Meta knows the user wrote.
      if (request.method === 'POST' && /^\/v1\/[^/]+\/whatsapp$/.test(requestUrl.pathname))
        simulators.whatsappWindows.heard(parseMaybeJson(raw));
      if (await gateway.stream(request, response, requestUrl)) return;
      const answer = await gateway.handle(request, requestUrl, raw);
      send(response, answer ?? jsonResponse(404, { error: 'not_found', message: 'no such route' }));
    })().catch((error: unknown) => {
      logger.error('local gateway failed', errorFields(error));
      send(response, jsonResponse(500, { error: 'internal' }));
    });
  });

  return {
    url,
    port,
    bus,
    streamFailures: () => [...failures, ...(poller?.failures ?? [])],
    clock,
    simulators,
    metrics,
    dynamo,
    onFunctionDynamo(add) {
      addToFunctionClients.push(add);
      for (const client of functionClients) add(client);
    },
    tableName,
    mediaLinks,
    operatorToken: [...operatorTokens].find(([, tenants]) => tenants === '*')?.[0],
    runSchedules,
    settle,
    async stop() {
      for (const timer of timers) clearInterval(timer);
      simulators.releaseHeld();
      await poller?.stop();
      await bus.stop();
      server.closeAllConnections();
      for (const client of functionClients) client.destroy();
      await stopAll();
    },
  };
}

function refusingMediaLinks(name: string): MediaLinks {
  const refuse = () =>
    Promise.reject(new Error(`${name} may not sign or check media links (access.mediaLinks)`));
  return { linkFor: refuse, check: refuse };
}

async function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > limit) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function parseMaybeJson(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  const text = raw.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The router's accounts: each tenant's technical links, with its adapters and product token: an MSC
 * desk's (Baton's client adapter, MSC's) and a channel on the router's (Baton's host adapter, the
 * channel's). One technical link may serve both.
 */
async function routerAccounts(tenants: TenantDirectory): Promise<RouterAccount[]> {
  const accounts: RouterAccount[] = [];
  for (const id of tenants.ids()) {
    const tenant = tenants.get(id);
    const desk = tenant?.desk.type === 'msc' ? tenant.desk : undefined;
    const router = tenant?.router;
    const mscAdapterId = desk?.mscAdapterId;
    if (desk)
      accounts.push({
        tenantId: id,
        accountId: desk.technicalLinkId,
        productToken: await literalSecrets.resolve(desk.productToken),
        adapterId: desk.adapterId,
        mscAdapterId,
      });
    if (!router) continue;
    const hosted = {
      adapterId: router.adapterId,
      channelAdapterId: router.channelAdapterId,
      channel: ROUTER_CHANNEL,
      hostId: `${id}-business-number`,
    };
    const shared = accounts.find(
      (account) => account.tenantId === id && account.accountId === router.technicalLinkId,
    );
    if (shared) shared.hosted = hosted;
    else
      accounts.push({
        tenantId: id,
        accountId: router.technicalLinkId,
        productToken: await literalSecrets.resolve(router.productToken),
        mscAdapterId,
        hosted,
      });
  }
  return accounts;
}

/** The channel of the simulated chats on the router: CM.com's WhatsApp. */
const ROUTER_CHANNEL = 'WhatsApp';
