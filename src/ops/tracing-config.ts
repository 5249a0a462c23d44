// Which OpenTelemetry tracing the standard OTEL_* variables ask for, read without loading the SDK
// (src/ops/tracing.ts loads it only when this says tracing is on). The SDK and its exporters read
// the same variables again themselves: endpoint, headers, timeout, sampler, batch sizes, resource.

export type TraceExporterName = 'otlp' | 'console';
export type OtlpProtocol = 'http/protobuf' | 'http/json';

export interface TracingConfig {
  /** Where finished spans go; `OTEL_TRACES_EXPORTER`, otlp when only an endpoint is given. */
  exporters: TraceExporterName[];
  /** `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL` or `OTEL_EXPORTER_OTLP_PROTOCOL`, http/protobuf by default. */
  protocol: OtlpProtocol;
}

const EXPORTERS = ['otlp', 'console', 'none'] as const;
const PROTOCOLS = ['http/protobuf', 'http/json'] as const;
const SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
];

const read = (env: NodeJS.ProcessEnv, name: string) => env[name]?.trim() || undefined;

/**
 * Off unless the environment says where spans go: `OTEL_TRACES_EXPORTER` (otlp, console), or an
 * OTLP endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`).
 * `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none` keeps it off. An unusable value is an
 * Error whose message names the variable, for the start-up line.
 */
export function tracingConfig(env: NodeJS.ProcessEnv): TracingConfig | null | Error {
  if (read(env, 'OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return null;
  const listed = read(env, 'OTEL_TRACES_EXPORTER')
    ?.split(',')
    .map((e) => e.trim().toLowerCase())
    .filter(Boolean);
  for (const name of listed ?? []) {
    if (!(EXPORTERS as readonly string[]).includes(name)) {
      return new Error(
        `OTEL_TRACES_EXPORTER must list otlp, console or none, got "${read(env, 'OTEL_TRACES_EXPORTER')}"`,
      );
    }
  }
  const endpoint = read(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ?? read(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  let exporters = (listed ?? (endpoint ? ['otlp'] : [])).filter((e): e is TraceExporterName => e !== 'none');
  if (listed?.includes('none')) exporters = [];
  if (exporters.length === 0) return null;

  if (endpoint !== undefined && !/^https?:\/\/[^/]/.test(endpoint)) {
    return new Error(
      `OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL such as http://127.0.0.1:4318, got "${endpoint}"`,
    );
  }
  const protocolVariable = read(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL')
    ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'
    : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const protocol = (read(env, protocolVariable) ?? 'http/protobuf').toLowerCase();
  if (!(PROTOCOLS as readonly string[]).includes(protocol)) {
    return new Error(
      `${protocolVariable} must be http/protobuf or http/json (OTLP over HTTP, port 4318; grpc is not built in), got "${read(env, protocolVariable)}"`,
    );
  }
  // Exactly as the SDK spells them: it reads this variable itself and would fall back silently.
  const sampler = read(env, 'OTEL_TRACES_SAMPLER');
  if (sampler !== undefined && !SAMPLERS.includes(sampler)) {
    return new Error(`OTEL_TRACES_SAMPLER must be one of ${SAMPLERS.join(', ')}, got "${sampler}"`);
  }
  const ratio = read(env, 'OTEL_TRACES_SAMPLER_ARG');
  if (ratio !== undefined && sampler?.endsWith('traceidratio') && !(Number(ratio) >= 0 && Number(ratio) <= 1)) {
    return new Error(`OTEL_TRACES_SAMPLER_ARG must be a ratio from 0 to 1 for ${sampler}, got "${ratio}"`);
  }
  return { exporters, protocol: protocol as OtlpProtocol };
}
