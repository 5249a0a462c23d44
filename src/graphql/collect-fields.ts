import {
  getDirectiveValues,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isAbstractType,
  Kind,
  typeFromAST,
  type FieldNode,
  type FragmentDefinitionNode,
  type FragmentSpreadNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  type InlineFragmentNode,
  type SelectionSetNode,
} from 'graphql';

// graphql-js's field collection (execution/collectFields.js, internal to it) on its public
// utilities: the fields a selection set executes on one runtime type, by response key, after
// @skip/@include, fragment type conditions and merging; each named fragment once per collection.
// The cost model walks documents with it, so they count as execution will run them.

export type Fragments = Readonly<Record<string, FragmentDefinitionNode>>;
export type CollectedFields = Map<string, FieldNode[]>;

export function collectFields(
  schema: GraphQLSchema,
  fragments: Fragments,
  variables: Record<string, unknown>,
  runtimeType: GraphQLObjectType,
  selectionSet: SelectionSetNode,
): CollectedFields {
  const fields: CollectedFields = new Map();
  collectInto(schema, fragments, variables, runtimeType, selectionSet, fields, new Set());
  return fields;
}

/** The subfields of a field's merged nodes, on the object type its value has. */
export function collectSubfields(
  schema: GraphQLSchema,
  fragments: Fragments,
  variables: Record<string, unknown>,
  returnType: GraphQLObjectType,
  nodes: readonly FieldNode[],
): CollectedFields {
  const fields: CollectedFields = new Map();
  const visited = new Set<string>();
  for (const node of nodes)
    if (node.selectionSet) collectInto(schema, fragments, variables, returnType, node.selectionSet, fields, visited);
  return fields;
}

function collectInto(
  schema: GraphQLSchema,
  fragments: Fragments,
  variables: Record<string, unknown>,
  runtimeType: GraphQLObjectType,
  selectionSet: SelectionSetNode,
  fields: CollectedFields,
  visited: Set<string>,
): void {
  for (const selection of selectionSet.selections) {
    if (!included(variables, selection)) continue;
    if (selection.kind === Kind.FIELD) {
      const key = selection.alias?.value ?? selection.name.value;
      const list = fields.get(key);
      if (list) list.push(selection);
      else fields.set(key, [selection]);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (matches(schema, selection, runtimeType))
        collectInto(schema, fragments, variables, runtimeType, selection.selectionSet, fields, visited);
    } else {
      const name = selection.name.value;
      if (visited.has(name)) continue;
      visited.add(name);
      const fragment = fragments[name];
      if (fragment && matches(schema, fragment, runtimeType))
        collectInto(schema, fragments, variables, runtimeType, fragment.selectionSet, fields, visited);
    }
  }
}

/** `@skip(if: true)` wins over `@include(if: true)`, as in execution. */
function included(
  variables: Record<string, unknown>,
  node: FieldNode | FragmentSpreadNode | InlineFragmentNode,
): boolean {
  if (!node.directives?.length) return true;
  if (getDirectiveValues(GraphQLSkipDirective, node, variables)?.if === true) return false;
  return getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if !== false;
}

function matches(
  schema: GraphQLSchema,
  fragment: FragmentDefinitionNode | InlineFragmentNode,
  type: GraphQLObjectType,
): boolean {
  const condition = fragment.typeCondition;
  if (!condition) return true;
  const conditionType = typeFromAST(schema, condition);
  if (conditionType === type) return true;
  return isAbstractType(conditionType) ? schema.isSubType(conditionType, type) : false;
}
