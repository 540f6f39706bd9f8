/** Environments (production, test, ...) that versions are deployed to or released in. */
import { randomUUID } from "node:crypto";
import { BrokerConflictError, BrokerNotFoundError } from "../errors.ts";
import { now } from "./base.ts";
import type { EnvironmentRow } from "./rows.ts";
import { VersionStore } from "./versions.ts";

export class EnvironmentStore extends VersionStore {
  listEnvironments(): EnvironmentRow[] {
    return this.db.prepare("SELECT * FROM environments ORDER BY name").all() as EnvironmentRow[];
  }

  findEnvironmentByName(name: string): EnvironmentRow | undefined {
    return this.db.prepare("SELECT * FROM environments WHERE name = ?").get(name) as
      EnvironmentRow | undefined;
  }

  findEnvironmentByUuid(uuid: string): EnvironmentRow | undefined {
    return this.db.prepare("SELECT * FROM environments WHERE uuid = ?").get(uuid) as
      EnvironmentRow | undefined;
  }

  getEnvironmentByUuid(uuid: string): EnvironmentRow {
    const e = this.findEnvironmentByUuid(uuid);
    if (!e) throw new BrokerNotFoundError(`No environment with uuid '${uuid}' found`);
    return e;
  }

  createEnvironment(input: {
    name: string;
    displayName?: string | null;
    production: boolean;
    contacts?: unknown;
    uuid?: string;
  }): EnvironmentRow {
    return this.write(() => {
      if (this.findEnvironmentByName(input.name)) {
        throw new BrokerConflictError(`Another environment with name '${input.name}' already exists.`);
      }
      const t = now();
      const info = this.db
        .prepare(
          `INSERT INTO environments (uuid, name, display_name, production, contacts, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          input.uuid ?? randomUUID(),
          input.name,
          input.displayName ?? null,
          input.production ? 1 : 0,
          input.contacts === undefined ? null : JSON.stringify(input.contacts),
          t,
          t,
        );
      return this.db
        .prepare("SELECT * FROM environments WHERE id = ?")
        .get(Number(info.lastInsertRowid)) as EnvironmentRow;
    });
  }

  updateEnvironment(
    uuid: string,
    input: { name: string; displayName?: string | null; production: boolean; contacts?: unknown },
  ): EnvironmentRow {
    return this.write(() => {
      const env = this.getEnvironmentByUuid(uuid);
      const clash = this.findEnvironmentByName(input.name);
      if (clash && clash.id !== env.id) {
        throw new BrokerConflictError(`Another environment with name '${input.name}' already exists.`);
      }
      this.db
        .prepare(
          "UPDATE environments SET name = ?, display_name = ?, production = ?, contacts = ?, updated_at = ? WHERE id = ?",
        )
        .run(
          input.name,
          input.displayName ?? null,
          input.production ? 1 : 0,
          input.contacts === undefined ? env.contacts : JSON.stringify(input.contacts),
          now(),
          env.id,
        );
      return this.getEnvironmentByUuid(uuid);
    });
  }

  deleteEnvironment(uuid: string): void {
    this.write(() => {
      const env = this.getEnvironmentByUuid(uuid);
      this.db.prepare("DELETE FROM deployed_versions WHERE environment_id = ?").run(env.id);
      this.db.prepare("DELETE FROM released_versions WHERE environment_id = ?").run(env.id);
      this.db.prepare("DELETE FROM environments WHERE id = ?").run(env.id);
    });
  }
}
