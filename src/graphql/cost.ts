import {
  defaultFieldResolver,
  getArgumentValues,
  getNamedType,
  getNullableType,
  getOperationAST,
  isAbstractType,
  isLeafType,
  isListType,
  isObjectType,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
} from 'graphql';
import { batchSize, COST_WEIGHTS, LIST_SIZES, pageSize, type ListSize } from '../domain/cost.js';
import { capabilities } from '../domain/viewer.js';
import { collectFields, collectSubfields, type Fragments } from './collect-fields.js';

/** What the domain's cost model says about one field of the schema (see src/domain/cost.ts). */
export interface FieldCost {
  /** Points on top of the value itself, each time the field resolves. */
  weight?: number;
  /** A list field: how many items it holds. `page` sizes read the arguments of the field above. */
  size?: ListSize;
  /** Points per object item of the list, when its rows cost more than COST_WEIGHTS.row. */
  row?: number;
  /** Points per item of a list argument (a batch), each time the field resolves. */
  perItem?: { argument: string; atMost: number; weight: number };
}

const { read, write, share, batchItem, row, nestedPage } = COST_WEIGHTS;
const trackBatch = { ...LIST_SIZES.trackBatch, weight: batchItem };

/**
 * The schema's fields mapped to the domain's rules, by schema coordinate. A list field without a
 * size here cannot be costed, and schema.test.ts fails for it; every mutation costs a write.
 */
export const FIELD_COSTS: Readonly<Record<string, FieldCost>> = {
  'Query.viewer': { weight: read },
  'Viewer.organizations': { size: LIST_SIZES.memberships },
  'OrganizationMembership.capabilities': { size: { atMost: capabilities.length } },
  'Query.collection': { weight: read },
  'Query.collections': { weight: read },
  'CollectionConnection.edges': { size: LIST_SIZES.collections },
  // Both batched across the page (one statement per level), so they cost per collection what a row does.
  'Collection.coverTrack': { weight: row },
  'Collection.tracks': { weight: nestedPage },
  'CollectionTrackConnection.edges': { size: LIST_SIZES.collectionTracks },
  'Query.track': { weight: read },
  'Query.tracks': { weight: read },
  'LibraryConnection.edges': { size: LIST_SIZES.library, row: COST_WEIGHTS.libraryRow },
  'Query.node': { weight: read },
  'Query.sharedContent': { weight: share },
  'SharedContent.tracks': { size: LIST_SIZES.sharedTracks },
  'Mutation.saveTracks': { weight: write, size: LIST_SIZES.trackBatch, perItem: trackBatch },
  'Mutation.unsaveTracks': { weight: write, size: LIST_SIZES.trackBatch, perItem: trackBatch },
  'Mutation.reorderCollection': { weight: write, perItem: { ...LIST_SIZES.reorder, weight: COST_WEIGHTS.reorderItem } },
  // The batch edits run set-based, yet each id still costs about 100 µs of server CPU (a batch of 100 at the end, bench/collection-edits.ts), near a batch save's.
  'Mutation.addTracksToCollection': { weight: write, perItem: trackBatch },
  'Mutation.removeTracksFromCollection': { weight: write, perItem: trackBatch },
  'Mutation.moveSelectedTracksInCollection': { weight: write, perItem: trackBatch },
  'CollectionTracksEdit.results': { size: { atMost: LIST_SIZES.trackBatch.atMost } },
};

/** The outcome of costing one operation for one set of variables. */
export type CostResult =
  | { ok: true; cost: number }
  /** Costing gave up after MAX_VISITS selections: only pathological fragment reuse gets here. */
  | { ok: false; cost: null };

/**
 * Field selections visited before costing gives up: ten times what GraphiQL's introspection query
 * or fifteen aliased nested pages take, and a few milliseconds of walking.
 */
export const MAX_VISITS = 5_000;

export interface CostModel {
  /** The cost of `document`'s operation with these variables, coerced as execution coerces them. */
  cost(
    document: DocumentNode,
    operationName: string | null | undefined,
    variables: Record<string, unknown>,
  ): CostResult;
  /** Every schema coordinate of a list field the model has no size for (a test keeps it empty). */
  unsizedLists(): string[];
}

export function createCostModel(
  schema: GraphQLSchema,
  fieldCosts: Readonly<Record<string, FieldCost>> = FIELD_COSTS,
): CostModel {
  const rules = new Map(Object.entries(fieldCosts));
  const mutationType = schema.getMutationType();

  const fieldDef = (type: GraphQLObjectType, name: string): GraphQLField<unknown, unknown> | undefined => {
    if (name === '__typename') return TypeNameMetaFieldDef;
    if (type === schema.getQueryType()) {
      if (name === '__schema') return SchemaMetaFieldDef;
      if (name === '__type') return TypeMetaFieldDef;
    }
    return type.getFields()[name];
  };

  const ruleOf = (type: GraphQLObjectType, name: string): FieldCost | undefined =>
    rules.get(`${type.name}.${name}`) ?? (type === mutationType ? { weight: write } : undefined);

  // Types holding a page whose size is read from the arguments of the field that returns them.
  const pageHolders = new Set<unknown>();
  for (const [coordinate, rule] of rules) {
    if (rule.size && 'page' in rule.size) pageHolders.add(schema.getType(coordinate.split('.')[0]!));
  }
  /** Whether a field's arguments can change the cost: its own rule reads them, or a page below does. */
  const argumentsCount = (def: GraphQLField<unknown, unknown>, rule: FieldCost | undefined) =>
    def === TypeMetaFieldDef ||
    rule?.perItem !== undefined ||
    (rule?.size !== undefined && 'argument' in rule.size) ||
    pageHolders.has(getNamedType(def.type));

  // Costs already computed, per document and operation, with the values of the variables the
  // walk read (most documents read none that matter: a REST route's ids do not change its cost).
  const known = new WeakMap<DocumentNode, Map<string, Remembered[]>>();

  function cost(
    document: DocumentNode,
    operationName: string | null | undefined,
    variables: Record<string, unknown>,
  ): CostResult {
    let byOperation = known.get(document);
    if (!byOperation) known.set(document, (byOperation = new Map()));
    const remembered = byOperation.get(operationName ?? '') ?? [];
    byOperation.set(operationName ?? '', remembered);
    const hit = remembered.find((r) => r.names.every((name, i) => sameForCost(variables[name], r.values[i])));
    if (hit) return hit.result;
    const read = new Set<string>();
    const result = walk(document, operationName, readTracking(variables, read));
    remembered.unshift({ names: [...read], values: [...read].map((name) => variables[name]), result });
    if (remembered.length > REMEMBERED_PER_OPERATION) remembered.pop();
    return result;
  }

  function walk(
    document: DocumentNode,
    operationName: string | null | undefined,
    variables: Record<string, unknown>,
  ): CostResult {
    const operation = getOperationAST(document, operationName);
    if (!operation) return { ok: true, cost: 0 };
    const rootType = schema.getRootType(operation.operation);
    if (!rootType) return { ok: true, cost: 0 };
    const fragments: Record<string, FragmentDefinitionNode> = Object.create(null) as Fragments;
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
    }
    let visits = 0;

    /** Points of a selection on `type`, resolved `times` times; `parentArgs` are those of the field above. */
    const selection = (
      type: GraphQLObjectType,
      fields: Map<string, FieldNode[]>,
      times: number,
      parentArgs: Record<string, unknown>,
    ): number => {
      let total = 0;
      for (const nodes of fields.values()) {
        if (++visits > MAX_VISITS) throw new TooComplex();
        const node = nodes[0]!;
        const def = fieldDef(type, node.name.value);
        if (!def) continue; // cannot happen in a validated document
        const rule = ruleOf(type, node.name.value);
        const args = def.args.length > 0 && argumentsCount(def, rule) ? getArgumentValues(def, node, variables) : {};
        if (def === SchemaMetaFieldDef || def === TypeMetaFieldDef) {
          const value = def === SchemaMetaFieldDef ? schema : schema.getType(String(args.name));
          total +=
            times *
            COST_WEIGHTS.introspectionValue *
            (1 + (value ? introspected(value, getNamedType(def.type) as GraphQLObjectType, nodes) : 0));
          continue;
        }
        const perItem = rule?.perItem
          ? batchSize(args[rule.perItem.argument] as unknown[] | undefined, rule.perItem.atMost) * rule.perItem.weight
          : 0;
        total += times * (COST_WEIGHTS.value + (rule?.weight ?? 0) + perItem);
        let items = times;
        const named = getNamedType(def.type);
        if (isListType(getNullableType(def.type))) {
          items = times * sizeOf(rule?.size, args, parentArgs, `${type.name}.${node.name.value}`);
          total += items * (isLeafType(named) ? COST_WEIGHTS.value : (rule?.row ?? COST_WEIGHTS.row));
        }
        if (isLeafType(named)) continue;
        const runtimeTypes = isAbstractType(named) ? schema.getPossibleTypes(named) : [named as GraphQLObjectType];
        let worst = 0;
        for (const runtimeType of runtimeTypes) {
          const subfields = collectSubfields(schema, fragments, variables, runtimeType, nodes);
          worst = Math.max(worst, selection(runtimeType, subfields, items, args));
        }
        total += worst;
      }
      return total;
    };

    // Introspection answers from the schema in memory, so it is costed exactly, on the schema's own
    // objects with graphql-js's introspection resolvers: the values its answer holds, each at
    // introspectionValue. A type's answer to one selection is counted once however often the
    // document reaches it (every field's type reaches the same few types).
    const memo = new Map<string, Map<unknown, number>>();
    const info = { schema } as GraphQLResolveInfo;
    const introspected = (value: unknown, type: GraphQLObjectType, nodes: readonly FieldNode[]): number => {
      // The merged selection, by where its fields are written (without locations: not memoised).
      const key = nodes.every((n) => n.loc) ? nodes.map((n) => n.loc!.start).join() : undefined;
      let known = key === undefined ? undefined : memo.get(key);
      if (key !== undefined && !known) memo.set(key, (known = new Map()));
      const cached = known?.get(value);
      if (cached !== undefined) return cached;
      let total = 0;
      for (const subnodes of collectSubfields(schema, fragments, variables, type, nodes).values()) {
        if (++visits > MAX_VISITS) throw new TooComplex();
        const node = subnodes[0]!;
        const def = fieldDef(type, node.name.value);
        if (!def) continue;
        total += COST_WEIGHTS.value;
        const named = getNamedType(def.type);
        if (def === TypeNameMetaFieldDef) continue;
        const args = def.args.length > 0 ? getArgumentValues(def, node, variables) : {};
        const resolved: unknown = (def.resolve ?? defaultFieldResolver)(value, args, undefined, info);
        const items = Array.isArray(resolved) ? resolved : resolved == null ? [] : [resolved];
        if (Array.isArray(resolved)) total += items.length * COST_WEIGHTS.value;
        if (isLeafType(named)) continue;
        for (const item of items) total += introspected(item, named as GraphQLObjectType, subnodes);
      }
      known?.set(value, total);
      return total;
    };

    try {
      const fields = collectFields(schema, fragments, variables, rootType, operation.selectionSet);
      return { ok: true, cost: selection(rootType, fields, 1, {}) };
    } catch (error) {
      if (error instanceof TooComplex) return { ok: false, cost: null };
      throw error;
    }
  }

  function unsizedLists(): string[] {
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      for (const field of Object.values(type.getFields())) {
        const coordinate = `${type.name}.${field.name}`;
        if (isListType(getNullableType(field.type)) && !rules.get(coordinate)?.size) missing.push(coordinate);
      }
    }
    return missing;
  }

  return { cost, unsizedLists };
}

class TooComplex extends Error {}

interface Remembered {
  names: string[];
  values: unknown[];
  result: CostResult;
}

const REMEMBERED_PER_OPERATION = 8;

/** The variables, recording which ones the walk reads (argument and directive values do). */
function readTracking(variables: Record<string, unknown>, read: Set<string>): Record<string, unknown> {
  return new Proxy(variables, {
    get(target, name) {
      if (typeof name === 'string') read.add(name);
      return Reflect.get(target, name);
    },
    has(target, name) {
      if (typeof name === 'string') read.add(name);
      return Reflect.has(target, name);
    },
    getOwnPropertyDescriptor(target, name) {
      if (typeof name === 'string') read.add(name);
      return Reflect.getOwnPropertyDescriptor(target, name);
    },
  });
}

/** The model reads a list argument only for its length, anything else for its value. */
function sameForCost(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length;
  if (a !== null && typeof a === 'object') return JSON.stringify(a) === JSON.stringify(b);
  return a === b;
}

function sizeOf(
  size: ListSize | undefined,
  args: Record<string, unknown>,
  parentArgs: Record<string, unknown>,
  coordinate: string,
): number {
  if (!size) throw new Error(`no size for the list field ${coordinate} in the cost model`);
  if ('page' in size) return pageSize(parentArgs, size.page);
  if ('argument' in size) return batchSize(args[size.argument] as unknown[] | undefined, size.atMost);
  return size.atMost;
}
