import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

// Three main-process entries share one bundle step:
//   index  - the Electron app (the only entry that may import 'electron')
//   launch - `npm start`: picks Electron or headless, runs the headless host under plain Node
//   engine - the engine process, forked by either host
//   record-worker - the recording thread inside the engine
//   encode-worker - a stream encoder thread inside the engine
//   aes67-sender-worker, ptp-clock-worker - the AES67 packet pacer and the PTP follower threads
//   audio-input-helper - the process that holds naudiodon (a stalled sound server blocks it,
//                        never the engine)
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'main/app/electron-main.ts'),
          launch: resolve(__dirname, 'main/launch.ts'),
          engine: resolve(__dirname, 'main/engine/engine-main.ts'),
          'record-worker': resolve(__dirname, 'main/engine/recorder/record-worker.ts'),
          'encode-worker': resolve(__dirname, 'main/engine/audio/encode-worker.ts'),
          'aes67-sender-worker': resolve(__dirname, 'main/engine/aes67/sender-worker.ts'),
          'ptp-clock-worker': resolve(__dirname, 'main/engine/aes67/ptp/ptp-worker.ts'),
          'audio-input-helper': resolve(__dirname, 'native/audio-input/capture-helper.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: { input: { index: resolve(__dirname, 'preload/index.ts') } },
    },
  },
  renderer: {
    root: 'renderer',
    plugins: [react()],
    build: {
      outDir: 'out/renderer',
      rollupOptions: { input: { index: resolve(__dirname, 'renderer/index.html') } },
    },
  },
});
