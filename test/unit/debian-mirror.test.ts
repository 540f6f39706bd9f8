import { describe, expect, it } from "vitest";
import { mirrorFromSources } from "../../src/images/debian-mirror.ts";

describe("mirrorFromSources", () => {
  it("reads a deb822 stanza serving the suite's main component", () => {
    const text = [
      "Types: deb",
      "URIs: http://mirror.example/debian",
      "Suites: bookworm bookworm-updates",
      "Components: main",
      "",
      "Types: deb",
      "URIs: http://mirror.example/debian-security",
      "Suites: bookworm-security",
      "Components: main",
    ].join("\n");
    expect(mirrorFromSources(text, "bookworm")).toBe("http://mirror.example/debian");
    expect(mirrorFromSources(text, "trixie")).toBeUndefined();
  });

  it("reads one-line sources and skips deb-src and other suites", () => {
    const text =
      "deb-src http://a/debian bookworm main\ndeb [arch=amd64] http://b/debian bookworm main contrib\n";
    expect(mirrorFromSources(text, "bookworm")).toBe("http://b/debian");
  });
});
