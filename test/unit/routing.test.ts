import type { Phase } from '../../shared/domain/conversation';
import { PHASES } from '../../shared/domain/conversation';
import { type Route, routeFor } from '../../shared/domain/routing';

const EXPECTED: Record<Phase, Route> = {
  bot: 'bot',
  presence: 'intake',
  intake: 'intake',
  handing_over: 'agent',
  agent: 'agent',
};

test.each(PHASES.map((phase): [Phase, Route] => [phase, EXPECTED[phase]]))(
  'a message in phase %s is routed to %s',
  (phase, route) => {
    expect(routeFor(phase)).toBe(route);
  },
);
