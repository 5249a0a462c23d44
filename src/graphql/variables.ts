import {
  coerceInputValue,
  getNamedType,
  getNullableType,
  getOperationAST,
  GraphQLError,
  isEnumType,
  isInputObjectType,
  isInputType,
  isListType,
  isNonNullType,
  typeFromAST,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { InputError, type InputProblem } from '../domain/errors.js';
import { validationFailure } from './errors.js';

// Variable values are coerced here, before execution, with graphql-js's own coercion, and every
// failure becomes an InputError that says structurally what is wrong (which field, missing, null,
// of which type), so REST and Groove can word it for their clients and nothing reads message text.
// GraphQL clients keep graphql-js's wording, which names the variable and the path inside it.

const MAX_ERRORS = 50;
const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** What a named input type's values are, in the words of a JSON client. */
function expectedOf(type: GraphQLInputType): string {
  const named = getNamedType(type);
  if (isEnumType(named))
    return `one of ${named
      .getValues()
      .map((v) => v.name)
      .join(', ')}`;
  if (isInputObjectType(named)) return 'an object';
  switch (named.name) {
    case 'Int':
      return 'an integer';
    case 'Float':
      return 'a number';
    case 'Boolean':
      return 'true or false';
    case 'String':
    case 'ID':
      return 'a string';
    default:
      return 'a valid value';
  }
}

/**
 * The type and value at `path` inside a variable, the innermost named field on the way, and
 * whether the value is an entry of a list that field holds.
 */
function locate(type: GraphQLInputType, value: unknown, name: string, path: readonly (string | number)[]) {
  let field = name;
  let entry = false;
  for (const key of path) {
    const nullable = getNullableType(type);
    if (typeof key === 'number' && isListType(nullable)) {
      type = nullable.ofType;
      value = Array.isArray(value) ? value[key] : value;
      entry = true;
    } else if (typeof key === 'string' && isInputObjectType(nullable)) {
      const inner = nullable.getFields()[key];
      if (!inner) break;
      type = inner.type;
      value = (value as Record<string, unknown> | null | undefined)?.[key];
      field = key;
      entry = false;
    }
  }
  return { type, value, field, entry };
}

/** What is wrong with `value` as a `type`, found from their structure. */
function problemAt(type: GraphQLInputType, value: unknown, field: string, entry: boolean): InputProblem {
  const at = entry ? { entry } : {};
  if (value === null || value === undefined) {
    return { field: snake(field), problem: isNonNullType(type) ? 'null' : 'type', expected: expectedOf(type), ...at };
  }
  const named = getNamedType(type);
  if (isInputObjectType(named) && typeof value === 'object' && !Array.isArray(value)) {
    const fields = named.getFields();
    const record = value as Record<string, unknown>;
    const unknown = Object.keys(record).find((key) => !Object.hasOwn(fields, key));
    if (unknown !== undefined) return { field: snake(unknown), problem: 'unknown' };
    for (const f of Object.values(fields)) {
      const given = record[f.name];
      if (given === undefined && isNonNullType(f.type) && f.defaultValue === undefined)
        return { field: snake(f.name), problem: 'missing' };
      if (given === null && isNonNullType(f.type)) return { field: snake(f.name), problem: 'null' };
    }
  }
  return { field: snake(field), problem: 'type', expected: expectedOf(type), ...at };
}

const shown = (value: unknown) => {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
};
const printPath = (path: readonly (string | number)[]) =>
  path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${key}`)).join('');

function inputError(
  problem: InputProblem,
  message: string,
  node: OperationDefinitionNode['variableDefinitions'],
): GraphQLError {
  return new GraphQLError(message, { nodes: node, originalError: new InputError(problem, message) });
}

/** The coercion failures of an operation's variables (empty when they are all valid). */
export function variableErrors(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  inputs: Record<string, unknown>,
): GraphQLError[] {
  const errors: GraphQLError[] = [];
  for (const definition of operation.variableDefinitions ?? []) {
    if (errors.length >= MAX_ERRORS) break;
    const name = definition.variable.name.value;
    const type = typeFromAST(schema, definition.type);
    // Validation has refused a document whose variables name a type the schema has no input of.
    if (type === undefined || !isInputType(type)) continue;
    const given = Object.hasOwn(inputs, name) ? inputs[name] : undefined;
    const typeName = String(type);
    if (given === undefined) {
      if (isNonNullType(type) && definition.defaultValue === undefined) {
        errors.push(
          inputError(
            { field: snake(name), problem: 'missing' },
            `Variable "$${name}" of required type "${typeName}" was not provided.`,
            [definition],
          ),
        );
      }
      continue;
    }
    if (given === null && isNonNullType(type)) {
      errors.push(
        inputError(
          { field: snake(name), problem: 'null' },
          `Variable "$${name}" of non-null type "${typeName}" must not be null.`,
          [definition],
        ),
      );
      continue;
    }
    coerceInputValue(given, type, (path, invalid, error) => {
      if (errors.length >= MAX_ERRORS) return;
      const at = locate(type, given, name, path);
      const where = path.length > 0 ? ` at "${name}${printPath(path)}"` : '';
      const message = `Variable "$${name}" got invalid value ${shown(invalid)}${where}; ${error.message}`;
      errors.push(inputError(problemAt(at.type, at.value, at.field, at.entry), message, [definition]));
    });
  }
  return errors;
}

/** The operation a request asks to run, or the validation failure graphql-js would report at execution. */
export function operationOf(
  document: DocumentNode,
  operationName?: string | null,
): OperationDefinitionNode | GraphQLError {
  const operation = getOperationAST(document, operationName);
  if (operation) return operation;
  return validationFailure(
    operationName
      ? `Unknown operation named "${operationName}".`
      : 'Must provide operation name if query contains multiple operations.',
  );
}

/** Variables are checked before any resolver runs; a failure answers instead of executing. */
export const useVariableCoercion: Plugin = {
  onExecute({ args, setResultAndStopExecution }) {
    const operation = operationOf(args.document, args.operationName);
    if (operation instanceof GraphQLError) return setResultAndStopExecution({ errors: [operation] });
    const errors = variableErrors(
      args.schema,
      operation,
      (args.variableValues as Record<string, unknown> | null | undefined) ?? {},
    );
    if (errors.length > 0) setResultAndStopExecution({ errors });
  },
};
