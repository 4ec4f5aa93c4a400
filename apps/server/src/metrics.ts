import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export interface ServerMetrics {
  registry: Registry;
  requests: Counter<"method" | "route" | "status">;
  duration: Histogram<"method" | "route" | "status">;
  inFlight: Gauge;
}

/** One registry per server: request counts by status, a latency histogram, in-flight requests, queue depth. */
export function createMetrics(queueSize: () => number): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "pyfunc_" });
  const requests = new Counter({
    name: "pyfunc_http_requests_total",
    help: "HTTP requests answered, by method, route and status",
    labelNames: ["method", "route", "status"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "pyfunc_http_request_duration_seconds",
    help: "HTTP request latency in seconds, by method, route and status",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: "pyfunc_http_requests_in_flight",
    help: "HTTP requests being processed",
    registers: [registry],
  });
  new Gauge({
    name: "pyfunc_prediction_queue_size",
    help: "Prediction requests waiting for a free worker thread",
    registers: [registry],
    collect() {
      this.set(queueSize());
    },
  });
  return { registry, requests, duration, inFlight };
}
