/** Pacticipants: list, create, and update (PATCH merges, PUT replaces). */
import { z } from "zod";
import { BrokerValidationError } from "../errors.ts";
import { pacticipantResource } from "../hal-resources.ts";
import type { RouteTable } from "../route-table.ts";
import type { ApiContext } from "./context.ts";
import { created, ok, p, parseBody, type ApiHandler, type ApiRequest, type ApiResponse } from "./http.ts";

const pacticipantSchema = z.object({
  name: z.string().trim().min(1, "name cannot be blank").optional(),
  displayName: z.string().nullable().optional(),
  mainBranch: z.string().trim().min(1, "mainBranch cannot be blank").nullable().optional(),
  repositoryUrl: z.string().nullable().optional(),
});

export function registerPacticipantsRoutes(r: RouteTable<ApiHandler>, ctx: ApiContext): void {
  r.add("GET", "/pacticipants", (req) => listPacticipants(ctx, req));
  r.add("POST", "/pacticipants", (req) => createPacticipant(ctx, req));
  r.add("GET", "/pacticipants/:name", (req) =>
    ok(pacticipantResource(ctx.store, req.urls, ctx.store.getPacticipant(p(req, "name")))),
  );
  r.add("PATCH", "/pacticipants/:name", (req) => updatePacticipant(ctx, req, "patch"));
  r.add("PUT", "/pacticipants/:name", (req) => updatePacticipant(ctx, req, "put"));
}

function listPacticipants(ctx: ApiContext, req: ApiRequest): ApiResponse {
  const list = ctx.store.listPacticipants().map((pc) => pacticipantResource(ctx.store, req.urls, pc));
  return ok({
    // Top-level `pacticipants` is what `pact broker list-pacticipants` reads (the Pact Broker keeps it too).
    pacticipants: list,
    _embedded: { pacticipants: list },
    _links: {
      self: { href: req.urls.pacticipants(), title: "Pacticipants" },
      "pb:pacticipants": list.map((x) => x._links.self),
    },
  });
}

function createPacticipant(ctx: ApiContext, req: ApiRequest): ApiResponse {
  const body = parseBody(pacticipantSchema, req.body);
  if (!body.name) throw BrokerValidationError.single("name", "name is missing");
  const pc = ctx.store.createPacticipant({
    name: body.name,
    displayName: body.displayName,
    mainBranch: body.mainBranch,
    repositoryUrl: body.repositoryUrl,
  });
  return created(pacticipantResource(ctx.store, req.urls, pc), req.urls.pacticipant(pc.name));
}

function updatePacticipant(ctx: ApiContext, req: ApiRequest, mode: "patch" | "put"): ApiResponse {
  const name = p(req, "name");
  const body = parseBody(pacticipantSchema, req.body);
  if (body.name !== undefined && body.name !== name) {
    throw BrokerValidationError.single(
      "name",
      `name in the body ('${body.name}') does not match the name in the path ('${name}')`,
    );
  }
  const fields =
    mode === "put"
      ? {
          displayName: body.displayName ?? null,
          mainBranch: body.mainBranch ?? null,
          repositoryUrl: body.repositoryUrl ?? null,
        }
      : { displayName: body.displayName, mainBranch: body.mainBranch, repositoryUrl: body.repositoryUrl };
  const { pacticipant, created: wasCreated } = ctx.store.upsertPacticipant(name, fields);
  const resource = pacticipantResource(ctx.store, req.urls, pacticipant);
  return wasCreated ? created(resource, req.urls.pacticipant(name)) : ok(resource);
}
