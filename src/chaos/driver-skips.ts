/** Scenarios a driver cannot run (a container fault it cannot make, a load run), each with why. */
import type { Scenario } from "./model.ts";

export function unsupportedScenarios(
  scenarios: Scenario[],
  unsupported: Partial<Record<string, string>>,
  unsupportedLoad?: string,
): { run: Scenario[]; skipped: { name: string; why: string }[] } {
  const run: Scenario[] = [];
  const skipped: { name: string; why: string }[] = [];
  for (const s of scenarios) {
    const action = s.method
      .flatMap((st) => (st.kind === "fault" && st.fault.type === "container" ? [st.fault.action] : []))
      .find((a) => unsupported[a]);
    if (action) skipped.push({ name: s.name, why: `needs ${action}: ${unsupported[action]}` });
    else if (s.load && unsupportedLoad)
      skipped.push({
        name: s.name,
        why: `its workload is a load run (${s.load.scenario}): ${unsupportedLoad}`,
      });
    else run.push(s);
  }
  return { run, skipped };
}
