import { busiestSecond, busiestWindow } from '../support/busiest-window';

test('a sliding window sees calls bunched across a second boundary that calendar seconds split', () => {
  const calls = [0, 999, 1_000, 1_998];
  expect(busiestSecond(calls)).toBe(2);
  expect(busiestWindow(calls)).toBe(3);
});

test('calls exactly 1000 ms apart are in different windows, in any order', () => {
  expect(busiestWindow([2_000, 0, 1_000])).toBe(1);
  expect(busiestWindow([])).toBe(0);
  expect(busiestSecond([])).toBe(0);
});
