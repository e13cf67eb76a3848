/**
 * OpenTelemetry correlation without depending on OpenTelemetry: `@opentelemetry/api` is an
 * optional peer dependency, loaded on first use. When it is not installed the first call notes
 * that once, and every later call costs one comparison (no require, no throw per call).
 */

/** The ids of the span a piece of work runs in (W3C trace context: 32 and 16 lowercase hex digits). */
export interface TraceIds {
  traceId: string;
  spanId: string;
}

interface SpanContext {
  traceId: string;
  spanId: string;
}

/** The small part of @opentelemetry/api used here (stable since 1.0). */
interface OtelApi {
  context: { active(): unknown };
  trace: {
    getSpan(context: unknown): { spanContext(): SpanContext } | undefined;
    isSpanContextValid(spanContext: SpanContext): boolean;
  };
}

/** undefined: not tried yet; null: not installed (or unusable). */
let api: OtelApi | null | undefined;

function load(): OtelApi | null {
  try {
    // A plain require keeps it synchronous (an AuditContext is built synchronously); the API keeps
    // its registered tracer and context manager on a global, so any installed copy sees them.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- synchronous optional peer
    const loaded = require('@opentelemetry/api') as Partial<OtelApi>;
    api =
      typeof loaded?.trace?.getSpan === 'function' && typeof loaded.context?.active === 'function'
        ? (loaded as OtelApi)
        : null;
  } catch {
    api = null;
  }
  return api;
}

/**
 * The trace and span ids of the active OpenTelemetry span, or null when there is none (no API
 * installed, no context manager registered, no span, or a non-recording invalid span context).
 */
export function activeTraceIds(): TraceIds | null {
  const otel = api === undefined ? load() : api;
  if (otel === null) return null;
  try {
    const span = otel.trace.getSpan(otel.context.active());
    if (span === undefined) return null;
    const spanContext = span.spanContext();
    if (!otel.trace.isSpanContextValid(spanContext)) return null;
    return { traceId: spanContext.traceId, spanId: spanContext.spanId };
  } catch {
    // A broken tracer or context manager must never cost the audit event.
    return null;
  }
}
