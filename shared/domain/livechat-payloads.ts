/** The payloads of CM.com's livechat flow, as users' buttons and bot events carry them. */
export const LIVECHAT_SESSION_START = 'LIVECHAT_SESSION_START';
export const LIVECHAT_SESSION_END = 'LIVECHAT_SESSION_END';
export const LIVECHAT_SESSION_EXPIRED = 'LIVECHAT_SESSION_EXPIRED';
/** Baton's own, for a bot that runs the prechat dialog: its dialog was given up (the intake's timeout). */
export const LIVECHAT_INTAKE_TIMEOUT = 'LIVECHAT_INTAKE_TIMEOUT';
