/** EventBridge retries for up to 24 hours; a redelivery within that window must change nothing. */
export const EVENT_DEDUPE_SECONDS = 2 * 24 * 3600;
