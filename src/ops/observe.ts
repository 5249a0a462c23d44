import type { RequestFacts } from '../domain/deps.js';
import { errorCodeOf } from '../wire/errors.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';

// Probes and page assets are requested often and say little; they log at debug, not info.
const QUIET_ROUTES = /^\/(healthz|readyz|metrics|assets\/)/;

export interface RequestObserver {
  /** Starts timing a request; the returned function logs and counts it once it has a response. */
  begin(request: Request, facts: RequestFacts, traceId: string): (response: Response) => void;
}

export function createRequestObserver(logger: Logger, metrics: Metrics): RequestObserver {
  return {
    begin(request, facts, traceId) {
      const started = performance.now();
      metrics.requestStarted();
      return (response) => {
        const ms = performance.now() - started;
        const code = errorCodeOf(response);
        if (code) facts.errorCodes.add(code);
        const route = facts.route ?? (response.status === 404 ? 'unmatched' : 'other');
        metrics.requestFinished({
          method: request.method,
          route,
          status: response.status,
          seconds: ms / 1000,
          errorCodes: facts.errorCodes,
          operations: facts.operations,
        });
        const operationNames = facts.operations?.map((o) => o.name).filter((n) => n !== undefined);
        for (const err of facts.unexpected) logger.error({ trace_id: traceId, err }, 'unexpected error');
        // A probe's 503 (database down, shutting down) is a state its body explains, not a failure of the request.
        const quiet = QUIET_ROUTES.test(route);
        const level = response.status >= 500 ? (quiet ? 'warn' : 'error') : quiet ? 'debug' : 'info';
        logger[level](
          {
            method: request.method,
            route,
            status: response.status,
            duration_ms: Math.round(ms * 10) / 10,
            trace_id: traceId,
            key_id: facts.keyId,
            organization_id: facts.organizationId,
            error_code: facts.errorCodes.size ? [...facts.errorCodes].join(',') : undefined,
            operation_name: operationNames?.length ? operationNames.join(',') : undefined,
            w3c_trace_id: facts.w3cTraceId,
            w3c_span_id: facts.w3cSpanId,
          },
          'request',
        );
      };
    },
  };
}
