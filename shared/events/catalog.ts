/** Every event Baton publishes. The topology's rules may only name detail-types listed here. */
import { BotEventUnsent } from './bot-event-unsent';
import { DeliveryStatusReported } from './delivery-status';
import {
  HandoverDeclined,
  HandoverRequested,
  HandoverTransferred,
  HandoverWaiting,
  IntakeCompleted,
  SessionStarted,
} from './handover-events';
import { MessageUnsent } from './message-unsent';
import { SessionEnded } from './session-ended';

export const EVENT_CATALOG = [
  HandoverRequested,
  IntakeCompleted,
  HandoverDeclined,
  HandoverWaiting,
  HandoverTransferred,
  SessionStarted,
  SessionEnded,
  BotEventUnsent,
  MessageUnsent,
  DeliveryStatusReported,
] as const;

export type DetailType = (typeof EVENT_CATALOG)[number]['detailType'];

export const DETAIL_TYPES: readonly DetailType[] = EVENT_CATALOG.map((event) => event.detailType);
