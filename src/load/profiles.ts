/**
 * Named load profiles in one module, as grafana/quickpizza keeps them: a scenario picks one and
 * may override it. Each turns the scenario's nominal rate (iterations per second) and VUs into
 * a runner executor; `durationS` stretches or shrinks it, keeping its shape.
 */
import type { RunnerExecutor } from "./plan.ts";

export interface ProfileInput {
  /** Nominal arrival rate, iterations per second. */
  rate: number;
  /** VUs of the closed-model profiles. */
  vus: number;
  /** Open model: VUs allocated up front and at most. */
  preAllocatedVUs: number;
  maxVUs: number;
  durationS: number;
}

export interface Profile {
  description: string;
  defaultDurationS: number;
  executor(p: ProfileInput): RunnerExecutor;
}

const s = (seconds: number) => `${Math.max(1, Math.round(seconds * 1000))}ms`;

/** Stages as fractions of the duration: [fraction, target]. */
function ramp(p: ProfileInput, stages: [number, number][]): RunnerExecutor {
  return {
    type: "ramping-arrival-rate",
    startRate: 0,
    timeUnit: "1s",
    preAllocatedVUs: p.preAllocatedVUs,
    maxVUs: p.maxVUs,
    stages: stages.map(([f, target]) => ({ duration: s(p.durationS * f), target: Math.round(target) })),
  };
}

export const PROFILES = {
  smoke: {
    description: "a few iterations a second for a short while: does every request work at all",
    defaultDurationS: 30,
    // Open model at a low rate: a closed model without think time would run as fast as the
    // target answers and could meet its rate limit.
    executor: (p) => ({
      type: "constant-arrival-rate",
      rate: Math.min(10, p.rate),
      timeUnit: "1s",
      duration: s(p.durationS),
      preAllocatedVUs: Math.min(5, p.preAllocatedVUs),
      maxVUs: Math.min(20, p.maxVUs),
    }),
  },
  average: {
    description: "ramp to the nominal rate, hold it, ramp down (open model)",
    defaultDurationS: 300,
    executor: (p) =>
      ramp(p, [
        [0.1, p.rate],
        [0.8, p.rate],
        [0.1, 0],
      ]),
  },
  stress: {
    description: "ramp to twice the nominal rate and hold it (open model)",
    defaultDurationS: 600,
    executor: (p) =>
      ramp(p, [
        [0.1, 2 * p.rate],
        [0.8, 2 * p.rate],
        [0.1, 0],
      ]),
  },
  spike: {
    description: "a sudden jump to three times the nominal rate, held briefly, then back down (open model)",
    defaultDurationS: 60,
    executor: (p) =>
      ramp(p, [
        [0.1, 3 * p.rate],
        [0.7, 3 * p.rate],
        [0.2, 0],
      ]),
  },
  soak: {
    description: "the nominal rate held for a long time (open model)",
    defaultDurationS: 3600,
    executor: (p) => ({
      type: "constant-arrival-rate",
      rate: p.rate,
      timeUnit: "1s",
      duration: s(p.durationS),
      preAllocatedVUs: p.preAllocatedVUs,
      maxVUs: p.maxVUs,
    }),
  },
} satisfies Record<string, Profile>;

export type ProfileName = keyof typeof PROFILES;
export const PROFILE_NAMES = Object.keys(PROFILES) as ProfileName[];

export function profile(name: string, where: string): Profile {
  const p = (PROFILES as Record<string, Profile>)[name];
  if (!p)
    throw new Error(
      `${where}: no load profile "${name}"; profiles: ${PROFILE_NAMES.join(", ")} (src/load/profiles.ts)`,
    );
  return p;
}
