/** The contract runner: consumer tests, provider verification, and the Pact Broker flow. */
export { resolveBrokerConfig, type BrokerConfig, type BrokerFlags } from "./broker-config.ts";
export {
  canIDeploy,
  createOrUpdatePacticipant,
  ensureEnvironment,
  pactFiles,
  publishPacts,
  recordDeployment,
  type CanIDeployResult,
  type PublishResult,
} from "./broker-commands.ts";
export { runConsumerTests, consumerTestFiles } from "./consumer-tests.ts";
export { ConfigurationError, PactCliError, VerificationError, type InteractionFailure } from "./errors.ts";
export { KafkaEventLog, KafkaMessageProducer, ensureTopic, type KafkaRecord } from "./kafka-events.ts";
export { pactCliBinary, runPactBroker } from "./pact-cli.ts";
export {
  defineProviderHarness,
  loadProviderHarness,
  type ProviderHarness,
  type ProviderSetup,
} from "./provider-harness.ts";
export { runProviderVerification, type ProviderRunOptions } from "./provider-run.ts";
export { startProviderRouter } from "./provider-router.ts";
export { Redactor } from "./secrets.ts";
export { providerRunOptions, type VerifyRequest } from "./verify-request.ts";
export {
  verifyProvider,
  type ConsumerVersionSelector,
  type PactSource,
  type VerificationReport,
  type VerifyOptions,
} from "./verify.ts";
