package gateway_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hcgw/hcgw/config"
	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/internal/testkit"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/verify"
)

// testCA makes a CA and certificates it signs, written as PEM files.
type testCA struct {
	t    *testing.T
	dir  string
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newTestCA(t *testing.T, dir string) *testCA {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "hcgw test federation CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	ca := &testCA{t: t, dir: dir, cert: cert, key: key}
	ca.write("ca.pem", "CERTIFICATE", der)
	return ca
}

func (ca *testCA) write(name, typ string, der []byte) string {
	p := filepath.Join(ca.dir, name)
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		ca.t.Fatal(err)
	}
	return p
}

// issue writes a leaf certificate and key for name (127.0.0.1 as server).
func (ca *testCA) issue(name string, serial int64) (certPath, keyPath string) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}, KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		ca.t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	return ca.write(name+".pem", "CERTIFICATE", der), ca.write(name+".key", "EC PRIVATE KEY", kder)
}

// Two gateways over mutual TLS: Shanghai asks Zhejiang over HTTPS with its
// client certificate; a caller without one is refused at the federation
// endpoint (the other endpoints keep their bearer tokens).
func TestMutualTLSBetweenPeers(t *testing.T) {
	dir := t.TempDir()
	ca := newTestCA(t, dir)
	zjCert, zjKey := ca.issue("zj", 2)
	shCert, shKey := ca.issue("sh", 3)
	zjTLS := fmt.Sprintf("server: {tls_cert_file: %s, tls_key_file: %s, tls_client_ca_file: %s}\n", zjCert, zjKey, filepath.Join(dir, "ca.pem"))
	shTLS := fmt.Sprintf("federation: {tls_ca_file: %s, tls_cert_file: %s, tls_key_file: %s}\n", filepath.Join(dir, "ca.pem"), shCert, shKey)
	f := newFedTLS(t, zjTLS, shTLS)
	code := f.code(zjR, mapping.Green, mapping.Red)
	vd := f.verify(shR, code)
	if vd.Result != fault.Valid || vd.Status != mapping.Red || vd.Source != verify.SourceOnline {
		t.Fatalf("over mutual TLS: %+v", vd)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	anon := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := anon.Post(f.nodes[zjR].url+"/v1/federation/status", "application/jose", strings.NewReader(f.signedRequest(shR, zjR, "x")))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("a peer without a client certificate got %d", resp.StatusCode)
	}
	testkit.Report(t, "mutual TLS", "Shanghai asks Zhejiang over HTTPS with a client certificate of a test CA; a caller without one", 2,
		"the verdict comes online over mutual TLS; the caller without a certificate gets 401 at the federation endpoint")
	resp, err = anon.Get(f.nodes[zjR].url + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz over TLS: %v %v", resp, err)
	}
	resp.Body.Close()
	if _, err := http.Get(strings.Replace(f.nodes[zjR].url, "https://", "http://", 1) + "/healthz"); err == nil {
		// plain HTTP to a TLS listener gets a 400 from net/http, not a verdict
		t.Log("plain HTTP to the TLS listener answered (net/http's 400)")
	}
}

// newFedTLS is a Shanghai and a Zhejiang gateway with extra configuration
// each; Zhejiang listens on HTTPS and Shanghai knows it directly.
func newFedTLS(t *testing.T, zjExtra, shExtra string) *fed {
	t.Helper()
	return newFedOpts(t, []string{zjR, shR}, map[string][]string{shR: {zjR}},
		map[string]string{zjR: zjExtra, shR: shExtra}, nil, map[string]bool{zjR: true})
}

// Per-client token buckets: one client over its rate gets 429 with
// Retry-After; another client and the health endpoints are not affected.
func TestRateLimitPerClient(t *testing.T) {
	e := newEnv(t, "sqlite", "")
	cfg, err := config.Parse("gw.yaml", append(e.cfgBytes, []byte("server: {rate_limit: 2, rate_burst: 5}\n")...))
	if err != nil {
		t.Fatal(err)
	}
	e.cfg = cfg
	r := start(t, e)
	limited := 0
	start := time.Now()
	for i := 0; i < 12; i++ {
		req, _ := http.NewRequest("POST", r.base+"/v1/verify", strings.NewReader(`{"code":"x"}`))
		req.Header.Set("Authorization", "Bearer "+verifierToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == 429 {
			limited++
			if ra := resp.Header.Get("Retry-After"); ra == "" || ra == "0" {
				t.Fatalf("429 without a useful Retry-After: %q", ra)
			}
		}
	}
	// The burst lets 5 through at once and the bucket refills at 2/s while
	// the requests run (slowly under the race detector on a busy machine).
	refilled := int(time.Since(start).Seconds()*2) + 1
	if limited > 7 || limited < 12-5-refilled {
		t.Fatalf("%d of 12 requests limited in %s with a burst of 5 at 2/s", limited, time.Since(start))
	}
	testkit.Report(t, "rate limit", "12 rapid requests of one client against 2/s, burst 5", 12,
		fmt.Sprintf("%d answered 429 with a non-zero Retry-After; another client and /healthz unaffected", limited))
	if st, b := r.call(t, "GET", "/v1/records/none", adminToken, ""); st != 404 {
		t.Fatalf("another client was limited too: %d %s", st, b)
	}
	for i := 0; i < 20; i++ {
		if st, _ := r.call(t, "GET", "/healthz", "", ""); st != 200 {
			t.Fatalf("healthz limited: %d", st)
		}
	}
}
