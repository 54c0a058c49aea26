/**
 * `word` as one argument of a shell command line: as it is when no POSIX shell character could split or expand
 * it, else double-quoted (hints quote whole commands in single quotes, and a path with a space, such as
 * `My Workflows/live.yaml`, must still paste as one argument).
 */
export function shellArg(word: string): string {
  if (/^[A-Za-z0-9_\-./:@%+=,]+$/.test(word)) return word;
  return `"${word.replace(/["\\$`]/g, (character) => `\\${character}`)}"`;
}

/**
 * The flags that decide where a command acts, as given: a hint's command without them would act elsewhere
 * (another state file, another Region, another account). Quoted for a shell; `extra` are the command's own
 * (destroy's --force).
 */
export function rerunFlags(
  options: { statePath?: string | undefined; region?: string | undefined; profile?: string | undefined },
  extra: readonly string[] = [],
): string[] {
  return [
    ...(options.statePath === undefined ? [] : ['--state', shellArg(options.statePath)]),
    ...(options.region === undefined ? [] : ['--region', shellArg(options.region)]),
    ...(options.profile === undefined ? [] : ['--profile', shellArg(options.profile)]),
    ...extra,
  ];
}

/** `mlds <command> <args…> <flags…>`, each argument quoted for a shell (the flags are already). */
export function againCommand(command: string, args: readonly string[], flags: readonly string[]): string {
  return ['mlds', command, ...args.map(shellArg), ...flags].join(' ');
}
