/** Pacticipant versions, their tags and their branches. */
import { z } from "zod";
import { BrokerNotFoundError } from "../errors.ts";
import type { PacticipantRow, VersionRow } from "../store/store.ts";
import { embeddedVersion, versionResource, type HalBody } from "../hal-resources.ts";
import type { RouteTable } from "../route-table.ts";
import { addBranch, type ApiContext } from "./context.ts";
import { created, ok, p, parseBody, type ApiHandler, type ApiRequest, type ApiResponse } from "./http.ts";

export function registerVersionsRoutes(r: RouteTable<ApiHandler>, ctx: ApiContext): void {
  r.add("GET", "/pacticipants/:name/versions", (req) => listVersions(ctx, req));
  r.add("GET", "/pacticipants/:name/versions/:version", (req) => {
    const pc = ctx.store.getPacticipant(p(req, "name"));
    return ok(versionResource(ctx.store, req.urls, pc, ctx.store.getVersion(pc, p(req, "version"))));
  });
  r.add("PUT", "/pacticipants/:name/versions/:version", (req) => putVersion(ctx, req));
  r.add("GET", "/pacticipants/:name/latest-version", (req) => latestVersion(ctx, req));
  r.add("GET", "/pacticipants/:name/latest-version/:tag", (req) => latestVersion(ctx, req));
  r.add("GET", "/pacticipants/:name/versions/:version/tags/:tag", (req) => getTag(ctx, req));
  r.add("PUT", "/pacticipants/:name/versions/:version/tags/:tag", (req) => putTag(ctx, req));
  r.add("DELETE", "/pacticipants/:name/versions/:version/tags/:tag", (req) => deleteTag(ctx, req));
  r.add("GET", "/pacticipants/:name/branches", (req) => listBranches(ctx, req));
  r.add("GET", "/pacticipants/:name/branches/:branch", (req) => getBranch(ctx, req));
  r.add("GET", "/pacticipants/:name/branches/:branch/versions/:version", (req) => getBranchVersion(ctx, req));
  r.add("PUT", "/pacticipants/:name/branches/:branch/versions/:version", (req) => putBranchVersion(ctx, req));
}

function listVersions(ctx: ApiContext, req: ApiRequest): ApiResponse {
  const pc = ctx.store.getPacticipant(p(req, "name"));
  const versions = ctx.store.listVersions(pc.id).map((v) => versionResource(ctx.store, req.urls, pc, v));
  return ok({
    _embedded: { versions },
    _links: {
      self: { href: req.urls.versions(pc.name), title: "Versions" },
      "pb:pacticipant": { href: req.urls.pacticipant(pc.name), name: pc.name },
    },
  });
}

function putVersion(ctx: ApiContext, req: ApiRequest): ApiResponse {
  const body = parseBody(
    z.object({
      buildUrl: z.string().optional(),
      branch: z.string().min(1).optional(),
      tags: z.array(z.object({ name: z.string().min(1) })).optional(),
    }),
    req.body ?? {},
  );
  return ctx.store.write(() => {
    const pc = ctx.store.ensurePacticipant(p(req, "name"));
    const existing = ctx.store.findVersion(pc.id, p(req, "version"));
    const v = ctx.store.ensureVersion(pc.id, p(req, "version"), body.buildUrl);
    if (body.branch) addBranch(ctx, pc.id, body.branch, v.id);
    for (const t of body.tags ?? []) ctx.store.addTag(v.id, t.name);
    const resource = versionResource(ctx.store, req.urls, pc, v);
    return existing ? ok(resource) : created(resource);
  });
}

function latestVersion(ctx: ApiContext, req: ApiRequest): ApiResponse {
  const pc = ctx.store.getPacticipant(p(req, "name"));
  const tag = req.params.tag;
  const v = ctx.store.latestVersion(pc.id, tag === undefined ? {} : { tag });
  if (!v)
    throw new BrokerNotFoundError(
      `No ${tag === undefined ? "" : `'${tag}' tagged `}version of ${pc.name} found`,
    );
  return ok(versionResource(ctx.store, req.urls, pc, v));
}

function tagBody(ctx: ApiContext, req: ApiRequest, pc: PacticipantRow, v: VersionRow, tag: string): HalBody {
  const row = ctx.store.tagsOfVersion(v.id).find((t) => t.name === tag);
  return {
    name: tag,
    createdAt: row?.created_at,
    _links: {
      self: { href: req.urls.tag(pc.name, v.number, tag), title: "Tag", name: tag },
      "pb:version": { href: req.urls.version(pc.name, v.number), title: "Version", name: v.number },
      "pb:pacticipant": { href: req.urls.pacticipant(pc.name), title: "Pacticipant", name: pc.name },
    },
  };
}

function getTag(ctx: ApiContext, req: ApiRequest): ApiResponse {
  const pc = ctx.store.getPacticipant(p(req, "name"));
  const v = ctx.store.getVersion(pc, p(req, "version"));
  const tag = p(req, "tag");
  if (!ctx.store.tagsOfVersion(v.id).some((t) => t.name === tag)) {
    throw new BrokerNotFoundError(`No tag '${tag}' on version ${v.number} of ${pc.name}`);
  }
  return ok(tagBody(ctx, req, pc, v, tag));
}

function putTag(ctx: ApiContext, req: ApiRequest): ApiResponse {
  return ctx.store.write(() => {
    const pc = ctx.store.ensurePacticipant(p(req, "name"));
    const v = ctx.store.ensureVersion(pc.id, p(req, "version"));
    const added = ctx.store.addTag(v.id, p(req, "tag"));
    const body = tagBody(ctx, req, pc, v, p(req, "tag"));
    return added ? created(body, req.urls.tag(pc.name, v.number, p(req, "tag"))) : ok(body);
  });
}

function deleteTag(ctx: ApiContext, req: ApiRequest): ApiResponse {
  const pc = ctx.store.getPacticipant(p(req, "name"));
  const v = ctx.store.getVersion(pc, p(req, "version"));
  if (!ctx.store.deleteTag(v.id, p(req, "tag")))
    throw new BrokerNotFoundError(`No tag '${p(req, "tag")}' on version ${v.number} of ${pc.name}`);
  return { status: 204 };
}

function listBranches(ctx: ApiContext, req: ApiRequest): ApiResponse {
  const pc = ctx.store.getPacticipant(p(req, "name"));
  const branches = ctx.store.listBranches(pc.id).map((b) => ({
    name: b.name,
    createdAt: b.created_at,
    _links: { self: { href: req.urls.branch(pc.name, b.name), title: "Branch", name: b.name } },
  }));
  return ok({
    _embedded: { branches },
    _links: { self: { href: req.urls.branches(pc.name), title: "Branches" } },
  });
}

function getBranch(ctx: ApiContext, req: ApiRequest): ApiResponse {
  const pc = ctx.store.getPacticipant(p(req, "name"));
  const b = ctx.store.findBranch(pc.id, p(req, "branch"));
  if (!b) throw new BrokerNotFoundError(`No branch '${p(req, "branch")}' of ${pc.name} found`);
  const latest = ctx.store.latestVersion(pc.id, { branch: b.name });
  return ok({
    name: b.name,
    createdAt: b.created_at,
    _embedded: latest ? { latestVersion: embeddedVersion(req.urls, pc, latest) } : {},
    _links: {
      self: { href: req.urls.branch(pc.name, b.name), title: "Branch", name: b.name },
      "pb:pacticipant": { href: req.urls.pacticipant(pc.name), title: "Pacticipant", name: pc.name },
    },
  });
}

function branchVersionBody(
  ctx: ApiContext,
  req: ApiRequest,
  pc: PacticipantRow,
  branch: string,
  v: VersionRow,
): HalBody {
  return {
    name: branch,
    latest: ctx.store.latestVersion(pc.id, { branch })?.id === v.id,
    _embedded: { version: embeddedVersion(req.urls, pc, v) },
    _links: {
      self: {
        href: req.urls.branchVersion(pc.name, branch, v.number),
        title: "Branch version",
        name: branch,
      },
      "pb:branch": { href: req.urls.branch(pc.name, branch), title: "Branch", name: branch },
      "pb:version": { href: req.urls.version(pc.name, v.number), title: "Version", name: v.number },
    },
  };
}

function getBranchVersion(ctx: ApiContext, req: ApiRequest): ApiResponse {
  const pc = ctx.store.getPacticipant(p(req, "name"));
  const v = ctx.store.getVersion(pc, p(req, "version"));
  if (!ctx.store.branchesOfVersion(v.id).includes(p(req, "branch"))) {
    throw new BrokerNotFoundError(`Version ${v.number} of ${pc.name} is not on branch '${p(req, "branch")}'`);
  }
  return ok(branchVersionBody(ctx, req, pc, p(req, "branch"), v));
}

function putBranchVersion(ctx: ApiContext, req: ApiRequest): ApiResponse {
  return ctx.store.write(() => {
    const pc = ctx.store.ensurePacticipant(p(req, "name"));
    const v = ctx.store.ensureVersion(pc.id, p(req, "version"));
    const added = addBranch(ctx, pc.id, p(req, "branch"), v.id);
    const body = branchVersionBody(ctx, req, pc, p(req, "branch"), v);
    return added ? created(body) : ok(body);
  });
}
