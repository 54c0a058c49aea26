/**
 * `word` as one argument of a shell command line: as it is when no POSIX shell character could split or expand
 * it, else double-quoted (hints quote whole commands in single quotes, and a path with a space, such as
 * `My Workflows/live.yaml`, must still paste as one argument).
 */
export function shellArg(word: string): string {
  if (/^[A-Za-z0-9_\-./:@%+=,]+$/.test(word)) return word;
  return `"${word.replace(/["\\$`]/g, (character) => `\\${character}`)}"`;
}
