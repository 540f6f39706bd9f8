/** The index (HAL relations), the heartbeat and the relation documentation pages. */
import { BrokerNotFoundError } from "../errors.ts";
import { RELATION_DOCS, relationDocPage } from "../docs.ts";
import { indexResource } from "../hal-resources.ts";
import type { RouteTable } from "../route-table.ts";
import { ok, p, type ApiHandler } from "./http.ts";

export function registerIndexRoutes(r: RouteTable<ApiHandler>): void {
  r.add("GET", "/", (req) => ok(indexResource(req.urls)));
  r.add("GET", "/diagnostic/status/heartbeat", () => ok({ ok: true, _links: {} }));
  r.add("GET", "/doc/:rel", (req) => {
    const page = relationDocPage(p(req, "rel"));
    if (page === undefined)
      throw new BrokerNotFoundError(
        `No documentation for relation '${p(req, "rel")}': this broker's relations are ${Object.keys(RELATION_DOCS).join(", ")}`,
      );
    return { status: 200, body: page, headers: { "Content-Type": "text/html;charset=utf-8" } };
  });
}
