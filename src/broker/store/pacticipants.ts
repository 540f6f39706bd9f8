/** Pacticipants: the services that publish or verify pacts. */
import { BrokerConflictError, BrokerNotFoundError } from "../errors.ts";
import { now } from "./base.ts";
import type { PacticipantRow } from "./rows.ts";
import { StoreBase } from "./base.ts";

export class PacticipantStore extends StoreBase {
  findPacticipant(name: string): PacticipantRow | undefined {
    return this.db.prepare("SELECT * FROM pacticipants WHERE name = ?").get(name) as
      PacticipantRow | undefined;
  }

  getPacticipant(name: string): PacticipantRow {
    const p = this.findPacticipant(name);
    if (!p) throw new BrokerNotFoundError(`No pacticipant with name '${name}' found`);
    return p;
  }

  pacticipantById(id: number): PacticipantRow {
    return this.db.prepare("SELECT * FROM pacticipants WHERE id = ?").get(id) as PacticipantRow;
  }

  listPacticipants(): PacticipantRow[] {
    return this.db.prepare("SELECT * FROM pacticipants ORDER BY lower(name)").all() as PacticipantRow[];
  }

  createPacticipant(input: {
    name: string;
    displayName?: string | null;
    mainBranch?: string | null;
    repositoryUrl?: string | null;
  }): PacticipantRow {
    return this.write(() => {
      if (this.findPacticipant(input.name)) {
        throw new BrokerConflictError(`A pacticipant with name '${input.name}' already exists`);
      }
      const t = now();
      const info = this.db
        .prepare(
          `INSERT INTO pacticipants (name, display_name, main_branch, repository_url, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?)`,
        )
        .run(
          input.name,
          input.displayName ?? null,
          input.mainBranch ?? null,
          input.repositoryUrl ?? null,
          t,
          t,
        );
      return this.pacticipantById(Number(info.lastInsertRowid));
    });
  }

  /** Sets the given fields (undefined leaves a field unchanged, null clears it); creates if missing. */
  upsertPacticipant(
    name: string,
    fields: { displayName?: string | null; mainBranch?: string | null; repositoryUrl?: string | null },
  ): { pacticipant: PacticipantRow; created: boolean } {
    return this.write(() => {
      const existing = this.findPacticipant(name);
      if (!existing) {
        return { pacticipant: this.createPacticipant({ name, ...fields }), created: true };
      }
      const next = {
        display_name: fields.displayName === undefined ? existing.display_name : fields.displayName,
        main_branch: fields.mainBranch === undefined ? existing.main_branch : fields.mainBranch,
        repository_url: fields.repositoryUrl === undefined ? existing.repository_url : fields.repositoryUrl,
      };
      this.db
        .prepare(
          "UPDATE pacticipants SET display_name = ?, main_branch = ?, repository_url = ?, updated_at = ? WHERE id = ?",
        )
        .run(next.display_name, next.main_branch, next.repository_url, now(), existing.id);
      return { pacticipant: this.pacticipantById(existing.id), created: false };
    });
  }

  ensurePacticipant(name: string): PacticipantRow {
    return this.findPacticipant(name) ?? this.createPacticipant({ name });
  }
}
