import { collectDefaultMetrics, Gauge, type Metric, Registry } from "prom-client";

export interface ServerMetrics {
  registry: Registry;
  /** A request started (the in-flight gauge goes up). */
  start(): void;
  /** A request ended: the in-flight gauge goes down, its count and duration are recorded. */
  finish(method: string, route: string, status: number, seconds: number): void;
  /** A request routed to a model ended: recorded under the model's name too. */
  finishModel(model: string, route: string, status: number, seconds: number): void;
  /** A gRPC call started. */
  startGrpc(): void;
  /** A gRPC call ended: its method, the model it named (per-model calls), its status code name (OK, ...). */
  finishGrpc(method: string, model: string | undefined, code: string, seconds: number): void;
}

/** What the per-model gauges read from each model of the server. */
export interface ModelGaugeSource {
  readonly name: string;
  readonly queued: number;
  readonly restarts: number;
  readonly state: string;
}

type Labels = Record<string, string>;

/** One label set's numbers: a count, a sum and per-bucket (non-cumulative) counts. */
interface Series {
  labels: Labels;
  count: number;
  sum: number;
  buckets: Float64Array;
}

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * Request counts and latencies, kept as plain numbers per label set (three map lookups and a few additions per
 * request, instead of prom-client's per-call label hashing and validation, and no key string built per
 * request) and turned into the same Prometheus counter and histogram families when scraped.
 */
class RequestSeries {
  /** Label sets by their three parts (route, status, method / model …), each level a map. */
  readonly #tree = new Map<string, Map<string | number, Map<string, Series>>>();
  readonly #all: Series[] = [];

  add(method: string, route: string, status: number, seconds: number): void {
    this.#add(route, status, method, () => ({ method, route, status: String(status) }), seconds);
  }

  addModel(model: string, route: string, status: number, seconds: number): void {
    this.#add(route, status, model, () => ({ model, route, status: String(status) }), seconds);
  }

  addGrpc(method: string, model: string | undefined, code: string, seconds: number): void {
    this.#add(
      method,
      code,
      model ?? "",
      (): Labels => (model !== undefined ? { method, model, code } : { method, code }),
      seconds,
    );
  }

  #add(a: string, b: string | number, c: string, labels: () => Labels, seconds: number): void {
    let byB = this.#tree.get(a);
    if (byB === undefined) {
      byB = new Map();
      this.#tree.set(a, byB);
    }
    let byC = byB.get(b);
    if (byC === undefined) {
      byC = new Map();
      byB.set(b, byC);
    }
    let s = byC.get(c);
    if (s === undefined) {
      s = { labels: labels(), count: 0, sum: 0, buckets: new Float64Array(BUCKETS.length) };
      byC.set(c, s);
      this.#all.push(s);
    }
    s.count++;
    s.sum += seconds;
    for (let i = 0; i < BUCKETS.length; i++) {
      if (seconds <= BUCKETS[i]!) {
        s.buckets[i]!++;
        break;
      }
    }
  }

  #clear(): void {
    this.#tree.clear();
    this.#all.length = 0;
  }

  /** prom-client metric objects (name, help, type, `get()`), registered as they are in the registry. */
  counter(name: string, help: string): Metric<string> {
    const series = this.#all;
    const metric = {
      name,
      help,
      type: "counter",
      aggregator: "sum",
      reset: () => this.#clear(),
      get: async () => ({
        name,
        help,
        type: "counter",
        aggregator: "sum",
        values: series.map((s) => ({ labels: s.labels, value: s.count })),
      }),
    };
    return metric as unknown as Metric<string>;
  }

  histogram(name: string, help: string): Metric<string> {
    const series = this.#all;
    const values = () => {
      const out: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
      for (const s of series) {
        let cumulative = 0;
        BUCKETS.forEach((le, i) => {
          cumulative += s.buckets[i]!;
          out.push({ labels: { le, ...s.labels }, value: cumulative, metricName: `${name}_bucket` });
        });
        out.push({ labels: { le: "+Inf", ...s.labels }, value: s.count, metricName: `${name}_bucket` });
        out.push({ labels: s.labels, value: s.sum, metricName: `${name}_sum` });
        out.push({ labels: s.labels, value: s.count, metricName: `${name}_count` });
      }
      return out;
    };
    const metric = {
      name,
      help,
      type: "histogram",
      aggregator: "sum",
      reset: () => this.#clear(),
      get: async () => ({ name, help, type: "histogram", aggregator: "sum", values: values() }),
    };
    return metric as unknown as Metric<string>;
  }
}

/** One registry per server: request counts by status, a latency histogram, in-flight requests, queue depth. */
export function createMetrics(
  queueSize: () => number,
  workerRestarts: () => number = () => 0,
  models: () => Iterable<ModelGaugeSource> = () => [],
): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "pyfunc_" });
  const requests = new RequestSeries();
  registry.registerMetric(
    requests.counter("pyfunc_http_requests_total", "HTTP requests answered, by method, route and status"),
  );
  registry.registerMetric(
    requests.histogram(
      "pyfunc_http_request_duration_seconds",
      "HTTP request latency in seconds, by method, route and status",
    ),
  );
  let inFlight = 0;
  new Gauge({
    name: "pyfunc_http_requests_in_flight",
    help: "HTTP requests being processed",
    registers: [registry],
    collect() {
      this.set(inFlight);
    },
  });
  new Gauge({
    name: "pyfunc_prediction_queue_size",
    help: "Prediction requests waiting for a free worker thread",
    registers: [registry],
    collect() {
      this.set(queueSize());
    },
  });
  new Gauge({
    name: "pyfunc_worker_restarts",
    help: "Worker threads replaced after they died (crash, exit, out of memory, a timed-out or abandoned task)",
    registers: [registry],
    collect() {
      this.set(workerRestarts());
    },
  });
  // per model (labelled `model`, as MLServer's model_infer_request_* families)
  const modelRequests = new RequestSeries();
  registry.registerMetric(
    modelRequests.counter(
      "pyfunc_model_requests_total",
      "Requests routed to a model, by model, route and status",
    ),
  );
  registry.registerMetric(
    modelRequests.histogram(
      "pyfunc_model_request_duration_seconds",
      "Latency in seconds of requests routed to a model, by model, route and status",
    ),
  );
  new Gauge({
    name: "pyfunc_model_prediction_queue_size",
    help: "Prediction requests waiting for a free worker thread of the model",
    labelNames: ["model"],
    registers: [registry],
    collect() {
      this.reset();
      for (const m of models()) this.set({ model: m.name }, m.queued);
    },
  });
  new Gauge({
    name: "pyfunc_model_worker_restarts",
    help: "Worker threads of the model replaced after they died",
    labelNames: ["model"],
    registers: [registry],
    collect() {
      this.reset();
      for (const m of models()) this.set({ model: m.name }, m.restarts);
    },
  });
  new Gauge({
    name: "pyfunc_model_ready",
    help: "1 while the model is READY, else 0 (state: READY, LOADING, UNLOADING, UNAVAILABLE)",
    labelNames: ["model", "state"],
    registers: [registry],
    collect() {
      this.reset();
      for (const m of models()) this.set({ model: m.name, state: m.state }, m.state === "READY" ? 1 : 0);
    },
  });
  // the gRPC service's calls (labels as go-grpc-prometheus's grpc_server_handled_total: method and code name)
  const grpcCalls = new RequestSeries();
  registry.registerMetric(
    grpcCalls.counter(
      "pyfunc_grpc_requests_total",
      "gRPC calls answered, by method, model (ModelReady, ModelMetadata, ModelInfer) and status code",
    ),
  );
  registry.registerMetric(
    grpcCalls.histogram(
      "pyfunc_grpc_request_duration_seconds",
      "gRPC call latency in seconds, by method, model and status code",
    ),
  );
  let grpcInFlight = 0;
  new Gauge({
    name: "pyfunc_grpc_requests_in_flight",
    help: "gRPC calls being processed",
    registers: [registry],
    collect() {
      this.set(grpcInFlight);
    },
  });
  return {
    registry,
    startGrpc() {
      grpcInFlight++;
    },
    finishGrpc(method, model, code, seconds) {
      grpcInFlight--;
      grpcCalls.addGrpc(method, model, code, seconds);
    },
    start() {
      inFlight++;
    },
    finish(method, route, status, seconds) {
      inFlight--;
      requests.add(method, route, status, seconds);
    },
    finishModel(model, route, status, seconds) {
      modelRequests.addModel(model, route, status, seconds);
    },
  };
}
