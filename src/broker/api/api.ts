/**
 * The broker's HAL API: one file per resource, each registering its handlers in one route table.
 * Routes are matched in registration order (first match wins), so a literal segment such as
 * `verification-results/latest` is registered before the `:number` beside it.
 */
import { Matrix } from "../matrix.ts";
import { PactsForVerification } from "../pacts-for-verification.ts";
import { RouteTable } from "../route-table.ts";
import type { BrokerStore } from "../store/store.ts";
import { registerCanIDeployRoutes } from "./can-i-deploy.ts";
import { DEFAULT_MAIN_BRANCH_CANDIDATES, type ApiContext, type BrokerBehaviour } from "./context.ts";
import { registerDeploymentsRoutes } from "./deployments.ts";
import { registerEnvironmentsRoutes } from "./environments.ts";
import type { ApiHandler } from "./http.ts";
import { registerIndexRoutes } from "./index-routes.ts";
import { registerPacticipantsRoutes } from "./pacticipants.ts";
import { registerPactsRoutes } from "./pacts.ts";
import { registerPublishRoutes } from "./publish.ts";
import { registerVerificationsRoutes } from "./verifications.ts";
import { registerVersionsRoutes } from "./versions.ts";
import { registerWebhooksRoutes } from "./webhooks.ts";
import { WebhookService } from "../webhooks/service.ts";

export type { ApiRequest, ApiResponse, ApiHandler } from "./http.ts";
export { DEFAULT_MAIN_BRANCH_CANDIDATES, type BrokerBehaviour } from "./context.ts";

export class BrokerApi {
  readonly routes = new RouteTable<ApiHandler>();

  constructor(
    store: BrokerStore,
    behaviour: BrokerBehaviour = {},
    webhooks: WebhookService = new WebhookService(store.webhooks),
  ) {
    const ctx: ApiContext = {
      store,
      matrix: new Matrix(store),
      pactsForVerification: new PactsForVerification(store),
      webhooks,
      behaviour: {
        autoDetectMainBranch: behaviour.autoDetectMainBranch ?? true,
        mainBranchCandidates: behaviour.mainBranchCandidates ?? DEFAULT_MAIN_BRANCH_CANDIDATES,
        allowDangerousContractModification: behaviour.allowDangerousContractModification ?? false,
      },
    };
    const r = this.routes;
    registerIndexRoutes(r);
    registerPublishRoutes(r, ctx);
    registerPacticipantsRoutes(r, ctx);
    registerVersionsRoutes(r, ctx);
    registerDeploymentsRoutes(r, ctx);
    registerEnvironmentsRoutes(r, ctx);
    registerPactsRoutes(r, ctx);
    registerVerificationsRoutes(r, ctx);
    registerCanIDeployRoutes(r, ctx);
    registerWebhooksRoutes(r, ctx);
  }
}
