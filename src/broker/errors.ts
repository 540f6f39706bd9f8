/**
 * Typed errors of the broker server. Each one maps to one HTTP status; the server turns them into
 * JSON bodies shaped the way the Pact Broker answers (`{"errors": {"field": ["message"]}}`), which
 * is what the official clients print.
 */

/** Field name -> reasons. `base` is used for reasons not tied to one field. */
export type ValidationErrors = Record<string, string[]>;

export abstract class BrokerError extends Error {
  abstract readonly status: number;
  abstract toBody(): Record<string, unknown>;
}

/** 400: the request is malformed; the body names each reason. */
export class BrokerValidationError extends BrokerError {
  readonly status = 400;
  constructor(readonly errors: ValidationErrors) {
    super(
      Object.entries(errors)
        .map(([field, reasons]) => `${field}: ${reasons.join(", ")}`)
        .join("; "),
    );
    this.name = "BrokerValidationError";
  }

  static single(field: string, reason: string): BrokerValidationError {
    return new BrokerValidationError({ [field]: [reason] });
  }

  toBody(): Record<string, unknown> {
    return { title: "Validation errors", status: 400, errors: this.errors };
  }
}

/** 404: the resource does not exist. */
export class BrokerNotFoundError extends BrokerError {
  readonly status = 404;
  constructor(message: string) {
    super(message);
    this.name = "BrokerNotFoundError";
  }

  toBody(): Record<string, unknown> {
    return { title: "Not found", status: 404, error: { message: this.message } };
  }
}

/** 409: the request conflicts with what is stored (e.g. a name already taken). */
export class BrokerConflictError extends BrokerError {
  readonly status = 409;
  constructor(message: string) {
    super(message);
    this.name = "BrokerConflictError";
  }

  toBody(): Record<string, unknown> {
    return { title: "Conflict", status: 409, errors: { base: [this.message] } };
  }
}

/**
 * 409 on `POST /contracts/publish`: a contract would change the pact content already published
 * under that consumer version. Shaped as the Pact Broker answers it (notices and
 * `errors.contracts`), which the pact CLI prints.
 */
export class BrokerContractConflictError extends BrokerError {
  readonly status = 409;
  constructor(readonly reasons: string[]) {
    super(reasons.join("\n"));
    this.name = "BrokerContractConflictError";
  }

  toBody(): Record<string, unknown> {
    return {
      title: "Conflict",
      status: 409,
      notices: this.reasons.map((text) => ({ type: "error", text })),
      errors: { contracts: this.reasons },
    };
  }
}

/** 401: credentials are missing or wrong. Never carries the expected credentials. */
export class BrokerUnauthorizedError extends BrokerError {
  readonly status = 401;
  constructor(
    message = "Authentication required: send 'Authorization: Bearer <token>' or basic credentials",
  ) {
    super(message);
    this.name = "BrokerUnauthorizedError";
  }

  toBody(): Record<string, unknown> {
    return { title: "Unauthorized", status: 401, error: { message: this.message } };
  }
}

/** 403: the credentials are valid but may not do this (a read-only user writing). */
export class BrokerForbiddenError extends BrokerError {
  readonly status = 403;
  constructor(message: string) {
    super(message);
    this.name = "BrokerForbiddenError";
  }

  toBody(): Record<string, unknown> {
    return { title: "Forbidden", status: 403, error: { message: this.message } };
  }
}

/** 413: the request body is larger than the server accepts. */
export class BrokerPayloadTooLargeError extends BrokerError {
  readonly status = 413;
  constructor(limitBytes: number) {
    super(`Request body larger than ${limitBytes} bytes`);
    this.name = "BrokerPayloadTooLargeError";
  }

  toBody(): Record<string, unknown> {
    return { title: "Payload too large", status: 413, error: { message: this.message } };
  }
}

/** The server could not start (bad options, port in use, unreadable data directory). */
export class BrokerStartError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "BrokerStartError";
  }
}
