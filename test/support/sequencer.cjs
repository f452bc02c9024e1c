/**
 * Runs the soak last. It saturates DynamoDB Local for minutes; alongside the other heavy suites
 * (each with its own stack reading the table's stream) a request could wait past the SDK's 3 s
 * timeout. Last, it overlaps only the tail of the other worker's files. The rest keep jest's order.
 */
const Sequencer = require('@jest/test-sequencer').default;

class SoakLastSequencer extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    const isSoak = (test) => /soak\.test\.ts$/.test(test.path);
    return [...sorted.filter((test) => !isSoak(test)), ...sorted.filter(isSoak)];
  }
}

module.exports = SoakLastSequencer;
