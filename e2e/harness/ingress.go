package main

// The node's ingress controller (-node): Traefik v3, built from github.com/traefik/traefik/v3 by
// e2e/build-node.sh, as a host process (like CoreDNS) on the node IP, with its Kubernetes Ingress
// provider and nothing else. This machine and the pods reach it on the node IP; it forwards to
// pod IPs over the node's bridge. Settings and their reasons: e2e/node/README.md.

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

const (
	ingressClassName      = "traefik"
	ingressControllerName = "traefik.io/ingress-controller" // what Traefik's provider looks for in IngressClasses
	ingressUser           = "slipway-ingress-traefik"       // its client certificate's CN, no group
	ingressRole           = "slipway:ingress-controller"
	// the readiness canary: an Ingress whose Service has no endpoints answers 503 once Traefik
	// has seen it (allowEmptyServices); deleted again once seen
	ingressCanaryNamespace = "kube-system"
	ingressCanaryName      = "slipway-ingress-ready"
	ingressCanaryHost      = "ingress-ready.slipway.invalid"
)

func (n *nodeRuntime) ingressHTTPAddr() string {
	return net.JoinHostPort(n.opts.ip, strconv.Itoa(n.opts.ingressHTTPPort))
}

func (n *nodeRuntime) ingressHTTPSAddr() string {
	return net.JoinHostPort(n.opts.ip, strconv.Itoa(n.opts.ingressHTTPSPort))
}

// ingressReadyFields: the READY line's ingress fields.
func (n *nodeRuntime) ingressReadyFields() string {
	if !n.opts.ingress {
		return ""
	}
	f := fmt.Sprintf(" ingress=%s ingress-class=%s", n.ingressHTTPAddr(), ingressClassName)
	if n.opts.ingressHTTPSPort > 0 {
		f += " ingress-https=" + n.ingressHTTPSAddr()
	}
	return f
}

// ingressRBAC is what Traefik's Kubernetes Ingress provider reads (all through informers: list
// and watch) and writes (the Ingresses' status), and the IngressClass it serves. Secrets are
// read cluster-wide because an Ingress's TLS section names one in its own namespace; Nodes
// because the provider's cluster-scope informer watches them with the IngressClasses.
const ingressRBAC = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: %[1]s
rules:
- apiGroups: [""]
  resources: [services, secrets, nodes]
  verbs: [list, watch]
- apiGroups: [discovery.k8s.io]
  resources: [endpointslices]
  verbs: [list, watch]
- apiGroups: [networking.k8s.io]
  resources: [ingresses, ingressclasses]
  verbs: [list, watch]
- apiGroups: [networking.k8s.io]
  resources: [ingresses/status]
  verbs: [update]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: %[1]s
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: %[1]s}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: %[2]s}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: %[3]s
spec:
  controller: %[4]s
`

const ingressCanary = `apiVersion: v1
kind: Service
metadata: {name: %[1]s, namespace: %[2]s}
spec:
  ports: [{port: 80}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: %[1]s, namespace: %[2]s}
spec:
  ingressClassName: %[3]s
  rules:
  - host: %[4]s
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: %[1]s, port: {number: 80}}}}
`

// startIngress gives Traefik an identity of its own (a client certificate, RBAC for what its
// provider reads), creates the IngressClass, starts it with a static configuration file, and
// waits until it routes: its ping answers and a canary Ingress made for the purpose answers.
func (cp *controlPlane) startIngress(ctx context.Context) error {
	n := cp.node
	if n == nil || !n.opts.ingress {
		return nil
	}
	started := time.Now()
	bin := filepath.Join(cp.opts.binDir, "traefik")
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("the ingress controller: %w (e2e/build-node.sh builds it into the bundle's bin/; -ingress=false runs the node without one)", err)
	}
	dir := n.path("traefik")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	cert, key := filepath.Join(cp.pki.dir, "ingress-traefik.crt"), filepath.Join(cp.pki.dir, "ingress-traefik.key")
	if err := cp.pki.issue(&x509.Certificate{Subject: pkix.Name{CommonName: ingressUser},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, cert, key); err != nil {
		return fmt.Errorf("certificate %s: %w", ingressUser, err)
	}
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := cp.writeKubeconfig(kubeconfig, ingressUser, cert, key); err != nil {
		return err
	}
	if err := cp.kubectlApply(ctx, filepath.Join(dir, "rbac.yaml"),
		fmt.Sprintf(ingressRBAC, ingressRole, ingressUser, ingressClassName, ingressControllerName)); err != nil {
		return fmt.Errorf("the ingress controller's RBAC and IngressClass: %w", err)
	}

	ports, err := freePorts(1)
	if err != nil {
		return err
	}
	pingAddr := "127.0.0.1:" + strconv.Itoa(ports[0])
	websecure := ""
	if n.opts.ingressHTTPSPort > 0 {
		// every router on it is served with TLS: the certificate of the Ingress's TLS Secret
		// when it names one, Traefik's generated default certificate otherwise
		websecure = fmt.Sprintf(`  websecure:
    address: "%s"
    http: {tls: {}}
    transport: {lifeCycle: {graceTimeOut: 2s}}
`, n.ingressHTTPSAddr())
	}
	cfg := filepath.Join(dir, "traefik.yaml")
	// A configuration file, not flags: Traefik reads the first file it finds (/etc/traefik/, the
	// working directory...) and then ignores flags and TRAEFIK_* variables; naming ours wins.
	if err := writeFile(cfg, fmt.Sprintf(`# written by e2e/harness (-node): the node's ingress controller
global:
  checkNewVersion: false
  sendAnonymousUsage: false
entryPoints:
  web:
    address: "%[1]s"
    transport: {lifeCycle: {graceTimeOut: 2s}}
%[2]s  traefik:
    address: "%[3]s"
ping:
  entryPoint: traefik
providers:
  kubernetesIngress:
    ingressClass: %[4]s
    allowEmptyServices: true
    ingressEndpoint: {ip: "%[5]s"}
log:
  level: INFO
  noColor: true
accessLog:
  filePath: "%[6]s"
`, n.ingressHTTPAddr(), websecure, pingAddr, ingressClassName, n.opts.ip, filepath.Join(cp.dir, "logs", "traefik-access.log"))); err != nil {
		return err
	}
	// a clean environment: the provider's client reads KUBECONFIG (client certificates work that
	// way; its endpoint/token settings take a bearer token only), and no proxy variable may send
	// a request elsewhere
	env := []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "KUBECONFIG=" + kubeconfig}
	if err := cp.launchWith("traefik", bin, launchSettings{env: env, dir: dir}, "--configFile="+cfg); err != nil {
		return err
	}
	if err := cp.waitHealthy(ctx, "traefik", "http://"+pingAddr+"/ping", nil); err != nil {
		return err
	}

	canary := filepath.Join(dir, "canary.yaml")
	if err := cp.kubectlApply(ctx, canary, fmt.Sprintf(ingressCanary, ingressCanaryName, ingressCanaryNamespace, ingressClassName, ingressCanaryHost)); err != nil {
		return fmt.Errorf("the ingress controller's readiness canary: %w", err)
	}
	client := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	if err := cp.waitFor(ctx, "the ingress controller to route", func() error {
		return expectStatus(client, "http://"+n.ingressHTTPAddr()+"/", ingressCanaryHost, http.StatusServiceUnavailable)
	}); err != nil {
		return fmt.Errorf("%w\n%s", err, tail(filepath.Join(cp.dir, "logs", "traefik.log"), 40))
	}
	del := exec.CommandContext(ctx, filepath.Join(cp.opts.binDir, "kubectl"), "--kubeconfig="+cp.kubeconfig, "delete", "--wait=false", "-f", canary)
	if out, err := del.CombinedOutput(); err != nil {
		return fmt.Errorf("delete the ingress canary: %v\n%s", err, out)
	}
	fmt.Printf("ingress controller traefik ready on %s in %.1fs\n", n.ingressHTTPAddr(), time.Since(started).Seconds())
	return nil
}

func (cp *controlPlane) kubectlApply(ctx context.Context, path, manifest string) error {
	if err := writeFile(path, manifest); err != nil {
		return err
	}
	apply := exec.CommandContext(ctx, filepath.Join(cp.opts.binDir, "kubectl"), "--kubeconfig="+cp.kubeconfig, "apply", "-f", path)
	if out, err := apply.CombinedOutput(); err != nil {
		return fmt.Errorf("kubectl apply -f %s: %v\n%s", path, err, out)
	}
	return nil
}

func expectStatus(client *http.Client, url, host string, want int) error {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Host = host
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != want {
		return fmt.Errorf("Host %s: HTTP %d (want %d): %s", host, resp.StatusCode, want, body)
	}
	return nil
}
