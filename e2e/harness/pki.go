package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// pki holds the files of a throw-away certificate authority for one control plane.
type pki struct {
	dir          string
	caCert       string
	serverCert   string
	serverKey    string
	adminCert    string
	adminKey     string
	kcmCert      string
	kcmKey       string
	operatorCert string
	operatorKey  string
	saKey        string
	saPub        string
	ca           *x509.Certificate
	caPrivateKey *ecdsa.PrivateKey
}

func newPKI(dir string, extraIPs ...net.IP) (*pki, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	p := &pki{
		dir:          dir,
		caCert:       filepath.Join(dir, "ca.crt"),
		serverCert:   filepath.Join(dir, "apiserver.crt"),
		serverKey:    filepath.Join(dir, "apiserver.key"),
		adminCert:    filepath.Join(dir, "admin.crt"),
		adminKey:     filepath.Join(dir, "admin.key"),
		kcmCert:      filepath.Join(dir, "controller-manager.crt"),
		kcmKey:       filepath.Join(dir, "controller-manager.key"),
		operatorCert: filepath.Join(dir, "operator.crt"),
		operatorKey:  filepath.Join(dir, "operator.key"),
		saKey:        filepath.Join(dir, "service-account.key"),
		saPub:        filepath.Join(dir, "service-account.pub"),
	}
	if err := p.generateCA(); err != nil {
		return nil, fmt.Errorf("certificate authority: %w", err)
	}
	server := &x509.Certificate{
		Subject:     pkix.Name{CommonName: "kube-apiserver"},
		DNSNames:    []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"},
		IPAddresses: append([]net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("10.96.0.1")}, extraIPs...),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if err := p.issue(server, p.serverCert, p.serverKey); err != nil {
		return nil, fmt.Errorf("serving certificate: %w", err)
	}
	admin := &x509.Certificate{
		Subject:     pkix.Name{CommonName: "slipway-admin", Organization: []string{"system:masters"}},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if err := p.issue(admin, p.adminCert, p.adminKey); err != nil {
		return nil, fmt.Errorf("admin certificate: %w", err)
	}
	// The controller manager authenticates as itself, as kubeadm sets it up, so the
	// bootstrap RBAC roles apply to it and to the per-controller service accounts.
	kcm := &x509.Certificate{
		Subject:     pkix.Name{CommonName: "system:kube-controller-manager"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if err := p.issue(kcm, p.kcmCert, p.kcmKey); err != nil {
		return nil, fmt.Errorf("controller-manager certificate: %w", err)
	}
	// A separate identity for an operator under test, so the audit log tells its requests
	// apart from the test's own. Full rights for now; least privilege is the chart's RBAC.
	operator := &x509.Certificate{
		Subject:     pkix.Name{CommonName: "slipway-operator", Organization: []string{"system:masters"}},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if err := p.issue(operator, p.operatorCert, p.operatorKey); err != nil {
		return nil, fmt.Errorf("operator certificate: %w", err)
	}
	if err := p.generateServiceAccountKey(); err != nil {
		return nil, fmt.Errorf("service-account key: %w", err)
	}
	return p, nil
}

func (p *pki) generateCA() error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	template := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "slipway-local-ca"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(7 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		return err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return err
	}
	p.ca, p.caPrivateKey = cert, key
	if err := writePEM(p.caCert, "CERTIFICATE", der); err != nil {
		return err
	}
	return nil
}

func (p *pki) issue(template *x509.Certificate, certPath, keyPath string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	template.SerialNumber = serial()
	template.NotBefore = time.Now().Add(-time.Hour)
	template.NotAfter = time.Now().Add(7 * 24 * time.Hour)
	template.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
	der, err := x509.CreateCertificate(rand.Reader, template, p.ca, &key.PublicKey, p.caPrivateKey)
	if err != nil {
		return err
	}
	if err := writePEM(certPath, "CERTIFICATE", der); err != nil {
		return err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	return writePEM(keyPath, "EC PRIVATE KEY", keyDER)
}

func (p *pki) generateServiceAccountKey() error {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	if err := writePEM(p.saKey, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key)); err != nil {
		return err
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return err
	}
	return writePEM(p.saPub, "PUBLIC KEY", pub)
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		panic(err)
	}
	return n
}

func writePEM(path, blockType string, der []byte) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der}), 0o600)
}

// nodeCerts are the identities of a real node's components, issued from the same CA.
type nodeCerts struct {
	kubeletCert, kubeletKey                   string // system:node:<name>, O=system:nodes (Node authorizer)
	kubeletServingCert, kubeletServingKey     string // the kubelet's HTTPS endpoint (logs, exec)
	apiserverKubeletCert, apiserverKubeletKey string // the API server as a client of the kubelet
	proxyCert, proxyKey                       string // system:kube-proxy
	schedulerCert, schedulerKey               string // system:kube-scheduler
}

func (p *pki) issueNodeCerts(nodeName string, nodeIP net.IP) (*nodeCerts, error) {
	f := func(name string) (string, string) {
		return filepath.Join(p.dir, name+".crt"), filepath.Join(p.dir, name+".key")
	}
	n := &nodeCerts{}
	n.kubeletCert, n.kubeletKey = f("kubelet")
	n.kubeletServingCert, n.kubeletServingKey = f("kubelet-serving")
	n.apiserverKubeletCert, n.apiserverKubeletKey = f("apiserver-kubelet-client")
	n.proxyCert, n.proxyKey = f("kube-proxy")
	n.schedulerCert, n.schedulerKey = f("kube-scheduler")
	client := func(cn string, orgs ...string) *x509.Certificate {
		return &x509.Certificate{Subject: pkix.Name{CommonName: cn, Organization: orgs}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	}
	issues := []struct {
		t         *x509.Certificate
		cert, key string
	}{
		{client("system:node:"+nodeName, "system:nodes"), n.kubeletCert, n.kubeletKey},
		{&x509.Certificate{Subject: pkix.Name{CommonName: nodeName}, DNSNames: []string{nodeName, "localhost"},
			IPAddresses: []net.IP{nodeIP, net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}},
			n.kubeletServingCert, n.kubeletServingKey},
		{client("kube-apiserver-kubelet-client", "system:masters"), n.apiserverKubeletCert, n.apiserverKubeletKey},
		{client("system:kube-proxy"), n.proxyCert, n.proxyKey},
		{client("system:kube-scheduler"), n.schedulerCert, n.schedulerKey},
	}
	for _, i := range issues {
		if err := p.issue(i.t, i.cert, i.key); err != nil {
			return nil, fmt.Errorf("certificate %s: %w", i.t.Subject.CommonName, err)
		}
	}
	return n, nil
}
