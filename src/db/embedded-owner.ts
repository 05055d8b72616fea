import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The lines of a cluster's postmaster.pid (none when no server runs there): the postmaster's pid
 * first, its port fourth.
 */
export const postmasterPidLines = async (clusterDir: string) =>
  (await readFile(join(clusterDir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n');

/** The pid `pg-owner.pid` names: the process that started the folder's server (0: none named). */
export const ownerOf = async (ownerFile: string) => Number(await readFile(ownerFile, 'utf8').catch(() => '')) || 0;

/**
 * Stops a server its owner left running: the server has a process group of its own (patches/), so
 * a SIGKILL to the owner's group (a CI job cancelled, `timeout -s KILL`) no longer ends it with the
 * owner, and the next start attached to it, said another Omni process had started it, and left it
 * running with no one to stop or restart it (review). The owner is the process `pg-owner.pid`
 * names; none named (a server of an older Omni) or one alive: the server is attached to as before.
 */
export async function stopOrphan(clusterDir: string, ownerFile: string, say: (message: string) => void): Promise<boolean> {
  const owner = await ownerOf(ownerFile);
  if (!(owner > 0) || owner === process.pid || isAlive(owner)) return false;
  const postmaster = Number((await postmasterPidLines(clusterDir))[0]);
  if (!(postmaster > 0) || !isAlive(postmaster)) return false;
  say(`the embedded PostgreSQL was left running by an Omni process that ended (pid ${owner}): stopping it, to start it as this process's own`);
  process.kill(postmaster, 'SIGINT');
  for (let waited = 0; isAlive(postmaster); waited += 100) {
    if (waited > 60_000) throw new Error(`the embedded PostgreSQL left running by an Omni process that ended (postmaster pid ${postmaster}) did not stop within 60 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

/** Whether a process runs (one of another user's too: EPERM). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
