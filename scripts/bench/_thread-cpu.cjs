// Preloaded (`node -r`) into the CLI by the fleet section: when the process exits, writes to stderr the CPU time
// its main thread and its other threads (V8's compilers and garbage collector, libuv's pool) used, read from
// /proc, as one line the section parses:
//   mlds-bench-cpu {"main":<ms>,"helpers":<ms>}
// The main thread is the one the whole run's JavaScript runs on; where it is busy all along, it is the run's
// critical path. Nothing is written where /proc is missing (not Linux): the section then leaves the row out.

const { readdirSync, readFileSync, writeSync } = require('node:fs');

// /proc counts in clock ticks of USER_HZ, which is 100 on every Linux architecture Node runs on.
const MS_PER_TICK = 10;

/** utime + stime of one thread, from /proc/self/task/<tid>/stat (fields 14 and 15, after the name's `)`). */
function cpuOf(tid) {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
}

process.on('exit', () => {
  let tids;
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return;
  }
  const used = { main: 0, helpers: 0 };
  for (const tid of tids) {
    try {
      used[Number(tid) === process.pid ? 'main' : 'helpers'] += cpuOf(tid);
    } catch {
      // A thread that ended while being read: what it used is gone with it.
    }
  }
  writeSync(2, `mlds-bench-cpu ${JSON.stringify(used)}\n`);
});
