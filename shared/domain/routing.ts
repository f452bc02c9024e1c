/** Who gets a user message: decided when it is delivered, from the phase that holds then. */
import type { Phase } from './phase';

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
    // Messages wait while the desk is asked (see inbox.ts); a message already under way when the
    // intake completed goes where the handover is headed.
    case 'handing_over':
    case 'agent':
      return 'agent';
  }
}
