import { readFile } from 'node:fs/promises';

/**
 * Linux's clock ticks per second in /proc (USER_HZ), fixed at 100 for user space whatever the
 * kernel's own tick rate.
 */
const USER_HZ = 100;

/**
 * CPU seconds (user + system) the processes have used so far, from /proc/<pid>/stat; null where
 * there is no /proc (not Linux) or a process is gone. CPU per request is the figure machine noise
 * moves least: another process on the cores slows a server down, it does not make its requests cost more.
 */
export async function processCpuSeconds(pids: number[]): Promise<number | null> {
  let ticks = 0;
  for (const pid of pids) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
    if (stat === null) return null;
    // The command name (field 2) is in parentheses and may hold spaces: count fields after its end.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / USER_HZ;
}
