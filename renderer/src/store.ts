import { create } from 'zustand';
import type { UiState } from '../../main/protocol/ui-contract';
import type { EngineState } from '../../main/host/host';
import type { LogEntry } from '../../main/shared/operator-log';
import type { ShutdownProgress, ShutdownTrigger } from '../../main/protocol/shutdown-report';

const KEEP_LOG = 200;

interface AppStore {
  version: string;
  engine: EngineState;
  previousRunNotice: string | undefined;
  log: LogEntry[];
  shutdown: { trigger: ShutdownTrigger; steps: ShutdownProgress[] } | undefined;
  hydrate(state: UiState): void;
  setEngine(engine: EngineState): void;
  addLog(entry: LogEntry): void;
  shutdownStarted(trigger: ShutdownTrigger): void;
  shutdownProgress(progress: ShutdownProgress): void;
}

export const useAppStore = create<AppStore>((set) => ({
  version: '',
  engine: { state: 'starting' },
  previousRunNotice: undefined,
  log: [],
  shutdown: undefined,
  hydrate: (state) =>
    set({ version: state.version, engine: state.engine, previousRunNotice: state.previousRunNotice, log: state.recentLog.slice(-KEEP_LOG) }),
  setEngine: (engine) => set({ engine }),
  addLog: (entry) => set((s) => ({ log: [...s.log, entry].slice(-KEEP_LOG) })),
  shutdownStarted: (trigger) => set((s) => ({ shutdown: s.shutdown ?? { trigger, steps: [] } })),
  shutdownProgress: (progress) =>
    set((s) => {
      const current = s.shutdown ?? { trigger: progress.trigger, steps: [] };
      const steps = current.steps.filter((step) => step.phase !== progress.phase);
      return { shutdown: { ...current, steps: [...steps, progress] } };
    }),
}));

/** Subscribes the store to the preload bridge; returns the unsubscribe function. */
export function connectStore(): () => void {
  const api = window.airtight;
  const s = useAppStore.getState();
  void api.getState().then(s.hydrate);
  const offs = [
    api.on('app:engine-state', s.setEngine),
    api.on('app:log', s.addLog),
    api.on('app:shutdown-started', ({ trigger }) => s.shutdownStarted(trigger)),
    api.on('app:shutdown-progress', s.shutdownProgress),
  ];
  return () => offs.forEach((off) => off());
}
