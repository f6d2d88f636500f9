/**
 * Global keyboard shortcuts from the settings. The OS may refuse one (another program holds
 * the key, or the desktop has no global shortcuts at all, as on Wayland): that is logged
 * with a code and kept in a state the settings page shows, never silently dropped.
 * Re-applied whenever the settings change; everything is unregistered on quit.
 */
import { appError, type AppError } from '../shared/errors';
import { SHORTCUT_ACTIONS, type ShortcutAction } from '../settings/interface-settings-schema';
import type { DesktopAction } from './desktop-actions';
import type { DesktopLog } from './desktop-log';
import { normalizeAccelerator } from './accelerator';

/** Electron's globalShortcut, as far as this controller uses it. */
export interface ShortcutRegistrar {
  /** False when the OS or another program refused the key; may throw on a malformed one. */
  register(accelerator: string, callback: () => void): boolean;
  unregister(accelerator: string): void;
}

export interface ShortcutStatus {
  action: ShortcutAction;
  accelerator: string;
  state: 'registered' | 'refused';
  error?: AppError;
}

export interface ShortcutControllerDeps {
  registrar: ShortcutRegistrar;
  perform(action: DesktopAction): void;
  log: DesktopLog;
  /** Appended to a refusal: what to do instead on this desktop (e.g. Wayland: --stop-all). */
  refusalHint?: string;
}

const ACTION_LABELS: Record<ShortcutAction, string> = {
  connect: 'connect',
  disconnect: 'disconnect',
  recordToggle: 'start/stop recording',
  stopAll: 'stop all',
  stopAllAndQuit: 'stop all and quit',
  showHide: 'show/hide the window',
};

export class ShortcutController {
  private statuses: ShortcutStatus[] = [];
  private frozen = false;
  private readonly listeners: ((statuses: ShortcutStatus[]) => void)[] = [];

  constructor(private readonly deps: ShortcutControllerDeps) {}

  /** What is registered and what was refused, for the settings page. */
  status(): ShortcutStatus[] {
    return this.statuses.map((s) => ({ ...s }));
  }

  onChange(listener: (statuses: ShortcutStatus[]) => void): void {
    this.listeners.push(listener);
  }

  /** Registers the global shortcuts of the settings ('' = none), replacing the previous set. */
  apply(shortcuts: Record<ShortcutAction, string>): void {
    if (this.frozen) return;
    const previous = this.statuses;
    const next: ShortcutStatus[] = [];
    // Keys that stay on the same action are left registered: unregistering and registering
    // again could lose the key to another program in between.
    for (const old of previous) {
      const wanted = shortcuts[old.action];
      if (old.state === 'registered' && normalizeAccelerator(wanted) !== normalizeAccelerator(old.accelerator)) this.unregister(old.accelerator);
    }
    for (const action of SHORTCUT_ACTIONS) {
      const accelerator = shortcuts[action];
      if (accelerator === '') continue;
      const kept = previous.find((p) => p.action === action && p.state === 'registered' && normalizeAccelerator(p.accelerator) === normalizeAccelerator(accelerator));
      if (kept) {
        next.push(kept);
        continue;
      }
      next.push(this.register(action, accelerator, previous));
    }
    this.statuses = next;
    if (!sameStatuses(previous, next)) for (const listener of this.listeners) listener(this.status());
  }

  /** Shutdown, freeze-inputs (and quit): no key may start anything any more. */
  freeze(): void {
    this.frozen = true;
    for (const s of this.statuses) if (s.state === 'registered') this.unregister(s.accelerator);
    this.statuses = [];
  }

  private register(action: ShortcutAction, accelerator: string, previous: ShortcutStatus[]): ShortcutStatus {
    let ok = false;
    let detail: string | undefined;
    try {
      ok = this.deps.registrar.register(accelerator, () => this.deps.perform(action));
    } catch (error) {
      detail = error instanceof Error ? error.message : String(error);
    }
    if (ok) return { action, accelerator, state: 'registered' };
    const hint = this.deps.refusalHint ? ` ${this.deps.refusalHint}` : '';
    const message = `The shortcut ${accelerator} (${ACTION_LABELS[action]}) could not be registered: the system or another program refused it.${hint}`;
    const error = appError('SHORTCUT_REFUSED', message, detail);
    // Settings saved again with the same refused key: said once is enough.
    const known = previous.some((p) => p.action === action && p.state === 'refused' && p.accelerator === accelerator);
    if (!known) this.deps.log.warn(message, error);
    return { action, accelerator, state: 'refused', error };
  }

  private unregister(accelerator: string): void {
    try {
      this.deps.registrar.unregister(accelerator);
    } catch {
      // Nothing registered under it any more: the goal is reached.
    }
  }
}

function sameStatuses(a: ShortcutStatus[], b: ShortcutStatus[]): boolean {
  return a.length === b.length && a.every((s, i) => s.action === b[i]?.action && s.accelerator === b[i]?.accelerator && s.state === b[i]?.state);
}
