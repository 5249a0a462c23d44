import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GraphQLError, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { DomainError } from '../domain/errors.js';

// Trusted documents (persisted operations): documents known before any request, by id. With a
// manifest (GRAPHQL_TRUSTED_DOCUMENTS) the gateway runs only those; without, anything valid runs and
// ids are a shortcut. The REST and Groove routes' own documents are trusted documents too, so every
// surface runs through the same plugin. Each is parsed and validated through the pipeline, and
// compiled, once: when the manifest loads at start, or on a route document's first use.

/** One trusted document, ready to run. */
export interface TrustedDocument {
  /** The id it is requested by: the manifest's key, or `sha256:<hex>` of a route's text. */
  id: string;
  text: string;
  document: DocumentNode;
  /** The validation rules it passed, by name: a request validating with other rules validates again. */
  rules: string | null;
}

/** What the pipeline does once per document: parse, validate with every plugin's rules, compile. */
export type PrepareDocument = (text: string) => DocumentNode;

/** Validation rules by name, as yoga's validation cache tells rule sets apart. */
export const rulesKey = (rules: readonly { name: string }[] | undefined) =>
  rules?.map((rule) => rule.name).join() ?? '';

const SHA256 = /^(?:sha256:)?([0-9a-f]{64})$/;
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** A manifest that cannot be used; its message is the one line the gateway exits with. */
export class ManifestError extends Error {}

/**
 * Reads a manifest as GraphQL Code Generator's client preset writes it (`persistedDocuments`):
 * a JSON object of id → document text. An id that names a SHA-256 (`sha256:<hex>`, or 64 hex
 * digits as Apollo's manifests use) must be the hash of its text, which catches a stale manifest.
 */
export function readManifest(path: string): Map<string, string> {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ManifestError(
      `GRAPHQL_TRUSTED_DOCUMENTS: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new ManifestError(`GRAPHQL_TRUSTED_DOCUMENTS: ${path} is not JSON (${(error as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ManifestError(`GRAPHQL_TRUSTED_DOCUMENTS: ${path} must be a JSON object of document id → document text`);
  }
  const entries = new Map<string, string>();
  for (const [id, text] of Object.entries(parsed)) {
    if (typeof text !== 'string' || text.trim() === '') {
      throw new ManifestError(`GRAPHQL_TRUSTED_DOCUMENTS: ${path}: document ${id} is not a GraphQL document string`);
    }
    const hash = SHA256.exec(id)?.[1];
    if (hash !== undefined && hash !== sha256(text)) {
      throw new ManifestError(
        `GRAPHQL_TRUSTED_DOCUMENTS: ${path}: ${id} is not the SHA-256 of its document (a stale manifest?)`,
      );
    }
    entries.set(id, text);
  }
  if (entries.size === 0) throw new ManifestError(`GRAPHQL_TRUSTED_DOCUMENTS: ${path} holds no documents`);
  return entries;
}

/** The documents known by id, and by text (a client may send a trusted document's text itself). */
export class TrustedDocuments {
  private readonly byId = new Map<string, TrustedDocument>();
  private readonly byText = new Map<string, TrustedDocument>();
  private readonly byDocument = new WeakMap<DocumentNode, TrustedDocument>();
  private prepare: PrepareDocument | undefined;
  /** While a document is prepared: the rules its validation ran with, as the plugin saw them. */
  private capture: { rules: string | null } | null = null;

  /** `enforced`: only these documents run (a manifest was given). */
  constructor(
    readonly enforced: boolean,
    private readonly manifest: ReadonlyMap<string, string> = new Map(),
  ) {}

  /** Prepares the manifest's documents with the pipeline; a document that fails is a ManifestError. */
  load(prepare: PrepareDocument): void {
    this.prepare = prepare;
    for (const [id, text] of this.manifest) {
      try {
        this.add(id, text);
      } catch (error) {
        const reason = error instanceof GraphQLError || error instanceof DomainError ? error.message : String(error);
        throw new ManifestError(`GRAPHQL_TRUSTED_DOCUMENTS: document ${id} does not run here: ${reason}`);
      }
    }
  }

  /** A document of the gateway's own (a REST or Groove route): trusted, prepared on first use. */
  own(text: string): TrustedDocument {
    return this.byText.get(text) ?? this.add(`sha256:${sha256(text)}`, text);
  }

  find(id: string): TrustedDocument | undefined {
    const hash = SHA256.exec(id)?.[1];
    return (
      this.byId.get(id) ?? (hash === undefined ? undefined : (this.byId.get(`sha256:${hash}`) ?? this.byId.get(hash)))
    );
  }

  findText(text: string): TrustedDocument | undefined {
    return this.byText.get(text);
  }

  /** The trusted document this parsed document is, if it is one (it was prepared, so it validated). */
  of(document: DocumentNode): TrustedDocument | undefined {
    return this.byDocument.get(document);
  }

  /** Where the plugin records the rules of a validation that prepares a document. */
  get preparing(): { rules: string | null } | null {
    return this.capture;
  }

  get size(): number {
    return this.byId.size;
  }

  private add(id: string, text: string): TrustedDocument {
    if (!this.prepare) throw new Error('trusted documents used before load()');
    const capture = (this.capture = { rules: null });
    let document: DocumentNode;
    try {
      document = this.prepare(text);
    } finally {
      this.capture = null;
    }
    const entry: TrustedDocument = { id, text, document, rules: capture.rules };
    this.byId.set(id, entry);
    this.byText.set(text, entry);
    this.byDocument.set(entry.document, entry);
    return entry;
  }
}

interface DocumentParams {
  query?: string;
  documentId?: unknown;
  extensions?: Record<string, unknown> & { persistedQuery?: { sha256Hash?: unknown } };
}

/**
 * The id a request names its document by: GraphQL over HTTP's `documentId` (in a JSON body, or
 * the query string of a GET), or Apollo's `extensions.persistedQuery.sha256Hash`.
 */
function requestedId(params: DocumentParams, request: Request): string | undefined {
  if (typeof params.documentId === 'string') return params.documentId;
  const hash = params.extensions?.persistedQuery?.sha256Hash;
  if (typeof hash === 'string') return hash;
  if (request.method === 'GET' && request.url.includes('documentId='))
    return new URL(request.url).searchParams.get('documentId') ?? undefined;
  return undefined;
}

const refusal = (error: DomainError) =>
  new GraphQLError(error.message, { originalError: error, extensions: { http: { spec: true, status: error.status } } });

/**
 * Resolves a requested id to its document before anything else sees the request, and refuses an
 * arbitrary document when only trusted ones may run; a trusted document then skips the parse and
 * the validation it already passed, on every path.
 */
export function useTrustedDocuments(store: TrustedDocuments): Plugin {
  return {
    onParams({ params, request, setParams, setResult }) {
      const p = params as DocumentParams;
      const id = requestedId(p, request);
      const { documentId: _documentId, ...rest } = p;
      // A refusal still leaves a query in place: yoga's own check of the params runs after this.
      const refuse = (error: DomainError) => {
        setParams({ ...rest, query: '' });
        setResult({ errors: [refusal(error)] });
      };
      const found = id === undefined ? undefined : store.find(id);
      if (found) {
        setParams({ ...rest, query: found.text });
        return;
      }
      if (typeof p.query !== 'string' || p.query === '') {
        if (id !== undefined)
          refuse(new DomainError('PERSISTED_QUERY_NOT_FOUND', `No trusted document has the id ${id.slice(0, 80)}`));
        return;
      }
      if (store.enforced && !store.findText(p.query)) {
        refuse(
          new DomainError(
            'TRUSTED_DOCUMENT_REQUIRED',
            'This gateway runs only its trusted documents: send a documentId from its manifest',
          ),
        );
      }
    },
    onParse({ params, setParsedDocument }) {
      const found = store.findText(params.source.toString());
      if (found) setParsedDocument(found.document);
    },
    onValidate({ params, validateFn, setValidationFn }) {
      const preparing = store.preparing;
      if (preparing) {
        setValidationFn((schema, document, rules, ...rest) => {
          preparing.rules = rulesKey(rules);
          return validateFn(schema, document, rules, ...rest);
        });
        return;
      }
      const trusted = store.of(params.documentAST);
      // Validated when prepared; again only if this request validates with rules it did not pass.
      if (trusted)
        setValidationFn((schema, document, rules, ...rest) =>
          rulesKey(rules) === trusted.rules ? [] : validateFn(schema, document, rules, ...rest),
        );
    },
  };
}
