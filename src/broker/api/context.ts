/**
 * What the resource handlers share: the store, the broker's configurable behaviour, and the two
 * engines (the matrix, pacts for verification) built on the store.
 */
import type { Matrix } from "../matrix.ts";
import type { PactsForVerification } from "../pacts-for-verification.ts";
import type { BrokerStore } from "../store/store.ts";
import type { WebhookService } from "../webhooks/service.ts";

/** Where the broker follows the Pact Broker's configurable behaviour (same names, same defaults). */
export interface BrokerBehaviour {
  /**
   * Default true: when a version is put on a branch named in `mainBranchCandidates` and its
   * pacticipant has no main branch yet, that branch becomes its main branch.
   */
  autoDetectMainBranch?: boolean;
  /** Default ["develop", "main", "master"], in the Pact Broker's order. */
  mainBranchCandidates?: string[];
  /**
   * Default false: publishing different pact content under a consumer version that already
   * has a pact with that provider is refused (409), because can-i-deploy could then answer
   * for content nobody verified. True accepts it with a warning notice.
   */
  allowDangerousContractModification?: boolean;
}

export const DEFAULT_MAIN_BRANCH_CANDIDATES = ["develop", "main", "master"];

export interface ApiContext {
  readonly store: BrokerStore;
  readonly behaviour: Required<BrokerBehaviour>;
  readonly matrix: Matrix;
  readonly pactsForVerification: PactsForVerification;
  readonly webhooks: WebhookService;
}

/**
 * Puts a version on a branch, and makes that branch the main one when it is a candidate and none is
 * set. `mainBranch`: the pacticipant's main branch as read in this transaction, when the caller has it
 * (one set already, nothing to update).
 */
export function addBranch(
  ctx: ApiContext,
  pacticipantId: number,
  branch: string,
  versionId: number,
  mainBranch?: string | null,
): boolean {
  const added = ctx.store.addBranchVersion(pacticipantId, branch, versionId);
  if (typeof mainBranch === "string") return added;
  if (ctx.behaviour.autoDetectMainBranch && ctx.behaviour.mainBranchCandidates.includes(branch))
    ctx.store.setMainBranchIfUnset(pacticipantId, branch);
  return added;
}
