/**
 * Drives the engine's diagnostics from the environment, so a test or benchmark can start a
 * real Airtight whose engine holds live resources or misbehaves on purpose:
 *   AIRTIGHT_ENGINE_DIAGNOSTICS=1               enable diagnostics in the engine
 *   AIRTIGHT_DIAGNOSTICS_OPEN='{"tcpConnect":…}' resources to open (DiagnosticsOpen)
 *   AIRTIGHT_DIAGNOSTICS_FAULT=ignore-sigterm   a fault to arm (EngineFault)
 *   AIRTIGHT_DIAGNOSTICS_HOST_FAULT=throw-on-sigusr2  the host throws an uncaught error on
 *                                               SIGUSR2 (drives the fatal-error quit path)
 */
import { DiagnosticsOpenSchema, EngineFaultSchema } from '../protocol/engine-protocol';
import type { EngineSupervisor } from '../engine-host/engine-supervisor';
import type { OperatorLog } from '../shared/operator-log';
import { toAppError } from '../shared/errors';

export async function applyEnvDiagnostics(engine: EngineSupervisor, log: OperatorLog, env = process.env): Promise<void> {
  if (env.AIRTIGHT_ENGINE_DIAGNOSTICS !== '1') return;
  if (env.AIRTIGHT_DIAGNOSTICS_HOST_FAULT === 'throw-on-sigusr2') {
    process.once('SIGUSR2', () => {
      throw new Error('diagnostic host fault (SIGUSR2)');
    });
  }
  try {
    if (env.AIRTIGHT_DIAGNOSTICS_OPEN) {
      const request = DiagnosticsOpenSchema.parse(JSON.parse(env.AIRTIGHT_DIAGNOSTICS_OPEN));
      const opened = await engine.request('diagnostics.open', request);
      log.info(`Diagnostics: opened ${opened.length} resources: ${opened.map((r) => r.label).join('; ')}`);
    }
    if (env.AIRTIGHT_DIAGNOSTICS_FAULT) {
      const fault = EngineFaultSchema.parse(env.AIRTIGHT_DIAGNOSTICS_FAULT);
      await engine.request('diagnostics.fault', { fault });
      log.info(`Diagnostics: fault armed: ${fault}`);
    }
  } catch (error) {
    log.error('Diagnostics request failed', toAppError(error, 'DIAGNOSTICS_FAILED', 'Diagnostics request failed'));
  }
}
