/** Who holds a conversation: the bot, a handover step, or the agent. */
export const PHASES = ['bot', 'presence', 'intake', 'handing_over', 'agent'] as const;
export type Phase = (typeof PHASES)[number];
