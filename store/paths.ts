// Where the state lives (contract §1), and the journal beside it (§9.8).
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** --state FILE, else $IPSIM_STATE, else $XDG_STATE_HOME/ipsim/state.json (contract §1). */
export function statePath(option: string | undefined, env: NodeJS.ProcessEnv): string {
  if (option !== undefined) return resolve(option);
  if (env.IPSIM_STATE) return resolve(env.IPSIM_STATE);
  const base = env.XDG_STATE_HOME ? env.XDG_STATE_HOME : join(homedir(), '.local', 'state');
  return resolve(base, 'ipsim', 'state.json');
}

export function journalPath(path: string): string {
  return `${path}.events`;
}

