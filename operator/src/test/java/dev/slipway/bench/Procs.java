package dev.slipway.bench;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Small process helpers: child processes stopped by pid, /proc figures, jcmd. */
final class Procs {

  /** Every process the benchmark started, stopped (children first) when the JVM ends. */
  private static final List<Process> STARTED = new ArrayList<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(Procs::stopAll, "bench-stop"));
  }

  private Procs() {}

  static Process start(ProcessBuilder pb) {
    try {
      Process p = pb.start();
      synchronized (STARTED) {
        STARTED.add(p);
      }
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + pb.command(), e);
    }
  }

  static ProcessBuilder logged(List<String> command, Path log) {
    return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
  }

  /** SIGTERM, then SIGKILL after the grace period. */
  static void stop(Process p, long graceSeconds) {
    if (p == null || !p.isAlive()) {
      return;
    }
    p.destroy();
    try {
      if (!p.waitFor(graceSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  static void stopAll() {
    List<Process> all;
    synchronized (STARTED) {
      all = new ArrayList<>(STARTED);
    }
    for (int i = all.size() - 1; i >= 0; i--) {
      stop(all.get(i), 15);
    }
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** User + system CPU seconds of a process (/proc/PID/stat fields 14 and 15, in clock ticks of 1/100 s). */
  static double cpuSeconds(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // after "pid (comm) ", field 3 (state) is f[0]; utime is field 14 -> f[11], stime f[12]
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
    } catch (IOException e) {
      return Double.NaN;
    }
  }

  /** Resident set size in bytes (/proc/PID/status VmRSS). */
  static long rssBytes(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException e) {
      // gone
    }
    return -1;
  }

  private static final Pattern USED = Pattern.compile("used (\\d+)K");

  /** Heap in use right after a full GC: jcmd GC.run, then GC.heap_info's first "used NK". */
  static long heapAfterFullGc(long pid) {
    run(List.of("jcmd", Long.toString(pid), "GC.run"));
    String info = run(List.of("jcmd", Long.toString(pid), "GC.heap_info"));
    Matcher m = USED.matcher(info);
    return m.find() ? Long.parseLong(m.group(1)) * 1024 : -1;
  }

  static String run(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(2, TimeUnit.MINUTES);
      return out;
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }
}
