/** The matrix and can-i-deploy. */
import { decorateMatrix, parseCanIDeployQuery, parseMatrixQuery } from "../matrix.ts";
import type { RouteTable } from "../route-table.ts";
import type { ApiContext } from "./context.ts";
import { ok, type ApiHandler } from "./http.ts";

export function registerCanIDeployRoutes(r: RouteTable<ApiHandler>, ctx: ApiContext): void {
  r.add("GET", "/matrix", (req) =>
    ok(decorateMatrix(ctx.matrix.run(parseMatrixQuery(req.query)), req.urls, ctx.store)),
  );
  r.add("GET", "/can-i-deploy", (req) =>
    ok(decorateMatrix(ctx.matrix.run(parseCanIDeployQuery(req.query)), req.urls, ctx.store)),
  );
}
