// Command k3s-compat is the entry program of slipway/k3s-compat, a stand-in for the rancher/k3s
// image where no k3s can be had. It accepts the command line Testcontainers' K3sContainer gives
// k3s ("server --disable=traefik --tls-san=HOST"), starts the upstream etcd, kube-apiserver and
// kube-controller-manager the local control plane uses (e2e/build-controlplane.sh), with the API
// server on :6443 and a serving certificate for every --tls-san, writes the administrator's
// kubeconfig to /etc/rancher/k3s/k3s.yaml as k3s does, and then prints the line K3sContainer
// waits for. It is not k3s: no kine (plain etcd), no kubelet (no node, pods stay Pending), no
// flannel, CoreDNS, Traefik, servicelb, local-path provisioner or metrics-server.
//
// It needs no privilege: no mounts, no cgroups, no network changes; every file is under
// /var/lib/rancher/k3s and /etc/rancher/k3s.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

const (
	binDir       = "/bin"
	serverDir    = "/var/lib/rancher/k3s/server"
	kubeconfig   = "/etc/rancher/k3s/k3s.yaml"
	apiPort      = 6443           // K3sContainer maps this one
	serviceCIDR  = "10.43.0.0/16" // k3s's default
	serviceIP    = "10.43.0.1"
	startTimeout = 3 * time.Minute
	// K3sContainer's wait strategy is the regular expression ".*Node controller sync successful.*".
	readyLine = "Node controller sync successful"
)

// what the stand-in is, printed first so that every container log says it
const banner = `k3s-compat: slipway/k3s-compat, a stand-in for rancher/k3s (not k3s): upstream etcd, kube-apiserver and
k3s-compat: kube-controller-manager behind k3s's command line, kubeconfig path and port. Not here: kine, a kubelet
k3s-compat: (no node: pods stay Pending), flannel, CoreDNS, Traefik, servicelb, local-path, metrics-server.`

func say(format string, args ...any) { fmt.Printf("k3s-compat: "+format+"\n", args...) }

func main() {
	if len(os.Args) < 2 || os.Args[1] != "server" {
		fmt.Fprintf(os.Stderr, "k3s-compat: only 'server' is supported (got %q): this stand-in runs a control plane, no agent\n", os.Args[1:])
		os.Exit(2)
	}
	fmt.Println(banner)
	sans, ignored := parseServerArgs(os.Args[2:])
	for _, a := range ignored {
		say("ignored %s (nothing of k3s's here to apply it to)", a)
	}
	os.Exit(run(sans))
}

// parseServerArgs takes the --tls-san values (repeatable, comma-separated as k3s allows; also
// "--tls-san VALUE") and returns every other argument as ignored.
func parseServerArgs(args []string) (sans []string, ignored []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case strings.HasPrefix(a, "--tls-san="):
			sans = append(sans, splitList(strings.TrimPrefix(a, "--tls-san="))...)
		case a == "--tls-san" && i+1 < len(args):
			i++
			sans = append(sans, splitList(args[i])...)
		default:
			ignored = append(ignored, a)
		}
	}
	return sans, ignored
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// servingNames are what the API server's certificate covers: the --tls-san values, the
// container's host name and addresses, loopback and the in-cluster names of the API server.
func servingNames(sans []string) ([]string, []net.IP) {
	dns := []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"}
	ips := []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP(serviceIP)}
	if host, err := os.Hostname(); err == nil && host != "" {
		dns = append(dns, host)
	}
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() {
				ips = append(ips, n.IP)
			}
		}
	}
	for _, s := range sans {
		if ip := net.ParseIP(s); ip != nil {
			ips = append(ips, ip)
		} else {
			dns = append(dns, s)
		}
	}
	return unique(dns, func(s string) string { return s }), unique(ips, net.IP.String)
}

func unique[T any](items []T, key func(T) string) []T {
	seen := map[string]bool{}
	var out []T
	for _, item := range items {
		if k := key(item); !seen[k] {
			seen[k] = true
			out = append(out, item)
		}
	}
	return out
}

// advertiseAddress is the container's first IPv4 address (kube-apiserver needs one to publish in
// the 'kubernetes' Endpoints), loopback when it has none.
func advertiseAddress() string {
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
				return n.IP.String()
			}
		}
	}
	return "127.0.0.1"
}

type component struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	done    chan error
}

func run(sans []string) int {
	started := time.Now()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	logs := filepath.Join(serverDir, "logs")
	if err := os.MkdirAll(logs, 0o700); err != nil {
		return fail("%v", err)
	}
	dns, ips := servingNames(sans)
	c, err := newCerts(filepath.Join(serverDir, "tls"), dns, ips)
	if err != nil {
		return fail("certificates: %v", err)
	}
	say("serving certificate for %s", strings.Join(append(dns, ipStrings(ips)...), ", "))

	var components []*component
	defer func() {
		for i := len(components) - 1; i >= 0; i-- {
			components[i].stop()
		}
	}()
	crashed := make(chan *component, 4)
	launch := func(name string, args ...string) error {
		comp, err := start(name, filepath.Join(logs, name+".log"), args, crashed)
		if err == nil {
			components = append(components, comp)
		}
		return err
	}

	etcdURL := "http://127.0.0.1:2379"
	if err := launch("etcd", "--name=default", "--data-dir="+filepath.Join(serverDir, "db", "etcd"),
		"--listen-client-urls="+etcdURL, "--advertise-client-urls="+etcdURL,
		"--listen-peer-urls=http://127.0.0.1:2380", "--initial-advertise-peer-urls=http://127.0.0.1:2380",
		"--initial-cluster=default=http://127.0.0.1:2380", "--unsafe-no-fsync=true", "--log-level=warn"); err != nil {
		return fail("%v", err)
	}
	if err := waitOK(ctx, crashed, "etcd", etcdURL+"/health", nil); err != nil {
		return fail("%v", err)
	}
	if err := launch("kube-apiserver",
		"--etcd-servers="+etcdURL,
		"--bind-address=0.0.0.0",
		"--advertise-address="+advertiseAddress(),
		fmt.Sprintf("--secure-port=%d", apiPort),
		"--tls-cert-file="+c.serverCert, "--tls-private-key-file="+c.serverKey,
		"--client-ca-file="+c.caCert,
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file="+c.saPub, "--service-account-signing-key-file="+c.saKey,
		"--service-cluster-ip-range="+serviceCIDR,
		"--authorization-mode=Node,RBAC",
		"--allow-privileged=true",
		"--profiling=false",
		"--cert-dir="+filepath.Join(serverDir, "tls", "temporary-certs"),
		"--v=1"); err != nil {
		return fail("%v", err)
	}
	admin, err := clientTLS(c, c.adminCert, c.adminKey)
	if err != nil {
		return fail("%v", err)
	}
	apiURL := fmt.Sprintf("https://127.0.0.1:%d", apiPort)
	if err := waitOK(ctx, crashed, "kube-apiserver", apiURL+"/readyz", admin); err != nil {
		return fail("%v", err)
	}
	// written before the line K3sContainer waits for, since it copies the file right after it
	if err := os.MkdirAll(filepath.Dir(kubeconfig), 0o755); err != nil {
		return fail("%v", err)
	}
	if err := writeKubeconfig(kubeconfig, apiURL, c, c.adminCert, c.adminKey); err != nil {
		return fail("kubeconfig: %v", err)
	}
	kcmConfig := filepath.Join(serverDir, "cred", "controller.kubeconfig")
	if err := os.MkdirAll(filepath.Dir(kcmConfig), 0o700); err != nil {
		return fail("%v", err)
	}
	if err := writeKubeconfig(kcmConfig, apiURL, c, c.kcmCert, c.kcmKey); err != nil {
		return fail("kubeconfig: %v", err)
	}
	if err := launch("kube-controller-manager",
		"--kubeconfig="+kcmConfig, "--authentication-kubeconfig="+kcmConfig, "--authorization-kubeconfig="+kcmConfig,
		"--bind-address=127.0.0.1", "--secure-port=10257",
		"--cert-dir="+filepath.Join(serverDir, "tls", "controller-manager"),
		"--flex-volume-plugin-dir="+filepath.Join(serverDir, "flexvolume"),
		"--service-account-private-key-file="+c.saKey, "--root-ca-file="+c.caCert,
		"--use-service-account-credentials=true", "--leader-elect=false", "--controllers=*", "--v=1"); err != nil {
		return fail("%v", err)
	}
	insecure := &tls.Config{InsecureSkipVerify: true} // its serving certificate is self-signed at start
	if err := waitOK(ctx, crashed, "kube-controller-manager", "https://127.0.0.1:10257/healthz", insecure); err != nil {
		return fail("%v", err)
	}
	// The controller manager is working once it gave the default namespace its ServiceAccount.
	if err := waitOK(ctx, crashed, "the default ServiceAccount", apiURL+"/api/v1/namespaces/default/serviceaccounts/default", admin); err != nil {
		return fail("%v", err)
	}
	say("kube-apiserver on :%d, kube-controller-manager and etcd ready after %.1fs; kubeconfig in %s",
		apiPort, time.Since(started).Seconds(), kubeconfig)
	// the one line matching K3sContainer's wait strategy, saying that no node is behind it
	say("no node runs here (no kubelet); K3sContainer waits for this line: %s", readyLine)

	select {
	case <-ctx.Done():
		say("stopping")
		return 0
	case comp := <-crashed:
		return fail("%s exited unexpectedly\n%s", comp.name, tail(comp.logPath, 40))
	}
}

func start(name, logPath string, args []string, crashed chan<- *component) (*component, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(filepath.Join(binDir, name), args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	c := &component{name: name, cmd: cmd, logPath: logPath, done: make(chan error, 1)}
	go func() {
		err := cmd.Wait()
		logFile.Close()
		c.done <- err
		close(c.done)
		crashed <- c
	}()
	return c, nil
}

// stop: SIGTERM, then SIGKILL after 10 s.
func (c *component) stop() {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

func waitOK(ctx context.Context, crashed <-chan *component, name, url string, tlsConfig *tls.Config) error {
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsConfig}}
	deadline := time.Now().Add(startTimeout)
	last := ""
	for time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case comp := <-crashed:
			return fmt.Errorf("%s exited while starting\n%s", comp.name, tail(comp.logPath, 40))
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
	return fmt.Errorf("%s not ready after %s (last answer: %s)", name, startTimeout, last)
}

func clientTLS(c *certs, certPath, keyPath string) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(c.ca)
	return &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: pool}, nil
}

// writeKubeconfig writes what k3s writes: cluster, user and context all named "default".
func writeKubeconfig(path, server string, c *certs, certPath, keyPath string) error {
	var data [3]string
	for i, p := range []string{c.caCert, certPath, keyPath} {
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		data[i] = base64.StdEncoding.EncodeToString(b)
	}
	content := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: %s
    server: %s
  name: default
contexts:
- context:
    cluster: default
    user: default
  name: default
current-context: default
preferences: {}
users:
- name: default
  user:
    client-certificate-data: %s
    client-key-data: %s
`, data[0], server, data[1], data[2])
	return os.WriteFile(path, []byte(content), 0o600)
}

func ipStrings(ips []net.IP) []string {
	out := make([]string, len(ips))
	for i, ip := range ips {
		out[i] = ip.String()
	}
	return out
}

func tail(path string, lines int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	all := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return "--- last lines of " + path + " ---\n" + strings.Join(all, "\n")
}

func fail(format string, args ...any) int {
	fmt.Fprintf(os.Stderr, "k3s-compat: "+format+"\n", args...)
	return 1
}
