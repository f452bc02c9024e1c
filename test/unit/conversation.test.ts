import {
  AGENT_MESSAGE_IDS_KEPT,
  type AgentStatus,
  COMMAND_TYPES,
  type Command,
  type CommandType,
  type Conversation,
  type Effect,
  effectivePhase,
  type Handover,
  type HandoverAdditions,
  IllegalTransitionError,
  type IntakeProgress,
  isLockExpired,
  newConversation,
  PHASES,
  type Phase,
  STEP_TIMEOUT_MS,
  stepDeadline,
  transition,
} from '../../shared/domain/conversation';
import { sweepDueAt } from '../../shared/domain/sweep';
import type { OutgoingEvent } from '../../shared/events/define';

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
/** The additions of an earlier handover request, still on the bot fixture. */
const PREVIOUS_ADDITIONS: HandoverAdditions = {
  skill: 'sales',
  mscWebstore: undefined,
  mscChannel: 'WhatsApp',
};
const ANSWERS: Record<string, string> = { name: 'Ada', topic: 'invoice' };
const PROGRESS: IntakeProgress = {
  step: 2,
  answers: { name: 'Ada' },
  invalidAttempts: 1,
  lastMessageId: 'm-9',
};
/** An event the last version's write caused, still in that version's outbox (the stream publishes it). */
const PENDING_EVENT: OutgoingEvent = {
  detailType: 'HandoverRequested',
  detail: {
    metadata: {
      id: 'evt-1',
      version: 1,
      time: '2023-11-14T22:13:20.000Z',
      tenantId: 't-1',
      correlationId: 'corr-1',
    },
    data: { handoverId: HANDOVER_ID },
  },
};

interface Extra {
  agentStatus?: AgentStatus;
  additions?: HandoverAdditions;
  handover?: Handover;
}

function conversation(phase: Phase, extra: Extra = {}): Conversation {
  return {
    tenantId: 't-1',
    conversationId: 'c-1',
    channel: { type: 'whatsapp', waId: '31600000000', phoneNumberId: 'pn-1' },
    phase,
    version: VERSION,
    createdAt: NOW - 600_000,
    updatedAt: NOW - 60_000,
    ...extra,
  };
}

/**
 * One state per phase. The bot fixture had an earlier handover that found no agent (agentStatus
 * offline, its additions kept); the presence fixture asked again since (agentStatus still the last
 * check's); from intake on the last check said online.
 */
function stateIn(phase: Phase, lockExpiresAt: number = LIVE_LOCK): Conversation {
  const requested: Handover = { id: HANDOVER_ID, requestedAt: NOW - 120_000, additions: ADDITIONS };
  const inIntake: Handover = {
    ...requested,
    intake: { step: 1, answers: { name: 'Ada' }, invalidAttempts: 2 },
  };
  const handedOver: Handover = {
    ...requested,
    intake: { step: 2, answers: ANSWERS, invalidAttempts: 0 },
  };
  switch (phase) {
    case 'bot':
      return conversation('bot', { agentStatus: 'offline', additions: PREVIOUS_ADDITIONS });
    case 'presence':
      return conversation('presence', { agentStatus: 'offline', additions: ADDITIONS, handover: requested });
    case 'intake':
      return conversation('intake', { agentStatus: 'online', additions: ADDITIONS, handover: inIntake });
    case 'handing_over':
      return conversation('handing_over', {
        agentStatus: 'online',
        additions: ADDITIONS,
        handover: handedOver,
      });
    case 'agent':
      return conversation('agent', {
        agentStatus: 'online',
        additions: ADDITIONS,
        handover: { ...handedOver, lockExpiresAt },
      });
  }
}

/** The same state as the previous transition wrote it: its event in the outbox. */
function withOutbox(state: Conversation): Conversation {
  return { ...state, outbox: [PENDING_EVENT] };
}

type CommandOf = { [K in CommandType]: Extract<Command, { type: K }> };

/**
 * One command per type. requestHandover starts NEW_HANDOVER_ID; the other commands that act on a
 * handover name `handoverId` (the fixtures' handover unless told otherwise).
 */
function commandsFor(handoverId: string): CommandOf {
  return {
    requestHandover: { type: 'requestHandover', handoverId: NEW_HANDOVER_ID, additions: ADDITIONS },
    presenceChecked: { type: 'presenceChecked', handoverId, status: 'online' },
    intakeProgressed: { type: 'intakeProgressed', handoverId, intake: PROGRESS },
    intakeCompleted: { type: 'intakeCompleted', handoverId, answers: ANSWERS },
    intakeAbandoned: { type: 'intakeAbandoned', handoverId, reason: 'cancelled' },
    handoverSucceeded: { type: 'handoverSucceeded', handoverId, lockMs: LOCK_MS },
    handoverFailed: { type: 'handoverFailed', handoverId, stage: 'desk' },
    activity: { type: 'activity', lockMs: LOCK_MS },
    endSession: { type: 'endSession', by: 'agent' },
    expire: { type: 'expire' },
    forceEnd: { type: 'forceEnd', reason: 'stuck' },
    waitingNoticeDue: { type: 'waitingNoticeDue', handoverId },
    queuePositionReported: { type: 'queuePositionReported', handoverId, position: 3 },
    withdrawHandover: { type: 'withdrawHandover', handoverId },
    transferHandover: { type: 'transferHandover', handoverId, toHandoverId: NEW_HANDOVER_ID, skill: 'sales' },
  };
}

const COMMANDS = commandsFor(HANDOVER_ID);

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
// The full table: 5 phases × 15 commands, written out by hand.
// ---------------------------------------------------------------------------------------------

const ILLEGAL = 'illegal';
interface Legal {
  phase: Phase;
  effects: Effect[];
  /** The top-level agentStatus afterwards: only presenceChecked changes it. */
  agentStatus: AgentStatus;
}
type Outcome = typeof ILLEGAL | Legal;

// The skill names the desk to tell when it may hold the chat (a desk that never answered).
const failed: Effect = {
  type: 'notifyHandoverFailed',
  handoverId: HANDOVER_ID,
  stage: 'desk',
  skill: 'billing',
};

const EXPECTED: Record<Phase, Record<CommandType, Outcome>> = {
  bot: {
    requestHandover: {
      phase: 'presence',
      effects: [{ type: 'checkPresence', handoverId: NEW_HANDOVER_ID }],
      agentStatus: 'offline',
    },
    presenceChecked: ILLEGAL,
    intakeProgressed: ILLEGAL,
    intakeCompleted: ILLEGAL,
    intakeAbandoned: ILLEGAL,
    handoverSucceeded: ILLEGAL,
    handoverFailed: ILLEGAL,
    activity: ILLEGAL,
    endSession: ILLEGAL,
    expire: ILLEGAL,
    forceEnd: ILLEGAL,
    // Only a handover that waits for the desk's claim has these (below).
    waitingNoticeDue: ILLEGAL,
    queuePositionReported: ILLEGAL,
    withdrawHandover: ILLEGAL,
    transferHandover: ILLEGAL,
  },
  presence: {
    requestHandover: ILLEGAL,
    presenceChecked: {
      phase: 'intake',
      effects: [{ type: 'startIntake', handoverId: HANDOVER_ID }],
      agentStatus: 'online',
    },
    intakeProgressed: ILLEGAL,
    intakeCompleted: ILLEGAL,
    intakeAbandoned: ILLEGAL,
    handoverSucceeded: ILLEGAL,
    handoverFailed: { phase: 'bot', effects: [failed], agentStatus: 'offline' },
    activity: ILLEGAL,
    endSession: ILLEGAL,
    expire: ILLEGAL,
    forceEnd: ILLEGAL,
    // Only a handover that waits for the desk's claim has these (below).
    waitingNoticeDue: ILLEGAL,
    queuePositionReported: ILLEGAL,
    withdrawHandover: ILLEGAL,
    transferHandover: ILLEGAL,
  },
  intake: {
    requestHandover: ILLEGAL,
    presenceChecked: ILLEGAL,
    intakeProgressed: { phase: 'intake', effects: [], agentStatus: 'online' },
    intakeCompleted: {
      phase: 'handing_over',
      effects: [{ type: 'handOver', handoverId: HANDOVER_ID }],
      agentStatus: 'online',
    },
    intakeAbandoned: {
      phase: 'bot',
      effects: [{ type: 'intakeAbandoned', handoverId: HANDOVER_ID, reason: 'cancelled' }],
      agentStatus: 'online',
    },
    handoverSucceeded: ILLEGAL,
    handoverFailed: { phase: 'bot', effects: [failed], agentStatus: 'online' },
    activity: ILLEGAL,
    endSession: ILLEGAL,
    expire: ILLEGAL,
    forceEnd: ILLEGAL,
    // Only a handover that waits for the desk's claim has these (below).
    waitingNoticeDue: ILLEGAL,
    queuePositionReported: ILLEGAL,
    withdrawHandover: ILLEGAL,
    transferHandover: ILLEGAL,
  },
  handing_over: {
    requestHandover: ILLEGAL,
    presenceChecked: ILLEGAL,
    intakeProgressed: ILLEGAL,
    intakeCompleted: ILLEGAL,
    intakeAbandoned: ILLEGAL,
    handoverSucceeded: {
      phase: 'agent',
      effects: [{ type: 'sessionStarted', handoverId: HANDOVER_ID }],
      agentStatus: 'online',
    },
    handoverFailed: { phase: 'bot', effects: [failed], agentStatus: 'online' },
    activity: ILLEGAL,
    endSession: ILLEGAL,
    expire: ILLEGAL,
    forceEnd: ILLEGAL,
    // Only a handover that waits for the desk's claim has these (below).
    waitingNoticeDue: ILLEGAL,
    queuePositionReported: ILLEGAL,
    withdrawHandover: ILLEGAL,
    transferHandover: ILLEGAL,
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
    activity: { phase: 'agent', effects: [], agentStatus: 'online' },
    endSession: {
      phase: 'bot',
      effects: [{ type: 'sessionEnded', handoverId: HANDOVER_ID, reason: 'agent', skill: 'billing' }],
      agentStatus: 'online',
    },
    expire: ILLEGAL,
    forceEnd: {
      phase: 'bot',
      effects: [{ type: 'sessionEnded', handoverId: HANDOVER_ID, reason: 'operator', skill: 'billing' }],
      agentStatus: 'online',
    },
    // Only a handover that waits for the desk's claim has these (below).
    waitingNoticeDue: ILLEGAL,
    queuePositionReported: ILLEGAL,
    withdrawHandover: ILLEGAL,
    transferHandover: {
      phase: 'handing_over',
      effects: [
        {
          type: 'handoverTransferred',
          handoverId: HANDOVER_ID,
          fromSkill: 'billing',
          toHandoverId: NEW_HANDOVER_ID,
        },
        { type: 'handOver', handoverId: NEW_HANDOVER_ID },
      ],
      agentStatus: 'online',
    },
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
    expect(LEGAL_CASES.length + ILLEGAL_CASES.length).toBe(75);
  });

  test.each(LEGAL_CASES)('%s + %s is legal', (phase, type, expected) => {
    // Act
    const { state, effects } = transition(stateIn(phase), COMMANDS[type], NOW);

    // Assess
    expect(state.phase).toBe(expected.phase);
    expect(effects).toEqual(expected.effects);
    expect(state.agentStatus).toBe(expected.agentStatus);
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

  // Every fixture from presence on carries ADDITIONS, and requestHandover from bot stores them.
  // A transfer is the one that changes them: the skill the chat went to (below).
  test.each(LEGAL_CASES.filter(([, type]) => type !== 'transferHandover'))(
    "%s + %s leaves the last request's additions at the top level",
    (phase, type) => {
      expect(transition(stateIn(phase), COMMANDS[type], NOW).state.additions).toEqual({
        skill: 'billing',
        mscWebstore: 'shop-1',
        mscChannel: 'chat',
      });
    },
  );
});

// ---------------------------------------------------------------------------------------------
// The outbox: it belongs to the write that produced it, never to the next state.
// ---------------------------------------------------------------------------------------------

describe('outbox', () => {
  test.each(LEGAL_CASES)('%s + %s drops the previous outbox', (phase, type) => {
    // Prepare
    const before = withOutbox(stateIn(phase));

    // Act
    const { state } = transition(before, COMMANDS[type], NOW);

    // Assess
    expect('outbox' in state).toBe(false);
    expect(state.outbox).toBeUndefined();
    expect(before.outbox).toEqual([PENDING_EVENT]);
  });

  test.each([
    ['requestHandover', COMMANDS.requestHandover],
    ['expire', COMMANDS.expire],
  ] satisfies Array<[CommandType, Command]>)(
    '%s on an expired lock drops the previous outbox',
    (_type, command) => {
      const { state } = transition(withOutbox(stateIn('agent', NOW - 1)), command, NOW);

      expect('outbox' in state).toBe(false);
    },
  );

  test.each(ILLEGAL_CASES)('%s + %s throws and leaves the outbox in place', (phase, type) => {
    // Prepare
    const before = withOutbox(stateIn(phase));

    // Act
    const error = illegalError(() => transition(before, COMMANDS[type], NOW));

    // Assess
    expect(error.command).toBe(type);
    expect(before.outbox).toEqual([PENDING_EVENT]);
  });

  test('everything else of the state is carried over', () => {
    // Prepare
    const before = withOutbox(stateIn('agent'));

    // Act
    const { state } = transition(before, { type: 'activity', lockMs: LOCK_MS }, NOW);

    // Assess
    expect(state).toStrictEqual({
      tenantId: 't-1',
      conversationId: 'c-1',
      channel: { type: 'whatsapp', waId: '31600000000', phoneNumberId: 'pn-1' },
      phase: 'agent',
      version: VERSION + 1,
      createdAt: NOW - 600_000,
      updatedAt: NOW,
      agentStatus: 'online',
      additions: { skill: 'billing', mscWebstore: 'shop-1', mscChannel: 'chat' },
      handover: {
        id: HANDOVER_ID,
        requestedAt: NOW - 120_000,
        additions: { skill: 'billing', mscWebstore: 'shop-1', mscChannel: 'chat' },
        intake: { step: 2, answers: { name: 'Ada', topic: 'invoice' }, invalidAttempts: 0 },
        lockExpiresAt: NOW + LOCK_MS,
      },
      // The transition itself, in the audit trail.
      audit: [
        {
          at: NOW,
          version: VERSION + 1,
          from: 'agent',
          to: 'agent',
          action: 'activity',
          actor: 'agent',
          cause: undefined,
          handoverId: HANDOVER_ID,
        },
      ],
    });
  });
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
    const before = withOutbox(stateIn(phase));
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
    // Prepare: the handover requested is the one every later command names.
    const commands = commandsFor(NEW_HANDOVER_ID);
    const steps: Command[] = [
      commands.requestHandover,
      commands.presenceChecked,
      commands.intakeProgressed,
      commands.intakeCompleted,
      commands.handoverSucceeded,
      commands.activity,
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
    expect(state.agentStatus).toBe('online');
    expect(state.additions).toEqual({ skill: 'billing', mscWebstore: 'shop-1', mscChannel: 'chat' });
    expect(effects.map((effect) => effect.type)).toEqual([
      'checkPresence',
      'startIntake',
      'handOver',
      'sessionStarted',
      'sessionEnded',
    ]);
    expect(effects.at(-1)).toEqual({
      type: 'sessionEnded',
      handoverId: NEW_HANDOVER_ID,
      reason: 'user',
      skill: 'billing',
    });
  });
});

// ---------------------------------------------------------------------------------------------
// The agent's lock.
// ---------------------------------------------------------------------------------------------

describe('lock', () => {
  test('handoverSucceeded sets lockExpiresAt = now + lockMs', () => {
    const { state } = transition(
      stateIn('handing_over'),
      { type: 'handoverSucceeded', handoverId: HANDOVER_ID, lockMs: 5_000 },
      NOW,
    );

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
    expect(effects).toEqual([
      { type: 'sessionEnded', handoverId: HANDOVER_ID, reason: 'expired', skill: 'billing' },
    ]);
  });

  // An agent conversation whose lock ran out is effectively the bot's: hand-written expectations.
  const EXPIRED: Record<CommandType, Outcome> = {
    requestHandover: {
      phase: 'presence',
      effects: [
        { type: 'sessionEnded', handoverId: HANDOVER_ID, reason: 'expired', skill: 'billing' },
        { type: 'checkPresence', handoverId: NEW_HANDOVER_ID },
      ],
      agentStatus: 'online',
    },
    presenceChecked: ILLEGAL,
    intakeProgressed: ILLEGAL,
    intakeCompleted: ILLEGAL,
    intakeAbandoned: ILLEGAL,
    handoverSucceeded: ILLEGAL,
    handoverFailed: ILLEGAL,
    activity: ILLEGAL,
    endSession: ILLEGAL,
    // The lock ran out: no live session left to end (the sweep ends it).
    forceEnd: ILLEGAL,
    expire: {
      phase: 'bot',
      effects: [{ type: 'sessionEnded', handoverId: HANDOVER_ID, reason: 'expired', skill: 'billing' }],
      agentStatus: 'online',
    },
    waitingNoticeDue: ILLEGAL,
    queuePositionReported: ILLEGAL,
    withdrawHandover: ILLEGAL,
    transferHandover: ILLEGAL,
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
    expect(state.agentStatus).toBe(expected.agentStatus);
    expect(state.additions).toEqual({ skill: 'billing', mscWebstore: 'shop-1', mscChannel: 'chat' });
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

describe('handover request', () => {
  test('requestHandover stores its additions at the top level and in the handover', () => {
    // Prepare: the bot fixture still holds an earlier request's additions.
    const before = stateIn('bot');
    const additions: HandoverAdditions = { skill: 'returns', mscWebstore: undefined, mscChannel: 'WhatsApp' };

    // Act
    const { state } = transition(
      before,
      { type: 'requestHandover', handoverId: NEW_HANDOVER_ID, additions },
      NOW,
    );

    // Assess
    expect(state.additions).toEqual({ skill: 'returns', mscChannel: 'WhatsApp' });
    expect(state.handover?.additions).toEqual({ skill: 'returns', mscChannel: 'WhatsApp' });
    expect(state.agentStatus).toBe('offline');
  });

  test('requestHandover with a pageUrl stores it in the handover', () => {
    // Prepare
    const before = newConversation('t-1', 'c-1', { type: 'web', pageUrl: 'https://shop.example/cart' }, NOW);

    // Act
    const { state } = transition(
      before,
      {
        type: 'requestHandover',
        handoverId: NEW_HANDOVER_ID,
        additions: ADDITIONS,
        pageUrl: 'https://shop.example/checkout',
      },
      NOW + 1,
    );

    // Assess
    expect(state.handover).toStrictEqual({
      id: NEW_HANDOVER_ID,
      requestedAt: NOW + 1,
      additions: { skill: 'billing', mscWebstore: 'shop-1', mscChannel: 'chat' },
      pageUrl: 'https://shop.example/checkout',
    });
    expect(state.additions).toEqual({ skill: 'billing', mscWebstore: 'shop-1', mscChannel: 'chat' });
    expect(state.agentStatus).toBeUndefined();
  });

  test('requestHandover without a pageUrl leaves no pageUrl key in the handover', () => {
    const { state } = transition(
      stateIn('bot'),
      { type: 'requestHandover', handoverId: NEW_HANDOVER_ID, additions: ADDITIONS, pageUrl: undefined },
      NOW,
    );

    expect(state.handover).not.toHaveProperty('pageUrl');
  });

  test('the pageUrl travels with the handover through presence and intake', () => {
    // Prepare
    let state = transition(
      stateIn('bot'),
      {
        type: 'requestHandover',
        handoverId: NEW_HANDOVER_ID,
        additions: ADDITIONS,
        pageUrl: 'https://shop.example/checkout',
      },
      NOW,
    ).state;

    const commands = commandsFor(NEW_HANDOVER_ID);

    // Act
    state = transition(state, commands.presenceChecked, NOW + 1).state;
    state = transition(state, commands.intakeProgressed, NOW + 2).state;
    state = transition(state, commands.intakeCompleted, NOW + 3).state;

    // Assess
    expect(state.phase).toBe('handing_over');
    expect(state.handover?.pageUrl).toBe('https://shop.example/checkout');
  });

  test('additions survive the end of the session; the handover does not', () => {
    // Prepare
    const before = stateIn('agent');

    // Act
    const { state } = transition(before, { type: 'endSession', by: 'user' }, NOW);

    // Assess
    expect(state.phase).toBe('bot');
    expect(state.handover).toBeUndefined();
    expect(state.additions).toEqual({ skill: 'billing', mscWebstore: 'shop-1', mscChannel: 'chat' });
    expect(state.agentStatus).toBe('online');
  });
});

describe('presence', () => {
  test('offline: back to the bot, handover cleared, notifyNoAgents', () => {
    const { state, effects } = transition(
      stateIn('presence'),
      { type: 'presenceChecked', handoverId: HANDOVER_ID, status: 'offline' },
      NOW,
    );

    expect(state.phase).toBe('bot');
    expect(state.handover).toBeUndefined();
    expect(effects).toEqual([{ type: 'notifyNoAgents', handoverId: HANDOVER_ID, closed: false }]);
  });

  test("offline: agentStatus offline at the top level, the request's additions kept", () => {
    // Prepare: a conversation whose last presence check said online.
    const before: Conversation = { ...stateIn('presence'), agentStatus: 'online' };

    // Act
    const { state } = transition(
      before,
      { type: 'presenceChecked', handoverId: HANDOVER_ID, status: 'offline' },
      NOW,
    );

    // Assess
    expect(state).toEqual({
      tenantId: 't-1',
      conversationId: 'c-1',
      channel: { type: 'whatsapp', waId: '31600000000', phoneNumberId: 'pn-1' },
      phase: 'bot',
      version: VERSION + 1,
      createdAt: NOW - 600_000,
      updatedAt: NOW,
      agentStatus: 'offline',
      additions: { skill: 'billing', mscWebstore: 'shop-1', mscChannel: 'chat' },
      audit: [
        {
          at: NOW,
          version: VERSION + 1,
          from: 'presence',
          to: 'bot',
          action: 'presenceChecked',
          actor: 'baton',
          cause: 'offline',
          handoverId: HANDOVER_ID,
        },
      ],
    });
  });

  test('online: agentStatus online at the top level, not in the handover', () => {
    // Prepare: the last presence check said offline.
    const before = stateIn('presence');
    expect(before.agentStatus).toBe('offline');

    // Act
    const { state } = transition(
      before,
      { type: 'presenceChecked', handoverId: HANDOVER_ID, status: 'online' },
      NOW,
    );

    // Assess
    expect(state.agentStatus).toBe('online');
    expect(state.handover).not.toHaveProperty('agentStatus');
    expect(state.additions).toEqual({ skill: 'billing', mscWebstore: 'shop-1', mscChannel: 'chat' });
  });

  test("offline then a new request: the conversation is the bot's and can ask again", () => {
    // Prepare
    const offline = transition(
      stateIn('presence'),
      { type: 'presenceChecked', handoverId: HANDOVER_ID, status: 'offline' },
      NOW,
    ).state;

    // Act
    const { state, effects } = transition(offline, COMMANDS.requestHandover, NOW + 1);

    // Assess
    expect(state.phase).toBe('presence');
    expect(state.agentStatus).toBe('offline');
    expect(effects).toEqual([{ type: 'checkPresence', handoverId: NEW_HANDOVER_ID }]);
  });

  test('online: intake with agentStatus online and a fresh intake', () => {
    const before = stateIn('presence');

    const { state, effects } = transition(
      before,
      { type: 'presenceChecked', handoverId: HANDOVER_ID, status: 'online' },
      NOW,
    );

    expect(state.phase).toBe('intake');
    expect(state.handover).toStrictEqual({
      id: HANDOVER_ID,
      requestedAt: before.handover?.requestedAt,
      additions: ADDITIONS,
      intake: { step: 0, answers: {}, invalidAttempts: 0 },
    });
    expect(effects).toEqual([{ type: 'startIntake', handoverId: HANDOVER_ID }]);
  });
});

describe('intake', () => {
  test('intakeProgressed replaces the intake progress and emits nothing', () => {
    const { state, effects } = transition(stateIn('intake'), COMMANDS.intakeProgressed, NOW);

    expect(state.handover?.intake).toStrictEqual({
      step: 2,
      answers: { name: 'Ada' },
      invalidAttempts: 1,
      lastMessageId: 'm-9',
    });
    expect(state.agentStatus).toBe('online');
    expect(effects).toEqual([]);
  });

  test('intakeCompleted stores the answers and hands the handover over (the answers stay in the state, off the bus)', () => {
    // Prepare
    const answers = { name: 'Grace', orderId: '42' };

    // Act
    const { state, effects } = transition(
      stateIn('intake'),
      { type: 'intakeCompleted', handoverId: HANDOVER_ID, answers },
      NOW,
    );

    // Assess
    expect(state.phase).toBe('handing_over');
    expect(state.handover?.intake).toEqual({ step: 1, answers, invalidAttempts: 0 });
    expect(state.handover?.id).toBe(HANDOVER_ID);
    expect(effects).toEqual([{ type: 'handOver', handoverId: HANDOVER_ID }]);
  });

  test('intakeAbandoned returns to the bot', () => {
    const { state, effects } = transition(stateIn('intake'), COMMANDS.intakeAbandoned, NOW);

    expect(state.phase).toBe('bot');
    expect(state.handover).toBeUndefined();
    expect(effects).toEqual([{ type: 'intakeAbandoned', handoverId: HANDOVER_ID, reason: 'cancelled' }]);
  });
});

describe('handoverFailed', () => {
  test.each([
    ['presence', 'presence'],
    ['intake', 'intake'],
    ['handing_over', 'msc'],
  ] satisfies Array<[Phase, string]>)('from %s (stage %s) returns to the bot', (phase, stage) => {
    const { state, effects } = transition(
      stateIn(phase),
      { type: 'handoverFailed', handoverId: HANDOVER_ID, stage },
      NOW,
    );

    expect(state.phase).toBe('bot');
    expect(state.handover).toBeUndefined();
    expect(state.version).toBe(VERSION + 1);
    expect(effects).toEqual([
      { type: 'notifyHandoverFailed', handoverId: HANDOVER_ID, stage, skill: 'billing' },
    ]);
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

    expect(effects).toEqual([
      { type: 'sessionEnded', handoverId: HANDOVER_ID, reason: 'user', skill: 'billing' },
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Commands name their handover: one meant for another handover (a late event, a retry, the sweep
// racing a new request) is illegal, whatever the phase says.
// ---------------------------------------------------------------------------------------------

describe('commands for another handover', () => {
  const OTHER_HANDOVER_ID = 'h-0';
  const OTHER = commandsFor(OTHER_HANDOVER_ID);

  /** Every legal pair of the table whose command names the handover it acts on. */
  const NAMED_CASES: Array<[Phase, CommandType]> = [
    ['presence', 'presenceChecked'],
    ['presence', 'handoverFailed'],
    ['intake', 'intakeProgressed'],
    ['intake', 'intakeCompleted'],
    ['intake', 'intakeAbandoned'],
    ['intake', 'handoverFailed'],
    ['handing_over', 'handoverSucceeded'],
    ['handing_over', 'handoverFailed'],
    ['agent', 'transferHandover'],
  ];

  test('the named cases are every legal pair whose command names an existing handover', () => {
    const named = LEGAL_CASES.filter(
      ([, type]) => type !== 'requestHandover' && 'handoverId' in COMMANDS[type],
    ).map(([phase, type]): [Phase, CommandType] => [phase, type]);

    expect(named).toEqual(NAMED_CASES);
  });

  test.each(NAMED_CASES)('%s + %s for another handover throws IllegalTransitionError', (phase, type) => {
    // Prepare
    const before = stateIn(phase);
    expect(before.handover?.id).toBe(HANDOVER_ID);

    // Act
    const error = illegalError(() => transition(before, OTHER[type], NOW));

    // Assess
    expect(error.phase).toBe(phase);
    expect(error.command).toBe(type);
    expect(error.message).toBe(`command ${type} is not allowed in phase ${phase}`);
  });

  test.each(NAMED_CASES)('%s + %s for this handover is still legal', (phase, type) => {
    expect(transition(stateIn(phase), COMMANDS[type], NOW).state.version).toBe(VERSION + 1);
  });

  /** bot → handover A → no agents (bot) → handover B: its presence check under way. */
  function secondHandoverInPresence(): Conversation {
    let state = stateIn('bot');
    state = transition(
      state,
      { type: 'requestHandover', handoverId: OTHER_HANDOVER_ID, additions: ADDITIONS },
      NOW,
    ).state;
    state = transition(
      state,
      { type: 'presenceChecked', handoverId: OTHER_HANDOVER_ID, status: 'offline' },
      NOW + 1,
    ).state;
    state = transition(state, COMMANDS.requestHandover, NOW + 2).state;
    return state;
  }

  test("a late presenceChecked of handover A is illegal in handover B's presence phase", () => {
    // Prepare
    const before = secondHandoverInPresence();
    expect(before.phase).toBe('presence');
    expect(before.handover?.id).toBe(NEW_HANDOVER_ID);

    // Act: A's presence check delivered again, now saying online.
    const error = illegalError(() =>
      transition(
        before,
        { type: 'presenceChecked', handoverId: OTHER_HANDOVER_ID, status: 'online' },
        NOW + 3,
      ),
    );

    // Assess: B's own check still decides.
    expect(error.phase).toBe('presence');
    expect(error.command).toBe('presenceChecked');
    const { state, effects } = transition(
      before,
      { type: 'presenceChecked', handoverId: NEW_HANDOVER_ID, status: 'online' },
      NOW + 3,
    );
    expect(state.phase).toBe('intake');
    expect(effects).toEqual([{ type: 'startIntake', handoverId: NEW_HANDOVER_ID }]);
  });

  test("a late handoverFailed of handover A does not end handover B's intake", () => {
    // Prepare
    const before = transition(
      secondHandoverInPresence(),
      { type: 'presenceChecked', handoverId: NEW_HANDOVER_ID, status: 'online' },
      NOW + 3,
    ).state;
    expect(before.phase).toBe('intake');

    // Act
    const error = illegalError(() =>
      transition(
        before,
        { type: 'handoverFailed', handoverId: OTHER_HANDOVER_ID, stage: 'timeout:presence' },
        NOW + 4,
      ),
    );

    // Assess
    expect(error.phase).toBe('intake');
    expect(error.command).toBe('handoverFailed');
  });

  test("a late handoverSucceeded of handover A does not give handover B's conversation to an agent", () => {
    // Prepare: B's intake is complete, the desk asked.
    let before = transition(
      secondHandoverInPresence(),
      { type: 'presenceChecked', handoverId: NEW_HANDOVER_ID, status: 'online' },
      NOW + 3,
    ).state;
    before = transition(
      before,
      { type: 'intakeCompleted', handoverId: NEW_HANDOVER_ID, answers: ANSWERS },
      NOW + 4,
    ).state;
    expect(before.phase).toBe('handing_over');

    // Act
    const error = illegalError(() =>
      transition(
        before,
        { type: 'handoverSucceeded', handoverId: OTHER_HANDOVER_ID, lockMs: LOCK_MS },
        NOW + 5,
      ),
    );

    // Assess
    expect(error.phase).toBe('handing_over');
    expect(error.command).toBe('handoverSucceeded');
  });
});

describe('business hours, the intake timeout and the agent’s release (issue 16)', () => {
  test('closed: presence is answered offline for it, and the effect says closed', () => {
    const { state, effects } = transition(
      stateIn('presence'),
      { type: 'presenceChecked', handoverId: HANDOVER_ID, status: 'offline', closed: true },
      NOW,
    );
    expect(state.phase).toBe('bot');
    expect(effects).toEqual([{ type: 'notifyNoAgents', handoverId: HANDOVER_ID, closed: true }]);
  });

  test("the tenant's intake timeout is the intake step's deadline, from each write", () => {
    const { state } = transition(
      stateIn('presence'),
      { type: 'presenceChecked', handoverId: HANDOVER_ID, status: 'online', intakeTimeoutMs: 5 * 60_000 },
      NOW,
    );
    expect(stepDeadline(state)).toBe(NOW + 5 * 60_000);
    const progressed = transition(
      state,
      { type: 'intakeProgressed', handoverId: HANDOVER_ID, intake: PROGRESS },
      NOW + 60_000,
    ).state;
    expect(stepDeadline(progressed)).toBe(NOW + 6 * 60_000);
    // Without one (an intake begun before the option existed): the default 30 minutes.
    expect(stepDeadline(stateIn('intake'))).toBe(stateIn('intake').updatedAt + STEP_TIMEOUT_MS.intake);
  });

  test("an agent's message rides in the activity as an effect, its id kept (the last 20) so a desk's retry is known", () => {
    const message = { id: 'desk-1', text: 'Hi', signOff: false };
    const { state, effects } = transition(
      stateIn('agent'),
      { type: 'activity', lockMs: LOCK_MS, message },
      NOW,
    );
    expect(effects).toEqual([{ type: 'agentMessage', handoverId: HANDOVER_ID, message }]);
    expect(state.handover?.agentMessageIds).toEqual(['desk-1']);
    let many = state;
    for (let i = 2; i <= AGENT_MESSAGE_IDS_KEPT + 1; i += 1)
      many = transition(
        many,
        { type: 'activity', lockMs: LOCK_MS, message: { ...message, id: `desk-${i}` } },
        NOW,
      ).state;
    expect(many.handover?.agentMessageIds).toHaveLength(AGENT_MESSAGE_IDS_KEPT);
    expect(many.handover?.agentMessageIds?.[0]).toBe('desk-2');
    // Activity without a message (a claim's heartbeat) keeps the ids and has no effect.
    const quiet = transition(many, { type: 'activity', lockMs: LOCK_MS }, NOW);
    expect(quiet.effects).toEqual([]);
    expect(quiet.state.handover?.agentMessageIds).toEqual(many.handover?.agentMessageIds);
  });

  test('the release the agent leaves with its end call is kept when the session ends, for that handover only', () => {
    const release = { summary: 'refund approved', variables: { ticket: 'T-1' } };
    const signedOff = transition(stateIn('agent'), { type: 'activity', lockMs: LOCK_MS, release }, NOW).state;
    expect(signedOff.handover?.release).toEqual(release);
    // Another message after the sign-off keeps it.
    const later = transition(signedOff, { type: 'activity', lockMs: LOCK_MS }, NOW + 1).state;
    const ended = transition(later, { type: 'endSession', by: 'user' }, NOW + 2).state;
    expect(ended.lastRelease).toEqual({ handoverId: HANDOVER_ID, ...release });
    const again = transition(
      ended,
      { type: 'requestHandover', handoverId: NEW_HANDOVER_ID, additions: ADDITIONS },
      NOW + 3,
    ).state;
    expect(again.lastRelease).toBeUndefined();
  });

  test('an expired lock hands the release on too, also when a new request ends it before the sweep', () => {
    const release = { summary: 'call back tomorrow' };
    const signedOff = transition(stateIn('agent'), { type: 'activity', lockMs: LOCK_MS, release }, NOW).state;
    const expiredAt = NOW + LOCK_MS;
    expect(transition(signedOff, { type: 'expire' }, expiredAt).state.lastRelease).toEqual({
      handoverId: HANDOVER_ID,
      ...release,
    });
    const { state, effects } = transition(
      signedOff,
      { type: 'requestHandover', handoverId: NEW_HANDOVER_ID, additions: ADDITIONS },
      expiredAt,
    );
    expect(effects[0]).toEqual({
      type: 'sessionEnded',
      handoverId: HANDOVER_ID,
      reason: 'expired',
      skill: 'billing',
    });
    expect(state.lastRelease).toEqual({ handoverId: HANDOVER_ID, ...release });
  });
});

describe('a handover pending the desk’s claim (issue 16)', () => {
  const pendingState = (patch: Partial<Handover> = {}): Conversation => {
    const base = stateIn('handing_over');
    const handover = base.handover;
    if (!handover) throw new Error('fixture without a handover');
    return {
      ...base,
      handover: {
        ...handover,
        deskAskedAt: NOW - 60_000,
        pickupBy: NOW + 240_000,
        awaitsClaim: true,
        waitingEveryMs: 60_000,
        nextWaitingAt: NOW,
        ...patch,
      },
    };
  };

  test('its deadline is the pickup deadline, whatever is written meanwhile', () => {
    const state = pendingState();
    expect(stepDeadline(state)).toBe(NOW + 240_000);
    const noticed = transition(state, COMMANDS.waitingNoticeDue, NOW).state;
    expect(stepDeadline(noticed)).toBe(NOW + 240_000);
  });

  test('a waiting notice is due at nextWaitingAt, not before, and schedules the next', () => {
    expect(
      illegalError(() => transition(pendingState({ nextWaitingAt: NOW + 1 }), COMMANDS.waitingNoticeDue, NOW))
        .command,
    ).toBe('waitingNoticeDue');
    const { state, effects } = transition(pendingState({ queuePosition: 2 }), COMMANDS.waitingNoticeDue, NOW);
    expect(state.phase).toBe('handing_over');
    expect(state.handover?.nextWaitingAt).toBe(NOW + 60_000);
    expect(effects).toEqual([{ type: 'waitingNotice', handoverId: HANDOVER_ID, position: 2 }]);
  });

  test('a queue position is told when it changes, and only recorded when it does not', () => {
    const moved = transition(pendingState({ queuePosition: 5 }), COMMANDS.queuePositionReported, NOW);
    expect(moved.state.handover?.queuePosition).toBe(3);
    expect(moved.effects).toEqual([{ type: 'waitingNotice', handoverId: HANDOVER_ID, position: 3 }]);
    expect(transition(moved.state, COMMANDS.queuePositionReported, NOW + 1).effects).toEqual([]);
  });

  test('withdrawn: back to the bot, the handover gone, the effect says withdrawn', () => {
    const { state, effects } = transition(pendingState(), COMMANDS.withdrawHandover, NOW + 240_000);
    expect(state.phase).toBe('bot');
    expect(state.handover).toBeUndefined();
    expect(effects).toEqual([{ type: 'handoverWithdrawn', handoverId: HANDOVER_ID, skill: 'billing' }]);
  });

  test('the claim still makes it live; a command for another handover is illegal', () => {
    const { state, effects } = transition(pendingState(), COMMANDS.handoverSucceeded, NOW);
    expect(state.phase).toBe('agent');
    expect(effects).toEqual([{ type: 'sessionStarted', handoverId: HANDOVER_ID }]);
    const other = commandsFor('h-other');
    expect(() => transition(pendingState(), other.withdrawHandover, NOW)).toThrow(IllegalTransitionError);
    expect(() => transition(pendingState(), other.queuePositionReported, NOW)).toThrow(
      IllegalTransitionError,
    );
  });

  test('a desk that goes live on acceptance has no pending handover: the three are illegal', () => {
    const accepting = pendingState({ awaitsClaim: false });
    for (const type of ['waitingNoticeDue', 'queuePositionReported', 'withdrawHandover'] as const)
      expect(() => transition(accepting, COMMANDS[type], NOW)).toThrow(IllegalTransitionError);
  });

  test('the sweep index is due at the next waiting notice when it comes before the deadline', () => {
    expect(sweepDueAt(pendingState({ nextWaitingAt: NOW + 30_000 }))).toBe(NOW + 30_000);
    expect(sweepDueAt(pendingState({ nextWaitingAt: undefined }))).toBe(NOW + 240_000);
  });
});

describe('a live chat transferred to another skill (issue 16)', () => {
  const live = (): Conversation => {
    const state = stateIn('agent');
    const handover = state.handover;
    if (!handover) throw new Error('the agent fixture has a handover');
    return {
      ...state,
      deskChatId: 'desk-chat-1',
      handover: { ...handover, pageUrl: 'https://shop.example/help', release: { summary: 'old desk' } },
    };
  };

  test('a new handover for the new skill, with the intake answers and no lock, claim or release', () => {
    const { state } = transition(live(), COMMANDS.transferHandover, NOW);
    expect(state.phase).toBe('handing_over');
    expect(state.handover).toEqual({
      id: NEW_HANDOVER_ID,
      requestedAt: NOW,
      additions: { ...ADDITIONS, skill: 'sales' },
      pageUrl: 'https://shop.example/help',
      intake: { step: 2, answers: ANSWERS, invalidAttempts: 0 },
    });
    // The conversation's additions follow: the relay finds the new desk from them after the handover.
    expect(state.additions?.skill).toBe('sales');
    expect(sweepDueAt(state)).toBe(NOW + STEP_TIMEOUT_MS.handing_over);
  });

  test('illegal for another handover, and once the lock has run out', () => {
    expect(() => transition(live(), commandsFor('h-other').transferHandover, NOW)).toThrow(
      IllegalTransitionError,
    );
    expect(() => transition(stateIn('agent', NOW), COMMANDS.transferHandover, NOW)).toThrow(
      IllegalTransitionError,
    );
  });
});
