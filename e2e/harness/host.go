package main

// Host changes of the real node, and how every one of them is undone.
//
// Before it changes anything, the harness writes a journal (/run/slipway-node/journal.json):
// the state directory, the sysctl values as they were, the node IP, the bridge, which
// hard-coded directories did not exist yet, which nftables tables existed, and the process
// ids it starts. Cleanup works from the journal alone, so the same code runs
//   - at a normal exit and on SIGINT/SIGTERM/SIGHUP (the harness itself),
//   - when the harness is killed with SIGKILL (the watchdog: a process in its own session that
//     holds the read end of a pipe only the harness writes to, and sees end-of-file when the
//     harness dies, however it dies), and
//   - at the next start, if a journal is still there (the machine lost both).
// The journal lives on /run (tmpfs): a reboot undoes the host changes and the journal together.
// One real node per machine: /run/slipway-node/lock is held (flock) by the harness and the
// watchdog until cleanup has finished.

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const (
	runDir      = "/run/slipway-node"
	journalPath = runDir + "/journal.json"
	lockPath    = runDir + "/lock"
)

// sysctls the node's components (kubelet, CNI plugins, kube-proxy) may set; all are put back.
var watchedSysctls = []string{
	"vm.overcommit_memory", "vm.panic_on_oom", "kernel.panic", "kernel.panic_on_oops",
	"kernel.keys.root_maxkeys", "kernel.keys.root_maxbytes",
	"net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding", "net.ipv6.conf.default.forwarding",
	"net.ipv4.conf.all.route_localnet", "net.bridge.bridge-nf-call-iptables", "net.bridge.bridge-nf-call-ip6tables",
	"net.netfilter.nf_conntrack_max", "net.netfilter.nf_conntrack_tcp_be_liberal",
	"net.netfilter.nf_conntrack_tcp_timeout_established", "net.netfilter.nf_conntrack_tcp_timeout_close_wait",
}

// Directories outside the state directory that kubelet, containerd and libcni use whatever
// their configuration says.
var hardCodedDirs = []string{
	"/var/log/containers",
	"/var/lib/kubelet/device-plugins", "/var/lib/kubelet",
	"/var/lib/cni/results", "/var/lib/cni",
	"/run/containerd/s", "/run/containerd",
	"/run/netns", "/var/run/netns",
}

type journalProcess struct {
	Name string `json:"name"`
	Pid  int    `json:"pid"`
	Exe  string `json:"exe"`
}

type journal struct {
	HarnessPid   int               `json:"harnessPid"`
	StateDir     string            `json:"stateDir"`
	NodeIP       string            `json:"nodeIP"`
	Bridge       string            `json:"bridge"`
	GuardChain   string            `json:"guardChain"`
	Sysctls      map[string]string `json:"sysctls"`
	CreatedDirs  []string          `json:"createdDirs"`
	NftTables    []string          `json:"nftTables"`
	CgroupsFresh bool              `json:"cgroupsFresh"`
	Processes    []journalProcess  `json:"processes"`
}

func (j *journal) save() error {
	b, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		return err
	}
	tmp := journalPath + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, journalPath)
}

func readJournal() (*journal, error) {
	b, err := os.ReadFile(journalPath)
	if err != nil {
		return nil, err
	}
	j := &journal{}
	return j, json.Unmarshal(b, j)
}

// acquireNodeLock takes the machine's real-node lock, waiting up to timeout for another
// node (or its cleanup) to finish.
func acquireNodeLock(timeout time.Duration) (*os.File, error) {
	if err := os.MkdirAll(runDir, 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(lockPath, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(timeout)
	told := false
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", lockPath, err)
		}
		holder := "unknown"
		if j, err := readJournal(); err == nil {
			holder = fmt.Sprintf("harness pid %d, state %s", j.HarnessPid, j.StateDir)
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("another real node holds %s (%s) for more than %s: one real node per machine", lockPath, holder, timeout)
		}
		if !told {
			fmt.Printf("waiting for the real node lock %s (held by %s), up to %s\n", lockPath, holder, timeout)
			told = true
		}
		time.Sleep(time.Second)
	}
}

// startWatchdog starts "harness -watchdog" in its own session. It inherits the lock and the
// read end of a pipe; the returned write end must stay open for as long as the node runs.
func startWatchdog(lock *os.File, binDir, stateDir string) (*os.File, chan struct{}, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, nil, err
	}
	logFile, err := os.OpenFile(filepath.Join(stateDir, "logs", "watchdog.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, err
	}
	defer logFile.Close()
	cmd := exec.Command(self, "-bin", binDir, "-dir", stateDir, "-watchdog")
	cmd.Stdin = r
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.ExtraFiles = []*os.File{lock}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		r.Close()
		w.Close()
		return nil, nil, fmt.Errorf("start watchdog: %w", err)
	}
	r.Close()
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	return w, done, nil
}

// runWatchdog waits for the harness to go away, then cleans up if it did not.
func runWatchdog() int {
	signal.Ignore(syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGPIPE)
	logf("watchdog %d: watching", os.Getpid())
	_, _ = io.Copy(io.Discard, os.Stdin)
	j, err := readJournal()
	if errors.Is(err, os.ErrNotExist) {
		logf("watchdog: the harness cleaned up after itself")
		return 0
	}
	if err != nil {
		logf("watchdog: journal unreadable: %v", err)
		return 1
	}
	logf("watchdog: the harness (pid %d) ended without cleaning up; cleaning up", j.HarnessPid)
	// the harness may still be finishing its own cleanup (pipe closed by exit): let it.
	if pidAlive(j.HarnessPid) {
		for i := 0; i < 100 && pidAlive(j.HarnessPid); i++ {
			time.Sleep(100 * time.Millisecond)
		}
		if _, err := os.Stat(journalPath); errors.Is(err, os.ErrNotExist) {
			return 0
		}
	}
	cleanupHost(j, logf)
	logf("watchdog: done")
	return 0
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, time.Now().Format("15:04:05.000")+" "+format+"\n", args...)
}

func pidAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// newJournal records the host as it is, before the node changes it.
func newJournal(stateDir, nodeIP, bridge, guard string) *journal {
	j := &journal{
		HarnessPid: os.Getpid(), StateDir: stateDir, NodeIP: nodeIP, Bridge: bridge, GuardChain: guard,
		Sysctls: map[string]string{},
	}
	for _, s := range watchedSysctls {
		if v, err := readSysctl(s); err == nil {
			j.Sysctls[s] = v
		}
	}
	for _, d := range hardCodedDirs {
		if _, err := os.Lstat(d); errors.Is(err, os.ErrNotExist) {
			j.CreatedDirs = append(j.CreatedDirs, d)
		}
	}
	j.NftTables = nftTables()
	j.CgroupsFresh = len(kubepodsCgroups()) == 0
	return j
}

func sysctlPath(name string) string {
	return filepath.Join("/proc/sys", strings.ReplaceAll(name, ".", "/"))
}

func readSysctl(name string) (string, error) {
	b, err := os.ReadFile(sysctlPath(name))
	return strings.TrimSpace(string(b)), err
}

func nftTables() []string {
	out, err := exec.Command("nft", "list", "tables").Output()
	if err != nil {
		return nil
	}
	var tables []string
	for _, l := range strings.Split(string(out), "\n") {
		if f := strings.Fields(l); len(f) == 3 && f[0] == "table" {
			tables = append(tables, f[1]+" "+f[2])
		}
	}
	return tables
}

// kubepodsCgroups lists the kubelet's cgroup directories (cgroupfs driver) in every hierarchy.
func kubepodsCgroups() []string {
	var dirs []string
	f, err := os.Open("/proc/self/mounts")
	if err != nil {
		return nil
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) > 2 && (fields[2] == "cgroup" || fields[2] == "cgroup2") {
			d := filepath.Join(fields[1], "kubepods")
			if _, err := os.Stat(d); err == nil {
				dirs = append(dirs, d)
			}
		}
	}
	return dirs
}

func mountsUnder(dir string) []string {
	b, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		return nil
	}
	var ms []string
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) > 1 {
			m := strings.ReplaceAll(f[1], `\040`, " ")
			if m == dir || strings.HasPrefix(m, dir+"/") {
				ms = append(ms, m)
			}
		}
	}
	// deepest first
	sort.Slice(ms, func(a, b int) bool { return len(ms[a]) > len(ms[b]) })
	return ms
}

func unmountAll(dir string, say func(string, ...any)) {
	for round := 0; round < 5; round++ {
		ms := mountsUnder(dir)
		if len(ms) == 0 {
			return
		}
		for _, m := range ms {
			if err := syscall.Unmount(m, 0); err != nil {
				if err := syscall.Unmount(m, syscall.MNT_DETACH); err != nil && round == 4 {
					say("unmount %s: %v", m, err)
				}
			}
		}
	}
}

func run1(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).CombinedOutput()
	return string(out), err
}

// cleanupHost undoes everything in the journal. Every step is best effort and idempotent.
func cleanupHost(j *journal, say func(string, ...any)) {
	started := time.Now()
	// 1. processes: the components, containerd's shims, and everything in the kubelet's cgroups
	for _, p := range j.Processes {
		if exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", p.Pid)); err == nil && exe == p.Exe {
			_ = syscall.Kill(-p.Pid, syscall.SIGKILL)
			_ = syscall.Kill(p.Pid, syscall.SIGKILL)
		}
	}
	sock := filepath.Join(j.StateDir, "containerd", "containerd.sock")
	for i := 0; i < 50; i++ {
		victims := processesMentioning(sock)
		victims = append(victims, processesInCgroups(kubepodsCgroups())...)
		if len(victims) == 0 {
			break
		}
		for _, pid := range victims {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// 2. firewall: every KUBE-*, CNI-* chain and our guard, IPv4 and IPv6
	for _, ipt := range []string{"iptables", "ip6tables"} {
		removeChains(ipt, j.GuardChain, say)
	}
	// 3. mounts under the state directory (netns, shm, rootfs, volumes, the kubelet's rshared bind)
	unmountAll(j.StateDir, say)
	// 4. links and addresses
	if j.Bridge != "" {
		if out, err := run1("ip", "-o", "link", "show", "master", j.Bridge); err == nil {
			for _, l := range strings.Split(out, "\n") {
				if f := strings.Fields(l); len(f) > 1 {
					_, _ = run1("ip", "link", "del", strings.SplitN(strings.TrimSuffix(f[1], ":"), "@", 2)[0])
				}
			}
		}
		if _, err := net.InterfaceByName(j.Bridge); err == nil {
			if out, err := run1("ip", "link", "del", j.Bridge); err != nil {
				say("delete bridge %s: %v %s", j.Bridge, err, out)
			}
		}
	}
	if j.NodeIP != "" {
		if out, _ := run1("ip", "-o", "addr", "show", "dev", "lo"); strings.Contains(out, " "+j.NodeIP+"/32 ") {
			if out, err := run1("ip", "addr", "del", j.NodeIP+"/32", "dev", "lo"); err != nil {
				say("delete address %s: %v %s", j.NodeIP, err, out)
			}
		}
	}
	// 5. sysctls as they were
	for name, v := range j.Sysctls {
		if cur, err := readSysctl(name); err == nil && cur != v {
			if err := os.WriteFile(sysctlPath(name), []byte(v), 0o644); err != nil {
				say("restore %s=%s: %v", name, v, err)
			}
		}
	}
	// 6. the kubelet's cgroups (empty now)
	if j.CgroupsFresh {
		for _, d := range kubepodsCgroups() {
			removeCgroupTree(d)
		}
	}
	// 7. hard-coded directories: what the node put there
	cleanHardCodedDirs(j)
	// 8. nftables tables that iptables-nft created and that are empty again
	before := map[string]bool{}
	for _, t := range j.NftTables {
		before[t] = true
	}
	for _, t := range nftTables() {
		if !before[t] && nftTableEmpty(t) {
			f := strings.Fields(t)
			_, _ = run1("nft", "delete", "table", f[0], f[1])
		}
	}
	// 9. the state directory stays (logs), but nothing may be mounted below it
	if ms := mountsUnder(j.StateDir); len(ms) > 0 {
		say("still mounted below %s: %v", j.StateDir, ms)
	}
	_ = os.Remove(journalPath)
	say("host cleanup took %s", time.Since(started).Round(time.Millisecond))
}

func processesMentioning(s string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	self := os.Getpid()
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err == nil && strings.Contains(string(b), s) {
			pids = append(pids, pid)
		}
	}
	return pids
}

func processesInCgroups(roots []string) []int {
	var pids []int
	for _, root := range roots {
		_ = filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
			if err == nil && !info.IsDir() && info.Name() == "cgroup.procs" {
				b, _ := os.ReadFile(p)
				for _, f := range strings.Fields(string(b)) {
					if pid, err := strconv.Atoi(f); err == nil {
						pids = append(pids, pid)
					}
				}
			}
			return nil
		})
	}
	return pids
}

func removeCgroupTree(root string) {
	var dirs []string
	_ = filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err == nil && info.IsDir() {
			dirs = append(dirs, p)
		}
		return nil
	})
	sort.Slice(dirs, func(a, b int) bool { return len(dirs[a]) > len(dirs[b]) })
	for _, d := range dirs {
		for i := 0; i < 20; i++ {
			if err := syscall.Rmdir(d); err == nil || errors.Is(err, syscall.ENOENT) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

func isNodeChain(c, guard string) bool {
	return strings.HasPrefix(c, "KUBE-") || strings.HasPrefix(c, "CNI-") || (guard != "" && c == guard)
}

// removeChains deletes the jumps into the node's chains from the built-in chains, then
// flushes and deletes the node's chains, in every table.
func removeChains(ipt, guard string, say func(string, ...any)) {
	for _, table := range []string{"filter", "nat", "mangle", "raw"} {
		out, err := exec.Command(ipt, "-w", "5", "-t", table, "-S").Output()
		if err != nil {
			continue
		}
		var chains []string
		for _, l := range strings.Split(string(out), "\n") {
			f := strings.Fields(l)
			if len(f) >= 2 && f[0] == "-N" && isNodeChain(f[1], guard) {
				chains = append(chains, f[1])
			}
			if len(f) >= 2 && f[0] == "-A" && !isNodeChain(f[1], guard) {
				for i := 2; i+1 < len(f); i++ {
					if (f[i] == "-j" || f[i] == "-g") && isNodeChain(f[i+1], guard) {
						args := append([]string{"-w", "5", "-t", table, "-D"}, f[1:]...)
						if o, err := exec.Command(ipt, unquote(args)...).CombinedOutput(); err != nil {
							say("%s: %v %s", strings.Join(args, " "), err, o)
						}
						break
					}
				}
			}
		}
		for _, c := range chains {
			_, _ = run1(ipt, "-w", "5", "-t", table, "-F", c)
		}
		for _, c := range chains {
			if o, err := run1(ipt, "-w", "5", "-t", table, "-X", c); err != nil {
				say("%s -t %s -X %s: %v %s", ipt, table, c, err, o)
			}
		}
	}
}

// unquote drops the double quotes iptables -S puts around comments (no spaces in ours
// matter: a comment with spaces is split across fields, and quotes are only at its ends).
func unquote(args []string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if strings.HasPrefix(a, `"`) {
			parts := []string{a}
			for !strings.HasSuffix(parts[len(parts)-1], `"`) || (len(parts) == 1 && len(a) == 1) {
				i++
				if i >= len(args) {
					break
				}
				parts = append(parts, args[i])
			}
			a = strings.Trim(strings.Join(parts, " "), `"`)
		}
		out = append(out, a)
	}
	return out
}

func nftTableEmpty(t string) bool {
	f := strings.Fields(t)
	out, err := exec.Command("nft", "list", "table", f[0], f[1]).Output()
	if err != nil {
		return false
	}
	for _, l := range strings.Split(string(out), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "table ") || strings.HasPrefix(l, "chain ") || strings.HasPrefix(l, "type ") || l == "}" {
			continue
		}
		return false // a rule, set or map
	}
	return true
}

func cleanHardCodedDirs(j *journal) {
	created := map[string]bool{}
	for _, d := range j.CreatedDirs {
		created[d] = true
	}
	// kubelet's links to container logs in the state directory
	if entries, err := os.ReadDir("/var/log/containers"); err == nil {
		for _, e := range entries {
			p := filepath.Join("/var/log/containers", e.Name())
			if t, err := os.Readlink(p); err == nil && strings.HasPrefix(t, j.StateDir+"/") {
				_ = os.Remove(p)
			}
		}
	}
	_ = os.Remove("/var/lib/kubelet/device-plugins/kubelet.sock")
	_ = os.Remove("/var/lib/kubelet/device-plugins/kubelet_internal_checkpoint")
	// libcni's cache of results for our network, and for containerd's loopback network of our
	// pod sandboxes (<network>-<sandbox id>-<interface>)
	sandboxes := map[string]bool{}
	if entries, err := os.ReadDir(filepath.Join(j.StateDir, "containerd", "root", "io.containerd.grpc.v1.cri", "sandboxes")); err == nil {
		for _, e := range entries {
			sandboxes[e.Name()] = true
		}
	}
	if entries, err := os.ReadDir("/var/lib/cni/results"); err == nil {
		for _, e := range entries {
			parts := strings.Split(e.Name(), "-")
			ours := strings.HasPrefix(e.Name(), cniNetworkName+"-")
			for _, p := range parts {
				ours = ours || sandboxes[p]
			}
			if ours {
				_ = os.Remove(filepath.Join("/var/lib/cni/results", e.Name()))
			}
		}
	}
	// shim sockets nobody listens on any more
	if entries, err := os.ReadDir("/run/containerd/s"); err == nil {
		for _, e := range entries {
			p := filepath.Join("/run/containerd/s", e.Name())
			if c, err := net.DialTimeout("unix", p, 200*time.Millisecond); err == nil {
				c.Close()
			} else {
				_ = os.Remove(p)
			}
		}
	}
	// directories that did not exist before the node started go away when empty (deepest first)
	for _, d := range hardCodedDirs {
		if created[d] {
			_ = syscall.Rmdir(d)
		}
	}
}
