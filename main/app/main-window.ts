import { BrowserWindow, shell } from 'electron';
import { join } from 'node:path';

/**
 * The main window with the secure defaults: isolated, sandboxed, no Node, no navigation.
 * Created hidden; the window controller shows it (or not: start minimized, in the tray).
 */
export function createMainWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 480,
    height: 640,
    minWidth: 360,
    minHeight: 420,
    title: 'Airtight',
    show: false,
    webPreferences: {
      preload: join(__dirname, '../preload/index.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  window.webContents.on('will-navigate', (event) => event.preventDefault());
  const devUrl = process.env.ELECTRON_RENDERER_URL;
  if (devUrl) void window.loadURL(devUrl);
  else void window.loadFile(join(__dirname, '../renderer/index.html'));
  return window;
}
