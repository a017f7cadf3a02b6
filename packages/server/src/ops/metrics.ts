// The Prometheus metrics one server or worker process exposes at /metrics: what the database says
// now (runs by status, queue depth, read at scrape time), what this process's workers do (claims,
// heartbeats, step and token rates) and how fast its HTTP and GraphQL requests are answered.

import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { RUN_STATUSES } from '../modules/runs/run.entity.ts';
import { logger } from './logger.ts';

/** What the scrape reads from the database; a source that fails leaves its metric out of that scrape. */
export interface MetricSources {
  /** Runs in each status. */
  runsByStatus(): Promise<Record<string, number>>;
  /** The training queue's jobs waiting for a worker and held by one, as pg-boss counts them. */
  queueJobs(): Promise<{ queued: number; active: number }>;
}

/** Seconds from a run becoming claimable to a worker claiming it: sub-second polling up to an hour's backlog. */
const CLAIM_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600];
/** Request latencies: health probes in milliseconds, uploads and slow mutations in seconds. */
const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Client-chosen operation names are cut to this many characters... */
export const OPERATION_NAME_LENGTH = 64;
/** ...and after this many distinct ones, new names are counted as `other`: a client cannot grow the series without bound. */
export const OPERATION_NAMES_KEPT = 200;

export class Metrics {
  readonly registry = new Registry();
  readonly runs: Gauge<'status'>;
  readonly queueJobs: Gauge<'state'>;
  readonly claimLatency: Histogram<never>;
  readonly steps: Counter<'worker'>;
  readonly stepsPerSecond: Gauge<'worker'>;
  readonly tokensPerSecond: Gauge<'worker'>;
  readonly activeRuns: Gauge<'worker'>;
  readonly heartbeats: Counter<'worker'>;
  readonly lastHeartbeat: Gauge<'worker'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly graphqlDuration: Histogram<'operation_type' | 'operation_name'>;
  private readonly operationNames = new Set<string>();

  constructor(sources?: MetricSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.runs = new Gauge({
      name: 'tuneql_runs',
      help: 'Runs in each status, read from the database at scrape time.',
      labelNames: ['status'],
      registers,
      async collect() {
        if (!sources) return;
        this.reset();
        try {
          const counts = await sources.runsByStatus();
          for (const status of RUN_STATUSES) this.set({ status }, counts[status] ?? 0);
        } catch (err) {
          logger().warn({ err }, 'metrics: cannot count runs by status; tuneql_runs left out of this scrape');
        }
      },
    });
    this.queueJobs = new Gauge({
      name: 'tuneql_queue_jobs',
      help: "The training queue's jobs: queued (waiting for a worker) and active (claimed), as pg-boss counts them.",
      labelNames: ['state'],
      registers,
      async collect() {
        if (!sources) return;
        this.reset();
        try {
          const { queued, active } = await sources.queueJobs();
          this.set({ state: 'queued' }, queued);
          this.set({ state: 'active' }, active);
        } catch (err) {
          logger().warn({ err }, 'metrics: cannot read the queue size; tuneql_queue_jobs left out of this scrape');
        }
      },
    });
    this.claimLatency = new Histogram({
      name: 'tuneql_run_claim_latency_seconds',
      help: 'Seconds from a run being queued (or requeued) to a worker of this process claiming it.',
      buckets: CLAIM_BUCKETS,
      registers,
    });
    this.steps = new Counter({
      name: 'tuneql_worker_steps_total',
      help: "Optimizer steps this process's workers completed (rate() of it is the steps/s over any window).",
      labelNames: ['worker'],
      registers,
    });
    this.stepsPerSecond = new Gauge({
      name: 'tuneql_worker_steps_per_second',
      help: "Optimizer steps per second of this process's workers over their recent steps (0 when idle).",
      labelNames: ['worker'],
      registers,
    });
    this.tokensPerSecond = new Gauge({
      name: 'tuneql_worker_tokens_per_second',
      help: "Token positions per second the workers' recent steps computed on (batch size x padded length, 0 when idle).",
      labelNames: ['worker'],
      registers,
    });
    this.activeRuns = new Gauge({
      name: 'tuneql_worker_active_runs',
      help: 'Runs each worker of this process is training now.',
      labelNames: ['worker'],
      registers,
    });
    this.heartbeats = new Counter({
      name: 'tuneql_worker_heartbeats_total',
      help: "Heartbeats the queue recorded for the runs this process's workers hold.",
      labelNames: ['worker'],
      registers,
    });
    this.lastHeartbeat = new Gauge({
      name: 'tuneql_worker_last_heartbeat_timestamp_seconds',
      help: 'Unix time of the newest heartbeat the queue recorded for a run the worker holds.',
      labelNames: ['worker'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'tuneql_http_request_duration_seconds',
      help: 'HTTP requests by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.graphqlDuration = new Histogram({
      name: 'tuneql_graphql_operation_duration_seconds',
      help: 'GraphQL operations over HTTP by operation type and name (names cut and bounded; unknown when absent).',
      labelNames: ['operation_type', 'operation_name'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
  }

  /** The label for a client's operation name: cut, and `other` once OPERATION_NAMES_KEPT names are in use. */
  operationNameLabel(name: string | null | undefined): string {
    if (!name) return 'unknown';
    const cut = name.slice(0, OPERATION_NAME_LENGTH);
    if (this.operationNames.has(cut)) return cut;
    if (this.operationNames.size >= OPERATION_NAMES_KEPT) return 'other';
    this.operationNames.add(cut);
    return cut;
  }

  /** The exposition text and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
