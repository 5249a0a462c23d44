// Source maps of the bundle keep only the project's own lines. The bundle holds dependencies too,
// and Node decodes a map whole, into one array entry per mapped position, the first time a stack
// trace is formatted: with every dependency mapped that is +46 MB of RSS, kept for the life of
// the process, on the first error logged. Frames in dependencies then show the bundle's own
// file and line instead, which is what a stack trace into node_modules showed before bundling
// anyway (the same code, unmapped).

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]));

/** The fields of one segment of a `mappings` string (Base64 VLQ, each relative to the last). */
function decodeSegment(text) {
  const fields = [];
  let value = 0;
  let shift = 0;
  for (const char of text) {
    const digit = DIGIT.get(char);
    if (digit === undefined) throw new Error(`not a source map digit: ${char}`);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
    } else {
      fields.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return fields;
}

function encodeField(n) {
  let value = n < 0 ? (-n << 1) | 1 : n << 1;
  let out = '';
  do {
    let digit = value & 31;
    value >>>= 5;
    if (value) digit |= 32;
    out += BASE64[digit];
  } while (value);
  return out;
}

/**
 * A copy of `map` (version 3) whose mappings from sources `keep` refuses are dropped. Where such a
 * run of code starts, a one-field segment ("no source here") ends the previous mapping, because a
 * position without its own segment takes the nearest one before it, even lines above.
 */
export function keepOwnMappings(map, keep) {
  const kept = map.sources.map((source) => keep(source));
  // Absolute values as decoded so far, and as last written (the deltas of the output).
  const read = { source: 0, line: 0, column: 0, name: 0 };
  const written = { source: 0, line: 0, column: 0, name: 0 };
  // Whether the last segment written maps to a kept source: it would cover what follows, lines on.
  let open = false;
  const lines = map.mappings.split(';').map((text) => {
    const out = [];
    let generated = 0; // generated columns restart at 0 on each line
    let writtenColumn = 0;
    const write = (fields) => {
      out.push(encodeField(generated - writtenColumn) + fields);
      writtenColumn = generated;
    };
    for (const segment of text ? text.split(',') : []) {
      const f = decodeSegment(segment);
      generated += f[0];
      if (f.length > 1) {
        read.source += f[1];
        read.line += f[2];
        read.column += f[3];
        if (f.length === 5) read.name += f[4];
      }
      if (f.length === 1 || !kept[read.source]) {
        if (open) write('');
        open = false;
        continue;
      }
      let fields =
        encodeField(read.source - written.source) +
        encodeField(read.line - written.line) +
        encodeField(read.column - written.column);
      if (f.length === 5) {
        fields += encodeField(read.name - written.name);
        written.name = read.name;
      }
      write(fields);
      written.source = read.source;
      written.line = read.line;
      written.column = read.column;
      open = true;
    }
    return out.join(',');
  });
  return { ...map, mappings: lines.join(';') };
}
