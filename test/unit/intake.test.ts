import type { IntakeQuestion } from '../../shared/config/tenants';
import type { IntakeProgress } from '../../shared/domain/conversation';
import {
  answerIntake,
  type IntakeDialog,
  questionText,
  startIntake,
  validateAnswer,
} from '../../shared/domain/intake';

// ---------------------------------------------------------------------------------------------
// Fixtures: questions written out in full (every field the schema would default given explicitly).
// ---------------------------------------------------------------------------------------------

const NAME: IntakeQuestion = {
  id: 'name',
  type: 'text',
  prompt: 'What is your name?',
  reask: 'Please tell us your name.',
  minLength: 2,
  maxLength: 20,
};

const EMAIL: IntakeQuestion = {
  id: 'email',
  type: 'email',
  prompt: 'What is your email address?',
  reask: 'That does not look like an email address.',
  minLength: 1,
  maxLength: 200,
};

const PHONE: IntakeQuestion = {
  id: 'phone',
  type: 'phone',
  prompt: 'What is your phone number?',
  reask: 'That does not look like a phone number.',
  minLength: 1,
  maxLength: 200,
};

const TOPIC: IntakeQuestion = {
  id: 'topic',
  type: 'choice',
  prompt: 'What is it about?',
  reask: 'Please pick one of the options.',
  minLength: 1,
  maxLength: 200,
  choices: ['Billing', 'Delivery', 'Returns'],
};

const DIALOG: IntakeDialog = {
  questions: [NAME, EMAIL, TOPIC],
  maxInvalidAttempts: 3,
  cancelWords: ['cancel', 'stop'],
};

function progress(step: number, answers: Record<string, string>, invalidAttempts = 0): IntakeProgress {
  return { step, answers, invalidAttempts };
}

// ---------------------------------------------------------------------------------------------
// startIntake
// ---------------------------------------------------------------------------------------------

describe('startIntake', () => {
  test('no questions: completed at once with no answers', () => {
    expect(startIntake({ questions: [], maxInvalidAttempts: 3, cancelWords: ['cancel'] })).toEqual({
      kind: 'completed',
      answers: {},
    });
  });

  test('asks the first question with fresh progress', () => {
    expect(startIntake(DIALOG)).toEqual({
      kind: 'ask',
      question: NAME,
      progress: { step: 0, answers: {}, invalidAttempts: 0 },
    });
  });
});

// ---------------------------------------------------------------------------------------------
// answerIntake
// ---------------------------------------------------------------------------------------------

describe('answerIntake', () => {
  test('a valid answer saves it under the question id and asks the next question', () => {
    expect(answerIntake(DIALOG, progress(0, {}), 'Ada')).toEqual({
      kind: 'ask',
      question: EMAIL,
      progress: { step: 1, answers: { name: 'Ada' }, invalidAttempts: 0 },
    });
  });

  test('a valid answer after invalid ones resets invalidAttempts and keeps earlier answers', () => {
    expect(answerIntake(DIALOG, progress(1, { name: 'Ada' }, 2), ' Ada@Example.COM ')).toEqual({
      kind: 'ask',
      question: TOPIC,
      progress: { step: 2, answers: { name: 'Ada', email: 'ada@example.com' }, invalidAttempts: 0 },
    });
  });

  test('the last valid answer completes the intake with all answers', () => {
    expect(answerIntake(DIALOG, progress(2, { name: 'Ada', email: 'ada@example.com' }), '2')).toEqual({
      kind: 'completed',
      answers: { name: 'Ada', email: 'ada@example.com', topic: 'Delivery' },
    });
  });

  test('a progress past the last question is completed with the answers it has', () => {
    expect(answerIntake(DIALOG, progress(3, { name: 'Ada' }), 'anything')).toEqual({
      kind: 'completed',
      answers: { name: 'Ada' },
    });
  });

  test('an invalid answer re-asks the same question with invalidAttempts + 1', () => {
    expect(answerIntake(DIALOG, progress(1, { name: 'Ada' }), 'not an email')).toEqual({
      kind: 'reask',
      question: EMAIL,
      progress: { step: 1, answers: { name: 'Ada' }, invalidAttempts: 1 },
    });
  });

  test('the second invalid answer still re-asks', () => {
    expect(answerIntake(DIALOG, progress(1, { name: 'Ada' }, 1), 'a@b')).toEqual({
      kind: 'reask',
      question: EMAIL,
      progress: { step: 1, answers: { name: 'Ada' }, invalidAttempts: 2 },
    });
  });

  test('the third invalid answer (maxInvalidAttempts 3) abandons the intake', () => {
    expect(answerIntake(DIALOG, progress(1, { name: 'Ada' }, 2), 'a@b')).toEqual({
      kind: 'abandoned',
      reason: 'too_many_invalid',
    });
  });

  test('three invalid answers in a row from the start: reask, reask, abandoned', () => {
    // Prepare
    const kinds: string[] = [];
    let current = progress(0, {});

    // Act
    for (const input of ['x', '', undefined]) {
      const step = answerIntake(DIALOG, current, input);
      kinds.push(step.kind);
      if (step.kind === 'reask') current = step.progress;
    }

    // Assess
    expect(kinds).toEqual(['reask', 'reask', 'abandoned']);
  });

  test('no input at all counts as an invalid answer', () => {
    expect(answerIntake(DIALOG, progress(0, {}), undefined)).toEqual({
      kind: 'reask',
      question: NAME,
      progress: { step: 0, answers: {}, invalidAttempts: 1 },
    });
  });

  test.each(['cancel', 'stop', 'CANCEL', 'Stop', '  cancel  ', '\tSTOP\n'])(
    'the cancel word %j abandons the intake as cancelled',
    (input) => {
      expect(answerIntake(DIALOG, progress(1, { name: 'Ada' }, 2), input)).toEqual({
        kind: 'abandoned',
        reason: 'cancelled',
      });
    },
  );

  test('a cancel word configured in capitals still matches case-insensitively', () => {
    const dialog: IntakeDialog = { ...DIALOG, cancelWords: ['Quit'] };

    expect(answerIntake(dialog, progress(0, {}), 'QUIT')).toEqual({ kind: 'abandoned', reason: 'cancelled' });
  });

  test('a cancel word inside a longer answer is an answer, not a cancel', () => {
    expect(answerIntake(DIALOG, progress(0, {}), 'stop it')).toEqual({
      kind: 'ask',
      question: EMAIL,
      progress: { step: 1, answers: { name: 'stop it' }, invalidAttempts: 0 },
    });
  });

  test('the answer is trimmed before it is saved', () => {
    expect(answerIntake(DIALOG, progress(0, {}), '  Grace Hopper  ')).toEqual({
      kind: 'ask',
      question: EMAIL,
      progress: { step: 1, answers: { name: 'Grace Hopper' }, invalidAttempts: 0 },
    });
  });

  test('does not mutate the progress it is given', () => {
    // Prepare
    const before = progress(1, { name: 'Ada' }, 1);

    // Act
    answerIntake(DIALOG, before, 'ada@example.com');
    answerIntake(DIALOG, before, 'nope');

    // Assess
    expect(before).toEqual({ step: 1, answers: { name: 'Ada' }, invalidAttempts: 1 });
  });
});

// ---------------------------------------------------------------------------------------------
// validateAnswer
// ---------------------------------------------------------------------------------------------

describe('validateAnswer', () => {
  describe('email', () => {
    test.each([
      ['ada@example.com', 'ada@example.com'],
      ['Ada.Lovelace@Example.CO.UK', 'ada.lovelace@example.co.uk'],
      ['first+tag@sub.example.org', 'first+tag@sub.example.org'],
    ])('%s is valid, saved as %s', (input, expected) => {
      expect(validateAnswer(EMAIL, input)).toBe(expected);
    });

    test.each(['a@b', 'no at', 'x@y.z', 'ada@@example.com', 'ada example@example.com', '@example.com'])(
      '%j is rejected',
      (input) => {
        expect(validateAnswer(EMAIL, input)).toBeUndefined();
      },
    );
  });

  describe('phone', () => {
    test.each([
      ['+31 6 1234 5678', '+31612345678'],
      ['06-12345678', '0612345678'],
      ['(020) 123.4567', '0201234567'],
      ['123456', '123456'],
      ['+123456789012345', '+123456789012345'],
    ])('%s is valid, saved as %s', (input, expected) => {
      expect(validateAnswer(PHONE, input)).toBe(expected);
    });

    test.each([
      ['too short (5 digits)', '12345'],
      ['too long (16 digits)', '+1234567890123456'],
      ['letters', '06-1234abcd'],
      ['words', 'call me'],
      ['a plus in the middle', '06+12345678'],
    ])('%s is rejected', (_label, input) => {
      expect(validateAnswer(PHONE, input)).toBeUndefined();
    });
  });

  describe('choice', () => {
    test.each([
      ['Billing', 'Billing'],
      ['delivery', 'Delivery'],
      ['RETURNS', 'Returns'],
      ['1', 'Billing'],
      ['2', 'Delivery'],
      ['3', 'Returns'],
    ])('%s picks %s', (input, expected) => {
      expect(validateAnswer(TOPIC, input)).toBe(expected);
    });

    test.each(['0', '4', '10', '-1', 'Bill', 'Billing please', 'something else'])(
      '%j is rejected',
      (input) => {
        expect(validateAnswer(TOPIC, input)).toBeUndefined();
      },
    );
  });

  describe('text length', () => {
    test.each([
      ['at minLength', 'Al', 'Al'],
      ['at maxLength', 'abcdefghijklmnopqrst', 'abcdefghijklmnopqrst'],
    ])('%s is valid', (_label, input, expected) => {
      expect(validateAnswer(NAME, input)).toBe(expected);
    });

    test.each([
      ['empty', ''],
      ['below minLength', 'A'],
      ['above maxLength', 'abcdefghijklmnopqrstu'],
    ])('%s is rejected', (_label, input) => {
      expect(validateAnswer(NAME, input)).toBeUndefined();
    });

    test('length limits apply to other types too', () => {
      const shortEmail: IntakeQuestion = { ...EMAIL, maxLength: 10 };

      expect(validateAnswer(shortEmail, 'ab@cd.com')).toBe('ab@cd.com');
      expect(validateAnswer(shortEmail, 'abc@def.com')).toBeUndefined();
    });
  });
});

// ---------------------------------------------------------------------------------------------
// questionText
// ---------------------------------------------------------------------------------------------

describe('questionText', () => {
  test('a text question is just its prompt', () => {
    expect(questionText(NAME)).toBe('What is your name?');
  });

  test('a re-asked text question prepends the reask text', () => {
    expect(questionText(NAME, true)).toBe('Please tell us your name.\nWhat is your name?');
  });

  test('a choice question lists its choices numbered from 1', () => {
    expect(questionText(TOPIC)).toBe('What is it about?\n1. Billing\n2. Delivery\n3. Returns');
  });

  test('a re-asked choice question has the reask text, the prompt and the numbered choices', () => {
    expect(questionText(TOPIC, true)).toBe(
      'Please pick one of the options.\nWhat is it about?\n1. Billing\n2. Delivery\n3. Returns',
    );
  });

  test('choices on a non-choice question are not listed', () => {
    const withChoices: IntakeQuestion = { ...NAME, choices: ['a', 'b'] };

    expect(questionText(withChoices)).toBe('What is your name?');
  });
});
