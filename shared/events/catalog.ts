/** Every event Baton publishes. The topology's rules may only name detail-types listed here. */
import { BotAnswered } from './bot-answered';
import { BotEventUnsent } from './bot-event-unsent';
import {
  AgentMessaged,
  HandoverDeclined,
  HandoverRequested,
  HandoverTransferred,
  HandoverWaiting,
  IntakeCompleted,
  SessionStarted,
} from './handover-events';
import { SessionEnded } from './session-ended';

export const EVENT_CATALOG = [
  BotAnswered,
  HandoverRequested,
  IntakeCompleted,
  HandoverDeclined,
  HandoverWaiting,
  HandoverTransferred,
  SessionStarted,
  AgentMessaged,
  SessionEnded,
  BotEventUnsent,
] as const;

export type DetailType = (typeof EVENT_CATALOG)[number]['detailType'];

export const DETAIL_TYPES: readonly DetailType[] = EVENT_CATALOG.map((event) => event.detailType);
