import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SendTurns } from '../src/concurrency.js';

// The laws of SendTurns over arbitrary interleavings of requests asked for, builds ending, the event loop
// turning and time passing outside any build: one request built at a time; the most urgent waiting goes first
// (the earliest among equals); no request starts once the budget is spent until the loop has turned; every
// request is granted in the end.

const BUDGET_MS = 5;

type Step =
  | { op: 'take'; urgency: number }
  | { op: 'built'; ms: number }
  | { op: 'turn' }
  | { op: 'read'; ms: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constant('take' as const), urgency: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ op: fc.constant('built' as const), ms: fc.integer({ min: 0, max: 4 }) }),
  fc.record({ op: fc.constant('turn' as const) }),
  fc.record({ op: fc.constant('read' as const), ms: fc.integer({ min: 0, max: 10 }) }),
);

const jobs = () => new Promise((resolve) => setImmediate(resolve));

describe('SendTurns (properties)', () => {
  it('one build at a time, the most urgent first, none past the budget before the loop turns, every one granted', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40 }), async (steps) => {
        let now = 0;
        const builds: (() => void)[] = [];
        const turns: (() => void)[] = [];
        const sendTurns = new SendTurns({
          afterBuild: (callback) => builds.push(callback),
          nextTurn: (callback) => turns.push(callback),
          clock: () => now,
          budgetMs: BUDGET_MS,
        });
        const granted: number[] = [];
        const waiting: { id: number; urgency: number }[] = [];
        // What the laws need to know: whether the loop's turn is marked, and the building time since it was.
        let marked = false;
        let spent = 0;
        let grantedAt = 0;
        let taken = 0;

        const expectGrantsOf = async (run: () => void) => {
          const before = granted.length;
          const waitingBefore = [...waiting];
          const mayStart = !marked || spent < BUDGET_MS;
          run();
          await jobs();
          const started = granted.slice(before);
          expect(started.length).toBeLessThanOrEqual(1);
          expect(builds.length).toBeLessThanOrEqual(1);
          const [id] = started;
          if (id === undefined) return;
          expect(mayStart).toBe(true);
          const most = Math.max(...waitingBefore.map((each) => each.urgency));
          const first = waitingBefore.find((each) => each.urgency === most);
          expect(id).toBe(first?.id);
          waiting.splice(
            waiting.findIndex((each) => each.id === id),
            1,
          );
          marked = true;
          grantedAt = now;
        };

        for (const each of steps) {
          if (each.op === 'take') {
            const id = taken++;
            waiting.push({ id, urgency: each.urgency });
            await expectGrantsOf(() => {
              void sendTurns.take(each.urgency).then(() => granted.push(id));
            });
          } else if (each.op === 'built') {
            const done = builds.shift();
            if (done === undefined) continue;
            now += each.ms;
            spent += now - grantedAt;
            await expectGrantsOf(done);
          } else if (each.op === 'turn') {
            const turn = turns.shift();
            if (turn === undefined) continue;
            marked = false;
            spent = 0;
            await expectGrantsOf(turn);
          } else {
            now += each.ms;
          }
        }
        // Builds end and the loop turns until nothing is pending: every request was granted.
        for (let round = 0; round < 4 * taken + 4 && (builds.length > 0 || turns.length > 0); round++) {
          if (builds.length > 0) {
            spent += now - grantedAt;
            await expectGrantsOf(builds.shift() as () => void);
          } else {
            marked = false;
            spent = 0;
            await expectGrantsOf(turns.shift() as () => void);
          }
        }
        expect(waiting).toStrictEqual([]);
        expect(granted.toSorted((a, b) => a - b)).toStrictEqual([...Array(taken).keys()]);
      }),
      { numRuns: 200 },
    );
  });
});
