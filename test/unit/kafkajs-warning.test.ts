import vm from "node:vm";
import { describe, expect, it } from "vitest";
import { filterKafkajsNegativeTimeoutWarning } from "../../src/env/kafkajs-warning.ts";

async function warningsOf(fn: () => void): Promise<string[]> {
  const seen: string[] = [];
  const on = (w: Error) => seen.push(`${w.name}: ${w.message.split("\n")[0]}`);
  process.on("warning", on);
  try {
    fn();
    // Warnings are emitted on the next tick: wait for them, bounded.
    for (let i = 0; i < 20 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
  } finally {
    process.off("warning", on);
  }
  return seen;
}

describe("kafkajs's negative timeout warning (kafkajs #1751)", () => {
  it("drops TimeoutNegativeWarning from kafkajs's request queue and keeps every other warning", async () => {
    filterKafkajsNegativeTimeoutWarning();
    const fromKafkajs = () =>
      // What Node's timers do for a negative delay (once per process, so it is called directly).
      vm.runInThisContext("process.emitWarning('-1764 is a negative number.', 'TimeoutNegativeWarning')", {
        filename: "/app/node_modules/kafkajs/src/network/requestQueue/index.js",
      });
    expect(await warningsOf(fromKafkajs)).toEqual([]);
    const elsewhere = () => process.emitWarning("-5 is a negative number.", "TimeoutNegativeWarning");
    expect(await warningsOf(elsewhere)).toEqual(["TimeoutNegativeWarning: -5 is a negative number."]);
    expect(await warningsOf(() => process.emitWarning("something else", "DeprecationWarning"))).toEqual([
      "DeprecationWarning: something else",
    ]);
  });
});
