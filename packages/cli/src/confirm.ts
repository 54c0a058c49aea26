import { ConfirmationRequiredError } from './errors.js';
import type { TextReader, TextWriter } from './terminal.js';

/** Whether a person can answer on `stdin`: `process.stdin` is a terminal exactly when it has `isTTY` set. */
export function isTerminal(stdin: TextReader | undefined): stdin is TextReader {
  return stdin?.isTTY === true;
}

export interface ConfirmOptions {
  /** `apply` or `destroy`: named in the message when confirmation is impossible. */
  command: string;
  /** `--yes`: go ahead without asking. */
  yes: boolean;
  /** `--json`: stdout is for the document only, so nothing can be asked there. */
  json: boolean;
  /** The question, Terraform-style: it must say that only `yes` is accepted. */
  question: string;
  stdin: TextReader | undefined;
  /** Where the question is written. */
  prompt: TextWriter;
  /** SIGINT at the question: stop reading and answer no. */
  signal?: AbortSignal | undefined;
  /** The command as run (without --json and --yes), for the hint when nobody can be asked. */
  again?: string | undefined;
  /** A command that shows what it would do, to review before running it with --yes. */
  review?: string | undefined;
  /** What the error says when nobody can be asked and stdin is not a terminal (default: nothing was changed). */
  hint?: string | undefined;
}

/** Whether the change can go ahead at all: `--yes`, or a person at a terminal to ask (and no --json). */
export function canConfirm(options: Pick<ConfirmOptions, 'yes' | 'json' | 'stdin'>): boolean {
  return options.yes || (!options.json && isTerminal(options.stdin));
}

/**
 * True when the change may go ahead: `--yes`, or `yes` typed on a terminal. Anything else typed (or the end of
 * input) is false. Throws ConfirmationRequiredError, before anything is changed, when there is no one to ask.
 */
export async function confirm(options: ConfirmOptions): Promise<boolean> {
  const { yes, question, stdin, prompt } = options;
  if (yes) return true;
  throwUnlessConfirmable(options, options.hint);
  prompt.write(`${question} `);
  // A terminal: throwUnlessConfirmable stopped the run otherwise.
  return (await readLine(stdin as TextReader, options.signal)).trim() === 'yes';
}

/**
 * Throws ConfirmationRequiredError when nobody can be asked (no --yes, and --json or no terminal). `hint`
 * replaces the default one (that nothing was changed) when the run has more to say.
 */
export function throwUnlessConfirmable(
  options: Pick<ConfirmOptions, 'command' | 'yes' | 'json' | 'stdin' | 'again' | 'review'>,
  hint = 'Nothing was changed.',
): void {
  const { command, yes, json, stdin } = options;
  if (yes) return;
  if (json) {
    const review = options.review === undefined ? 'what it will do' : `'${options.review}'`;
    const again =
      options.again === undefined ? `the same 'mlds ${command}' command` : `'${options.again} --json --yes'`;
    throw new ConfirmationRequiredError(`${command} --json needs --yes`, {
      hint: `With --json, stdout holds only the JSON document, so mlds cannot ask for confirmation: review ${review} first, then run ${again}.`,
    });
  }
  if (!isTerminal(stdin)) {
    throw new ConfirmationRequiredError(
      `${command} needs confirmation, and stdin is not a terminal: pass --yes to ${command} without asking`,
      { hint },
    );
  }
}

/** The first line of `stdin` (without its end of line); what there is when input ends first. */
async function readLine(stdin: TextReader, signal: AbortSignal | undefined): Promise<string> {
  const decoder = new TextDecoder();
  const iterator = stdin[Symbol.asyncIterator]();
  let text = '';
  const aborted = new Promise<{ done: true; value: undefined }>((resolve) => {
    if (signal?.aborted) resolve({ done: true, value: undefined });
    signal?.addEventListener('abort', () => resolve({ done: true, value: undefined }), { once: true });
  });
  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), aborted]);
      if (signal?.aborted) return '';
      if (next.done === true) return text + decoder.decode();
      text += typeof next.value === 'string' ? next.value : decoder.decode(next.value, { stream: true });
      const end = text.indexOf('\n');
      if (end !== -1) return text.slice(0, end).replace(/\r$/, '');
    }
  } finally {
    if (signal?.aborted) {
      // A terminal's stream answers return() only once its pending read ends, which is when someone types: not
      // waited for. Destroying the stream ends that read, so the process can exit with its 130.
      void iterator.return?.()?.catch(() => {});
      stdin.destroy?.();
    } else {
      // Stops reading: a stream left flowing would keep the process alive after the command.
      await iterator.return?.();
    }
  }
}
