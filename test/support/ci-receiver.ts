/**
 * A provider's CI as a webhook target: each `contract_requiring_verification_published` request
 * starts a "build" that runs `faultline contracts verify --provider P` against the pact the
 * webhook names and publishes the result as the provider version the webhook asks for.
 *
 * `contracts verify` takes local files or a broker with consumer version selectors (no pact
 * URL), so a build fetches `${pactbroker.pactUrl}` (it must resolve), then selects that pact by
 * the consumer and its branch from the same webhook and checks the verifier saw the same
 * interactions.
 */
import { execFile } from "node:child_process";
import { projectRoot } from "../../src/paths.ts";
import { faultlineBin } from "./faultline-cli.ts";
import { startWebhookReceiver, type WebhookReceiver } from "./webhook-receiver.ts";

/** The body the provider's webhook sends (its template parameters). */
export const CI_WEBHOOK_BODY = JSON.stringify({
  pactUrl: "${pactbroker.pactUrl}",
  consumer: "${pactbroker.consumerName}",
  consumerBranch: "${pactbroker.consumerVersionBranch}",
  consumerVersion: "${pactbroker.consumerVersionNumber}",
  provider: "${pactbroker.providerName}",
  providerVersion: "${pactbroker.providerVersionNumber}",
  providerBranch: "${pactbroker.providerVersionBranch}",
});

export interface CiBuild {
  request: Record<string, string>;
  /** The interactions of the pact at pactUrl. */
  pactInteractions: string[];
  /** The verifier's report (`--json`). */
  report?: { passed: boolean; interactions: { description: string; ok: boolean }[]; notices: string[] };
  code: number;
  output: string;
}

export interface CiReceiver extends AsyncDisposable {
  readonly url: string;
  readonly builds: CiBuild[];
  /** Builds started and not yet finished. */
  readonly running: number;
}

export async function startCiReceiver(o: {
  brokerUrl: string;
  providerBaseUrl: string;
}): Promise<CiReceiver> {
  const builds: CiBuild[] = [];
  const runs = new Set<Promise<void>>();
  const build = async (body: string): Promise<void> => {
    const request = JSON.parse(body) as Record<string, string>;
    const pact = (await (await fetch(request.pactUrl!)).json()) as {
      interactions: { description: string }[];
    };
    const args = [
      faultlineBin,
      "contracts",
      "verify",
      "--provider",
      request.provider!,
      "--provider-base-url",
      o.providerBaseUrl,
      "--broker-base-url",
      o.brokerUrl,
      "--consumer-version-selector",
      JSON.stringify({ consumer: request.consumer, branch: request.consumerBranch }),
      "--publish",
      "--provider-app-version",
      request.providerVersion!,
      "--provider-version-branch",
      request.providerBranch!,
      "--json",
    ];
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, args, { cwd: projectRoot(), timeout: 120_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
      ),
    );
    // The verifier prints its own lines first; the --json report is the last block.
    const at = r.stdout.startsWith("{") ? 0 : r.stdout.lastIndexOf("\n{\n") + 1;
    let report: CiBuild["report"];
    try {
      report =
        at > 0 || r.stdout.startsWith("{")
          ? (JSON.parse(r.stdout.slice(at)) as CiBuild["report"])
          : undefined;
    } catch {
      report = undefined;
    }
    builds.push({
      request,
      pactInteractions: pact.interactions.map((i) => i.description),
      ...(report ? { report } : {}),
      code: r.code,
      output: r.stdout + r.stderr,
    });
  };
  const receiver: WebhookReceiver = await startWebhookReceiver((req) => {
    if (req.path !== "/build") return;
    const run = build(req.body).catch((err: unknown) => {
      builds.push({ request: {}, pactInteractions: [], code: -1, output: String(err) });
    });
    runs.add(run);
    void run.finally(() => runs.delete(run));
  });
  return {
    url: `${receiver.url}/build`,
    builds,
    get running() {
      return runs.size;
    },
    async [Symbol.asyncDispose]() {
      await Promise.all([...runs]);
      await receiver[Symbol.asyncDispose]();
    },
  };
}
