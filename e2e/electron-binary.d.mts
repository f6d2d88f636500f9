export declare const ROOT: string;
export interface ElectronBinary {
  present: boolean;
  path: string;
  /** Why it cannot be used, when `present` is false. */
  reason?: string;
}
export declare function findElectronBinary(root?: string, env?: NodeJS.ProcessEnv): ElectronBinary;
