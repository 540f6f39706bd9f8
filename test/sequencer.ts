import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * The chaos catalog (one long file on one stack) starts first, so it runs beside the other
 * integration files instead of after them: with two workers, one goes through the catalog
 * while the other goes through everything else, one file at a time. Otherwise Vitest's own
 * order (failed first, then longest first from its cache, or by size on a fresh clone).
 */
export const FIRST = ["suites/chaos/chaos.test.ts"];

export default class ChaosFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = FIRST.findIndex((p) => f.moduleId.endsWith(`/${p}`));
      return i === -1 ? FIRST.length : i;
    };
    return sorted
      .map((f, i) => ({ f, i }))
      .sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i)
      .map((x) => x.f);
  }
}
