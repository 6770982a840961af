package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// certs are the files of a throw-away certificate authority, laid out as k3s lays out its own
// (/var/lib/rancher/k3s/server/tls) so that a reader of the container finds them where k3s has them.
type certs struct {
	dir                   string
	ca                    *x509.Certificate
	caKey                 *ecdsa.PrivateKey
	caCert                string
	serverCert, serverKey string
	adminCert, adminKey   string // system:admin in system:masters, as in k3s's k3s.yaml
	kcmCert, kcmKey       string // system:kube-controller-manager, so the bootstrap RBAC roles apply
	saKey, saPub          string
}

// newCerts issues the serving certificate for every name and address in sans (the --tls-san
// values, the container's addresses and the in-cluster names), and the client identities.
func newCerts(dir string, dnsNames []string, ips []net.IP) (*certs, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	f := func(name string) string { return filepath.Join(dir, name) }
	c := &certs{dir: dir, caCert: f("server-ca.crt"),
		serverCert: f("serving-kube-apiserver.crt"), serverKey: f("serving-kube-apiserver.key"),
		adminCert: f("client-admin.crt"), adminKey: f("client-admin.key"),
		kcmCert: f("client-controller.crt"), kcmKey: f("client-controller.key"),
		saKey: f("service.key"), saPub: f("service.pub")}
	if err := c.generateCA(); err != nil {
		return nil, err
	}
	issues := []struct {
		t         *x509.Certificate
		cert, key string
	}{
		{&x509.Certificate{Subject: pkix.Name{CommonName: "kube-apiserver"}, DNSNames: dnsNames, IPAddresses: ips,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, c.serverCert, c.serverKey},
		{&x509.Certificate{Subject: pkix.Name{CommonName: "system:admin", Organization: []string{"system:masters"}},
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, c.adminCert, c.adminKey},
		{&x509.Certificate{Subject: pkix.Name{CommonName: "system:kube-controller-manager"},
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, c.kcmCert, c.kcmKey},
	}
	for _, i := range issues {
		if err := c.issue(i.t, i.cert, i.key); err != nil {
			return nil, err
		}
	}
	return c, c.generateServiceAccountKey()
}

func (c *certs) generateCA() error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	template := &x509.Certificate{
		SerialNumber: serial(), Subject: pkix.Name{CommonName: "k3s-compat-server-ca"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(7 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		return err
	}
	if c.ca, err = x509.ParseCertificate(der); err != nil {
		return err
	}
	c.caKey = key
	return writePEM(c.caCert, "CERTIFICATE", der)
}

func (c *certs) issue(template *x509.Certificate, certPath, keyPath string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	template.SerialNumber = serial()
	template.NotBefore, template.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(7*24*time.Hour)
	template.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
	der, err := x509.CreateCertificate(rand.Reader, template, c.ca, &key.PublicKey, c.caKey)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	if err := writePEM(certPath, "CERTIFICATE", der); err != nil {
		return err
	}
	return writePEM(keyPath, "EC PRIVATE KEY", keyDER)
}

func (c *certs) generateServiceAccountKey() error {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return err
	}
	if err := writePEM(c.saKey, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key)); err != nil {
		return err
	}
	return writePEM(c.saPub, "PUBLIC KEY", pub)
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
