// Locates the first JSON syntax error. JSON.parse says what is wrong but, for an unexpected character, not
// where, and its message quotes the text around it (which may be a secret); this scanner gives an offset
// and a description that quotes nothing.

export interface JsonSyntaxError {
  offset: number;
  problem: string;
}

class Stop extends Error {
  constructor(
    readonly offset: number,
    readonly problem: string,
  ) {
    super(problem);
  }
}

export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  let i = 0;
  const fail = (problem: string, at = i): never => {
    throw new Stop(at, problem);
  };
  const skipSpace = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else
      fail('expected a value (a string in double quotes, a number, true, false, null, an object or a list)');
  };
  const string = () => {
    const start = i;
    i++;
    while (i < text.length) {
      const c = text[i] as string;
      if (c === '"') {
        i++;
        return;
      }
      if (c === '\\') {
        const next = text[i + 1];
        if (next === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('invalid \\u escape in a string');
          i += 6;
        } else if (next !== undefined && '"\\/bfnrt'.includes(next)) i += 2;
        else fail('invalid escape in a string (write \\\\ for a backslash)');
        continue;
      }
      if (c < ' ') fail('a line break or control character inside a string (close the string with ")');
      i++;
    }
    fail('unterminated string (a " is missing)', start);
  };
  const number = () => {
    const match = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i));
    if (match === null || match[0] === '' || match[0] === '-') fail('invalid number');
    i += (match as RegExpExecArray)[0].length;
  };
  const value = (): void => {
    skipSpace();
    const c = text[i];
    if (c === undefined) fail('unexpected end of the file: a value is missing');
    else if (c === '{') object();
    else if (c === '[') array();
    else if (c === '"') string();
    else if (c === '-' || (c >= '0' && c <= '9')) number();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else if (c === "'") fail('strings and keys take double quotes (") in JSON, not single quotes');
    else
      fail('expected a value (a string in double quotes, a number, true, false, null, an object or a list)');
  };
  const object = () => {
    i++;
    skipSpace();
    if (text[i] === '}') {
      i++;
      return;
    }
    for (;;) {
      skipSpace();
      if (text[i] !== '"') {
        fail(text[i] === '}' ? 'trailing comma before }' : 'expected a key in double quotes');
      }
      string();
      skipSpace();
      if (text[i] !== ':') fail('expected : after the key');
      i++;
      value();
      skipSpace();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '}') {
        i++;
        return;
      }
      fail(
        text[i] === undefined
          ? 'unexpected end of the file: a } is missing'
          : 'expected , or } after a value (a comma may be missing)',
      );
    }
  };
  const array = () => {
    i++;
    skipSpace();
    if (text[i] === ']') {
      i++;
      return;
    }
    for (;;) {
      skipSpace();
      if (text[i] === ']') fail('trailing comma before ]');
      value();
      skipSpace();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === ']') {
        i++;
        return;
      }
      fail(
        text[i] === undefined
          ? 'unexpected end of the file: a ] is missing'
          : 'expected , or ] after a value (a comma may be missing)',
      );
    }
  };
  try {
    // A byte-order mark is not JSON, but editors write one and JSON.parse in Node rejects it too.
    if (text.charCodeAt(0) === 0xfeff) i = 1;
    value();
    skipSpace();
    if (i < text.length) fail('unexpected text after the end of the JSON document');
    return undefined;
  } catch (caught) {
    if (caught instanceof Stop) return { offset: caught.offset, problem: caught.problem };
    throw caught;
  }
}
