/**
 * IntakeCompleted → hand the conversation to the agent desk (through CM.com's router: the chat
 * opened, then the hand-over mutation; or the generic webhook), lock it to the agent (or, for a desk
 * that goes live on its claim, leave that to the claim), then tell Web Conversations for web chat.
 * A desk failure: no handover, the user is told, the bot keeps the conversation.
 */
import type { HandoverRequest } from '../../shared/clients/agent-desk-client';
import type { DeskTranscriptEntry } from '../../shared/clients/desk-transcript';
import { OutsideCallError } from '../../shared/clients/http';
import { deskView } from '../../shared/config/desk-routing';
import { lockMsOf, type TenantConfig } from '../../shared/config/tenants';
import { transcriptPolicyOf } from '../../shared/config/transcript-policy';
import { type Conversation, STEP_TIMEOUT_MS } from '../../shared/domain/conversation';
import { transcriptAt } from '../../shared/domain/transcript';
import { applyCommand } from '../../shared/flow/apply-command';
import { tellBotNow } from '../../shared/flow/tell-bot';
import { errorFields } from '../../shared/log/logger';
import { sentAttachment } from '../../shared/media/sent-attachment';
import type { ConversationByRef } from '../../shared/ports/conversation-store';
import type { DeskPickup } from '../../shared/ports/desk-asks';
import type { Runtime } from '../../shared/runtime/runtime';

export type HandOverPorts = Pick<
  Runtime,
  | 'clock'
  | 'tenants'
  | 'conversations'
  | 'deskAsks'
  | 'desk'
  | 'notifications'
  | 'publisher'
  | 'logger'
  | 'metrics'
  | 'mediaLinks'
  | 'publicApiUrl'
>;

/** A hand-over that died while asking the desk is taken over after the desk's calls could time out, and this. */
const ABANDONED_AFTER_MS = 60_000;

/**
 * A desk that does not answer may still have taken the handover: its outcome is unknown, so it is
 * asked again with the same handover id (a desk takes one handover once), then given up.
 */
export const DESK_ATTEMPTS = 3;
const PAUSE_MS = 250;

export async function handOver(
  ports: HandOverPorts,
  event: ConversationByRef & { handoverId: string; skill?: string | undefined },
): Promise<void> {
  const { tenantId, conversationRef, handoverId } = event;
  const configured = ports.tenants.get(tenantId);
  if (!configured) return;
  // The desk the handover's skill routes to, in the default desk's place.
  const tenant = deskView(configured, event.skill);
  // Reads and claims in one request: a redelivered event, or one for a handover that moved on, stops here.
  const conversation = await ports.deskAsks.markDeskAsked(
    { tenantId, conversationRef, handoverId },
    ports.clock.now(),
    deskCallsMs(tenant) + ABANDONED_AFTER_MS,
    pickupOf(tenant),
  );
  const handover = conversation?.handover;
  if (!conversation || !handover) return;
  const { conversationId } = conversation;
  let deskChatId: string | undefined;
  // Read with the handover itself, never carried on the bus.
  const request: HandoverRequest = {
    conversation,
    handover,
    answers: handover.intake?.answers ?? {},
    agentApiUrl: `${ports.publicApiUrl}/v1/${tenant.id}/agent/conversations/${encodeURIComponent(conversationId)}`,
    transcript: await deskTranscript(ports, tenant, conversation),
  };
  try {
    ({ deskChatId } = await askDesk(ports, tenant, request));
  } catch (error) {
    // A desk that refused, or never answered: the user is told, and a desk that may have taken it
    // anyway is told it is withdrawn (relay, on HandoverDeclined).
    if (!(error instanceof OutsideCallError)) throw error;
    ports.logger.warn('handover failed at the desk', errorFields(error));
    await applyCommand(
      ports,
      tenantId,
      conversationId,
      () => ({ type: 'handoverFailed', handoverId, stage: `desk:${error.kind}` }),
      conversation,
    );
    return;
  }
  if (goesLiveOnClaim(tenant)) {
    ports.logger.info('handed over to the agent desk; live once it claims', {
      desk: tenant.desk.type,
      deskName: tenant.deskName,
    });
    // No write records the acceptance (the pickup deadline was set when the desk was asked): the
    // bot hears of it from here.
    await tellBotNow(ports, configured, conversation, {
      event: 'handover.accepted',
      handoverId,
      agentStatus: conversation.agentStatus,
    });
  } else {
    // The lock first: the desk's agent may write (or its router end the chat) the moment it accepted.
    const applied = await applyCommand(
      ports,
      tenantId,
      conversationId,
      () => ({ type: 'handoverSucceeded', handoverId, lockMs: lockMsOf(tenant), deskChatId }),
      conversation,
    );
    ports.logger.info(
      applied.outcome === 'applied' ? 'handed over to the agent desk' : 'handover already claimed',
      { desk: tenant.desk.type, deskName: tenant.deskName },
    );
  }
  // MSC's after the lock: its agent may write the moment the chat is linked to it.
  await sendTranscript(ports, tenant, request, deskChatId);
  if (conversation.channel.type === 'web') {
    try {
      await ports.notifications.webConversationsHandover(tenant, conversationId);
    } catch (error) {
      // Only the widget's attachment button depends on it; the agent already has the conversation.
      ports.logger.warn('web conversations handover notice failed', errorFields(error));
    }
  }
}

/** The transcript as this desk gets it: within the tenant's policy, a user's file linked when the desk takes links. */
async function deskTranscript(
  ports: HandOverPorts,
  tenant: TenantConfig,
  conversation: Conversation,
): Promise<DeskTranscriptEntry[]> {
  const entries = transcriptAt(conversation.transcript, transcriptPolicyOf(tenant), ports.clock.now());
  return Promise.all(
    entries.map(async (entry) =>
      entry.attachment
        ? {
            ...entry,
            attachment: await sentAttachment(
              ports,
              tenant,
              conversation.channel,
              entry.attachment,
              tenant.desk.mediaLinks,
            ),
          }
        : entry,
    ),
  );
}

/**
 * MSC's transcript follows the hand-over. The chat is the desk's by then: a transcript that could not
 * be sent, for whatever reason, is counted and logged, and the handover goes on without it.
 */
async function sendTranscript(
  ports: HandOverPorts,
  tenant: TenantConfig,
  request: HandoverRequest,
  deskChatId: string | undefined,
): Promise<void> {
  try {
    await ports.desk.sendTranscript(tenant, request, deskChatId);
  } catch (error) {
    ports.metrics.put({ name: 'TranscriptNotSent', value: 1, unit: 'Count', tenant: tenant.id });
    ports.logger.warn('the transcript did not reach the desk; the handover goes on', errorFields(error));
  }
}

const unanswered = (error: OutsideCallError): boolean => error.kind === 'timeout' || error.kind === 'network';

async function askDesk(
  ports: HandOverPorts,
  tenant: TenantConfig,
  request: HandoverRequest,
): Promise<{ deskChatId?: string }> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await ports.desk.handOver(tenant, request);
    } catch (error) {
      if (!(error instanceof OutsideCallError) || !unanswered(error) || attempt === DESK_ATTEMPTS)
        throw error;
      ports.logger.warn('the desk did not answer the handover; asked again with the same handover id', {
        attempt,
        ...errorFields(error),
      });
      await new Promise((resolve) => setTimeout(resolve, PAUSE_MS * attempt));
    }
  }
}

/** A desk live on its claim has the tenant's pickup time; any other, the handing-over step's 5 minutes. */
function pickupOf(tenant: TenantConfig): DeskPickup {
  const desk = tenant.desk;
  if (desk.type !== 'webhook' || desk.liveWhen !== 'claimed')
    return { pickupMs: STEP_TIMEOUT_MS.handing_over, awaitsClaim: false };
  return {
    pickupMs: desk.pickupMinutes * 60_000,
    awaitsClaim: true,
    waitingEveryMs: desk.waitingEveryMinutes === undefined ? undefined : desk.waitingEveryMinutes * 60_000,
  };
}

/** How long asking the desk may take: MSC's hand-over is two calls to the router, each try. */
const deskCallsMs = (tenant: TenantConfig): number =>
  DESK_ATTEMPTS * ((tenant.desk.type === 'msc' ? 2 : 1) * tenant.desk.timeoutMs + PAUSE_MS);

const goesLiveOnClaim = (tenant: TenantConfig): boolean =>
  tenant.desk.type === 'webhook' && tenant.desk.liveWhen === 'claimed';
