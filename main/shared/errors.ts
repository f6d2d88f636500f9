/**
 * Errors are values: a stable machine code plus a sentence an operator can act on.
 * They cross process boundaries (engine -> host -> UI) as plain data.
 */
export interface AppError {
  code: string;
  message: string;
  detail?: string;
}

export function appError(code: string, message: string, detail?: string): AppError {
  return detail === undefined ? { code, message } : { code, message, detail };
}

/** Turns anything thrown into an AppError without losing the original text. */
export function toAppError(thrown: unknown, code = 'INTERNAL', message = 'Unexpected internal error'): AppError {
  if (isAppError(thrown)) return thrown;
  if (thrown instanceof AppErrorException) return thrown.error;
  const detail = thrown instanceof Error ? (thrown.stack ?? thrown.message) : String(thrown);
  return appError(code, message, detail);
}

export function isAppError(value: unknown): value is AppError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AppError).code === 'string' &&
    typeof (value as AppError).message === 'string'
  );
}

/** An Error carrying an AppError, for code paths that must throw. */
export class AppErrorException extends Error {
  constructor(readonly error: AppError) {
    super(`${error.code}: ${error.message}`);
  }
}
