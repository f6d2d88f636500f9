/**
 * The `interface` section: how the desktop app looks and behaves (theme, window, tray,
 * notifications) and its keyboard shortcuts. Every field has a default so an older settings
 * file (which only had confirmQuitWhileOnAir and startMinimized) still loads.
 */
import { z } from 'zod';
import { acceleratorProblem, normalizeAccelerator } from '../desktop/accelerator';

/** An Electron accelerator ("CommandOrControl+Alt+S"); '' = no shortcut. */
export const AcceleratorSchema = z
  .string()
  .max(100)
  .superRefine((text, ctx) => {
    const problem = acceleratorProblem(text);
    if (problem) ctx.addIssue({ code: 'custom', message: `Not a keyboard shortcut: ${problem}` });
  });

/** The actions a shortcut can trigger (the same list for global and in-window shortcuts). */
export const SHORTCUT_ACTIONS = ['connect', 'disconnect', 'recordToggle', 'stopAll', 'stopAllAndQuit', 'showHide'] as const;
export type ShortcutAction = (typeof SHORTCUT_ACTIONS)[number];

function shortcutSet(defaults: Record<ShortcutAction, string>) {
  return z
    .object({
    connect: AcceleratorSchema.default(defaults.connect),
    disconnect: AcceleratorSchema.default(defaults.disconnect),
    recordToggle: AcceleratorSchema.default(defaults.recordToggle),
    stopAll: AcceleratorSchema.default(defaults.stopAll),
    stopAllAndQuit: AcceleratorSchema.default(defaults.stopAllAndQuit),
    showHide: AcceleratorSchema.default(defaults.showHide),
    })
    .superRefine((set, ctx) => {
      // One key for two actions would run whichever registered first: refuse it when saving.
      const seen = new Map<string, string>();
      for (const action of SHORTCUT_ACTIONS) {
        const key = normalizeAccelerator(set[action]);
        if (key === '') continue;
        const other = seen.get(key);
        if (other) ctx.addIssue({ code: 'custom', path: [action], message: `"${set[action]}" is already the shortcut for ${other}` });
        else seen.set(key, action);
      }
    });
}

/**
 * Global shortcuts work while another program has the focus (the playout software, usually),
 * so the defaults are few and hard to hit by accident: only the emergency stop and show/hide.
 * Going on air or quitting from anywhere is opt-in.
 */
export const GlobalShortcutsSchema = shortcutSet({
  connect: '',
  disconnect: '',
  recordToggle: '',
  stopAll: 'CommandOrControl+Alt+Shift+S',
  stopAllAndQuit: '',
  showHide: 'CommandOrControl+Alt+Shift+A',
});

/** In-window shortcuts (handled by the renderer, so they also work in the web UI). */
export const WindowShortcutsSchema = shortcutSet({
  connect: 'CommandOrControl+Shift+C',
  disconnect: 'CommandOrControl+Shift+D',
  recordToggle: 'CommandOrControl+Shift+R',
  stopAll: 'CommandOrControl+Shift+S',
  stopAllAndQuit: '',
  showHide: '',
});

export const InterfaceSettingsSchema = z.object({
  theme: z.enum(['system', 'dark', 'light']).default('system'),
  alwaysOnTop: z.boolean().default(false),
  startMinimized: z.boolean().default(false),
  /** Minimizing hides the window to the tray instead of the taskbar (when a tray exists). */
  minimizeToTray: z.boolean().default(false),
  /** A quit asked for by the operator while streaming or recording asks first. */
  confirmQuitWhileOnAir: z.boolean().default(true),
  notifications: z
    .object({
      disconnect: z.boolean().default(true),
      reconnect: z.boolean().default(true),
      silence: z.boolean().default(true),
    })
    .prefault({}),
  shortcuts: z
    .object({
      global: GlobalShortcutsSchema.prefault({}),
      window: WindowShortcutsSchema.prefault({}),
    })
    .prefault({}),
});
export type InterfaceSettings = z.infer<typeof InterfaceSettingsSchema>;
