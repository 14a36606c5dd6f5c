package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/adapters/nic"
	"github.com/hcgw/hcgw/config"
	"github.com/hcgw/hcgw/httpapi"
	"github.com/hcgw/hcgw/internal/gateway"
	"github.com/hcgw/hcgw/internal/provsim"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
	"github.com/hcgw/hcgw/trust/p256"
)

// cmdBench measures, in one run on this machine, the raw signature floor
// and the gateway's verification throughput and latency over loopback HTTP,
// and prints the ratios (issue #7). Everything is bounded in time and stays
// on 127.0.0.1.
func cmdBench(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench")
	dur := fs.Duration("duration", 5*time.Second, "length of each measured phase")
	clientsFlag := fs.String("clients", "16,64", "concurrent clients for the HTTP phases")
	mysqlDSN := fs.String("mysql", os.Getenv("HCGW_TEST_MYSQL_DSN"), "also measure with records on this MySQL DSN")
	issuerLatency := fs.Duration("issuer-latency", 2*time.Millisecond, "the simulated issuer's own latency (online phase)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	batchSize := fs.Int("batch-size", 1000, "codes in one request of the batch phase (1..4096)")
	hcgwBin := fs.String("hcgw", "", "the hcgw binary the bare phase runs as \"hcgw serve\" (default: built from this module with go build)")
	phasesFlag := fs.String("phases", strings.Join(benchPhases, ","), "the phases to run besides the raw signature rates: offline, compare (offline at the most clients, loaded by Go's net/http client and from another process), batch, online")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var clients []int
	for _, c := range strings.Split(*clientsFlag, ",") {
		var n int
		if _, err := fmt.Sscan(strings.TrimSpace(c), &n); err != nil || n <= 0 || n > 1024 {
			return usageError("--clients: a comma-separated list of 1..1024")
		}
		clients = append(clients, n)
	}
	phases := map[string]bool{}
	for _, p := range strings.Split(*phasesFlag, ",") {
		p = strings.TrimSpace(p)
		if !slices.Contains(benchPhases, p) {
			return usageError("--phases: a comma-separated list of " + strings.Join(benchPhases, ", "))
		}
		phases[p] = true
	}
	if phases["compare"] && !phases["offline"] {
		return usageError("--phases: compare measures the offline phase's gateway again; give offline with it")
	}
	if *batchSize < 1 || *batchSize > 4096 {
		return usageError("--batch-size: 1..4096")
	}
	if *dur <= 0 || *dur > 10*time.Minute {
		return usageError("--duration: between 0 and 10m")
	}
	b, err := newBench(*dur, stderr)
	if err != nil {
		return err
	}
	b.batchSize = *batchSize
	b.hcgw = *hcgwBin

	defer b.close()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	return b.run(stdout, clients, *mysqlDSN, *issuerLatency, phases)
}

type bench struct {
	dir     string
	dur     time.Duration
	log     io.Writer
	root    trust.Signer
	keys    map[string]trust.Signer
	rootPub string
	trust   string
	stops   []func()
	commits map[string]commitCounters // last reading of each gateway's (commitStats)

	batchSize int
	hcgw      string // the hcgw binary of the bare phase; built if empty
}

func newBench(dur time.Duration, log io.Writer) (*bench, error) {
	dir, err := os.MkdirTemp("", "hcgw-bench-")
	if err != nil {
		return nil, err
	}
	b := &bench{dir: dir, dur: dur, log: log, keys: map[string]trust.Signer{}, trust: filepath.Join(dir, "trust")}
	_ = os.MkdirAll(b.trust, 0o700)
	if b.root, _, err = trust.GenerateKey(jwa.ES256); err != nil {
		return nil, err
	}
	pub, _ := json.Marshal(b.root.Public().JWK)
	b.rootPub = filepath.Join(dir, "root.pub.jwk")
	if err := os.WriteFile(b.rootPub, pub, 0o644); err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	for region, alg := range map[string]jwa.SignatureAlgorithm{"310000": jwa.EdDSA, "330000": jwa.ES256} {
		k, priv, err := trust.GenerateKey(alg)
		if err != nil {
			return nil, err
		}
		b.keys[region] = k
		if err := os.WriteFile(filepath.Join(dir, region+".jwk"), priv, 0o600); err != nil {
			return nil, err
		}
		tok, err := trust.SignEndorsement(b.root, trust.EndorsementSpec{Key: k.Public(), Sub: region,
			Use: []trust.Use{trust.UseCodes, trust.UseStatus, trust.UseFederation}, NotBefore: now.Add(-time.Hour),
			NotAfter: now.Add(24 * time.Hour), IssuedAt: now, JTI: "bench-" + region})
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(b.trust, region+".jws"), []byte(tok), 0o644); err != nil {
			return nil, err
		}
	}
	return b, nil
}

func (b *bench) close() {
	for i := len(b.stops) - 1; i >= 0; i-- {
		b.stops[i]()
	}
	_ = os.RemoveAll(b.dir)
}

// gateway starts one gateway of region on loopback and returns its URL.
func (b *bench) gateway(region, driver, dsn string, peers map[string]string, platform gatewaySource, extra func(*config.Config)) (string, error) {
	cfg := config.Default()
	cfg.Listen, cfg.Region = "127.0.0.1:0", region
	cfg.Database.Driver, cfg.Database.DSN = driver, dsn
	cfg.Trust.Anchors = []config.Anchor{{Path: b.rootPub}}
	cfg.Trust.EndorsementsDir = b.trust
	cfg.Keys = []string{filepath.Join(b.dir, region+".jwk")}
	cfg.Clients = []config.Client{{Name: "bench", Role: config.RoleVerifier, TokenSHA256: sha256Hex(benchToken)}}
	cfg.Log.Level = "error"
	for r, u := range peers {
		cfg.Peers = append(cfg.Peers, config.Peer{Region: r, URL: u})
	}
	if extra != nil {
		extra(&cfg)
	}
	opt := gateway.Options{Logger: gateway.NewLogger(cfg.Log, b.log)}
	if platform != nil {
		opt.Platform = platform
	}
	g, err := gateway.New(context.Background(), &cfg, opt)
	if err != nil {
		return "", err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	g.UseListener(ln)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = g.Serve(ctx); close(done) }()
	b.stops = append(b.stops, func() { cancel(); <-done })
	return "http://" + ln.Addr().String(), nil
}

type gatewaySource interface {
	Lookup(ctx context.Context, cid string) (mapping.LiveStatus, error)
}

// fixedIssuer is a provincial platform that takes a fixed time to answer.
type fixedIssuer struct{ latency time.Duration }

func (f fixedIssuer) Lookup(ctx context.Context, cid string) (mapping.LiveStatus, error) {
	time.Sleep(f.latency)
	now := time.Now()
	return mapping.LiveStatus{Status: mapping.Green, At: now, Expires: now.Add(time.Minute),
		Holder: mapping.Holder{Name: "张*丰", ID: "3301**********1234"}}, nil
}

// result of one load phase.
type result struct {
	name     string
	n        int
	errs     int
	elapsed  time.Duration
	p50, p99 time.Duration
	// own50, own99: the percentiles of each answer's latency less the time
	// the answer says (Server-Timing) the issuer took, over the answers that
	// say it (timed of them).
	own50, own99 time.Duration
	timed        int
	// raw is the raw ES256 rate measured just before and just after the
	// phase (their mean), 0 if it was not: a ratio to it is not moved by
	// the machine running faster or slower at the start of the run.
	raw float64
}

func (r result) rate() float64 { return float64(r.n) / r.elapsed.Seconds() }

// phase is one measured load: clients connections POST bodies made by next
// to url for dur, at most maxRequests of them; next returns nil when it has
// no more (a pool of pre-signed requests ran out). An answer counts only if
// it is 200 and contains want.
type phase struct {
	name    string
	url     string // http://host:port/path
	clients int
	dur     time.Duration
	next    func(i int) []byte
	want    []byte
	netHTTP bool // use Go's net/http client instead of rawClient
}

const maxRequests = 10_000_000

// load runs p and measures each request's latency.
func load(p phase) result {
	hostPath := strings.TrimPrefix(p.url, "http://")
	addr, path, _ := strings.Cut(hostPath, "/")
	path = "/" + path
	var (
		mu      sync.Mutex
		lats    []time.Duration
		owns    []time.Duration // latency less the issuer's time, of answers that tell it
		errs    atomic.Int64
		counter atomic.Int64
		wg      sync.WaitGroup
	)
	// send returns one client's request function (whether the answer was
	// right; the issuer's time it tells, if it does) and what closes its
	// connection when the client is done.
	send := func() (func(body []byte) (ok bool, issuer time.Duration, timed bool), func()) {
		if p.netHTTP {
			tr := &http.Transport{MaxIdleConnsPerHost: 1, MaxConnsPerHost: 1, IdleConnTimeout: time.Minute}
			hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
			return func(body []byte) (bool, time.Duration, bool) {
				req, _ := http.NewRequest("POST", p.url, bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+benchToken)
				resp, err := hc.Do(req)
				if err != nil {
					return false, 0, false
				}
				out, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				var issuer time.Duration
				st := resp.Header.Get("Server-Timing")
				if st != "" {
					if issuer, err = httpapi.ParseServerTiming(st); err != nil {
						return false, 0, false
					}
				}
				return resp.StatusCode == 200 && bytes.Contains(out, p.want), issuer, st != ""
			}, tr.CloseIdleConnections
		}
		c := newRawClient(addr)
		return func(body []byte) (bool, time.Duration, bool) {
			status, out, err := c.do(path, benchToken, body)
			return err == nil && status == 200 && bytes.Contains(out, p.want), c.issuer, c.timed
		}, c.close
	}
	start := time.Now()
	deadline := start.Add(p.dur)
	for c := 0; c < p.clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			do, done := send()
			defer done()
			local := make([]time.Duration, 0, 4096)
			own := make([]time.Duration, 0, 4096)
			for time.Now().Before(deadline) {
				i := int(counter.Add(1))
				if i > maxRequests {
					break
				}
				body := p.next(i)
				if body == nil {
					break
				}
				t0 := time.Now()
				ok, issuer, timed := do(body)
				took := time.Since(t0)
				if !ok {
					errs.Add(1)
					continue
				}
				local = append(local, took)
				if timed {
					own = append(own, took-issuer)
				}
			}
			mu.Lock()
			lats = append(lats, local...)
			owns = append(owns, own...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	r := result{name: p.name, n: len(lats), errs: int(errs.Load()), elapsed: time.Since(start)}
	r.p50, r.p99 = percentile(lats, 0.50), percentile(lats, 0.99)
	r.own50, r.own99, r.timed = percentile(owns, 0.50), percentile(owns, 0.99), len(owns)
	return r
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[int(p*float64(len(d)-1))]
}

// rawRate is signature verifications per second on every core.
func rawRate(dur time.Duration, verify func() bool) float64 {
	var n atomic.Int64
	var wg sync.WaitGroup
	deadline := time.Now().Add(dur)
	start := time.Now()
	for i := 0; i < runtime.GOMAXPROCS(0); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				if verify() {
					n.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return float64(n.Load()) / time.Since(start).Seconds()
}

// parallel runs f(0..n-1) on every core.
func parallel(n int, f func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				f(i)
			}
		}()
	}
	wg.Wait()
}

// codePool is n distinct ES256 national codes of Zhejiang, green, signed
// before the measurement: a checkpoint scans different travellers.
func (b *bench) codePool(n int) ([]string, error) {
	now := time.Now()
	codes := make([]string, n)
	errs := make([]error, n)
	parallel(n, func(i int) {
		c := &mapping.Claims{V: 1, Iss: "330000", Org: "330000", JTI: fmt.Sprintf("bench-%08d", i), IAT: now.Add(-time.Minute).Unix(),
			EXP: now.Add(time.Hour).Unix(), St: mapping.Green, SA: now.Add(-time.Minute).Unix(), HN: "张*丰", HID: "3301**********1234"}
		codes[i], errs[i] = nic.Encode(b.keys["330000"], c)
	})
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return codes, nil
}

// phases the bench can run (--phases).
var benchPhases = []string{"offline", "compare", "bare", "batch", "online"}

func (b *bench) run(w io.Writer, clients []int, mysqlDSN string, issuerLatency time.Duration, phases map[string]bool) error {
	fmt.Fprintf(b.log, "hcgw-bench: %d cores, %s per phase\n", runtime.GOMAXPROCS(0), b.dur)
	ek, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	h := sha256.Sum256([]byte("hcgw"))
	sig, _ := ecdsa.SignASN1(rand.Reader, ek, h[:])
	es256Once := func() bool { return ecdsa.VerifyASN1(&ek.PublicKey, h[:], sig) }
	es256 := rawRate(b.dur, es256Once)
	// The same signature with the key's table, as hcgw checks its
	// issuers' (trust/p256).
	tab, err := p256.NewTable(&ek.PublicKey)
	if err != nil {
		return err
	}
	r, s, err := ecdsa.Sign(rand.Reader, ek, h[:])
	if err != nil {
		return err
	}
	rs := append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
	es256Table := rawRate(b.dur, func() bool { return tab.Verify(h[:], rs) })
	// The raw rate again around each offline phase (bracket), briefly.
	aroundDur := min(max(b.dur/4, 50*time.Millisecond), time.Second)
	var before float64
	bracket := func(r result) result {
		runtime.GC() // the phase's garbage, not the raw loop, pays for it
		after := rawRate(aroundDur, es256Once)
		r.raw, before = (before+after)/2, after
		return r
	}
	_, edk, _ := ed25519.GenerateKey(rand.Reader)
	edSig := ed25519.Sign(edk, []byte("hcgw"))
	edPub := edk.Public().(ed25519.PublicKey)
	ed := rawRate(b.dur, func() bool { return ed25519.Verify(edPub, []byte("hcgw"), edSig) })

	codes, err := b.codePool(4096)
	if err != nil {
		return err
	}
	bodies := make([][]byte, len(codes))
	for i, c := range codes {
		bodies[i] = []byte(`{"code":"` + c + `","checkpoint":"bench"}`)
	}
	distinct := func(i int) []byte { return bodies[i%len(bodies)] }
	valid := []byte(`"result":"valid"`)

	stores := []struct{ name, driver, dsn string }{{"SQLite", "sqlite", "file:" + filepath.Join(b.dir, "bench.db")}}
	if mysqlDSN != "" {
		stores = append(stores, struct{ name, driver, dsn string }{"MariaDB", "mysql", mysqlDSN})
	}
	var rows []result
	for _, st := range stores {
		if !phases["offline"] && !(phases["batch"] && st.driver == "sqlite") {
			continue
		}
		url, err := b.gateway("310000", st.driver, st.dsn, nil, nil, nil)
		if err != nil {
			return fmt.Errorf("%s gateway: %w", st.name, err)
		}
		_ = load(phase{name: "warm-up", url: url + "/v1/verify", clients: 4, dur: 300 * time.Millisecond, next: distinct, want: valid})
		if phases["offline"] {
			runtime.GC()
			before = rawRate(aroundDur, es256Once)
			for _, n := range clients {
				fmt.Fprintf(b.log, "  offline verify, %s records, %d clients…\n", st.name, n)
				p := phase{name: fmt.Sprintf("offline ES256 NIC, records on %s, %d clients", st.name, n),
					url: url + "/v1/verify", clients: n, dur: b.dur, next: distinct, want: valid}
				rows = append(rows, bracket(load(p)))
				b.commitStats(url)
			}
			if st.driver == "sqlite" && phases["compare"] {
				// The same load from other load generators: what the
				// measuring tool itself costs.
				n := clients[len(clients)-1]
				fmt.Fprintf(b.log, "  offline verify, %s records, %d clients of Go's net/http…\n", st.name, n)
				rows = append(rows, bracket(load(phase{name: fmt.Sprintf("offline ES256 NIC, records on %s, %d clients, load from Go's net/http client (comparison)", st.name, n),
					url: url + "/v1/verify", clients: n, dur: b.dur, next: distinct, want: valid, netHTTP: true})))
				fmt.Fprintf(b.log, "  offline verify, %s records, %d clients from another process…\n", st.name, n)
				r, err := b.loadElsewhere(phase{name: fmt.Sprintf("offline ES256 NIC, records on %s, %d clients, load from another process (comparison)", st.name, n),
					url: url + "/v1/verify", clients: n, dur: b.dur, want: valid}, bodies)
				if err != nil {
					return err
				}
				rows = append(rows, bracket(r))
			}
		}
		if phases["batch"] && st.driver == "sqlite" {
			batch, _ := json.Marshal(map[string]any{"codes": codes[:b.batchSize]})
			fmt.Fprintf(b.log, "  batch of %d…\n", b.batchSize)
			rows = append(rows, load(phase{name: fmt.Sprintf("batch of %d codes (rate in batches/s)", b.batchSize), url: url + "/v1/verify/batch",
				clients: 2, dur: b.dur, next: func(int) []byte { return batch }, want: valid}))
		}
	}

	var bare []bareRow
	if phases["bare"] {
		before = rawRate(aroundDur, es256Once)
		if bare, err = b.bareCompare(clients[len(clients)-1], distinct, valid); err != nil {
			return fmt.Errorf("bare comparison: %w", err)
		}
		for i := range bare {
			bare[i].result = bracket(bare[i].result)
		}
	}

	var online []result
	if phases["online"] {
		var err error
		if online, err = b.online(issuerLatency); err != nil {
			return err
		}
	}

	fmt.Fprintf(w, "| measurement | rate /s | p50 | p99 | errors |\n|---|---:|---:|---:|---:|\n")
	fmt.Fprintf(w, "| raw ES256 verify, all %d cores | %.0f | | | |\n", runtime.GOMAXPROCS(0), es256)
	fmt.Fprintf(w, "| raw ES256 verify with the key's table (trust/p256), all %d cores | %.0f | | | |\n", runtime.GOMAXPROCS(0), es256Table)
	fmt.Fprintf(w, "| raw Ed25519 verify, all %d cores | %.0f | | | |\n", runtime.GOMAXPROCS(0), ed)
	for _, r := range append(rows, online...) {
		fmt.Fprintf(w, "| %s | %.0f | %s | %s | %d |\n", r.name, r.rate(), r.p50.Round(time.Microsecond), r.p99.Round(time.Microsecond), r.errs)
	}
	fmt.Fprintf(w, "\nRatios (same run; the second against the raw ES256 rate measured just before and after the phase):\n")
	for _, r := range rows {
		if strings.HasPrefix(r.name, "offline") {
			fmt.Fprintf(w, "- %s / raw ES256: %.1f%%", r.name, 100*r.rate()/es256)
			if r.raw > 0 {
				fmt.Fprintf(w, "; around it (%.0f/s): %.1f%%", r.raw, 100*r.rate()/r.raw)
			}
			fmt.Fprintln(w)
		}
	}
	if len(bare) == 3 {
		ref, gw, tabled := bare[0], bare[1], bare[2]
		fmt.Fprintf(w, "\nAgainst a bare verification service, each server in a process of its own, the same net/http client, %d clients, every request a distinct code:\n\n", clients[len(clients)-1])
		fmt.Fprintf(w, "| server | verifications/s | p50 | p99 | server CPU / verification | of it system | errors |\n|---|---:|---:|---:|---:|---:|---:|\n")
		for _, r := range bare {
			fmt.Fprintf(w, "| %s | %.0f | %s | %s | %s | %s | %d |\n", r.name, r.rate(), r.p50.Round(time.Microsecond), r.p99.Round(time.Microsecond),
				r.cpuPer().Round(time.Microsecond), r.sysPer().Round(time.Microsecond), r.errs)
		}
		fmt.Fprintf(w, "\n- hcgw / bare: rate %.2f, CPU per verification %.2f (bare / hcgw), p99 %.2f× the bare service's (raw ES256 around them: %.0f/s and %.0f/s)\n",
			gw.rate()/ref.rate(), float64(ref.cpuPer())/float64(max(gw.cpuPer(), 1)), float64(gw.p99)/float64(max(ref.p99, 1)), ref.raw, gw.raw)
		// The same signature check on both sides: what hcgw's own work
		// (registry, claims, verdict, record) costs over reading and
		// answering.
		fmt.Fprintf(w, "- hcgw / bare with the key's table: rate %.2f, CPU per verification %.2f, p99 %.2f×; hcgw's own work: %s a verification\n",
			gw.rate()/tabled.rate(), float64(tabled.cpuPer())/float64(max(gw.cpuPer(), 1)), float64(gw.p99)/float64(max(tabled.p99, 1)),
			(gw.cpuPer() - tabled.cpuPer()).Round(time.Microsecond))
		switch {
		case gw.keyTables < 0:
			fmt.Fprintf(w, "- hcgw reports no key tables (hcgw_trust_key_tables): a binary from before them, checking with crypto/ecdsa\n")
		case gw.keyTables == 0:
			fmt.Fprintf(w, "- hcgw held no key table after its phase: it checked with crypto/ecdsa, not as the tabled bare service\n")
		default:
			fmt.Fprintf(w, "- hcgw held %d key table(s) after its phase\n", gw.keyTables)
		}
	}
	for i := 0; i+1 < len(online); i += 2 {
		via, alone := online[i], online[i+1]
		who := via.name[strings.LastIndex(via.name, ", ")+2:]
		fmt.Fprintf(w, "- online gateway overhead over the issuer's own latency, %s: p50 %s, p99 %s\n",
			who, (via.p50 - alone.p50).Round(time.Microsecond), (via.p99 - alone.p99).Round(time.Microsecond))
		fmt.Fprintf(w, "  - each answer less the issuer's time it reports (Server-Timing), %s, %d of %d answers: p50 %s, p99 %s\n",
			who, via.timed, via.n, via.own50.Round(time.Microsecond), via.own99.Round(time.Microsecond))
	}
	return nil
}

// commitStats logs the group commits of the gateway at url since the last
// call for it (from its /metrics): how many, records per commit, mean commit
// time, and how long a record waited on average from its write to the end
// of its commit (what durable recording adds to a verification).
func (b *bench) commitStats(url string) {
	m := scrapeMetrics(url)
	if m == nil {
		return
	}
	now := commitCounters{
		commits: m["hcgw_audit_commit_duration_seconds_count"],
		records: m["hcgw_audit_records_committed_total"],
		seconds: m["hcgw_audit_commit_duration_seconds_sum"],
		waited:  m["hcgw_audit_record_wait_seconds_total"],
	}
	if b.commits == nil {
		b.commits = map[string]commitCounters{}
	}
	last := b.commits[url]
	b.commits[url] = now
	d := commitCounters{now.commits - last.commits, now.records - last.records, now.seconds - last.seconds, now.waited - last.waited}
	if d.commits > 0 && d.records > 0 {
		sec := func(s float64) time.Duration { return time.Duration(s * float64(time.Second)).Round(time.Microsecond) }
		fmt.Fprintf(b.log, "    group commits: %.0f, %.1f records a commit, %s a commit; a record waited %s from its write to its commit's end\n",
			d.commits, d.records/d.commits, sec(d.seconds/d.commits), sec(d.waited/d.records))
	}
}

// scrapeMetrics reads a gateway's unlabelled metrics (name → value) from
// its /metrics; nil when it does not answer.
func scrapeMetrics(url string) map[string]float64 {
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		return nil
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	out := map[string]float64{}
	for _, l := range strings.Split(string(body), "\n") {
		name, value, ok := strings.Cut(l, " ")
		if !ok {
			continue
		}
		var v float64
		if _, err := fmt.Sscan(value, &v); err == nil {
			out[name] = v
		}
	}
	return out
}

// commitCounters are a gateway's group-commit counters at one reading.
type commitCounters struct{ commits, records, seconds, waited float64 }

// online measures Shanghai verifying Zhejiang's online-only tokens through
// Zhejiang's gateway, whose platform answers in issuerLatency (no cache,
// every token distinct), against Zhejiang's gateway asked directly with
// status requests signed beforehand, at 1 client (the overhead itself) and
// 16 (under load). It returns pairs: via, alone.
func (b *bench) online(issuerLatency time.Duration) ([]result, error) {
	zjURL, err := b.gateway("330000", "sqlite", "file:"+filepath.Join(b.dir, "zj.db"), nil, fixedIssuer{issuerLatency}, nil)
	if err != nil {
		return nil, err
	}
	shURL, err := b.gateway("310000", "sqlite", "file:"+filepath.Join(b.dir, "sh-online.db"), map[string]string{"330000": zjURL}, nil,
		func(c *config.Config) { c.Federation.CacheMaxTTL = 0 })
	if err != nil {
		return nil, err
	}
	var out []result
	var seq atomic.Int64 // every token is new, across phases
	for _, n := range []int{1, 16} {
		tokens := func(int) []byte {
			tok, _ := provsim.EncodeZJ(fmt.Sprintf("bench-token-%012d", seq.Add(1)))
			return []byte(`{"code":"` + tok + `"}`)
		}
		fmt.Fprintf(b.log, "  online verify through a peer, %d clients…\n", n)
		out = append(out, load(phase{name: fmt.Sprintf("online zj-v1 via Zhejiang's gateway (issuer %s), %d clients", issuerLatency, n),
			url: shURL + "/v1/verify", clients: n, dur: b.dur, next: tokens, want: []byte(`"result":"valid"`)}))
		b.commitStats(shURL)
		// Status requests are signed before the phase, so that signing
		// them does not load the machine the issuer runs on; a fresh jti
		// each, or the replay cache refuses them.
		pool := make([][]byte, int(float64(n)*600*b.dur.Seconds())+100)
		base := seq.Add(int64(len(pool)))
		parallel(len(pool), func(i int) { pool[i] = b.statusRequest(fmt.Sprintf("bench-token-%012d", base-int64(i))) })
		fmt.Fprintf(b.log, "  the issuer's gateway alone, %d clients…\n", n)
		out = append(out, load(phase{name: fmt.Sprintf("the issuer's gateway alone (signed status requests), %d clients", n),
			url: zjURL + "/v1/federation/status", clients: n, dur: b.dur, want: []byte("eyJ"), // a compact JWS
			next: func(i int) []byte {
				if i > len(pool) {
					return nil
				}
				return pool[i-1]
			}}))
	}
	return out, nil
}

// statusRequest signs a status request from Shanghai to Zhejiang.
func (b *bench) statusRequest(cid string) []byte {
	now := time.Now()
	var jti [12]byte
	_, _ = rand.Read(jti[:])
	p, _ := json.Marshal(map[string]any{"iss": "310000", "aud": "330000", "iat": now.Unix(), "exp": now.Add(30 * time.Second).Unix(),
		"jti": fmt.Sprintf("%x", jti), "org": "330000", "cid": cid})
	tok, _ := b.keys["310000"].SignCompact(p, "nic-status-req+jwt")
	return []byte(tok)
}
