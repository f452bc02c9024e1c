/** (EventBridge) → relay: user messages to the bot, bot answers to the user. */
import { BotAnswered } from '../../shared/events/bot-answered';
import { createEventHandler, on } from '../../shared/events/consumer';
import { MessageRouted } from '../../shared/events/message-routed';
import type { Runtime } from '../../shared/runtime/runtime';
import { askBot } from './ask-bot';
import { deliverAnswer } from './deliver-answer';

export function createHandler(rt: Runtime) {
  return createEventHandler(rt.logger, [
    on(MessageRouted, async (data, _metadata, logger) => {
      // The rule only sends bot-routed messages here; anything else is another consumer's.
      if (data.route !== 'bot') return;
      await askBot({ ...rt, logger }, data);
    }),
    on(BotAnswered, (data, _metadata, logger) => deliverAnswer({ ...rt, logger }, data)),
  ]);
}
