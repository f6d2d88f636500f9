/**
 * Every operator command, one case each; the work lives in the small modules next to this
 * one. Commands that change settings save them at once (settings.json is the operator's
 * record) and apply them to the engine, answering with what was applied.
 */
import { exportButtrc } from '../../settings/buttrc/butt-export';
import { importButtrc } from '../../settings/buttrc/butt-import';
import { serverPasswordRef } from '../../settings/secret-ref';
import type { Settings } from '../../settings/settings-schema';
import type { OperatorCommand } from '../../protocol/operator-api';
import { appError, toAppError } from '../../shared/errors';
import type { CommandOrigin, OperatorHub } from './operator-hub';
import { mergeSections, settingsView } from './settings-view';
import { testServer } from './server-test';
import { previewRecordName } from './record-preview';
import { describeStopAll, stopAll } from './stop-all';

const NOT_READY = appError('NOT_READY', 'Airtight is still starting.');

export async function runCommand(hub: OperatorHub, command: OperatorCommand, origin: CommandOrigin): Promise<unknown> {
  const { deps } = hub;
  const { engine, settings, status, log } = deps;
  switch (command.name) {
    case 'connect': {
      const s = deps.streams();
      if (!s) throw NOT_READY;
      await s.connect(command.params.server);
      return { connecting: true };
    }
    case 'disconnect':
      await deps.streams()?.disconnect();
      return { disconnected: true };
    case 'record.start':
      return engine.request('recorder.start', {});
    case 'record.stop':
      return engine.request('recorder.stop', {});
    case 'record.split':
      return engine.request('recorder.split', {});
    case 'title.set':
      status.update({ song: command.params.title });
      deps.streams()?.setTitle(command.params.title);
      return { submitted: true };
    case 'threshold.set': {
      const automation = deps.automation();
      if (!automation) throw NOT_READY;
      automation.setThreshold(command.params.kind, command.params.seconds);
      return { set: true };
    }
    case 'status.get':
      return hub.snapshot();
    case 'settings.exportButtrc': {
      // BUTT keeps passwords in its file; the export carries them, as BUTT needs.
      const exported = exportButtrc(settings.get(), (ref) => deps.secrets().get(ref));
      if (!exported.ok) throw exported.error;
      return { text: exported.text, warnings: exported.warnings };
    }
    case 'quit':
      setImmediate(() => deps.quit(origin === 'ipc' ? 'app-quit' : origin === 'tray' ? 'tray-quit' : 'event-api'));
      return { quitting: true };
    case 'stop.all': {
      const result = await stopAll({
        isStreaming: () => deps.streams()?.active ?? false,
        isRecording: () => status.get().recording,
        isAes67Running: () => hub.aes67.state().running,
        stopStreaming: () => deps.streams()!.disconnect(),
        stopRecording: () => engine.request('recorder.stop', {}),
        stopAes67: () => hub.aes67.stop(),
      });
      const failed = Object.values(result).some((o) => o.state === 'failed');
      log[failed ? 'error' : 'info'](describeStopAll(result));
      return result;
    }
    case 'aes67.start':
      return hub.aes67.start();
    case 'aes67.stop':
      return hub.aes67.stop();
    case 'aes67.sdp':
      return hub.aes67.sdp();
    case 'gain.set': {
      const { db } = command.params;
      saveSettings(hub, (s) => {
        s.audio.dsp.masterGainDb = db;
        return s;
      });
      await engine.request('audio.configure', settings.get().audio);
      return { db };
    }
    case 'audio.devices': {
      const { devices } = await engine.request('audio.devices', {});
      const fallback = devices.find((d) => d.isDefault)?.name;
      return {
        devices: devices.map(({ name, hostApi, maxInputChannels, defaultSampleRate, isDefault }) => ({ name, hostApi, maxInputChannels, defaultSampleRate, isDefault })),
        ...(fallback ? { defaultDevice: fallback } : {}),
      };
    }
    case 'settings.get':
      return { settings: settingsView(settings.get(), deps.secrets()) };
    case 'settings.update': {
      const before = settings.get();
      const merged = mergeSections(before, command.params.sections);
      if (!merged.ok) throw merged.error;
      saveSettings(hub, () => merged.settings);
      const applied = await applySections(hub, merged.changed, before);
      log.info(`Settings changed (${merged.changed.join(', ') || 'nothing new'}): ${applied.join('; ') || 'saved'}.`);
      return { settings: settingsView(settings.get(), deps.secrets()), applied };
    }
    case 'server.setPassword': {
      const { server: name, password } = command.params;
      const server = settings.get().stream.servers.find((s) => s.name === name);
      if (!server) throw appError('STREAM_NO_SERVER', `No server named "${name}" in the settings.`);
      // Cleared: no reference at all (streams with an empty password), not a reference to nothing.
      const ref = password === '' ? null : (server.passwordRef ?? serverPasswordRef(name));
      const problem = ref === null ? (server.passwordRef ? deps.secrets().delete(server.passwordRef) : undefined) : deps.secrets().set(ref, password);
      if (problem) throw problem;
      if (server.passwordRef !== ref) {
        saveSettings(hub, (s) => {
          for (const entry of s.stream.servers) if (entry.name === name) entry.passwordRef = ref;
          return s;
        });
      } else hub.emit('settings.changed', { sections: ['stream'], settings: settingsView(settings.get(), deps.secrets()) });
      log.info(`Password of "${name}" ${password === '' ? 'cleared' : 'set'}.`);
      return { set: password !== '' };
    }
    case 'server.test': {
      const result = await testServer(settings.get(), deps.secrets(), command.params.server);
      log[result.ok ? 'info' : 'warn'](`Test of "${command.params.server}": ${result.message}`);
      return result;
    }
    case 'settings.importButtrc': {
      const imported = importButtrc(command.params.text, { source: 'the pasted BUTT config' });
      if (!imported.ok) throw imported.error;
      for (const [ref, value] of imported.value.secrets) {
        const problem = deps.secrets().set(ref, value);
        if (problem) throw problem;
      }
      const before = settings.get();
      saveSettings(hub, () => imported.value.settings);
      const changed = (Object.keys(imported.value.settings) as (keyof Settings)[]).filter(
        (k) => JSON.stringify(imported.value.settings[k]) !== JSON.stringify(before[k]),
      );
      const applied = await applySections(hub, changed, before);
      log.info(`BUTT config imported (${imported.value.imported.join(', ')}); ${applied.join('; ') || 'saved'}.`);
      return { settings: settingsView(settings.get(), deps.secrets()), warnings: imported.value.notes, applied };
    }
    case 'record.previewName':
      return previewRecordName(settings.get(), command.params.folder, command.params.template);
  }
}

/** Replaces the settings, writes them now, and tells every screen. */
function saveSettings(hub: OperatorHub, change: (settings: Settings) => Settings): void {
  const { settings, log, secrets } = hub.deps;
  const before = settings.get();
  try {
    settings.update(change);
  } catch (error) {
    throw toAppError(error, 'SETTINGS_INVALID_FIELD', 'The new settings are not valid');
  }
  const notWritten = settings.flush();
  if (notWritten && notWritten !== 'no changes') log.warn(`Settings changed but not saved: ${notWritten}.`);
  const after = settings.get();
  const sections = (Object.keys(after) as (keyof Settings)[]).filter((k) => JSON.stringify(after[k]) !== JSON.stringify(before[k]));
  hub.emit('settings.changed', { sections, settings: settingsView(after, secrets()) });
}

/** Applies changed sections to the running engine; says what happened to each that matters. */
async function applySections(hub: OperatorHub, changed: string[], before: Settings): Promise<string[]> {
  const { engine, settings } = hub.deps;
  const applied: string[] = [];
  if (changed.includes('audio')) {
    try {
      const result = await engine.request('audio.configure', settings.get().audio);
      applied.push(`audio applied (${result.source})`);
    } catch (error) {
      const appErr = toAppError(error, 'AUDIO_CONFIGURE_FAILED', 'The audio settings could not be applied');
      throw appError(appErr.code, `Saved, but not applied: ${appErr.message}`, appErr.detail);
    }
  }
  if (changed.includes('stream')) {
    // On air: the servers whose settings changed reconnect with them; the others stay untouched.
    const notes = (await hub.deps.streams()?.applyStreamSettings(before.stream, settings.get().stream)) ?? [];
    applied.push(notes.length > 0 ? `stream: ${notes.join(', ')}` : 'stream saved');
  }
  if (changed.includes('aes67')) {
    if (await hub.aes67.restartIfRunning()) applied.push('aes67 restarted');
    else applied.push('aes67 saved');
  }
  for (const other of changed.filter((c) => !['audio', 'stream', 'aes67'].includes(c))) applied.push(`${other} saved`);
  return applied;
}
