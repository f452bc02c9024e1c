/** Who gets a user message: decided when it is delivered, from the phase that holds then. */
import type { Phase } from './conversation';

export const ROUTES = ['bot', 'intake', 'agent'] as const;
export type Route = (typeof ROUTES)[number];

export function routeFor(phase: Phase): Route {
  switch (phase) {
    case 'bot':
      return 'bot';
    // While presence is checked the intake is about to start; it takes the message.
    case 'presence':
    case 'intake':
      return 'intake';
    // Once the desk has been asked, the agent is the owner, even before the lock is confirmed.
    case 'handing_over':
    case 'agent':
      return 'agent';
  }
}
