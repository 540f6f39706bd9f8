/** Environments, and the versions currently deployed to or supported in each. */
import { z } from "zod";
import { deployedVersionResource, environmentResource, releasedVersionResource } from "../hal-resources.ts";
import type { RouteTable } from "../route-table.ts";
import type { ApiContext } from "./context.ts";
import { created, ok, p, parseBody, type ApiHandler, type ApiRequest, type ApiResponse } from "./http.ts";

const environmentSchema = z.object({
  name: z
    .string({ error: "name is missing or not a string" })
    .trim()
    .min(1, "name cannot be blank")
    .regex(/^\S+$/, "name cannot contain spaces"),
  displayName: z.string().nullable().optional(),
  production: z.boolean({ error: "production is missing or not a boolean" }),
  contacts: z.array(z.unknown()).optional(),
});

export function registerEnvironmentsRoutes(r: RouteTable<ApiHandler>, ctx: ApiContext): void {
  r.add("GET", "/environments", (req) => listEnvironments(ctx, req));
  r.add("POST", "/environments", (req) => createEnvironment(ctx, req));
  r.add("GET", "/environments/:uuid", (req) =>
    ok(environmentResource(req.urls, ctx.store.getEnvironmentByUuid(p(req, "uuid")))),
  );
  r.add("PUT", "/environments/:uuid", (req) => updateEnvironment(ctx, req));
  r.add("DELETE", "/environments/:uuid", (req) => {
    ctx.store.deleteEnvironment(p(req, "uuid"));
    return { status: 204 };
  });
  r.add("GET", "/environments/:uuid/deployed-versions/currently-deployed", (req) =>
    currentlyDeployed(ctx, req),
  );
  r.add("GET", "/environments/:uuid/released-versions/currently-supported", (req) =>
    currentlySupported(ctx, req),
  );
}

function listEnvironments(ctx: ApiContext, req: ApiRequest): ApiResponse {
  const name = req.query.get("name");
  const list = ctx.store
    .listEnvironments()
    .filter((e) => name === null || e.name === name)
    .map((e) => environmentResource(req.urls, e));
  return ok({
    _embedded: { environments: list },
    _links: { self: { href: req.urls.environments(), title: "Environments" } },
  });
}

function createEnvironment(ctx: ApiContext, req: ApiRequest): ApiResponse {
  const body = parseBody(environmentSchema, req.body);
  const e = ctx.store.createEnvironment(body);
  return created(environmentResource(req.urls, e), req.urls.environment(e.uuid));
}

function updateEnvironment(ctx: ApiContext, req: ApiRequest): ApiResponse {
  const body = parseBody(environmentSchema, req.body);
  return ok(environmentResource(req.urls, ctx.store.updateEnvironment(p(req, "uuid"), body)));
}

function currentlyDeployed(ctx: ApiContext, req: ApiRequest): ApiResponse {
  const env = ctx.store.getEnvironmentByUuid(p(req, "uuid"));
  const name = req.query.get("pacticipant");
  const pc = name ? ctx.store.findPacticipant(name) : undefined;
  if (name && !pc) return ok({ deployedVersions: [], _embedded: { deployedVersions: [] }, _links: {} });
  const list = ctx.store
    .currentlyDeployed({ environmentId: env.id, pacticipantId: pc?.id })
    .filter((d) => {
      const instance = req.query.get("applicationInstance");
      return instance === null || d.application_instance === instance;
    })
    .map((d) => deployedVersionResource(ctx.store, req.urls, d));
  return ok({
    _embedded: { deployedVersions: list },
    _links: {
      self: {
        href: `${req.urls.environment(env.uuid)}/deployed-versions/currently-deployed`,
        title: "Currently deployed versions",
      },
    },
  });
}

function currentlySupported(ctx: ApiContext, req: ApiRequest): ApiResponse {
  const env = ctx.store.getEnvironmentByUuid(p(req, "uuid"));
  const name = req.query.get("pacticipant");
  const pc = name ? ctx.store.findPacticipant(name) : undefined;
  if (name && !pc) return ok({ _embedded: { releasedVersions: [] }, _links: {} });
  const list = ctx.store
    .currentlySupported({ environmentId: env.id, pacticipantId: pc?.id })
    .map((r) => releasedVersionResource(ctx.store, req.urls, r));
  return ok({
    _embedded: { releasedVersions: list },
    _links: {
      self: {
        href: `${req.urls.environment(env.uuid)}/released-versions/currently-supported`,
        title: "Currently supported released versions",
      },
    },
  });
}
