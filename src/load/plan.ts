/** The load runner's plan (tools/loadrunner/runner/plan.go), as the TypeScript side writes it. */

export interface RunnerStage {
  duration: string;
  target: number;
}

export interface RunnerExecutor {
  type: "constant-arrival-rate" | "ramping-arrival-rate" | "constant-vus" | "ramping-vus";
  duration?: string;
  rate?: number;
  startRate?: number;
  timeUnit?: string;
  preAllocatedVUs?: number;
  maxVUs?: number;
  vus?: number;
  startVUs?: number;
  stages?: RunnerStage[];
  maxIterations?: number;
}

export interface RunnerRequest {
  name: string;
  weight?: number;
  method?: string;
  url?: string;
  headers?: Record<string, string>;
  body?: string;
  grpc?: { target: string; method: string; data: string; metadata?: Record<string, string> };
}

export interface RunnerPlan {
  executor: RunnerExecutor;
  requests: RunnerRequest[];
  checks?: { name: string; url?: string; expectStatus?: number[]; grpcHealth?: string }[];
  setup?: {
    name: string;
    method: string;
    url: string;
    headers?: Record<string, string>;
    body?: string;
    repeat?: number;
    capture?: Record<string, string>;
  }[];
  protos?: { path: string; content: string }[];
  timeout?: string;
  checkTimeout?: string;
  maxBodyBytes?: number;
  grpcConnections?: number;
}

/** The total duration of an executor in seconds. */
export function executorDurationS(e: RunnerExecutor): number {
  const secs = (d: string) => {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(d);
    if (!m) throw new Error(`executor: "${d}" is not a duration such as "30s"`);
    return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2] as "ms" | "s" | "m" | "h"];
  };
  if (e.stages) return e.stages.reduce((a, st) => a + secs(st.duration), 0);
  return e.duration ? secs(e.duration) : 0;
}
