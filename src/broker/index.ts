/** The broker-compatible server: start it, stop it, and the typed errors it throws. */
export {
  startBrokerServer,
  type BrokerAuth,
  type BrokerBehaviour,
  type BrokerLogger,
  type BrokerRequestRecord,
  type BrokerServerOptions,
  type StartedBrokerServer,
} from "./server.ts";
export {
  BrokerConflictError,
  BrokerContractConflictError,
  BrokerError,
  BrokerNotFoundError,
  BrokerStartError,
  BrokerUnauthorizedError,
  BrokerValidationError,
} from "./errors.ts";
