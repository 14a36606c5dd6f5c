package gateway

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"

	"github.com/hcgw/hcgw/config"
)

// listenerTLS is the HTTPS configuration of the listener: TLS 1.2 at
// least; with server.tls_client_ca_file, peers' client certificates are
// asked for and verified (the federation endpoint then requires one).
func listenerTLS(s config.Server, resolve func(string) string) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(resolve(s.TLSCertFile), resolve(s.TLSKeyFile))
	if err != nil {
		return nil, fmt.Errorf("server.tls_cert_file / tls_key_file: %w", err)
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	if f := s.TLSClientCAFile; f != "" {
		pool, err := certPool(resolve(f))
		if err != nil {
			return nil, fmt.Errorf("server.tls_client_ca_file: %w", err)
		}
		tc.ClientCAs, tc.ClientAuth = pool, tls.VerifyClientCertIfGiven
	}
	return tc, nil
}

// peerTLS is the TLS configuration of calls to peers.
func peerTLS(c config.Federation, resolve func(string) string) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if f := c.TLSCAFile; f != "" {
		pool, err := certPool(resolve(f))
		if err != nil {
			return nil, fmt.Errorf("federation.tls_ca_file: %w", err)
		}
		tc.RootCAs = pool
	}
	if c.TLSCertFile != "" {
		cert, err := tls.LoadX509KeyPair(resolve(c.TLSCertFile), resolve(c.TLSKeyFile))
		if err != nil {
			return nil, fmt.Errorf("federation.tls_cert_file / tls_key_file: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

func certPool(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate", path)
	}
	return pool, nil
}
