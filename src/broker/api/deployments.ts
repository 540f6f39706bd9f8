/** Deployed and released versions: recording them per environment and marking them undeployed or unsupported. */
import { z } from "zod";
import { BrokerNotFoundError } from "../errors.ts";
import type { PacticipantRow, VersionRow } from "../store/store.ts";
import { deployedVersionResource, releasedVersionResource } from "../hal-resources.ts";
import type { RouteTable } from "../route-table.ts";
import type { ApiContext } from "./context.ts";
import { created, ok, p, parseBody, type ApiHandler, type ApiRequest, type ApiResponse } from "./http.ts";

export function registerDeploymentsRoutes(r: RouteTable<ApiHandler>, ctx: ApiContext): void {
  r.add("POST", "/pacticipants/:name/versions/:version/deployed-versions/environment/:uuid", (req) =>
    recordDeployment(ctx, req),
  );
  r.add("GET", "/pacticipants/:name/versions/:version/deployed-versions/environment/:uuid", (req) =>
    listDeployedForVersion(ctx, req),
  );
  r.add("POST", "/pacticipants/:name/versions/:version/released-versions/environment/:uuid", (req) =>
    recordRelease(ctx, req),
  );
  r.add("GET", "/pacticipants/:name/versions/:version/released-versions/environment/:uuid", (req) =>
    listReleasedForVersion(ctx, req),
  );
  r.add("GET", "/deployed-versions/:uuid", (req) => getDeployedVersion(ctx, req));
  r.add("PATCH", "/deployed-versions/:uuid", (req) => patchDeployedVersion(ctx, req));
  r.add("GET", "/released-versions/:uuid", (req) => getReleasedVersion(ctx, req));
  r.add("PATCH", "/released-versions/:uuid", (req) => patchReleasedVersion(ctx, req));
}

function versionAndEnvironment(
  ctx: ApiContext,
  req: ApiRequest,
): {
  pc: PacticipantRow;
  v: VersionRow;
  envId: number;
  envName: string;
} {
  const pc = ctx.store.getPacticipant(p(req, "name"));
  const v = ctx.store.getVersion(pc, p(req, "version"));
  const env = ctx.store.getEnvironmentByUuid(p(req, "uuid"));
  return { pc, v, envId: env.id, envName: env.name };
}

function recordDeployment(ctx: ApiContext, req: ApiRequest): ApiResponse {
  const body = parseBody(
    z.object({
      applicationInstance: z.string().nullable().optional(),
      target: z.string().nullable().optional(),
    }),
    req.body ?? {},
  );
  const { v, envId } = versionAndEnvironment(ctx, req);
  const d = ctx.store.recordDeployment(v.id, envId, body.applicationInstance ?? null);
  return created(deployedVersionResource(ctx.store, req.urls, d), req.urls.deployedVersion(d.uuid));
}

function listDeployedForVersion(ctx: ApiContext, req: ApiRequest): ApiResponse {
  const { v, envId } = versionAndEnvironment(ctx, req);
  const list = ctx.store
    .deployedVersionsOf(v.id, envId)
    .map((d) => deployedVersionResource(ctx.store, req.urls, d));
  return ok({
    _embedded: { deployedVersions: list },
    _links: { self: { href: req.urls.recordDeployment(p(req, "name"), v.number, p(req, "uuid")) } },
  });
}

function recordRelease(ctx: ApiContext, req: ApiRequest): ApiResponse {
  const { v, envId } = versionAndEnvironment(ctx, req);
  const r = ctx.store.recordRelease(v.id, envId);
  return created(releasedVersionResource(ctx.store, req.urls, r), req.urls.releasedVersion(r.uuid));
}

function listReleasedForVersion(ctx: ApiContext, req: ApiRequest): ApiResponse {
  const { v, envId } = versionAndEnvironment(ctx, req);
  const list = ctx.store
    .releasedVersionsOf(v.id, envId)
    .map((x) => releasedVersionResource(ctx.store, req.urls, x));
  return ok({
    _embedded: { releasedVersions: list },
    _links: { self: { href: req.urls.recordRelease(p(req, "name"), v.number, p(req, "uuid")) } },
  });
}

function getDeployedVersion(ctx: ApiContext, req: ApiRequest): ApiResponse {
  const d = ctx.store.findDeployedVersion(p(req, "uuid"));
  if (!d) throw new BrokerNotFoundError(`No deployed version with uuid '${p(req, "uuid")}' found`);
  return ok(deployedVersionResource(ctx.store, req.urls, d));
}

function patchDeployedVersion(ctx: ApiContext, req: ApiRequest): ApiResponse {
  const body = parseBody(
    z.object({
      currentlyDeployed: z.literal(false, { error: "currentlyDeployed can only be set to false" }),
    }),
    req.body,
  );
  void body;
  return ok(deployedVersionResource(ctx.store, req.urls, ctx.store.markUndeployed(p(req, "uuid"))));
}

function getReleasedVersion(ctx: ApiContext, req: ApiRequest): ApiResponse {
  const r = ctx.store.findReleasedVersion(p(req, "uuid"));
  if (!r) throw new BrokerNotFoundError(`No released version with uuid '${p(req, "uuid")}' found`);
  return ok(releasedVersionResource(ctx.store, req.urls, r));
}

function patchReleasedVersion(ctx: ApiContext, req: ApiRequest): ApiResponse {
  const body = parseBody(
    z.object({
      currentlySupported: z.literal(false, { error: "currentlySupported can only be set to false" }),
    }),
    req.body,
  );
  void body;
  return ok(releasedVersionResource(ctx.store, req.urls, ctx.store.markSupportEnded(p(req, "uuid"))));
}
