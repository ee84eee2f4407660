package io.roomcast.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU time and resident memory of a process, read from /proc (Linux). */
final class Proc {
  /** Clock ticks per second of /proc/PID/stat's utime and stime (sysconf CLK_TCK; 100 on Linux x86_64). */
  static final long TICKS_PER_SECOND = 100;

  private Proc() {}

  /** User plus system CPU time the process used so far, in nanoseconds. */
  static long cpuNanos(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15: utime, stime
      return ticks * 1_000_000_000L / TICKS_PER_SECOND;
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /proc/" + pid + "/stat", e);
    }
  }

  /** Resident set size in KiB (VmRSS of /proc/PID/status). */
  static long rssKib(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
      throw new IllegalStateException("no VmRSS in /proc/" + pid + "/status");
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /proc/" + pid + "/status", e);
    }
  }

  /** The 1-minute load average, for the record next to every figure. */
  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "?";
    }
  }
}
