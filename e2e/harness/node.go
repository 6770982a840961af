package main

// The real node (-node): containerd, kubelet, kube-proxy, kube-scheduler, CoreDNS, an OCI
// registry and an ingress controller (Traefik, ingress.go) beside the control plane, so that
// pods really run and answer through an Ingress. Settings and their reasons:
// e2e/node/README.md.

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

const cniNetworkName = "slipway-node"

type nodeOptions struct {
	enabled          bool
	watchdog         bool
	name             string
	ip               string
	podCIDR          string
	bridge           string
	registryPort     int
	registrySeed     string
	lockTimeout      time.Duration
	ingress          bool
	ingressHTTPPort  int
	ingressHTTPSPort int
}

func registerNodeFlags(o *nodeOptions) {
	flag.BoolVar(&o.enabled, "node", false, "also run a real node (root): containerd, kubelet, kube-proxy, kube-scheduler, CoreDNS, registry")
	flag.StringVar(&o.name, "node-name", "slipway-node", "the node's name")
	flag.StringVar(&o.ip, "node-ip", "10.200.0.1", "the node IP, added to lo as a /32; the API server, kubelet, CoreDNS and the registry listen on it")
	flag.StringVar(&o.podCIDR, "pod-cidr", "10.244.0.0/24", "the pods' addresses, on the node's bridge")
	flag.StringVar(&o.bridge, "bridge", "slipway0", "the pods' bridge, created and deleted by the harness")
	flag.IntVar(&o.registryPort, "registry-port", 5000, "the registry's port on the node IP")
	flag.StringVar(&o.registrySeed, "registry-seed", "", "registry storage to start from (e2e/build-node.sh builds it)")
	flag.BoolVar(&o.ingress, "ingress", true, "with -node: run the ingress controller (Traefik, IngressClass \"traefik\") on the node IP")
	flag.IntVar(&o.ingressHTTPPort, "ingress-http-port", 80, "the ingress controller's HTTP port on the node IP")
	flag.IntVar(&o.ingressHTTPSPort, "ingress-https-port", 443, "the ingress controller's HTTPS port on the node IP (0: none)")
	flag.DurationVar(&o.lockTimeout, "node-lock-timeout", 10*time.Minute, "how long to wait for another real node on this machine to stop")
	flag.BoolVar(&o.watchdog, "watchdog", false, "internal: clean up after a real node whose harness died")
}

// checkNodeStateDir refuses to empty a directory that the harness did not make.
func checkNodeStateDir(o nodeOptions, stateDir string) error {
	if !o.enabled {
		return nil
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("a real node (-node) needs root: it runs containerd and the kubelet and changes the host's network")
	}
	if entries, err := os.ReadDir(stateDir); err == nil && len(entries) > 0 {
		if _, err := os.Stat(filepath.Join(stateDir, "harness.pid")); err != nil {
			return fmt.Errorf("%s is not empty and is no harness state directory (no harness.pid): refusing to empty it", stateDir)
		}
	}
	return nil
}

// prepareNode takes the machine's lock and makes the host changes (see prepareHost).
func (cp *controlPlane) prepareNode() error {
	cp.node = &nodeRuntime{opts: cp.opts.node, dir: cp.dir, binDir: cp.opts.binDir}
	if err := cp.node.prepareHost(); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(cp.dir, "harness.pid"), []byte(strconv.Itoa(os.Getpid())), 0o600)
}

// stopNode stops every component (pods first), then undoes the host changes.
func (cp *controlPlane) stopNode() {
	cp.stopAll()
	cp.node.teardown()
}

func (cp *controlPlane) nodeReadyFields() string {
	if cp.node == nil {
		return ""
	}
	n := cp.node
	return fmt.Sprintf(" node=%s node-ip=%s registry=%s pod-cidr=%s service-cidr=%s", n.opts.name, n.opts.ip, n.registryAddr(), n.opts.podCIDR, serviceCIDR) +
		n.ingressReadyFields()
}

func (cp *controlPlane) nodeIPs() []net.IP {
	if cp.node == nil {
		return nil
	}
	return []net.IP{net.ParseIP(cp.node.opts.ip)}
}

// startNodeRuntime issues the node's certificates and starts the registry and containerd.
func (cp *controlPlane) startNodeRuntime(ctx context.Context) error {
	if cp.node == nil {
		return nil
	}
	var err error
	if cp.node.certs, err = cp.pki.issueNodeCerts(cp.node.opts.name, net.ParseIP(cp.node.opts.ip)); err != nil {
		return err
	}
	if err := cp.startRegistry(ctx, cp.node); err != nil {
		return err
	}
	return cp.startContainerd(ctx, cp.node)
}

// nodeAPIServerArgs: with a node, the 'kubernetes' Service's endpoint is the node IP (the
// normal lease reconciler), NodeRestriction applies, and the API server reaches the kubelet
// (logs, exec) with a certificate of its own. Without one, a loopback address cannot back the
// Service's endpoints.
func (cp *controlPlane) nodeAPIServerArgs() []string {
	if cp.node == nil {
		return []string{"--endpoint-reconciler-type=none"}
	}
	n := cp.node.certs
	return []string{
		"--enable-admission-plugins=NodeRestriction",
		"--kubelet-client-certificate=" + n.apiserverKubeletCert,
		"--kubelet-client-key=" + n.apiserverKubeletKey,
		"--kubelet-certificate-authority=" + cp.pki.caCert,
		"--kubelet-preferred-address-types=InternalIP",
	}
}

func (cp *controlPlane) recordProcess(name string, pid int) {
	if cp.node != nil {
		cp.node.record(name, pid)
	}
}

type nodeRuntime struct {
	binDir       string
	watchdogDone chan struct{}
	opts         nodeOptions
	dir          string // state directory
	certs        *nodeCerts
	journal      *journal
	lock         *os.File
	watchdog     *os.File // write end of the watchdog's pipe
	gateway      string
}

// prepareHost takes the lock, cleans up after an earlier node that died, records the host
// as it is, starts the watchdog, then makes the host changes: the node IP on lo, the bridge,
// and the guard that keeps pod traffic on this machine.
func (n *nodeRuntime) prepareHost() error {
	var err error
	if n.lock, err = acquireNodeLock(n.opts.lockTimeout); err != nil {
		return err
	}
	if old, err := readJournal(); err == nil {
		fmt.Printf("cleaning up after an earlier real node (harness pid %d, state %s)\n", old.HarnessPid, old.StateDir)
		cleanupHost(old, func(f string, a ...any) { fmt.Printf("cleanup: "+f+"\n", a...) })
	}
	if ms := mountsUnder(n.dir); len(ms) > 0 {
		return fmt.Errorf("refusing to use %s: still mounted below it: %v", n.dir, ms)
	}
	if err := n.checkAddresses(); err != nil {
		return err
	}
	// a fresh state directory every time (nothing is mounted below it: checked above)
	if err := os.RemoveAll(n.dir); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(n.dir, "logs"), 0o700); err != nil {
		return err
	}
	n.journal = newJournal(n.dir, n.opts.ip, n.opts.bridge, guardChain)
	n.journal.HarnessPid = os.Getpid()
	if err := n.journal.save(); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	if n.watchdog, n.watchdogDone, err = startWatchdog(n.lock, n.binDir, n.dir); err != nil {
		return err
	}

	steps := [][]string{
		{"ip", "addr", "add", n.opts.ip + "/32", "dev", "lo"},
		{"ip", "link", "add", n.opts.bridge, "type", "bridge"},
		{"ip", "addr", "add", n.gateway + "/" + strings.SplitN(n.opts.podCIDR, "/", 2)[1], "dev", n.opts.bridge},
		{"ip", "link", "set", n.opts.bridge, "up"},
		// Service addresses are routed to the bridge, never to the default route: a packet to
		// a ClusterIP that kube-proxy has not rewritten (yet) stays on this machine.
		{"ip", "route", "add", serviceCIDR, "dev", n.opts.bridge},
	}
	for _, s := range steps {
		if out, err := exec.Command(s[0], s[1:]...).CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %v %s", strings.Join(s, " "), err, out)
		}
	}
	// Routing between pods and Services (DNAT to a pod on the same bridge) needs forwarding for
	// packets that arrive on the bridge; turned on for the bridge alone (it goes with the
	// bridge), so net.ipv4.ip_forward and every other interface keep their setting.
	if err := os.WriteFile("/proc/sys/net/ipv4/conf/"+n.opts.bridge+"/forwarding", []byte("1"), 0o644); err != nil {
		return fmt.Errorf("forwarding on %s: %w", n.opts.bridge, err)
	}
	// Pods reach nothing outside this machine: whatever else forwards (another CNI plugin's
	// accept rules, ip_forward set by someone else), packets between the pod bridge and any
	// other interface are dropped in mangle/FORWARD, which runs before filter/FORWARD.
	for _, ipt := range []string{"iptables", "ip6tables"} {
		for _, s := range [][]string{
			{"-t", "mangle", "-N", guardChain},
			{"-t", "mangle", "-A", guardChain, "-i", n.opts.bridge, "!", "-o", n.opts.bridge, "-j", "DROP"},
			{"-t", "mangle", "-A", guardChain, "!", "-i", n.opts.bridge, "-o", n.opts.bridge, "-j", "DROP"},
			{"-t", "mangle", "-I", "FORWARD", "1", "-j", guardChain},
		} {
			if out, err := exec.Command(ipt, append([]string{"-w", "5"}, s...)...).CombinedOutput(); err != nil {
				return fmt.Errorf("%s %s: %v %s", ipt, strings.Join(s, " "), err, out)
			}
		}
	}
	return nil
}

const guardChain = "SLIPWAY-NODE-GUARD"

// checkAddresses refuses ranges that the machine already routes, so the node never shadows
// a network the machine uses.
func (n *nodeRuntime) checkAddresses() error {
	_, pods, err := net.ParseCIDR(n.opts.podCIDR)
	if err != nil {
		return fmt.Errorf("pod range %q: %w", n.opts.podCIDR, err)
	}
	ip := net.ParseIP(n.opts.ip)
	if ip == nil || ip.To4() == nil {
		return fmt.Errorf("node IP %q is not an IPv4 address", n.opts.ip)
	}
	gw := make(net.IP, 4)
	copy(gw, pods.IP.To4())
	gw[3]++
	n.gateway = gw.String()
	if _, err := net.InterfaceByName(n.opts.bridge); err == nil {
		return fmt.Errorf("interface %s exists already", n.opts.bridge)
	}
	ifaces, _ := net.Interfaces()
	for _, i := range ifaces {
		addrs, _ := i.Addrs()
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok {
				if ipn.IP.Equal(ip) {
					return fmt.Errorf("node IP %s is already on %s", ip, i.Name)
				}
				if pods.Contains(ipn.IP) || ipn.Contains(pods.IP) {
					return fmt.Errorf("pod range %s overlaps %s on %s", pods, ipn, i.Name)
				}
			}
		}
	}
	return nil
}

// record adds a started process to the journal, so that cleanup can find it.
func (n *nodeRuntime) record(name string, pid int) {
	exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	n.journal.Processes = append(n.journal.Processes, journalProcess{Name: name, Pid: pid, Exe: exe})
	_ = n.journal.save()
}

func (n *nodeRuntime) path(p ...string) string {
	return filepath.Join(append([]string{n.dir}, p...)...)
}

func writeFile(path, content string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(content), 0o600)
}

func (n *nodeRuntime) registryAddr() string {
	return net.JoinHostPort(n.opts.ip, strconv.Itoa(n.opts.registryPort))
}

// startRegistry seeds the registry's storage from the images e2e/build-node.sh built
// (blobs hard-linked: the registry only ever renames new blobs into place; every other
// file is copied, because the registry rewrites tag links in place) and serves it on the
// node IP, where both the host and the pods reach it.
func (cp *controlPlane) startRegistry(ctx context.Context, n *nodeRuntime) error {
	data := n.path("registry", "data")
	if n.opts.registrySeed != "" {
		if err := seedTree(n.opts.registrySeed, data); err != nil {
			return fmt.Errorf("seed the registry from %s: %w", n.opts.registrySeed, err)
		}
	}
	cfg := n.path("registry", "config.yml")
	if err := writeFile(cfg, fmt.Sprintf(`version: 0.1
log:
  level: warn
  accesslog: {disabled: true}
storage:
  filesystem: {rootdirectory: %s}
  delete: {enabled: true}
http:
  addr: %s
`, data, n.registryAddr())); err != nil {
		return err
	}
	if err := cp.launchPath("registry", "/usr/bin/docker-registry", "serve", cfg); err != nil {
		return err
	}
	return cp.waitHealthy(ctx, "registry", "http://"+n.registryAddr()+"/v2/", nil)
}

func seedTree(src, dst string) error {
	src, err := filepath.EvalSymlinks(src)
	if err != nil {
		return err
	}
	return filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if info.Name() == "data" && strings.Contains(p, "/blobs/") {
			if err := os.Link(p, target); err == nil {
				return nil
			}
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
}

func (cp *controlPlane) startContainerd(ctx context.Context, n *nodeRuntime) error {
	c := n.path("containerd")
	reg := n.registryAddr()
	if err := writeFile(filepath.Join(c, "certs.d", reg, "hosts.toml"), fmt.Sprintf(`server = "http://%s"

[host."http://%s"]
  capabilities = ["pull", "resolve", "push"]
  skip_verify = true
`, reg, reg)); err != nil {
		return err
	}
	pause := reg + "/slipway/pause:3.10"
	cfg := filepath.Join(c, "config.toml")
	if err := writeFile(cfg, fmt.Sprintf(`version = 2
root = "%[1]s/root"
state = "%[1]s/state"
oom_score = 0
imports = []
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "%[1]s/containerd.sock"
[ttrpc]
  address = "%[1]s/containerd.sock.ttrpc"
[debug]
  level = "info"

[plugins."io.containerd.internal.v1.opt"]
  path = "%[1]s/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "%[2]s"
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  enable_cdi = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        BinaryName = "/usr/sbin/runc"
        Root = "%[1]s/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "%[3]s"
    max_conf_num = 1
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "%[1]s/certs.d"
`, c, pause, n.path("cni", "net.d"))); err != nil {
		return err
	}
	// The bridge exists already (with the gateway address): isGateway stays false so that the
	// plugin does not turn on IP forwarding. No masquerading: pods have nowhere to go.
	if err := writeFile(n.path("cni", "net.d", "10-slipway-node.conflist"), fmt.Sprintf(`{
  "cniVersion": "1.0.0",
  "name": "%s",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "%s",
      "isGateway": false,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{"subnet": "%s", "gateway": "%s"}]],
        "routes": [{"dst": "0.0.0.0/0"}],
        "dataDir": "%s"
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}},
    {"type": "firewall", "backend": "iptables"}
  ]
}
`, cniNetworkName, n.opts.bridge, n.opts.podCIDR, n.gateway, n.path("cni", "ipam"))); err != nil {
		return err
	}
	if err := cp.launchPath("containerd", "/usr/bin/containerd", "--config", cfg); err != nil {
		return err
	}
	return cp.waitFor(ctx, "containerd", func() error { _, err := cp.crictl("version"); return err })
}

func (cp *controlPlane) crictl(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	full := append([]string{"--runtime-endpoint", "unix://" + filepath.Join(cp.dir, "containerd", "containerd.sock"), "--timeout", "30s"}, args...)
	out, err := exec.CommandContext(ctx, filepath.Join(cp.opts.binDir, "crictl"), full...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("crictl %s: %v %s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// startNodeComponents starts kube-scheduler, CoreDNS, kubelet and kube-proxy, then waits for
// the node to be Ready and for the default ServiceAccount.
func (cp *controlPlane) startNodeComponents(ctx context.Context, adminTLS *tls.Config) error {
	n := cp.node
	if n == nil {
		return nil
	}
	p := cp.pki
	kc := func(name, user, cert, key string) (string, error) {
		path := filepath.Join(cp.dir, name+".kubeconfig")
		return path, cp.writeKubeconfig(path, user, cert, key)
	}
	ports, err := freePorts(5)
	if err != nil {
		return err
	}
	schedPort, kubeletHealth, proxyHealth, proxyMetrics, dnsHealth := ports[0], ports[1], ports[2], ports[3], ports[4]

	schedKC, err := kc("scheduler", "system:kube-scheduler", n.certs.schedulerCert, n.certs.schedulerKey)
	if err != nil {
		return err
	}
	if err := cp.launch("kube-scheduler",
		"--kubeconfig="+schedKC, "--authentication-kubeconfig="+schedKC, "--authorization-kubeconfig="+schedKC,
		"--bind-address=127.0.0.1", "--secure-port="+strconv.Itoa(schedPort), "--leader-elect=false", "--v=1"); err != nil {
		return err
	}
	insecure := &tls.Config{InsecureSkipVerify: true}
	if err := cp.waitHealthy(ctx, "kube-scheduler", fmt.Sprintf("https://127.0.0.1:%d/healthz", schedPort), insecure); err != nil {
		return err
	}

	// CoreDNS on the node IP: the kubernetes plugin only, no forwarding (offline).
	corefile := filepath.Join(cp.dir, "Corefile")
	if err := writeFile(corefile, fmt.Sprintf(`.:53 {
    bind %s
    errors
    health 127.0.0.1:%d
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig %s slipway-local
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
}
`, n.opts.ip, dnsHealth, cp.kubeconfig)); err != nil {
		return err
	}
	if err := cp.launch("coredns", "-conf", corefile); err != nil {
		return err
	}
	if err := cp.waitFor(ctx, "coredns", func() error { return n.lookup("kubernetes.default.svc.cluster.local") }); err != nil {
		return err
	}

	kubeletKC, err := kc("kubelet", "system:node:"+n.opts.name, n.certs.kubeletCert, n.certs.kubeletKey)
	if err != nil {
		return err
	}
	kubeletDir := filepath.Join(cp.dir, "kubelet")
	kubeletCfg := filepath.Join(cp.dir, "kubelet.yaml")
	if err := writeFile(kubeletCfg, fmt.Sprintf(`apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false
cgroupDriver: cgroupfs
containerRuntimeEndpoint: unix://%[1]s/containerd/containerd.sock
failSwapOn: false
address: %[2]s
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: %[3]d
tlsCertFile: %[4]s
tlsPrivateKeyFile: %[5]s
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: %[6]s}
authorization:
  mode: Webhook
oomScoreAdj: 0
clusterDNS: ["%[2]s"]
clusterDomain: cluster.local
resolvConf: ""
serializeImagePulls: false
evictionHard: {memory.available: "100Mi", nodefs.available: "1%%", imagefs.available: "1%%", nodefs.inodesFree: "1%%"}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
maxPods: 60
podLogsDir: %[1]s/pod-logs
volumePluginDir: %[1]s/kubelet-plugins
shutdownGracePeriod: 0s
`, cp.dir, n.opts.ip, kubeletHealth, n.certs.kubeletServingCert, n.certs.kubeletServingKey, p.caCert)); err != nil {
		return err
	}
	if err := os.MkdirAll(kubeletDir, 0o700); err != nil {
		return err
	}
	if err := cp.launch("kubelet", "--config="+kubeletCfg, "--kubeconfig="+kubeletKC,
		"--root-dir="+kubeletDir, "--cert-dir="+filepath.Join(kubeletDir, "pki"),
		"--hostname-override="+n.opts.name, "--node-ip="+n.opts.ip, "--v=1"); err != nil {
		return err
	}
	if err := cp.waitHealthy(ctx, "kubelet", fmt.Sprintf("http://127.0.0.1:%d/healthz", kubeletHealth), nil); err != nil {
		return err
	}

	proxyKC, err := kc("kube-proxy", "system:kube-proxy", n.certs.proxyCert, n.certs.proxyKey)
	if err != nil {
		return err
	}
	proxyCfg := filepath.Join(cp.dir, "kube-proxy.yaml")
	if err := writeFile(proxyCfg, fmt.Sprintf(`apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection: {kubeconfig: %s}
hostnameOverride: %s
bindAddress: %s
clusterCIDR: %s
healthzBindAddress: 127.0.0.1:%d
metricsBindAddress: 127.0.0.1:%d
nodePortAddresses: ["%s/32"]
iptables: {localhostNodePorts: false, masqueradeAll: false}
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
`, proxyKC, n.opts.name, n.opts.ip, n.opts.podCIDR, proxyHealth, proxyMetrics, n.opts.ip)); err != nil {
		return err
	}
	if err := cp.launch("kube-proxy", "--config="+proxyCfg, "--v=1"); err != nil {
		return err
	}
	if err := cp.waitHealthy(ctx, "kube-proxy", fmt.Sprintf("http://127.0.0.1:%d/healthz", proxyHealth), nil); err != nil {
		return err
	}

	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: adminTLS}}
	if err := cp.waitFor(ctx, "node "+n.opts.name+" Ready", func() error { return nodeReady(client, cp.apiserverURL, n.opts.name) }); err != nil {
		return err
	}
	if err := cp.startLocalVolumes(ctx, client); err != nil {
		return err
	}
	// pods in 'default' are refused until kube-controller-manager has made its ServiceAccount
	if err := cp.waitFor(ctx, "the default ServiceAccount", func() error {
		return getOK(client, cp.apiserverURL+"/api/v1/namespaces/default/serviceaccounts/default")
	}); err != nil {
		return err
	}
	return cp.startIngress(ctx)
}

const (
	storageClass = "slipway-local"
	localVolumes = 20
	volumeLabel  = "slipway.dev/node-volume"
)

// startLocalVolumes gives PersistentVolumeClaims somewhere to go: a default StorageClass and
// hostPath PersistentVolumes in the state directory (world-writable directories, since
// fsGroup does not apply to hostPath), and a loop that makes Released volumes Available
// again with an empty directory, for as long as the node runs.
func (cp *controlPlane) startLocalVolumes(ctx context.Context, client *http.Client) error {
	var b strings.Builder
	fmt.Fprintf(&b, `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: %s
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: kubernetes.io/no-provisioner
reclaimPolicy: Retain
volumeBindingMode: Immediate
`, storageClass)
	for i := 1; i <= localVolumes; i++ {
		dir := filepath.Join(cp.dir, "volumes", fmt.Sprintf("pv-%02d", i))
		if err := os.MkdirAll(dir, 0o777); err != nil {
			return err
		}
		if err := os.Chmod(dir, 0o777); err != nil {
			return err
		}
		fmt.Fprintf(&b, `---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: %s-%02d
  labels: {%s: "true"}
spec:
  storageClassName: %s
  capacity: {storage: 10Gi}
  accessModes: [ReadWriteOnce, ReadWriteMany]
  persistentVolumeReclaimPolicy: Retain
  hostPath: {path: %s, type: Directory}
`, storageClass, i, volumeLabel, storageClass, dir)
	}
	manifest := filepath.Join(cp.dir, "local-volumes.yaml")
	if err := writeFile(manifest, b.String()); err != nil {
		return err
	}
	kubectl := exec.CommandContext(ctx, filepath.Join(cp.opts.binDir, "kubectl"), "--kubeconfig="+cp.kubeconfig, "apply", "-f", manifest)
	if out, err := kubectl.CombinedOutput(); err != nil {
		return fmt.Errorf("local volumes: %v\n%s", err, out)
	}
	go cp.recycleVolumes(ctx, client)
	return nil
}

func (cp *controlPlane) recycleVolumes(ctx context.Context, client *http.Client) {
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		resp, err := client.Get(cp.apiserverURL + "/api/v1/persistentvolumes?labelSelector=" + volumeLabel + "%3Dtrue")
		if err != nil {
			continue
		}
		var list struct {
			Items []struct {
				Metadata struct{ Name string } `json:"metadata"`
				Spec     struct {
					HostPath struct{ Path string } `json:"hostPath"`
				} `json:"spec"`
				Status struct{ Phase string } `json:"status"`
			} `json:"items"`
		}
		err = json.NewDecoder(resp.Body).Decode(&list)
		resp.Body.Close()
		if err != nil {
			continue
		}
		for _, pv := range list.Items {
			dir := pv.Spec.HostPath.Path
			if pv.Status.Phase != "Released" || !strings.HasPrefix(dir, filepath.Join(cp.dir, "volumes")+"/") {
				continue
			}
			if len(mountsUnder(dir)) > 0 {
				continue // still in use by a container that is going away
			}
			if err := os.RemoveAll(dir); err != nil {
				continue
			}
			if err := os.MkdirAll(dir, 0o777); err != nil {
				continue
			}
			_ = os.Chmod(dir, 0o777)
			req, _ := http.NewRequestWithContext(ctx, http.MethodPatch, cp.apiserverURL+"/api/v1/persistentvolumes/"+pv.Metadata.Name,
				strings.NewReader(`{"spec":{"claimRef":null}}`))
			req.Header.Set("Content-Type", "application/merge-patch+json")
			if resp, err := client.Do(req); err == nil {
				resp.Body.Close()
			}
		}
	}
}

func (n *nodeRuntime) lookup(name string) error {
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{Timeout: 2 * time.Second}).DialContext(ctx, "udp", net.JoinHostPort(n.opts.ip, "53"))
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_, err := r.LookupHost(ctx, name)
	return err
}

func getOK(client *http.Client, url string) error {
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return nil
}

func nodeReady(client *http.Client, apiserver, name string) error {
	resp, err := client.Get(apiserver + "/api/v1/nodes/" + name)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	var node struct {
		Status struct {
			Conditions []struct{ Type, Status, Reason, Message string } `json:"conditions"`
		} `json:"status"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&node); err != nil {
		return err
	}
	for _, c := range node.Status.Conditions {
		if c.Type == "Ready" {
			if c.Status == "True" {
				return nil
			}
			return fmt.Errorf("Ready=%s %s: %s", c.Status, c.Reason, c.Message)
		}
	}
	return fmt.Errorf("no Ready condition yet")
}

// waitFor polls check until it succeeds, a component crashes, or the start timeout passes.
func (cp *controlPlane) waitFor(ctx context.Context, what string, check func() error) error {
	deadline := time.Now().Add(cp.opts.startTimeout)
	var last error
	for time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case c := <-cp.crashed:
			return fmt.Errorf("%s exited while starting: %v\n%s", c.name, c.err, tail(c.logPath, 40))
		default:
		}
		if last = check(); last == nil {
			return nil
		}
		time.Sleep(250 * time.Millisecond)
	}
	return fmt.Errorf("%s not ready after %s: %v", what, cp.opts.startTimeout, last)
}

// removePods stops and removes every pod sandbox while containerd still runs, so that the
// CNI plugins release addresses, veths, network namespaces and their iptables rules.
func (cp *controlPlane) removePods() {
	if out, err := cp.crictl("rmp", "--all", "--force"); err != nil {
		fmt.Fprintf(os.Stderr, "harness: removing pods: %v %s\n", err, out)
	}
}

// teardown undoes the host changes (the components are stopped already), then lets the
// watchdog and the lock go.
func (n *nodeRuntime) teardown() {
	if n.journal != nil {
		cleanupHost(n.journal, func(f string, a ...any) { fmt.Printf("cleanup: "+f+"\n", a...) })
	}
	if n.watchdog != nil {
		n.watchdog.Close()
		// it sees end-of-file, finds the journal gone and ends: reap it, so that no zombie
		// is left where nothing else reaps orphans
		select {
		case <-n.watchdogDone:
		case <-time.After(10 * time.Second):
		}
	}
	if n.lock != nil {
		n.lock.Close()
	}
}

// serviceCIDR is the Services' range; 10.96.0.1 (the 'kubernetes' Service) is in the API
// server's certificate.
const serviceCIDR = "10.96.0.0/16"
