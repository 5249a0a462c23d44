import { isDeepStrictEqual } from 'node:util';
import { createApp } from '../src/app.js';
import { openDatabase } from '../src/db/connection.js';
import type { Operation, Sample } from './ops.js';
import type { World } from './seed.js';

// The hand-written peers are only a fair yardstick while they answer what the product answers.
// Each response they give in a benchmark is checked against the product's own answer to the same
// document: reads byte for byte (or, failing that, value for value) against the product's answer to
// the same request, writes against the product's answer with the request's own values and new ids
// and times taken out (they differ from request to request by construction).

const NEW_ID = /^(mcoll|mtrack|mlib|req)_[0-9a-f]{20}$/;
const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

/** Every string among a request's variables → where it sits, e.g. `$input.name`. */
function variableStrings(value: unknown, path = '$', out = new Map<string, string>()): Map<string, string> {
  if (typeof value === 'string') out.set(value, path);
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) variableStrings(v, `${path}.${k}`, out);
  return out;
}

/** A write's answer with what differs between requests of one operation named instead of shown. */
export function normaliseWrite(answer: unknown, variables: Map<string, string>): unknown {
  if (typeof answer === 'string')
    return variables.get(answer) ?? (NEW_ID.test(answer) ? '<new id>' : TIME.test(answer) ? '<time>' : answer);
  if (Array.isArray(answer)) return answer.map((v) => normaliseWrite(v, variables));
  if (answer && typeof answer === 'object')
    return Object.fromEntries(Object.entries(answer).map(([k, v]) => [k, normaliseWrite(v, variables)]));
  return answer;
}

const bodyOf = (sample: Sample) =>
  JSON.parse(sample.call.body ?? '{}') as { query: string; variables?: Record<string, unknown> };
const isWrite = (sample: Sample) => bodyOf(sample).query.trimStart().startsWith('mutation');

const parse = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/**
 * An answer without its `extensions`: the product reports each operation's cost there
 * (`extensions.cost`), which is its own, not part of the answer a peer must give.
 */
export function answerOf(text: string): unknown {
  const value = parse(text);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const { extensions: _extensions, ...answer } = value as Record<string, unknown>;
  return answer;
}

export interface ProductAnswers {
  /** The sample with its check extended: the body must also be the product's answer. */
  checked(op: Operation, sample: Sample): Sample;
}

/**
 * The product's answers to every GraphQL sample the benchmark will send, in-process on a copy of
 * the benchmark's database (`path`; writes change it). Reads cycle through a fixed set of
 * requests (200 collections, 20 page offsets, one nested page), which are all asked once; a write
 * is asked once, and its normalised answer stands for every request of its operation.
 */
export async function productAnswers(
  path: string,
  world: World,
  operations: readonly Operation[],
): Promise<ProductAnswers> {
  const app = createApp({ database: await openDatabase(path) });
  const ask = async (sample: Sample) => {
    const { call } = sample;
    const response = await app.fetch(
      new Request(`http://bench${call.path}`, { method: call.method, headers: call.headers, body: call.body }),
    );
    const text = await response.text();
    const problem = sample.check(response.status, text);
    if (problem) throw new Error(`the product's own answer fails its check: ${problem}`);
    return text;
  };
  const reads = new Map<string, string>();
  const writes = new Map<string, unknown>();
  try {
    for (const op of operations) {
      const first = op.graphql(world, 0);
      if (isWrite(first)) {
        writes.set(op.name, normaliseWrite(answerOf(await ask(first)), variableStrings(bodyOf(first).variables)));
        continue;
      }
      // Until the requests come round to the first one again.
      for (
        let k = 0, sample = first;
        k === 0 || sample.call.body !== first.call.body;
        sample = op.graphql(world, ++k)
      ) {
        if (k >= 10_000) throw new Error(`${op.name}: reads do not repeat within 10,000 requests`);
        reads.set(sample.call.body!, await ask(sample));
      }
    }
  } finally {
    await app.close();
  }

  return {
    checked(op, sample) {
      const body = sample.call.body!;
      const expected = writes.has(op.name) ? writes.get(op.name) : reads.get(body);
      if (expected === undefined) throw new Error(`${op.name}: no answer of the product for ${body.slice(0, 200)}`);
      const variables = writes.has(op.name) ? variableStrings(bodyOf(sample).variables) : undefined;
      return {
        call: sample.call,
        check: (status, text) => {
          const problem = sample.check(status, text);
          if (problem) return problem;
          if (!variables) {
            if (text === expected) return null;
            return isDeepStrictEqual(answerOf(text), answerOf(expected as string))
              ? null
              : `not the product's answer: ${text.slice(0, 200)} … expected ${(expected as string).slice(0, 200)}`;
          }
          const got = normaliseWrite(answerOf(text), variables);
          return isDeepStrictEqual(got, expected)
            ? null
            : `not the product's answer: ${JSON.stringify(got).slice(0, 300)} … expected ${JSON.stringify(expected).slice(0, 300)}`;
        },
      };
    },
  };
}
