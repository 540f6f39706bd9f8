/**
 * `mutate.yaml` beside a target's manifest: the mutants judged equivalent (each with its reason,
 * shown apart and never counted), and what the generator leaves alone. Optional; every problem is
 * reported at once with the file, the line, the field and the fix.
 *
 *   exclude: [platform/sabotage]        # package import paths containing one of these
 *   skipIdents: [storm]                 # if-branches whose condition names one of these
 *   equivalent:
 *     - id: 6fbce5f4b9                  # from `faultline mutate` (the report or --json)
 *       service: payments               # optional: the id is already per service
 *       reason: the manifest sets SHUTDOWN_TIMEOUT, so the default is never read
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { LineCounter, parseDocument } from "yaml";
import { z } from "zod";

const schema = z
  .object({
    exclude: z.array(z.string().min(1)).default([]),
    skipIdents: z.array(z.string().min(1)).default([]),
    equivalent: z
      .array(
        z
          .object({
            id: z
              .string()
              .regex(/^[0-9a-f]{10}$/, "must be a mutant id: 10 hex digits, as the report shows it"),
            service: z.string().optional(),
            reason: z.string().min(10, "say why the mutant cannot change behaviour (at least 10 characters)"),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();

export type MutateConfig = z.infer<typeof schema> & { file?: string };

export class MutateConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`Invalid ${file}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "MutateConfigError";
  }
}

/** The file's path for a manifest file. */
export function mutateConfigFile(manifestFile: string, root: string): string {
  return path.join(path.dirname(path.resolve(root, manifestFile)), "mutate.yaml");
}

export function parseMutateConfig(text: string, file: string): MutateConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length)
    throw new MutateConfigError(
      file,
      doc.errors.map((e) => `${file}:${e.linePos?.[0]?.line ?? "?"}: ${e.message}`),
    );
  const r = schema.safeParse(doc.toJS() ?? {});
  if (!r.success) {
    throw new MutateConfigError(
      file,
      r.error.issues.map((i) => {
        const node = doc.getIn(i.path as unknown[], true) as { range?: [number, number, number] } | undefined;
        const line = node?.range ? `:${lines.linePos(node.range[0]).line}` : "";
        const field =
          i.path.map((k) => (typeof k === "number" ? `[${k}]` : `.${String(k)}`)).join("") || "(top level)";
        const fix =
          i.code === "unrecognized_keys"
            ? " (known fields: exclude, skipIdents, equivalent: [{id, service, reason}])"
            : "";
        return `${file}${line}: ${field.replace(/^\./, "")}: ${i.message}${fix}`;
      }),
    );
  }
  const seen = new Set<string>();
  const dup = r.data.equivalent.filter((e) => {
    const k = `${e.service ?? ""}/${e.id}`;
    const d = seen.has(k);
    seen.add(k);
    return d;
  });
  if (dup.length)
    throw new MutateConfigError(
      file,
      dup.map((d) => `${file}: equivalent: mutant ${d.id} is listed twice; keep one entry`),
    );
  return { ...r.data, file };
}

/** Reads mutate.yaml beside the manifest; an absent file is an empty configuration. */
export async function loadMutateConfig(manifestFile: string, root: string): Promise<MutateConfig> {
  const file = mutateConfigFile(manifestFile, root);
  if (!existsSync(file)) return { exclude: [], skipIdents: [], equivalent: [] };
  return parseMutateConfig(await readFile(file, "utf8"), path.relative(root, file) || file);
}

/** The reason a mutant was judged equivalent, if it was. */
export function equivalentReason(c: MutateConfig, service: string, id: string): string | undefined {
  return c.equivalent.find((e) => e.id === id && (!e.service || e.service === service))?.reason;
}
