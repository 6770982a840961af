// Command harness starts a real, throw-away Kubernetes control plane on loopback:
// etcd, kube-apiserver and kube-controller-manager with generated certificates and
// a service-account key. It writes a kubeconfig, installs CRDs, prints a READY line
// and keeps everything running until it receives SIGINT/SIGTERM or, with
// -exit-on-stdin-close, until its standard input closes (so a test JVM that dies
// takes the control plane with it). Components are started with a parent-death
// signal, so even a SIGKILL of the harness leaves nothing behind.
//
// With -node (as root) it also runs a real node: containerd, kubelet, kube-proxy,
// kube-scheduler, CoreDNS and an OCI registry, on a node IP of its own (node.go), and
// undoes every change it makes to the host, also when it is killed (host.go).
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

type options struct {
	binDir           string
	node             nodeOptions // -node and its settings (node.go)
	stateDir         string
	crdDirs          stringList
	exitOnStdinClose bool
	auditLog         bool
	auditPolicy      string
	apiserverArgs    stringList
	kcmArgs          stringList
	startTimeout     time.Duration
}

func main() {
	var opts options
	flag.StringVar(&opts.binDir, "bin", "", "directory holding etcd, kube-apiserver, kube-controller-manager and kubectl")
	registerNodeFlags(&opts.node)
	flag.StringVar(&opts.stateDir, "dir", "", "state directory (certificates, etcd data, logs, kubeconfig); created if missing")
	flag.Var(&opts.crdDirs, "crds", "directory or file of CustomResourceDefinitions to install once the API server is ready (repeatable)")
	flag.BoolVar(&opts.exitOnStdinClose, "exit-on-stdin-close", false, "stop the control plane when standard input reaches end of file")
	flag.BoolVar(&opts.auditLog, "audit-log", true, "write an API audit log of write requests to <dir>/audit.log")
	flag.StringVar(&opts.auditPolicy, "audit-policy", "", "audit policy file to use instead of the built-in one (which logs write requests only)")
	flag.Var(&opts.apiserverArgs, "apiserver-arg", "extra kube-apiserver flag, e.g. --enable-admission-plugins=OwnerReferencesPermissionEnforcement (repeatable)")
	flag.Var(&opts.kcmArgs, "controller-manager-arg", "extra kube-controller-manager flag, e.g. --kube-api-qps=200 (repeatable)")
	flag.DurationVar(&opts.startTimeout, "start-timeout", 3*time.Minute, "how long each component may take to become ready")
	flag.Parse()
	if opts.binDir == "" || opts.stateDir == "" {
		fmt.Fprintln(os.Stderr, "usage: harness -bin DIR -dir STATE [-crds DIR]... [-exit-on-stdin-close]")
		os.Exit(2)
	}
	os.Exit(run(opts))
}

func run(opts options) int {
	started := time.Now()
	stateDir, err := filepath.Abs(opts.stateDir)
	if err != nil {
		return fail("state directory: %v", err)
	}
	if opts.node.watchdog {
		return runWatchdog()
	}
	if err := checkNodeStateDir(opts.node, stateDir); err != nil {
		return fail("%v", err)
	}
	if err := os.MkdirAll(filepath.Join(stateDir, "logs"), 0o700); err != nil {
		return fail("state directory: %v", err)
	}
	_ = os.Remove(filepath.Join(stateDir, "ready"))
	if err := os.WriteFile(filepath.Join(stateDir, "harness.pid"), []byte(strconv.Itoa(os.Getpid())), 0o600); err != nil {
		return fail("pid file: %v", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	if opts.exitOnStdinClose {
		ctx = stopOnStdinClose(ctx)
	}

	cp := &controlPlane{opts: opts, dir: stateDir}
	defer cp.stopAll()
	if opts.node.enabled {
		// stops the components first (the deferred stopAll above runs after this one returns
		// and finds them stopped), then undoes the host changes
		defer cp.stopNode()
		if err := cp.prepareNode(); err != nil {
			return fail("real node: %v", err)
		}
	}

	if err := cp.start(ctx); err != nil {
		if ctx.Err() != nil {
			return 130
		}
		return fail("%v", err)
	}
	if err := os.WriteFile(filepath.Join(stateDir, "ready"), []byte(cp.kubeconfig), 0o600); err != nil {
		return fail("ready file: %v", err)
	}
	fmt.Printf("READY kubeconfig=%s apiserver=%s%s elapsed=%.1fs\n", cp.kubeconfig, cp.apiserverURL, cp.nodeReadyFields(), time.Since(started).Seconds())
	cp.restartOnSignals(ctx)

	select {
	case <-ctx.Done():
		fmt.Println("stopping control plane")
		return 0
	case c := <-cp.crashed:
		return fail("%s exited unexpectedly: %v\n%s", c.name, c.err, tail(c.logPath, 40))
	}
}

func fail(format string, args ...any) int {
	fmt.Fprintf(os.Stderr, "harness: "+format+"\n", args...)
	return 1
}

func stopOnStdinClose(parent context.Context) context.Context {
	ctx, cancel := context.WithCancel(parent)
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	return ctx
}

type component struct {
	name     string
	cmd      *exec.Cmd
	logPath  string
	done     chan struct{}
	err      error
	bin      string
	args     []string
	settings launchSettings
	stopped  bool // stopped on request (SIGUSR1): not a crash
}

type crash struct {
	name    string
	err     error
	logPath string
}

type controlPlane struct {
	opts         options
	dir          string
	pki          *pki
	components   []*component
	crashed      chan crash
	stopping     bool
	mu           sync.Mutex
	kubeconfig   string
	apiserverURL string
	node         *nodeRuntime
}

func (cp *controlPlane) start(ctx context.Context) error {
	cp.crashed = make(chan crash, 16)
	var err error
	if cp.pki, err = newPKI(filepath.Join(cp.dir, "pki"), cp.nodeIPs()...); err != nil {
		return err
	}
	if err := cp.startNodeRuntime(ctx); err != nil {
		return err
	}
	ports, err := freePorts(4)
	if err != nil {
		return fmt.Errorf("free ports: %w", err)
	}
	etcdClient, etcdPeer, apiPort, kcmPort := ports[0], ports[1], ports[2], ports[3]

	// etcd: a fresh data directory every time; fsync off because the data is thrown away.
	etcdData := filepath.Join(cp.dir, "etcd")
	_ = os.RemoveAll(etcdData)
	etcdURL := fmt.Sprintf("http://127.0.0.1:%d", etcdClient)
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", etcdPeer)
	if err := cp.launch("etcd",
		"--name=default",
		"--data-dir="+etcdData,
		"--listen-client-urls="+etcdURL,
		"--advertise-client-urls="+etcdURL,
		"--listen-peer-urls="+peerURL,
		"--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=default="+peerURL,
		"--unsafe-no-fsync=true",
		"--log-level=warn",
	); err != nil {
		return err
	}
	if err := cp.waitHealthy(ctx, "etcd", etcdURL+"/health", nil); err != nil {
		return err
	}
	// for tests that talk to etcd itself (compaction, to expire watches)
	if err := os.WriteFile(filepath.Join(cp.dir, "etcd-url"), []byte(etcdURL), 0o600); err != nil {
		return err
	}

	bindIP := "127.0.0.1"
	if cp.node != nil {
		// on the node IP, so that pods reach it through the 'kubernetes' Service
		bindIP, apiPort = cp.node.opts.ip, 6443
	}
	cp.apiserverURL = "https://" + net.JoinHostPort(bindIP, strconv.Itoa(apiPort))
	apiArgs := append(cp.nodeAPIServerArgs(), []string{
		"--etcd-servers=" + etcdURL,
		"--bind-address=" + bindIP,
		"--advertise-address=" + bindIP,
		"--secure-port=" + strconv.Itoa(apiPort),
		"--tls-cert-file=" + cp.pki.serverCert,
		"--tls-private-key-file=" + cp.pki.serverKey,
		"--client-ca-file=" + cp.pki.caCert,
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + cp.pki.saPub,
		"--service-account-signing-key-file=" + cp.pki.saKey,
		"--service-cluster-ip-range=" + serviceCIDR,
		"--authorization-mode=Node,RBAC",
		"--allow-privileged=true",
		"--profiling=false",
		"--cert-dir=" + filepath.Join(cp.dir, "apiserver-certs"),
		"--v=1",
	}...)
	if cp.opts.auditLog {
		policy := filepath.Join(cp.dir, "audit-policy.yaml")
		content := []byte(auditPolicy)
		if cp.opts.auditPolicy != "" {
			if content, err = os.ReadFile(cp.opts.auditPolicy); err != nil {
				return fmt.Errorf("audit policy: %w", err)
			}
		}
		if err := os.WriteFile(policy, content, 0o600); err != nil {
			return err
		}
		apiArgs = append(apiArgs,
			"--audit-policy-file="+policy,
			"--audit-log-path="+filepath.Join(cp.dir, "audit.log"),
			"--audit-log-format=json",
			"--audit-log-mode=blocking",
		)
	}
	apiArgs = append(apiArgs, cp.opts.apiserverArgs...)
	if err := cp.launch("kube-apiserver", apiArgs...); err != nil {
		return err
	}
	adminTLS, err := cp.clientTLS(cp.pki.adminCert, cp.pki.adminKey)
	if err != nil {
		return err
	}
	if err := cp.waitHealthy(ctx, "kube-apiserver", cp.apiserverURL+"/readyz", adminTLS); err != nil {
		return err
	}

	cp.kubeconfig = filepath.Join(cp.dir, "kubeconfig")
	if err := cp.writeKubeconfig(cp.kubeconfig, "slipway-admin", cp.pki.adminCert, cp.pki.adminKey); err != nil {
		return err
	}
	if err := cp.writeKubeconfig(filepath.Join(cp.dir, "operator.kubeconfig"), "slipway-operator", cp.pki.operatorCert, cp.pki.operatorKey); err != nil {
		return err
	}
	kcmKubeconfig := filepath.Join(cp.dir, "controller-manager.kubeconfig")
	if err := cp.writeKubeconfig(kcmKubeconfig, "system:kube-controller-manager", cp.pki.kcmCert, cp.pki.kcmKey); err != nil {
		return err
	}

	kcmArgs := []string{
		"--kubeconfig=" + kcmKubeconfig,
		"--authentication-kubeconfig=" + kcmKubeconfig,
		"--authorization-kubeconfig=" + kcmKubeconfig,
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(kcmPort),
		"--cert-dir=" + filepath.Join(cp.dir, "controller-manager-certs"),
		// its FlexVolume prober creates this directory; the default is under /usr/libexec
		"--flex-volume-plugin-dir=" + filepath.Join(cp.dir, "controller-manager-flexvolume"),
		"--service-account-private-key-file=" + cp.pki.saKey,
		"--root-ca-file=" + cp.pki.caCert,
		"--use-service-account-credentials=true",
		"--leader-elect=false",
		"--controllers=*",
		"--v=1",
	}
	if err := cp.launch("kube-controller-manager", append(kcmArgs, cp.opts.kcmArgs...)...); err != nil {
		return err
	}
	insecure := &tls.Config{InsecureSkipVerify: true} // its serving certificate is self-signed at start
	if err := cp.waitHealthy(ctx, "kube-controller-manager", fmt.Sprintf("https://127.0.0.1:%d/healthz", kcmPort), insecure); err != nil {
		return err
	}
	if err := cp.startNodeComponents(ctx, adminTLS); err != nil {
		return err
	}

	for _, crds := range cp.opts.crdDirs {
		if err := cp.installCRDs(ctx, crds); err != nil {
			return err
		}
	}
	return nil
}

// auditPolicy records who changed what (no request bodies, so no secrets): tests
// count write requests from it to prove an idle reconcile writes nothing.
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: Metadata
  verbs: ["create", "update", "patch", "delete", "deletecollection"]
- level: None
`

func (cp *controlPlane) launch(name string, args ...string) error {
	return cp.launchPath(name, filepath.Join(cp.opts.binDir, name), args...)
}

func (cp *controlPlane) launchPath(name, bin string, args ...string) error {
	return cp.launchWith(name, bin, launchSettings{}, args...)
}

// launchSettings are what a component may need beyond its arguments (the ingress controller:
// an environment of its own and a working directory).
type launchSettings struct {
	env       []string // nil: the harness's environment
	dir       string   // "": the harness's working directory
	appendLog bool     // a restart: append to the component's log
}

func (cp *controlPlane) launchWith(name, bin string, settings launchSettings, args ...string) error {
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("%s binary: %w (build it with e2e/build-controlplane.sh or e2e/build-node.sh)", name, err)
	}
	logPath := filepath.Join(cp.dir, "logs", name+".log")
	flags := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
	if settings.appendLog {
		flags = os.O_CREATE | os.O_WRONLY | os.O_APPEND
	}
	logFile, err := os.OpenFile(logPath, flags, 0o600)
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Env, cmd.Dir = settings.env, settings.dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return fmt.Errorf("start %s: %w", name, err)
	}
	c := &component{name: name, cmd: cmd, logPath: logPath, done: make(chan struct{}), bin: bin, args: args, settings: settings}
	cp.components = append(cp.components, c)
	cp.recordProcess(name, cmd.Process.Pid)
	go func() {
		c.err = cmd.Wait()
		logFile.Close()
		close(c.done)
		cp.mu.Lock()
		stopping := cp.stopping || c.stopped
		cp.mu.Unlock()
		if !stopping {
			cp.crashed <- crash{name: name, err: c.err, logPath: logPath}
		}
	}()
	return nil
}

func (cp *controlPlane) waitHealthy(ctx context.Context, name, url string, tlsConfig *tls.Config) error {
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsConfig}}
	deadline := time.Now().Add(cp.opts.startTimeout)
	var last string
	for time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case c := <-cp.crashed:
			return fmt.Errorf("%s exited while starting: %v\n%s", c.name, c.err, tail(c.logPath, 40))
		default:
		}
		resp, err := client.Get(url)
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Sprintf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(body)))
		} else {
			last = err.Error()
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("%s not ready after %s (last answer: %s)\n%s", name, cp.opts.startTimeout, last,
		tail(filepath.Join(cp.dir, "logs", name+".log"), 40))
}

func (cp *controlPlane) clientTLS(certPath, keyPath string) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(cp.pki.ca)
	return &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: pool}, nil
}

func (cp *controlPlane) writeKubeconfig(path, user, certPath, keyPath string) error {
	read := func(p string) (string, error) {
		b, err := os.ReadFile(p)
		return base64.StdEncoding.EncodeToString(b), err
	}
	ca, err := read(cp.pki.caCert)
	if err != nil {
		return err
	}
	cert, err := read(certPath)
	if err != nil {
		return err
	}
	key, err := read(keyPath)
	if err != nil {
		return err
	}
	content := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: slipway-local
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: %s
  user:
    client-certificate-data: %s
    client-key-data: %s
contexts:
- name: slipway-local
  context:
    cluster: slipway-local
    user: %s
    namespace: default
current-context: slipway-local
`, cp.apiserverURL, ca, user, cert, key, user)
	return os.WriteFile(path, []byte(content), 0o600)
}

func (cp *controlPlane) installCRDs(ctx context.Context, path string) error {
	kubectl := filepath.Join(cp.opts.binDir, "kubectl")
	apply := exec.CommandContext(ctx, kubectl, "--kubeconfig="+cp.kubeconfig, "apply", "--server-side", "--force-conflicts", "-f", path)
	if out, err := apply.CombinedOutput(); err != nil {
		return fmt.Errorf("install CRDs from %s: %v\n%s", path, err, out)
	}
	wait := exec.CommandContext(ctx, kubectl, "--kubeconfig="+cp.kubeconfig, "wait", "--for=condition=Established", "--timeout=60s", "-f", path)
	if out, err := wait.CombinedOutput(); err != nil {
		return fmt.Errorf("CRDs from %s not established: %v\n%s", path, err, out)
	}
	return nil
}

// stopAll stops components in reverse start order: SIGTERM, then SIGKILL after a grace period.
func (cp *controlPlane) stopAll() {
	cp.mu.Lock()
	cp.stopping = true
	cp.mu.Unlock()
	for i := len(cp.components) - 1; i >= 0; i-- {
		c := cp.components[i]
		select {
		case <-c.done:
			continue
		default:
		}
		if c.name == "containerd" && cp.node != nil {
			cp.removePods()
		}
		_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-c.done:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
			<-c.done
		}
	}
	_ = os.Remove(filepath.Join(cp.dir, "ready"))
}

func freePorts(n int) ([]int, error) {
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		listeners = append(listeners, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func tail(path string, lines int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return ""
		}
		return err.Error()
	}
	all := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return "--- last lines of " + path + " ---\n" + strings.Join(all, "\n")
}

// restartOnSignals lets a test take the API server away while etcd keeps its data: SIGUSR1 stops
// kube-apiserver (SIGTERM, then SIGKILL after 10 s) and prints "STOPPED kube-apiserver"; SIGUSR2
// starts it again with the same flags, waits until it is ready and prints "STARTED kube-apiserver".
func (cp *controlPlane) restartOnSignals(ctx context.Context) {
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGUSR1, syscall.SIGUSR2)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case s := <-signals:
				var err error
				if s == syscall.SIGUSR1 {
					err = cp.stopComponent("kube-apiserver")
					if err == nil {
						fmt.Println("STOPPED kube-apiserver")
					}
				} else {
					err = cp.startAgain(ctx, "kube-apiserver")
					if err == nil {
						fmt.Println("STARTED kube-apiserver")
					}
				}
				if err != nil {
					fmt.Printf("RESTART-FAILED %v\n", err)
				}
			}
		}
	}()
}

func (cp *controlPlane) latest(name string) *component {
	for i := len(cp.components) - 1; i >= 0; i-- {
		if cp.components[i].name == name {
			return cp.components[i]
		}
	}
	return nil
}

func (cp *controlPlane) stopComponent(name string) error {
	cp.mu.Lock()
	c := cp.latest(name)
	if c != nil {
		c.stopped = true
	}
	cp.mu.Unlock()
	if c == nil {
		return fmt.Errorf("no %s", name)
	}
	_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
		<-c.done
	}
	return nil
}

func (cp *controlPlane) startAgain(ctx context.Context, name string) error {
	cp.mu.Lock()
	c := cp.latest(name)
	cp.mu.Unlock()
	if c == nil {
		return fmt.Errorf("no %s", name)
	}
	select {
	case <-c.done:
	default:
		return fmt.Errorf("%s is running", name)
	}
	settings := c.settings
	settings.appendLog = true
	cp.mu.Lock()
	err := cp.launchWith(name, c.bin, settings, c.args...)
	cp.mu.Unlock()
	if err != nil {
		return err
	}
	adminTLS, err := cp.clientTLS(cp.pki.adminCert, cp.pki.adminKey)
	if err != nil {
		return err
	}
	return cp.waitHealthy(ctx, name, cp.apiserverURL+"/readyz", adminTLS)
}
