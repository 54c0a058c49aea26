// Workflow files are UTF-8 (a UTF-8 byte-order mark is accepted, as editors write one). Anything else is named
// for what it is, rather than decoded into replacement characters that then fail as "must be a mapping".

export interface DecodedText {
  text: string;
  problem?: undefined;
}

export interface EncodingProblem {
  text?: undefined;
  problem: { code: 'encoding'; message: string };
}

const BOMS: ReadonlyArray<{ bytes: readonly number[]; name: string }> = [
  // UTF-32 first: its little-endian mark starts with UTF-16's.
  { bytes: [0xff, 0xfe, 0x00, 0x00], name: 'UTF-32 (little-endian)' },
  { bytes: [0x00, 0x00, 0xfe, 0xff], name: 'UTF-32 (big-endian)' },
  { bytes: [0xff, 0xfe], name: 'UTF-16 (little-endian)' },
  { bytes: [0xfe, 0xff], name: 'UTF-16 (big-endian)' },
];

const SAVE_AS_UTF8 =
  'save it as UTF-8 (most editors offer this under "Save with encoding"; or `iconv -t UTF-8`)';

/** The text of a workflow file's bytes, or why they are not UTF-8 text. */
export function decodeWorkflowBytes(bytes: Uint8Array): DecodedText | EncodingProblem {
  for (const bom of BOMS) {
    if (bom.bytes.every((byte, index) => bytes[index] === byte)) {
      return problem(
        `The file is ${bom.name} text (it starts with that byte-order mark); mlds reads UTF-8: ${SAVE_AS_UTF8}.`,
      );
    }
  }
  if (bytes.includes(0)) {
    return problem(
      `The file holds a NUL byte: it is binary, or UTF-16/UTF-32 text without a byte-order mark; mlds reads UTF-8 text: ${SAVE_AS_UTF8}.`,
    );
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return problem(`The file is not valid UTF-8 (perhaps Latin-1 or Windows-1252); ${SAVE_AS_UTF8}.`);
  }
}

function problem(message: string): EncodingProblem {
  return { problem: { code: 'encoding', message } };
}
