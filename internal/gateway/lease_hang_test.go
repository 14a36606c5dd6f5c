package gateway_test

import (
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hcgw/hcgw/config"
	"github.com/hcgw/hcgw/internal/gateway"
	"github.com/hcgw/hcgw/internal/testdb"
)

// silentProxy forwards TCP to a target until it falls silent: then it
// holds every byte without closing a connection, as a network partition
// does (a closed connection fails at once; this one only hangs).
type silentProxy struct {
	ln     net.Listener
	mu     sync.Mutex
	silent bool
	resume chan struct{}
}

func newSilentProxy(t *testing.T, target string) *silentProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &silentProxy{ln: ln, resume: make(chan struct{})}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.DialTimeout("tcp", target, 2*time.Second)
			if err != nil {
				c.Close()
				continue
			}
			go p.pipe(up, c)
			go p.pipe(c, up)
		}
	}()
	// Speak again before the gateways stop, so that they can.
	t.Cleanup(func() { ln.Close(); p.set(false) })
	return p
}

func (p *silentProxy) pipe(dst, src net.Conn) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		p.mu.Lock()
		silent, resume := p.silent, p.resume
		p.mu.Unlock()
		if silent {
			<-resume
		}
		if n > 0 {
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *silentProxy) set(silent bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.silent && !silent {
		close(p.resume)
		p.resume = make(chan struct{})
	}
	p.silent = silent
}

// TestAHungLeaseRenewalStopsTheJob: replica A holds the corrections lease
// when its database falls silent (no error, no answer). A must stop the
// job before B, on a database that answers, takes the lapsed lease: never
// do both run it.
func TestAHungLeaseRenewalStopsTheJob(t *testing.T) {
	dsn := testdb.FreshMySQL(t)
	e := newEnv(t, "mysql", dsn)
	server := dsn[strings.Index(dsn, "tcp(")+4:]
	server = server[:strings.IndexByte(server, ')')]
	px := newSilentProxy(t, server)
	start := func(dsn string) *running {
		cfg, err := config.Parse("replica.yaml", replicaConfig(t, e, dsn, "127.0.0.1:0"))
		if err != nil {
			t.Fatal(err)
		}
		return startWith(t, cfg, gateway.Options{CorrectionInterval: 50 * time.Millisecond, CorrectionRetry: 50 * time.Millisecond})
	}
	a := start(strings.Replace(dsn, "tcp("+server+")", "tcp("+px.ln.Addr().String()+")", 1))
	for deadline := time.Now().Add(20 * time.Second); !a.g.Holds("corrections"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("replica A never took the lease")
		}
	}
	b := start(dsn)
	px.set(true)
	silentAt := time.Now()
	for deadline := time.Now().Add(40 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		ah, bh := a.g.Holds("corrections"), b.g.Holds("corrections")
		switch {
		case ah && bh:
			t.Fatalf("%s after A's database fell silent, A and B both run the corrections job", time.Since(silentAt).Round(time.Millisecond))
		case bh:
			t.Logf("A stopped, and B took the job %s after A's database fell silent", time.Since(silentAt).Round(time.Millisecond))
			return
		case time.Now().After(deadline):
			t.Fatalf("40 s after A's database fell silent: A holds %v, B holds %v", ah, bh)
		}
	}
}
