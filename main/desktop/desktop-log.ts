import type { AppError } from '../shared/errors';

/** The part of the operator log the desktop controllers write to (tests pass a recorder). */
export interface DesktopLog {
  info(message: string): void;
  warn(message: string, error?: AppError): void;
  error(message: string, error?: AppError): void;
}
