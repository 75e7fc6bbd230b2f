/**
 * How long an SDK attempt may take and how many there are, in the shape of an SDK client's own configuration
 * (milliseconds). Each function's come from functions/budgets.ts, which holds them below its Lambda timeout.
 * `requestTimeout` fails an attempt only with `throwOnRequestTimeout` (else the SDK merely logs a warning);
 * `socketTimeout` fails one whose socket stays silent that long.
 */
export interface ClientLimits {
  maxAttempts: number;
  requestHandler: {
    connectionTimeout: number;
    requestTimeout: number;
    socketTimeout?: number;
    throwOnRequestTimeout?: boolean;
  };
}
