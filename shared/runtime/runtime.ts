/** The ports every function's handler is built from: AWS adapters in Lambda, local ones in `npm start` and tests. */
import type { AgentDeskClient } from '../clients/agent-desk-client';
import type { BotClient } from '../clients/bot-client';
import type { DeskMessages } from '../clients/desk-messages';
import type { Notifications } from '../clients/notifications';
import type { ChannelSender } from '../clients/outgoing-message';
import type { PresenceClient } from '../clients/presence-client';
import type { WhatsAppMedia } from '../clients/whatsapp-media';
import type { SecretResolver } from '../config/secrets';
import type { TenantDirectory } from '../config/tenants';
import type { Clock } from '../domain/clock';
import type { EventPublisher } from '../events/publisher';
import type { Logger } from '../log/logger';
import type { Metrics } from '../log/metrics';
import type { MediaLinks } from '../media/media-link';
import type { AnswerPushes } from '../ports/answer-pushes';
import type { ConversationAdmin } from '../ports/conversation-admin';
import type { ConversationStore } from '../ports/conversation-store';
import type { DeskAsks } from '../ports/desk-asks';
import type { IdempotencyStore } from '../ports/idempotency-store';
import type { InboxStore } from '../ports/inbox-store';
import type { DueIndex, SweepIndex } from '../ports/sweep-index';

export interface Runtime {
  clock: Clock;
  tenants: TenantDirectory;
  secrets: SecretResolver;
  conversations: ConversationStore;
  /** The user messages waiting on a conversation (ingest appends, the conveyor takes). */
  inbox: InboxStore;
  /** Pushed bot answers, written into their conversation (ingest). */
  answerPushes: AnswerPushes;
  /** Marks a handover's desk call (hand-over). */
  deskAsks: DeskAsks;
  /** A conversation's place in the expiry index (re-filed by the conveyor and the sweep). */
  sweepIndex: SweepIndex;
  /** The expiry index's query, across tenants (expire-sessions). */
  dueIndex: DueIndex;
  idempotency: IdempotencyStore;
  /** An operator's listing and erasure of a tenant's conversations (operator-api). */
  conversationAdmin: ConversationAdmin;
  publisher: EventPublisher;
  channels: ChannelSender;
  bot: BotClient;
  presence: PresenceClient;
  /** The desk's routing: hand over, session ended. */
  desk: AgentDeskClient;
  /** The user's messages to the desk during a live chat. */
  deskMessages: DeskMessages;
  notifications: Notifications;
  /** A user's WhatsApp media from the Graph API, streamed (media). */
  whatsappMedia: WhatsAppMedia;
  /** Signed, expiring links to the media endpoint (the conveyor makes them, media checks them). */
  mediaLinks: MediaLinks;
  logger: Logger;
  /** The handover funnel (EMF in AWS). */
  metrics: Metrics;
  /** Baton's own public base URL (API Gateway's endpoint), for the desk's callbacks. */
  publicApiUrl: string;
}

/** What every function has; each lambda.ts adds the ports its function uses (agent-api needs nothing more). */
export type CorePorts = Pick<
  Runtime,
  'clock' | 'tenants' | 'secrets' | 'conversations' | 'publisher' | 'logger' | 'metrics'
>;
