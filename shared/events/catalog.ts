/** Every event Baton publishes. The topology's rules may only name detail-types listed here. */
import { BotAnswered } from './bot-answered';
import {
  AgentMessaged,
  HandoverDeclined,
  HandoverRequested,
  IntakeCompleted,
  IntakeStarted,
  SessionStarted,
} from './handover-events';
import { MessagesWaiting } from './messages-waiting';
import { SessionEnded } from './session-ended';

export const EVENT_CATALOG = [
  MessagesWaiting,
  BotAnswered,
  HandoverRequested,
  IntakeStarted,
  IntakeCompleted,
  HandoverDeclined,
  SessionStarted,
  AgentMessaged,
  SessionEnded,
] as const;

export type DetailType = (typeof EVENT_CATALOG)[number]['detailType'];

export const DETAIL_TYPES: readonly DetailType[] = EVENT_CATALOG.map((event) => event.detailType);
