/** The rows of the broker's tables, and the joined views the API and the matrix read. */
export interface PacticipantRow {
  id: number;
  name: string;
  display_name: string | null;
  main_branch: string | null;
  repository_url: string | null;
  created_at: string;
  updated_at: string;
}

export interface VersionRow {
  id: number;
  pacticipant_id: number;
  number: string;
  build_url: string | null;
  created_at: string;
}

export interface BranchRow {
  id: number;
  pacticipant_id: number;
  name: string;
  created_at: string;
}

export interface TagRow {
  version_id: number;
  name: string;
  created_at: string;
}

export interface EnvironmentRow {
  id: number;
  uuid: string;
  name: string;
  display_name: string | null;
  production: number;
  contacts: string | null;
  created_at: string;
  updated_at: string;
}

export interface PactVersionRow {
  id: number;
  consumer_id: number;
  provider_id: number;
  sha: string;
  content: string;
  created_at: string;
}

export interface PublicationRow {
  id: number;
  consumer_version_id: number;
  provider_id: number;
  pact_version_id: number;
  revision: number;
  created_at: string;
}

export interface VerificationRow {
  id: number;
  pact_version_id: number;
  provider_version_id: number;
  number: number;
  success: number;
  build_url: string | null;
  test_results: string | null;
  verified_by: string | null;
  wip: number;
  pending: number | null;
  consumer_version_numbers: string | null;
  created_at: string;
}

export interface DeployedVersionRow {
  id: number;
  uuid: string;
  version_id: number;
  environment_id: number;
  application_instance: string | null;
  created_at: string;
  undeployed_at: string | null;
}

export interface ReleasedVersionRow {
  id: number;
  uuid: string;
  version_id: number;
  environment_id: number;
  created_at: string;
  support_ended_at: string | null;
}

/** A publication with everything the selection and matrix logic needs, loaded in one go. */
export interface PublicationView {
  publication: PublicationRow;
  pactVersion: { id: number; sha: string };
  consumer: PacticipantRow;
  provider: PacticipantRow;
  consumerVersion: VersionRow;
  branches: string[];
  tags: string[];
}

/** A verification with its provider version, branches and tags. */
export interface VerificationView {
  verification: VerificationRow;
  providerVersion: VersionRow;
  providerBranches: string[];
  providerTags: string[];
}
