import {
  COMMAND_TYPES,
  type Command,
  type CommandType,
  type Conversation,
  type Effect,
  effectivePhase,
  type Handover,
  type HandoverAdditions,
  IllegalTransitionError,
  isLockExpired,
  newConversation,
  PHASES,
  type Phase,
  transition,
} from '../../shared/domain/conversation';

// ---------------------------------------------------------------------------------------------
// Fixtures: typed builders, one representative state per phase and one command per type.
// ---------------------------------------------------------------------------------------------

const NOW = 1_700_000_000_000;
const LOCK_MS = 60_000;
/** The agent fixture's lock: still holding at NOW. */
const LIVE_LOCK = NOW + 30_000;
const VERSION = 7;
const HANDOVER_ID = 'h-1';
const NEW_HANDOVER_ID = 'h-2';
const ADDITIONS: HandoverAdditions = { skill: 'billing', mscWebstore: 'shop-1', mscChannel: 'chat' };
const ANSWERS: Record<string, string> = { name: 'Ada', topic: 'invoice' };
const PROGRESS = { step: 2, answers: { name: 'Ada' }, invalidAttempts: 1 };

function conversation(phase: Phase, handover?: Handover): Conversation {
  return {
    tenantId: 't-1',
    conversationId: 'c-1',
    channel: { type: 'whatsapp', waId: '31600000000', phoneNumberId: 'pn-1' },
    phase,
    version: VERSION,
    createdAt: NOW - 600_000,
    updatedAt: NOW - 60_000,
    handover,
  };
}

function stateIn(phase: Phase, lockExpiresAt: number = LIVE_LOCK): Conversation {
  const requested: Handover = { id: HANDOVER_ID, requestedAt: NOW - 120_000, additions: ADDITIONS };
  const inIntake: Handover = {
    ...requested,
    agentStatus: 'online',
    intake: { step: 1, answers: { name: 'Ada' }, invalidAttempts: 2 },
  };
  const handedOver: Handover = {
    ...requested,
    agentStatus: 'online',
    intake: { step: 2, answers: ANSWERS, invalidAttempts: 0 },
  };
  switch (phase) {
    case 'bot':
      return conversation('bot');
    case 'presence':
      return conversation('presence', requested);
    case 'intake':
      return conversation('intake', inIntake);
    case 'handing_over':
      return conversation('handing_over', handedOver);
    case 'agent':
      return conversation('agent', { ...handedOver, lockExpiresAt });
  }
}

const COMMANDS: { [K in CommandType]: Extract<Command, { type: K }> } = {
  requestHandover: { type: 'requestHandover', handoverId: NEW_HANDOVER_ID, additions: ADDITIONS },
  presenceChecked: { type: 'presenceChecked', status: 'online' },
  intakeProgressed: { type: 'intakeProgressed', intake: PROGRESS },
  intakeCompleted: { type: 'intakeCompleted', answers: ANSWERS },
  intakeAbandoned: { type: 'intakeAbandoned' },
  handoverSucceeded: { type: 'handoverSucceeded', lockMs: LOCK_MS },
  handoverFailed: { type: 'handoverFailed', stage: 'desk' },
  activity: { type: 'activity', lockMs: LOCK_MS },
  endSession: { type: 'endSession', by: 'agent' },
  expire: { type: 'expire' },
};

/** Runs `act`, which must throw IllegalTransitionError, and returns that error. */
function illegalError(act: () => unknown): IllegalTransitionError {
  try {
    act();
  } catch (error) {
    if (error instanceof IllegalTransitionError) return error;
    throw error;
  }
  throw new Error('expected IllegalTransitionError, but the transition succeeded');
}

// ---------------------------------------------------------------------------------------------
// The full table: 5 phases × 10 commands, written out by hand.
// ---------------------------------------------------------------------------------------------

const ILLEGAL = 'illegal';
interface Legal {
  phase: Phase;
  effects: Effect[];
}
type Outcome = typeof ILLEGAL | Legal;

const failed: Effect = { type: 'notifyHandoverFailed', handoverId: HANDOVER_ID, stage: 'desk' };

const EXPECTED: Record<Phase, Record<CommandType, Outcome>> = {
  bot: {
    requestHandover: { phase: 'presence', effects: [{ type: 'checkPresence', handoverId: NEW_HANDOVER_ID }] },
    presenceChecked: ILLEGAL,
    intakeProgressed: ILLEGAL,
    intakeCompleted: ILLEGAL,
    intakeAbandoned: ILLEGAL,
    handoverSucceeded: ILLEGAL,
    handoverFailed: ILLEGAL,
    activity: ILLEGAL,
    endSession: ILLEGAL,
    expire: ILLEGAL,
  },
  presence: {
    requestHandover: ILLEGAL,
    presenceChecked: { phase: 'intake', effects: [{ type: 'startIntake', handoverId: HANDOVER_ID }] },
    intakeProgressed: ILLEGAL,
    intakeCompleted: ILLEGAL,
    intakeAbandoned: ILLEGAL,
    handoverSucceeded: ILLEGAL,
    handoverFailed: { phase: 'bot', effects: [failed] },
    activity: ILLEGAL,
    endSession: ILLEGAL,
    expire: ILLEGAL,
  },
  intake: {
    requestHandover: ILLEGAL,
    presenceChecked: ILLEGAL,
    intakeProgressed: { phase: 'intake', effects: [] },
    intakeCompleted: {
      phase: 'handing_over',
      effects: [{ type: 'handOver', handoverId: HANDOVER_ID, answers: { name: 'Ada', topic: 'invoice' } }],
    },
    intakeAbandoned: { phase: 'bot', effects: [{ type: 'intakeAbandoned', handoverId: HANDOVER_ID }] },
    handoverSucceeded: ILLEGAL,
    handoverFailed: { phase: 'bot', effects: [failed] },
    activity: ILLEGAL,
    endSession: ILLEGAL,
    expire: ILLEGAL,
  },
  handing_over: {
    requestHandover: ILLEGAL,
    presenceChecked: ILLEGAL,
    intakeProgressed: ILLEGAL,
    intakeCompleted: ILLEGAL,
    intakeAbandoned: ILLEGAL,
    handoverSucceeded: { phase: 'agent', effects: [{ type: 'sessionStarted', handoverId: HANDOVER_ID }] },
    handoverFailed: { phase: 'bot', effects: [failed] },
    activity: ILLEGAL,
    endSession: ILLEGAL,
    expire: ILLEGAL,
  },
  // Lock still holding at NOW.
  agent: {
    requestHandover: ILLEGAL,
    presenceChecked: ILLEGAL,
    intakeProgressed: ILLEGAL,
    intakeCompleted: ILLEGAL,
    intakeAbandoned: ILLEGAL,
    handoverSucceeded: ILLEGAL,
    handoverFailed: ILLEGAL,
    activity: { phase: 'agent', effects: [] },
    endSession: {
      phase: 'bot',
      effects: [{ type: 'sessionEnded', handoverId: HANDOVER_ID, reason: 'agent' }],
    },
    expire: ILLEGAL,
  },
};

const LEGAL_CASES: Array<[Phase, CommandType, Legal]> = [];
const ILLEGAL_CASES: Array<[Phase, CommandType]> = [];
for (const phase of PHASES) {
  for (const type of COMMAND_TYPES) {
    const outcome = EXPECTED[phase][type];
    if (outcome === ILLEGAL) ILLEGAL_CASES.push([phase, type]);
    else LEGAL_CASES.push([phase, type, outcome]);
  }
}
const ALL_CASES: Array<[Phase, CommandType]> = [
  ...LEGAL_CASES.map(([phase, type]): [Phase, CommandType] => [phase, type]),
  ...ILLEGAL_CASES,
];

describe('transition table (every phase × every command)', () => {
  test('PHASES and COMMAND_TYPES are exactly the ones the table covers', () => {
    expect([...PHASES]).toEqual(['bot', 'presence', 'intake', 'handing_over', 'agent']);
    expect([...COMMAND_TYPES].sort()).toEqual(Object.keys(EXPECTED.bot).sort());
    expect(LEGAL_CASES.length + ILLEGAL_CASES.length).toBe(50);
  });

  test.each(LEGAL_CASES)('%s + %s is legal', (phase, type, expected) => {
    // Act
    const { state, effects } = transition(stateIn(phase), COMMANDS[type], NOW);

    // Assess
    expect(state.phase).toBe(expected.phase);
    expect(effects).toEqual(expected.effects);
  });

  test.each(ILLEGAL_CASES)('%s + %s throws IllegalTransitionError', (phase, type) => {
    const error = illegalError(() => transition(stateIn(phase), COMMANDS[type], NOW));

    expect(error.phase).toBe(phase);
    expect(error.command).toBe(type);
    expect(error.name).toBe('IllegalTransitionError');
    expect(error.message).toBe(`command ${type} is not allowed in phase ${phase}`);
  });

  test.each(LEGAL_CASES.filter(([, , expected]) => expected.phase === 'bot'))(
    '%s + %s back to bot clears the handover',
    (phase, type) => {
      expect(transition(stateIn(phase), COMMANDS[type], NOW).state.handover).toBeUndefined();
    },
  );
});

// ---------------------------------------------------------------------------------------------
// Version, timestamps and immutability.
// ---------------------------------------------------------------------------------------------

describe('version and immutability', () => {
  test.each(LEGAL_CASES)('%s + %s bumps version by 1 and sets updatedAt', (phase, type) => {
    // Prepare
    const before = stateIn(phase);

    // Act
    const { state } = transition(before, COMMANDS[type], NOW);

    // Assess
    expect(state.version).toBe(VERSION + 1);
    expect(state.updatedAt).toBe(NOW);
    expect(state).toMatchObject({
      tenantId: before.tenantId,
      conversationId: before.conversationId,
      channel: before.channel,
      createdAt: before.createdAt,
    });
  });

  test.each(ALL_CASES)('%s + %s does not mutate the input state', (phase, type) => {
    // Prepare
    const before = stateIn(phase);
    const snapshot = structuredClone(before);

    // Act
    try {
      transition(before, COMMANDS[type], NOW);
    } catch {
      // illegal pairs throw; only the input matters here
    }

    // Assess
    expect(before).toStrictEqual(snapshot);
  });

  test('newConversation starts with the bot at version 0 and no handover', () => {
    expect(newConversation('t-1', 'c-1', { type: 'web' }, NOW)).toStrictEqual({
      tenantId: 't-1',
      conversationId: 'c-1',
      channel: { type: 'web' },
      phase: 'bot',
      version: 0,
      createdAt: NOW,
      updatedAt: NOW,
    });
  });

  test('a full round trip bot → … → agent → bot counts one version per step', () => {
    // Prepare
    const steps: Command[] = [
      COMMANDS.requestHandover,
      COMMANDS.presenceChecked,
      COMMANDS.intakeProgressed,
      COMMANDS.intakeCompleted,
      COMMANDS.handoverSucceeded,
      COMMANDS.activity,
      { type: 'endSession', by: 'user' },
    ];
    let state = newConversation('t-1', 'c-1', { type: 'web' }, NOW);
    const phases: Phase[] = [];
    const effects: Effect[] = [];

    // Act
    steps.forEach((command, index) => {
      const result = transition(state, command, NOW + index);
      state = result.state;
      phases.push(state.phase);
      effects.push(...result.effects);
    });

    // Assess
    expect(phases).toEqual(['presence', 'intake', 'intake', 'handing_over', 'agent', 'agent', 'bot']);
    expect(state.version).toBe(steps.length);
    expect(state.updatedAt).toBe(NOW + steps.length - 1);
    expect(state.handover).toBeUndefined();
    expect(effects.map((effect) => effect.type)).toEqual([
      'checkPresence',
      'startIntake',
      'handOver',
      'sessionStarted',
      'sessionEnded',
    ]);
    expect(effects.at(-1)).toEqual({ type: 'sessionEnded', handoverId: NEW_HANDOVER_ID, reason: 'user' });
  });
});

// ---------------------------------------------------------------------------------------------
// The agent's lock.
// ---------------------------------------------------------------------------------------------

describe('lock', () => {
  test('handoverSucceeded sets lockExpiresAt = now + lockMs', () => {
    const { state } = transition(stateIn('handing_over'), { type: 'handoverSucceeded', lockMs: 5_000 }, NOW);

    expect(state.handover?.lockExpiresAt).toBe(NOW + 5_000);
    expect(state.handover?.id).toBe(HANDOVER_ID);
  });

  test('activity slides the lock to now + lockMs and keeps the handover', () => {
    // Prepare
    const before = stateIn('agent', NOW + 1_000);

    // Act
    const { state } = transition(before, { type: 'activity', lockMs: LOCK_MS }, NOW + 500);

    // Assess
    expect(state.handover).toEqual({ ...before.handover, lockExpiresAt: NOW + 500 + LOCK_MS });
    expect(effectivePhase(state, NOW + 1_000)).toBe('agent');
  });

  test.each([
    ['one ms before expiry', NOW - 1, 'agent', false],
    ['exactly at expiry', NOW, 'bot', true],
    ['one ms after expiry', NOW + 1, 'bot', true],
  ])('effectivePhase %s', (_label, now, phase, expired) => {
    const state = stateIn('agent', NOW);

    expect(effectivePhase(state, now)).toBe(phase);
    expect(isLockExpired(state, now)).toBe(expired);
  });

  test.each(PHASES.filter((phase) => phase !== 'agent'))(
    'effectivePhase leaves %s alone and never calls its lock expired',
    (phase) => {
      const state = stateIn(phase);

      expect(effectivePhase(state, NOW + 10 * LOCK_MS)).toBe(phase);
      expect(isLockExpired(state, NOW + 10 * LOCK_MS)).toBe(false);
    },
  );

  test('expire is illegal while the lock holds (phase agent)', () => {
    const error = illegalError(() => transition(stateIn('agent', NOW + 1), COMMANDS.expire, NOW));

    expect(error.phase).toBe('agent');
    expect(error.command).toBe('expire');
  });

  test('expire is legal once the lock has run out (boundary: lockExpiresAt === now)', () => {
    const { state, effects } = transition(stateIn('agent', NOW), COMMANDS.expire, NOW);

    expect(state.phase).toBe('bot');
    expect(state.handover).toBeUndefined();
    expect(state.version).toBe(VERSION + 1);
    expect(effects).toEqual([{ type: 'sessionEnded', handoverId: HANDOVER_ID, reason: 'expired' }]);
  });

  // An agent conversation whose lock ran out is effectively the bot's: hand-written expectations.
  const EXPIRED: Record<CommandType, Outcome> = {
    requestHandover: {
      phase: 'presence',
      effects: [
        { type: 'sessionEnded', handoverId: HANDOVER_ID, reason: 'expired' },
        { type: 'checkPresence', handoverId: NEW_HANDOVER_ID },
      ],
    },
    presenceChecked: ILLEGAL,
    intakeProgressed: ILLEGAL,
    intakeCompleted: ILLEGAL,
    intakeAbandoned: ILLEGAL,
    handoverSucceeded: ILLEGAL,
    handoverFailed: ILLEGAL,
    activity: ILLEGAL,
    endSession: ILLEGAL,
    expire: { phase: 'bot', effects: [{ type: 'sessionEnded', handoverId: HANDOVER_ID, reason: 'expired' }] },
  };

  test.each(COMMAND_TYPES.filter((type) => EXPIRED[type] === ILLEGAL))(
    '%s is illegal once the lock expired, reported in phase bot',
    (type) => {
      const error = illegalError(() => transition(stateIn('agent', NOW - 1), COMMANDS[type], NOW));

      expect(error.phase).toBe('bot');
      expect(error.command).toBe(type);
    },
  );

  test.each(
    COMMAND_TYPES.flatMap((type): Array<[CommandType, Legal]> => {
      const outcome = EXPIRED[type];
      return outcome === ILLEGAL ? [] : [[type, outcome]];
    }),
  )('%s is legal once the lock expired', (type, expected) => {
    const { state, effects } = transition(stateIn('agent', NOW - 1), COMMANDS[type], NOW);

    expect(state.phase).toBe(expected.phase);
    expect(effects).toEqual(expected.effects);
  });

  test('requestHandover on an expired lock starts a fresh handover', () => {
    const { state } = transition(stateIn('agent', NOW - 1), COMMANDS.requestHandover, NOW);

    expect(state.version).toBe(VERSION + 1);
    expect(state.handover).toStrictEqual({ id: NEW_HANDOVER_ID, requestedAt: NOW, additions: ADDITIONS });
  });
});

// ---------------------------------------------------------------------------------------------
// Presence, intake, failure.
// ---------------------------------------------------------------------------------------------

describe('presence', () => {
  test('offline: back to the bot, handover cleared, notifyNoAgents', () => {
    const { state, effects } = transition(
      stateIn('presence'),
      { type: 'presenceChecked', status: 'offline' },
      NOW,
    );

    expect(state.phase).toBe('bot');
    expect(state.handover).toBeUndefined();
    expect(effects).toEqual([{ type: 'notifyNoAgents', handoverId: HANDOVER_ID }]);
  });

  test('online: intake with agentStatus online and a fresh intake', () => {
    const before = stateIn('presence');

    const { state, effects } = transition(before, { type: 'presenceChecked', status: 'online' }, NOW);

    expect(state.phase).toBe('intake');
    expect(state.handover).toStrictEqual({
      id: HANDOVER_ID,
      requestedAt: before.handover?.requestedAt,
      additions: ADDITIONS,
      agentStatus: 'online',
      intake: { step: 0, answers: {}, invalidAttempts: 0 },
    });
    expect(effects).toEqual([{ type: 'startIntake', handoverId: HANDOVER_ID }]);
  });
});

describe('intake', () => {
  test('intakeProgressed replaces the intake progress and emits nothing', () => {
    const { state, effects } = transition(stateIn('intake'), COMMANDS.intakeProgressed, NOW);

    expect(state.handover?.intake).toEqual({ step: 2, answers: { name: 'Ada' }, invalidAttempts: 1 });
    expect(state.handover?.agentStatus).toBe('online');
    expect(effects).toEqual([]);
  });

  test('intakeCompleted stores the answers and hands them over', () => {
    // Prepare
    const answers = { name: 'Grace', orderId: '42' };

    // Act
    const { state, effects } = transition(stateIn('intake'), { type: 'intakeCompleted', answers }, NOW);

    // Assess
    expect(state.phase).toBe('handing_over');
    expect(state.handover?.intake).toEqual({ step: 1, answers, invalidAttempts: 0 });
    expect(state.handover?.id).toBe(HANDOVER_ID);
    expect(effects).toEqual([{ type: 'handOver', handoverId: HANDOVER_ID, answers }]);
  });

  test('intakeAbandoned returns to the bot', () => {
    const { state, effects } = transition(stateIn('intake'), COMMANDS.intakeAbandoned, NOW);

    expect(state.phase).toBe('bot');
    expect(state.handover).toBeUndefined();
    expect(effects).toEqual([{ type: 'intakeAbandoned', handoverId: HANDOVER_ID }]);
  });
});

describe('handoverFailed', () => {
  test.each([
    ['presence', 'presence'],
    ['intake', 'intake'],
    ['handing_over', 'msc'],
  ] satisfies Array<[Phase, string]>)('from %s (stage %s) returns to the bot', (phase, stage) => {
    const { state, effects } = transition(stateIn(phase), { type: 'handoverFailed', stage }, NOW);

    expect(state.phase).toBe('bot');
    expect(state.handover).toBeUndefined();
    expect(state.version).toBe(VERSION + 1);
    expect(effects).toEqual([{ type: 'notifyHandoverFailed', handoverId: HANDOVER_ID, stage }]);
  });
});

describe('guards', () => {
  test.each([
    ['presence', COMMANDS.presenceChecked],
    ['intake', COMMANDS.intakeCompleted],
    ['handing_over', COMMANDS.handoverSucceeded],
    ['agent', COMMANDS.activity],
  ] satisfies Array<[Phase, Command]>)('%s without a handover rejects the command', (phase, command) => {
    const error = illegalError(() => transition(conversation(phase), command, NOW));

    expect(error.phase).toBe(phase);
    expect(error.command).toBe(command.type);
  });

  test('endSession records who ended it', () => {
    const { effects } = transition(stateIn('agent'), { type: 'endSession', by: 'user' }, NOW);

    expect(effects).toEqual([{ type: 'sessionEnded', handoverId: HANDOVER_ID, reason: 'user' }]);
  });
});
