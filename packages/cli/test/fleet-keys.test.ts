import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters as plain } from 'node:util';
import { DeleteBucketCommand } from '@aws-sdk/client-s3';
import { createFakeCloud, type FakeCloud } from '@mlds/fixtures';
import type { AwsClients } from '@mlds/provisioner';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CliOptions } from '../src/main.js';
import type { Signals } from '../src/signals.js';
import { aroundSends, runAgainstFake } from './fake-cli.js';
import { signalSource } from './fake-signals.js';
import { fakeTerminalStdin } from './fake-terminal.js';
import { type CliRun, tempDir, unwrapped } from './helpers.js';
import { cdnDownstream } from './workflow-texts.js';

// The fleet's live display with its keys, in-process through main(): a terminal stdin whose raw mode and key
// presses are faked, the keys typed from inside the fake cloud while the run is going on.

const NAMES = ['court-1', 'court-2'] as const;
const FILES = NAMES.map((name) => `${name}.yaml`);
const ENV = { CDN_PASSWORD: 'pa55-w0rd-for-the-cdn', FORCE_COLOR: '1' };

function workflowText(name: string): string {
  return [
    `workflow: ${name}`,
    'region: us-west-2',
    'downstream:',
    '  - name: archive',
    '    system: s3',
    ...cdnDownstream(''),
    '',
  ].join('\n');
}

let fake: FakeCloud;
let cwd: string;

beforeEach(() => {
  fake = createFakeCloud();
  cwd = tempDir();
  for (const name of NAMES) writeFileSync(join(cwd, `${name}.yaml`), workflowText(name));
});

/** AWS requests sent after Ctrl-C was typed: none may be (no new AWS call starts). */
let ctrlCTyped = false;
let sentAfterCtrlC = 0;

/** The fake cloud's clients; `onMutated(n)` runs when the n-th mutating call has returned. */
function watchedClients(onMutated: (count: number) => void): AwsClients {
  ctrlCTyped = false;
  sentAfterCtrlC = 0;
  let reported = 0;
  return aroundSends(fake, async (send) => {
    if (ctrlCTyped) sentAfterCtrlC += 1;
    const result = await send();
    while (reported < fake.mutatingCalls().length) onMutated(++reported);
    return result;
  });
}

/** Signals that never come from outside: the only way to interrupt is Ctrl-C typed into the display. */
function quietSignals(onExitNow: (code: number) => void): Signals & { listening: () => number } {
  const source = signalSource({ exitNow: onExitNow });
  return { ...source.signals, listening: source.listening };
}

async function mlds(argv: string[], options: Partial<Omit<CliOptions, 'argv'>>): Promise<CliRun> {
  return runAgainstFake(argv, { cwd, env: ENV }, { isTTY: true, ...options });
}

const locksLeft = () => NAMES.filter((name) => existsSync(join(cwd, `.mlds/${name}.state.json.lock`)));

describe('the fleet display takes keys on a terminal', () => {
  it('after the confirmation is answered: raw mode, the hint, a workflow expanded into its resources; cooked mode at the end', async () => {
    const terminal = fakeTerminalStdin('yes\n');
    let pressed = false;
    const clients = watchedClients(() => {
      // While the run goes on, once court-2 is on screen (a call of its own returned; the workflows start in
      // no set order): select court-2 and expand it.
      if (pressed || !fake.mutatingCalls().some((call) => JSON.stringify(call.input).includes('court-2')))
        return;
      pressed = true;
      terminal.press('j\r');
      terminal.log.push('-- running --');
    });
    const run = await mlds(['apply', ...FILES], { stdin: terminal.stdin, awsClients: () => clients });
    expect(run.code).toBe(0);
    // The question read stdin by lines first; raw mode only after it was answered, and given back at the end.
    expect(terminal.log.slice(0, 5)).toStrictEqual([
      'read "yes\\n"',
      'lines done',
      'raw true',
      'listen',
      'resume',
    ]);
    expect(terminal.log.slice(-3)).toStrictEqual(['unlisten', 'raw false', 'pause']);
    expect(terminal.log.indexOf('-- running --')).toBeGreaterThan(terminal.log.indexOf('raw true'));
    expect(terminal.isRaw()).toBe(false);
    expect(terminal.listening()).toBe(0);

    const shown = plain(run.stdout);
    expect(shown).toContain(
      '↑/↓ or j/k select · enter/space/→ expand · ← collapse · a expand/collapse all · ctrl-c interrupt\n',
    );
    expect(shown).toMatch(/^› ▾ \S court-2 {2}\d\/3 done/m);
    expect(shown).toMatch(/^ {6}\S archive\.bucket\[0\] {2}create {2}(running|created|pending)/m);
    expect(shown).toMatch(/^ {6}\S cdn\.password {7}create {2}(running|created|pending)/m);
    // Each frame is drawn over the previous one, and the region is gone at the end.
    expect(run.stdout).toContain('\x1b[J');
    expect(shown).toContain('[✓] court-1: Apply complete: 3 created');
    expect(shown).toContain('[✓] court-2: Apply complete: 3 created');
  });

  it('Ctrl-C in raw mode is the interrupt: no new call starts, the locks are released, exit 130, cooked mode back', async () => {
    const terminal = fakeTerminalStdin(undefined);
    const exits: number[] = [];
    const signals = quietSignals((code) => exits.push(code));
    const clients = watchedClients((count) => {
      if (count === 1) {
        ctrlCTyped = true;
        terminal.press('\x03');
      }
    });
    const run = await mlds(['apply', ...FILES, '--yes'], {
      stdin: terminal.stdin,
      awsClients: () => clients,
      signals,
    });
    expect(run.code).toBe(130);
    expect(unwrapped(plain(run.stderr))).toContain(
      'Interrupted: no new AWS call starts in any workflow; the calls in flight finish and are recorded, then the locks are released.',
    );
    expect(exits).toStrictEqual([]);
    expect(sentAfterCtrlC).toBe(0);
    // Written through the display while it ran (above its region), and stderr is the run's own again after.
    expect(run.stdout).not.toContain('Interrupted');
    expect(plain(run.stdout)).toMatch(/^Fleet apply: 0 of 2 workflows applied, 2 interrupted\./m);
    // Nothing applied: no destinations to look at.
    expect(plain(run.stdout)).not.toContain('destinations:');
    expect(locksLeft()).toStrictEqual([]);
    expect(signals.listening()).toBe(0);
    expect(terminal.isRaw()).toBe(false);
    expect(terminal.log.at(-2)).toBe('raw false');

    // Apply again (no keys this time) finishes the job.
    const again = await mlds(['apply', ...FILES, '--yes'], { awsClients: () => fake.clients, isTTY: false });
    expect(again.code).toBe(0);
  });

  it('a second Ctrl-C stops at once: the terminal is back in cooked mode before the process exits', async () => {
    const terminal = fakeTerminalStdin(undefined);
    const rawAtExit: boolean[] = [];
    const signals = quietSignals(() => rawAtExit.push(terminal.isRaw()));
    const clients = watchedClients((count) => {
      if (count === 1) terminal.press('\x03\x03');
    });
    const run = await mlds(['apply', ...FILES, '--yes'], {
      stdin: terminal.stdin,
      awsClients: () => clients,
      signals,
    });
    expect(rawAtExit).toStrictEqual([false]);
    expect(plain(run.stderr)).toContain('Stopped at once');
    expect(terminal.listening()).toBe(0);
  });

  it('Ctrl-Z: the region cleared and the terminal given back, then the process suspended; continued, raw mode and the region again; the run ends as it would have', async () => {
    const terminal = fakeTerminalStdin(undefined);
    const source = signalSource({ onSuspend: () => terminal.log.push('suspend') });
    // What is written to the terminal, in order among what is done to its stdin.
    const screen = { write: (chunk: string) => terminal.log.push(`write ${chunk}`) };
    const clients = watchedClients((count) => {
      if (count === 1) {
        terminal.log.push('-- ctrl-z --');
        terminal.press('\x1a');
      }
      if (count === 3) {
        terminal.log.push('-- fg --');
        source.continueProcess();
        terminal.log.push('-- fg done --');
      }
    });
    const run = await mlds(['apply', ...FILES, '--yes'], {
      stdin: terminal.stdin,
      awsClients: () => clients,
      signals: source.signals,
      stdout: screen,
    });
    expect(run.code).toBe(0);
    const { log } = terminal;
    const typed = log.indexOf('-- ctrl-z --');
    const continued = log.indexOf('-- fg --');
    expect(typed).toBeGreaterThan(log.indexOf('raw true'));
    // The region cleared: the cursor up its lines, and all below it erased.
    expect(log[typed + 1]?.replace(/\d+/, 'N')).toBe('write \x1b[NF\x1b[J');
    expect(log.slice(typed + 2, typed + 6)).toStrictEqual(['unlisten', 'raw false', 'pause', 'suspend']);
    // Stopped: nothing drawn over the shell's prompt, nothing read from the terminal, until continued.
    expect(log.slice(typed + 6, continued)).toStrictEqual([]);
    // Continued: raw mode and the keys back, and the region drawn again at once (not at the next event).
    expect(log.slice(continued + 1, continued + 4)).toStrictEqual(['raw true', 'listen', 'resume']);
    expect(log[continued + 5]).toBe('-- fg done --');
    const redrawn = plain(log[continued + 4] ?? '');
    expect(redrawn).toMatch(/^write [› ] ▸ \S court-\d {2}\d\/3 done/);
    expect(redrawn).toContain('ctrl-c interrupt');
    expect(source.suspends()).toBe(1);
    expect(source.waitingForContinue()).toBe(0);

    // Given back at the end, as without Ctrl-Z, and the run's result the same.
    expect(log.filter((entry) => !entry.startsWith('write ')).slice(-3)).toStrictEqual([
      'unlisten',
      'raw false',
      'pause',
    ]);
    expect(terminal.isRaw()).toBe(false);
    expect(terminal.listening()).toBe(0);
    const shown = plain(run.stdout);
    expect(shown).toContain('[✓] court-1: Apply complete: 3 created');
    expect(shown).toContain('[✓] court-2: Apply complete: 3 created');
    expect(shown).toMatch(
      /^Fleet apply: 2 of 2 workflows applied\. In all: 6 created, 0 updated, 0 deleted\./m,
    );
    expect(run.stderr).toBe('');
    expect(locksLeft()).toStrictEqual([]);
    const again = await mlds(['apply', ...FILES, '--yes'], { awsClients: () => fake.clients, isTTY: false });
    expect(again.code).toBe(0);
    expect(plain(again.stdout)).toMatch(/^Fleet: 2 workflows, 0 with changes/m);
  });

  it('Ctrl-Z, and the run ends before the process is continued: the terminal stays given back; a SIGCONT after takes nothing', async () => {
    const terminal = fakeTerminalStdin(undefined);
    const source = signalSource();
    const clients = watchedClients((count) => {
      if (count === 1) terminal.press('\x1a');
    });
    const run = await mlds(['apply', ...FILES, '--yes'], {
      stdin: terminal.stdin,
      awsClients: () => clients,
      signals: source.signals,
    });
    expect(run.code).toBe(0);
    expect(source.suspends()).toBe(1);
    expect(source.waitingForContinue()).toBe(0);
    const logged = [...terminal.log];
    expect(logged.filter((entry) => entry === 'raw true')).toHaveLength(1);
    source.continueProcess();
    expect(terminal.log).toStrictEqual(logged);
    expect(terminal.isRaw()).toBe(false);
    expect(terminal.listening()).toBe(0);
  });

  it('Ctrl-Z where the process cannot suspend itself (no SIGTSTP, as on Windows): ignored, the keys still read', async () => {
    const terminal = fakeTerminalStdin(undefined);
    const { suspend: _none, onContinue: _neither, ...noSuspend } = signalSource().signals;
    const clients = watchedClients((count) => {
      if (count === 1) {
        terminal.press('\x1a');
        terminal.log.push('-- typed --');
      }
    });
    const run = await mlds(['apply', ...FILES, '--yes'], {
      stdin: terminal.stdin,
      awsClients: () => clients,
      signals: noSuspend,
    });
    expect(run.code).toBe(0);
    const typed = terminal.log.indexOf('-- typed --');
    expect(typed).toBeGreaterThan(terminal.log.indexOf('raw true'));
    expect(terminal.log.slice(typed + 1)).toStrictEqual(['unlisten', 'raw false', 'pause']);
  });

  it('counts and lists only what the plan changes: resources kept as they are are neither counted nor shown', async () => {
    expect(
      (await mlds(['apply', ...FILES, '--yes'], { awsClients: () => fake.clients, isTTY: false })).code,
    ).toBe(0);
    // A bucket deleted by hand: the refresh finds it gone, and the plan creates it again; the rest is kept.
    await fake.clients.s3('us-west-2').send(new DeleteBucketCommand({ Bucket: 'court-2-archive-p1' }));
    const terminal = fakeTerminalStdin(undefined);
    const before = fake.mutatingCalls().length;
    const clients = watchedClients((count) => {
      if (count === before + 1) terminal.press('a');
    });
    const run = await mlds(['apply', ...FILES, '--yes'], {
      stdin: terminal.stdin,
      awsClients: () => clients,
    });
    expect(run.code).toBe(0);
    const shown = plain(run.stdout);
    const counts = [...shown.matchAll(/court-2 {2}(\d+)\/(\d+) done/g)].map(
      (match) => `${match[1]}/${match[2]}`,
    );
    expect(counts.length).toBeGreaterThan(0);
    expect(counts.every((text) => text === '0/1' || text === '1/1')).toBe(true);
    expect(shown).toMatch(/^ {6}\S archive\.bucket\[1\] {2}create {2}(running|created|pending)/m);
    expect(shown).not.toMatch(/^ {6}\S (archive\.bucket\[0\]|cdn\.password) /m);
    expect(shown).toContain('[✓] court-2: Apply complete: 1 created');
  });

  it('stdin not a terminal (piped) while stdout is: the live lines without keys, stdin untouched', async () => {
    const terminal = fakeTerminalStdin(undefined);
    const run = await mlds(['apply', ...FILES, '--yes'], {
      stdin: { ...terminal.stdin, isTTY: false },
      awsClients: () => fake.clients,
    });
    expect(run.code).toBe(0);
    expect(terminal.log).toStrictEqual([]);
    expect(plain(run.stdout)).not.toContain('ctrl-c interrupt');
    expect(plain(run.stdout)).toMatch(/^\S court-1 {2}\d\/3 done/m);
  });
});
