// The OpenTelemetry SDK behind src/ops/tracing.ts, imported only when tracing is switched on.
import {
  context,
  diag,
  DiagLogLevel,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Span,
  type TextMapGetter,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { Dialect } from '../db/connection.js';
import { packageVersion } from '../package-root.js';
import { errorCodeOf } from '../wire/errors.js';
import type { Tracing, TracingOptions } from './tracing.js';
import type { TracingConfig } from './tracing-config.js';

const headerGetter: TextMapGetter<Headers> = {
  keys: (headers) => [...headers.keys()],
  get: (headers, key) => headers.get(key) ?? undefined,
};

let contextManager: AsyncLocalStorageContextManager | undefined;

// Endpoint, headers, timeout and compression come from OTEL_EXPORTER_OTLP_* (the exporter reads them).
const otlpExporter = (config: TracingConfig): SpanExporter =>
  config.protocol === 'http/json' ? new OtlpJsonExporter() : new OtlpProtobufExporter();

/** One line for a diagnostic: the SDK hands over errors as objects or as their JSON, stack and all. */
function describe(value: unknown): string {
  if (typeof value === 'string' && value.startsWith('{')) {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      return value as string;
    }
  }
  const message = (value as { message?: unknown } | null)?.message;
  if (typeof message === 'string') return message;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const sqlOperation = (sql: string) => /^\s*([A-Za-z]+)/.exec(sql)?.[1]?.toUpperCase() ?? 'SQL';

/** The first error of an operation's result: a GraphQL result's `errors`, or the REST runner's `error`. */
const failed = (result: unknown): string | undefined => {
  const { errors, error } = (result ?? {}) as { errors?: unknown; error?: unknown };
  if (Array.isArray(errors) && errors.length > 0) return (errors[0] as { message?: string }).message ?? 'error';
  if (error) return (error as { message?: string }).message ?? 'error';
  return undefined;
};

function endWith(span: Span, error: unknown): void {
  if (error !== undefined) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  }
  span.end();
}

export function createOtelTracing(config: TracingConfig, options: TracingOptions): Tracing {
  if (!contextManager) {
    contextManager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(contextManager);
    // The SDK's own complaints (an unreachable collector, say) go to stderr as one line each.
    const complain = (message: string, ...args: unknown[]) =>
      console.error(`opentelemetry: ${[message, ...args].map(describe).join(' ')}`);
    diag.setLogger(
      { error: complain, warn: complain, info: () => {}, debug: () => {}, verbose: () => {} },
      { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
    );
  }
  const processors: SpanProcessor[] = [];
  if (options.exporter) {
    processors.push(new SimpleSpanProcessor(options.exporter));
  } else {
    for (const name of config.exporters) {
      processors.push(new BatchSpanProcessor(name === 'console' ? new ConsoleSpanExporter() : otlpExporter(config)));
    }
  }
  // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES override the defaults given here.
  const resource = defaultResource()
    .merge(resourceFromAttributes({ 'service.name': 'music-gateway', 'service.version': packageVersion }))
    .merge(detectResources({ detectors: [envDetector] }));
  // The sampler (OTEL_TRACES_SAMPLER, parent-based always-on by default) is read by the provider.
  const provider = new BasicTracerProvider({ resource, spanProcessors: processors });
  const tracer = provider.getTracer('music-gateway', packageVersion);
  const propagator = new W3CTraceContextPropagator();

  return {
    async request(request, requestId, facts, respond) {
      const parent = propagator.extract(ROOT_CONTEXT, request.headers, headerGetter);
      // No raw path or query: paths carry share tokens. The route template is set once known.
      const span = tracer.startSpan(
        request.method,
        {
          kind: SpanKind.SERVER,
          attributes: { 'http.request.method': request.method, 'music_gateway.request_id': requestId },
        },
        parent,
      );
      const { traceId, spanId } = span.spanContext();
      facts.w3cTraceId = traceId;
      facts.w3cSpanId = spanId;
      try {
        const response = await context.with(trace.setSpan(parent, span), respond);
        if (facts.route) {
          span.updateName(`${request.method} ${facts.route}`);
          span.setAttribute('http.route', facts.route);
        }
        span.setAttribute('http.response.status_code', response.status);
        // GraphQL errors are in the facts by now; an envelope's code is read off the response.
        const codes = new Set(facts.errorCodes);
        const envelopeCode = errorCodeOf(response);
        if (envelopeCode) codes.add(envelopeCode);
        if (codes.size) span.setAttribute('music_gateway.error_codes', [...codes]);
        if (response.status >= 500) {
          span.setAttribute('error.type', String(response.status));
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
        span.end();
        return response;
      } catch (error) {
        endWith(span, error);
        throw error;
      }
    },

    async operation(type, name, execute) {
      const span = tracer.startSpan(name ? `${type} ${name}` : type, {
        attributes: { 'graphql.operation.type': type, ...(name ? { 'graphql.operation.name': name } : {}) },
      });
      try {
        const result = await context.with(trace.setSpan(context.active(), span), execute);
        const message = failed(result);
        if (message !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message });
        span.end();
        return result;
      } catch (error) {
        endWith(span, error);
        throw error;
      }
    },

    statements(dialect: Dialect) {
      const system = dialect === 'postgres' ? 'postgresql' : 'sqlite';
      return (sql) => {
        // Statements outside a request (the migrations at start) are not traced.
        if (!trace.getSpan(context.active())) return () => {};
        const operation = sqlOperation(sql);
        const span = tracer.startSpan(operation, {
          kind: SpanKind.CLIENT,
          attributes: { 'db.system.name': system, 'db.operation.name': operation, 'db.query.text': sql },
        });
        return (error) => endWith(span, error);
      };
    },

    // An unreachable collector costs the last spans, never the clean exit.
    async shutdown() {
      try {
        await provider.shutdown();
      } catch (error) {
        console.error(`opentelemetry: the last spans were not exported: ${describe(error)}`);
      }
    },
  };
}
