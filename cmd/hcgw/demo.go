package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/hcgw/hcgw/adapters/bj"
	"github.com/hcgw/hcgw/adapters/gd"
	"github.com/hcgw/hcgw/adapters/nic"
	"github.com/hcgw/hcgw/adapters/sh"
	"github.com/hcgw/hcgw/adapters/zj"
	"github.com/hcgw/hcgw/config"
	"github.com/hcgw/hcgw/configs"
	"github.com/hcgw/hcgw/internal/gateway"
	"github.com/hcgw/hcgw/internal/provsim"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

// demoElderID is the identity number of the demo's traveller without a
// phone (a valid GB 11643 number of an invented person).
const demoElderID = "33010219450318102X"

// Demo bearer tokens, printed: the demo is for a laptop, never a network.
const (
	demoVerifierToken = "demo-verifier-token"
	demoAdminToken    = "demo-admin-token"
)

type demoRegion struct {
	region, name string
	alg          jwa.SignatureAlgorithm
}

// The demo federation: the national hub and four provinces, each with the
// format DESIGN §9 models.
var demoRegions = []demoRegion{
	{"000000", "national hub", jwa.EdDSA},
	{"310000", "Shanghai", jwa.EdDSA},
	{"330000", "Zhejiang", jwa.ES256},
	{"440000", "Guangdong", jwa.ES256},
	{"110000", "Beijing", jwa.EdDSA},
}

// cmdDemo starts the whole demo federation in one process on loopback:
// embedded SQLite, a demo national root, every key endorsed, simulated
// provincial platforms with sample holders, and prints what to try.
func cmdDemo(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("demo")
	dir := fs.String("dir", "", "folder for the demo's keys and databases (default: a new temporary folder)")
	basePort := fs.Int("base-port", 8090, "hub on this port, the provinces on the next four (0: any free ports)")
	verbose := fs.Bool("v", false, "log every request")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	d, err := startDemo(ctx, *dir, *basePort, *verbose, stderr)
	if err != nil {
		return err
	}
	d.print(stdout)
	<-ctx.Done()
	fmt.Fprintln(stderr, "stopping the demo federation")
	return d.wait()
}

type demoNode struct {
	demoRegion
	key    trust.Signer
	url    string
	g      *gateway.Gateway
	ln     net.Listener
	keyDir string
}

type demo struct {
	dir   string
	nodes []*demoNode
	codes []demoCode
	done  chan error
	n     int
}

type demoCode struct {
	format, region, holder, expect, code string
}

func (d *demo) node(region string) *demoNode {
	for _, n := range d.nodes {
		if n.region == region {
			return n
		}
	}
	return nil
}

func startDemo(ctx context.Context, dir string, basePort int, verbose bool, logw io.Writer) (*demo, error) {
	var err error
	if dir == "" {
		if dir, err = os.MkdirTemp("", "hcgw-demo-"); err != nil {
			return nil, err
		}
	}
	d := &demo{dir: dir, done: make(chan error, len(demoRegions))}
	for _, sub := range []string{"keys", "trust", "db"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return nil, err
		}
	}
	root, rootJWK, err := trust.GenerateKey(jwa.ES256)
	if err != nil {
		return nil, err
	}
	_ = rootJWK // the demo root's private half never touches the disk
	pub, _ := json.Marshal(root.Public().JWK)
	rootPath := filepath.Join(dir, "keys", "national-root.pub.jwk")
	if err := os.WriteFile(rootPath, pub, 0o644); err != nil {
		return nil, err
	}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	secretPath := filepath.Join(dir, "keys", "holder.key")
	if err := os.WriteFile(secretPath, secret, 0o600); err != nil {
		return nil, err
	}
	now := time.Now().UTC().Truncate(time.Second)
	for i, r := range demoRegions {
		n := &demoNode{demoRegion: r}
		var priv []byte
		if n.key, priv, err = trust.GenerateKey(r.alg); err != nil {
			return nil, err
		}
		n.keyDir = filepath.Join(dir, "keys", r.region+".jwk")
		if err := os.WriteFile(n.keyDir, priv, 0o600); err != nil {
			return nil, err
		}
		scope := []string{r.region}
		if r.region == mapping.NationalRegion {
			scope = []string{trust.Wildcard}
		}
		tok, err := trust.SignEndorsement(root, trust.EndorsementSpec{Key: n.key.Public(), Sub: r.region,
			Use: []trust.Use{trust.UseCodes, trust.UseStatus, trust.UseFederation}, Scope: scope,
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(30 * 24 * time.Hour), IssuedAt: now, JTI: "demo-" + r.region})
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, "trust", r.region+".jws"), []byte(tok), 0o644); err != nil {
			return nil, err
		}
		addr := "127.0.0.1:0"
		if basePort > 0 {
			addr = fmt.Sprintf("127.0.0.1:%d", basePort+i)
		}
		if n.ln, err = net.Listen("tcp", addr); err != nil {
			return nil, fmt.Errorf("%s gateway: %w (try --base-port 0)", r.name, err)
		}
		n.url = "http://" + n.ln.Addr().String()
		d.nodes = append(d.nodes, n)
	}
	if err := writeDemoRules(root, filepath.Join(dir, "trust"), now); err != nil {
		return nil, err
	}
	level := "warn"
	if verbose {
		level = "info"
	}
	hubURL := d.nodes[0].url
	for _, n := range d.nodes {
		cfg := config.Default()
		cfg.Listen, cfg.Region = n.ln.Addr().String(), n.region
		cfg.Database.DSN = "file:" + filepath.Join(dir, "db", n.region+".db")
		cfg.Trust.Anchors = []config.Anchor{{Path: rootPath}}
		cfg.Trust.EndorsementsDir = filepath.Join(dir, "trust")
		cfg.Keys = []string{n.keyDir}
		cfg.Clients = []config.Client{{Name: "demo-checkpoint", Role: config.RoleVerifier, TokenSHA256: sha256Hex(demoVerifierToken)},
			{Name: "demo-ops", Role: config.RoleAdmin, TokenSHA256: sha256Hex(demoAdminToken)}}
		cfg.Log.Level = level
		if n.region == mapping.NationalRegion {
			for _, p := range d.nodes[1:] {
				cfg.Peers = append(cfg.Peers, config.Peer{Region: p.region, URL: p.url})
			}
		} else {
			cfg.Peers = []config.Peer{{Region: mapping.NationalRegion, URL: hubURL}}
			cfg.Platform.Kind = config.PlatformSimulated
			cfg.Federation.HolderKeyFile = secretPath
		}
		if err := cfg.Validate(); err != nil {
			return nil, err
		}
		logger := gateway.NewLogger(cfg.Log, logw).With("gateway", n.name)
		if n.g, err = gateway.New(ctx, &cfg, gateway.Options{Logger: logger, Simulated: provsim.NewPlatform}); err != nil {
			return nil, fmt.Errorf("%s gateway: %w", n.name, err)
		}
		n.g.UseListener(n.ln)
		d.n++
		go func(g *gateway.Gateway) { d.done <- g.Serve(ctx) }(n.g)
	}
	if err := d.seed(ctx, now); err != nil {
		return nil, err
	}
	return d, nil
}

// seed puts sample holders on the provinces' simulated platforms and makes
// a sample code of every format.
func (d *demo) seed(ctx context.Context, now time.Time) error {
	set := func(region, cid string, st mapping.Status, name, id string) error {
		p, ok := d.node(region).g.Platform.(*provsim.Platform)
		if !ok {
			return errors.New("demo: no simulated platform")
		}
		return p.SetCode(ctx, cid, st, name, id, nil, 10*time.Minute)
	}
	add := func(format, region, holder, expect, code string, err error) error {
		if err != nil {
			return fmt.Errorf("demo %s code: %w", format, err)
		}
		d.codes = append(d.codes, demoCode{format, region, holder, expect, code})
		return nil
	}
	token := provsim.NewZJToken()
	if err := set("330000", token, mapping.Green, "张三丰", "330102199001011234"); err != nil {
		return err
	}
	code, err := provsim.EncodeZJ(token)
	if err := add(zj.Format, "330000", "张*丰", "green (online only, through the hub)", code, err); err != nil {
		return err
	}
	if err := set("440000", "gd-demo-1", mapping.Yellow, "王小明", "440102199203034567"); err != nil {
		return err
	}
	code, err = provsim.EncodeGD(d.node("440000").key, gd.Claims{Name: "王小明", ID: "440102199203034567", Status: "10",
		StatusTime: now.Add(-time.Hour).Unix(), Expires: now.Add(24 * time.Hour).Unix(), CodeID: "gd-demo-1"})
	if err := add(gd.Format, "440000", "王*明", "yellow: signed green, the platform now says yellow (conflict)", code, err); err != nil {
		return err
	}
	if err := set("310000", "sh-demo-1", mapping.Green, "李四", "310101198001010011"); err != nil {
		return err
	}
	code, err = provsim.EncodeSH(d.node("310000").key, sh.Claims{CodeID: "sh-demo-1", State: "0", Issued: now.Add(-time.Hour).Unix(),
		TTL: 86400, Name: "李四", ID: "310101198001010011"})
	if err := add(sh.Format, "310000", "李*", "green", code, err); err != nil {
		return err
	}
	if err := set("110000", "bj-demo-1", mapping.Red, "欧阳娜娜", "11010519491231002X"); err != nil {
		return err
	}
	code, err = provsim.EncodeBJ(d.node("110000").key, bj.Claims{Name: "欧阳娜娜", ID: "11010519491231002X", Status: "弹窗",
		StatusTime: now.Add(-time.Hour).Unix(), Expires: now.Add(24 * time.Hour).Unix(), CodeID: "bj-demo-1"})
	if err := add(bj.Format, "110000", "欧**娜", "red: signed yellow (弹窗), the platform now says red", code, err); err != nil {
		return err
	}
	// An elderly traveller without a phone, known by identity number only:
	// green at Zhejiang, yellow at Guangdong (data sharing, DESIGN §12).
	if err := set("330000", "zj-elder-1", mapping.Green, "孙秀英", demoElderID); err != nil {
		return err
	}
	if err := set("440000", "gd-elder-1", mapping.Yellow, "孙秀英", demoElderID); err != nil {
		return err
	}
	// Two Zhejiang national codes with the itinerary mark (DESIGN §12): a
	// traveller who passed through a city with risk areas (the star), and
	// one who did not. Shanghai's venue rule denies the star.
	for _, star := range []bool{true, false} {
		h, _ := mapping.NewHolder("周八", "330106198808080016")
		jti, expect := "nic-demo-star", "green with the itinerary star: denied at a venue, admitted at rail (degraded)"
		if !star {
			jti, expect = "nic-demo-nostar", "green, itinerary without a star: admitted at a venue (degraded)"
		}
		code, err := nic.Encode(d.node("330000").key, &mapping.Claims{V: 1, Iss: "330000", Org: "330000", JTI: jti,
			IAT: now.Add(-time.Hour).Unix(), EXP: now.Add(24 * time.Hour).Unix(), St: mapping.Green, SA: now.Add(-time.Hour).Unix(),
			HN: h.Name, HID: h.ID, IT: &mapping.Itinerary{Regions: []string{"330100", "420100"}, Star: star, Time: now.Add(-2 * time.Hour).Unix()}})
		if err := add(nic.Format, "330000", h.Name, expect, code, err); err != nil {
			return err
		}
	}
	// Two Zhejiang national codes for Shanghai's scene rules: one with a
	// negative test 20 hours ago, one without a test.
	tested, _ := mapping.NewHolder("钱七", "330106199512120022")
	code, err = nic.Encode(d.node("330000").key, &mapping.Claims{V: 1, Iss: "330000", Org: "330000", JTI: "nic-demo-tested",
		IAT: now.Add(-time.Hour).Unix(), EXP: now.Add(24 * time.Hour).Unix(), St: mapping.Green, SA: now.Add(-time.Hour).Unix(),
		HN: tested.Name, HID: tested.ID, NAT: &mapping.NAT{Result: "negative", Time: now.Add(-20 * time.Hour).Unix()}})
	if err := add(nic.Format, "330000", tested.Name, "green with a negative test 20 h ago: admitted at hospital, school and rail (degraded)", code, err); err != nil {
		return err
	}
	h, _ := mapping.NewHolder("赵六", "330102198507071111")
	code, err = nic.Encode(d.node("330000").key, &mapping.Claims{V: 1, Iss: "330000", Org: "330000", JTI: "nic-demo-1",
		IAT: now.Add(-time.Hour).Unix(), EXP: now.Add(24 * time.Hour).Unix(), St: mapping.Green, SA: now.Add(-time.Hour).Unix(),
		HN: h.Name, HID: h.ID})
	return add(nic.Format, "330000", h.Name, "green without a test, degraded (Zhejiang's platform does not know this code): admitted at rail, denied at hospital and school", code, err)
}

// writeDemoRules signs Shanghai's scene rules (configs/demo/rules: what a
// hospital, a school and a station ask of a traveller) with the demo root
// into the trust folder every gateway loads; an anchor may sign rules for
// any region.
func writeDemoRules(root trust.Signer, dir string, now time.Time) error {
	rules := configs.DemoRules()
	names, err := fs.Glob(rules, "*.json")
	if err != nil || len(names) == 0 {
		return fmt.Errorf("demo rules: %v", err)
	}
	for _, name := range names {
		rule, err := fs.ReadFile(rules, name)
		if err != nil {
			return err
		}
		id := strings.TrimSuffix(name, ".json")
		tok, err := trust.SignRule(root, mapping.NationalRegion, rule, "demo-"+id, now)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "rule-"+id+".jws"), []byte(tok), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func (d *demo) print(w io.Writer) {
	fmt.Fprintf(w, "hcgw demo federation — DEMO keys and tokens, loopback only; data in %s\n\n", d.dir)
	for _, n := range d.nodes {
		fmt.Fprintf(w, "  %-13s %s  %s\n", n.name, n.region, n.url)
	}
	fmt.Fprintf(w, "\nCheckpoint page: %s/checkpoint (type the verifier token into it)\n", d.node("310000").url)
	fmt.Fprintf(w, "Operator page:   %s/operator (the hub's peers, keys and verdicts; type the admin token into it)\n", d.node("000000").url)
	fmt.Fprintf(w, "\nBearer tokens: verifier %q, admin %q\n\nSample codes (holder shown masked; the codes of gd-v1 and bj-v1 carry the full identity, as those provinces' codes do):\n",
		demoVerifierToken, demoAdminToken)
	for _, c := range d.codes {
		fmt.Fprintf(w, "\n  %s (%s, %s) → expect %s\n  %s\n", c.format, c.region, c.holder, c.expect, c.code)
	}
	shURL := d.node("310000").url
	zjCode := d.codes[0].code
	fmt.Fprintf(w, `
Verify the Zhejiang code at the Shanghai gateway (Shanghai asks the hub, the hub relays to Zhejiang):

  curl -s -X POST %s/v1/verify -H 'Authorization: Bearer %s' \
       -d '{"code":"%s","checkpoint":"SH-HQ-01"}'

Change its status on Zhejiang's simulated platform, then verify again (the answer is cached up to a minute):

  curl -s -X POST %s/v1/platform/codes -H 'Authorization: Bearer %s' \
       -d '{"cid":"%s","status":"red","holder":{"name":"张三丰","id":"330102199001011234"}}'

Ask every region for a holder's status (data sharing; only a keyed hash of the number leaves Shanghai):

  curl -s -X POST %s/v1/share/status -H 'Authorization: Bearer %s' -d '{"id":"11010519491231002X"}'

A traveller without a phone shows an identity card at Shanghai (every region is asked; Zhejiang
says green, Guangdong yellow: the most severe, in conflict):

  curl -s -X POST %s/v1/verify -H 'Authorization: Bearer %s' \
       -d '{"id_document":{"type":"resident_id","number":"%s"},"scene":"rail"}'

Convert the Shanghai code into a national code at the Shanghai gateway:

  curl -s -X POST %s/v1/convert -H 'Authorization: Bearer %s' -d '{"code":"%s"}'
`, shURL, demoVerifierToken, zjCode, d.node("330000").url, demoAdminToken, zjCode[len(zj.Prefix):],
		shURL, demoAdminToken, shURL, demoVerifierToken, demoElderID, shURL, demoVerifierToken, d.codes[2].code)
	tested, untested := d.codes[len(d.codes)-2].code, d.codes[len(d.codes)-1].code
	fmt.Fprintf(w, `
Shanghai's scene rules decide the admission (the verdict's "admission"): the code with a test
20 hours ago, then the one without a test, at a hospital (a negative test within 48 h), a school
(a test within 72 h) and a station (green):

  curl -s -X POST %[1]s/v1/verify -H 'Authorization: Bearer %[2]s' -d '{"code":"%[3]s","scene":"hospital"}'
  curl -s -X POST %[1]s/v1/verify -H 'Authorization: Bearer %[2]s' -d '{"code":"%[4]s","scene":"hospital"}'
  curl -s -X POST %[1]s/v1/verify -H 'Authorization: Bearer %[2]s' -d '{"code":"%[4]s","scene":"school"}'
  curl -s -X POST %[1]s/v1/verify -H 'Authorization: Bearer %[2]s' -d '{"code":"%[4]s","scene":"rail"}'
  curl -s %[1]s/v1/rules

At a venue, Shanghai's rule denies a stay in a city with risk areas (the itinerary's star):

  curl -s -X POST %[1]s/v1/verify -H 'Authorization: Bearer %[2]s' -d '{"code":"%[5]s","scene":"venue"}'
  curl -s -X POST %[1]s/v1/verify -H 'Authorization: Bearer %[2]s' -d '{"code":"%[6]s","scene":"venue"}'

Ctrl-C stops the federation.
`, shURL, demoVerifierToken, tested, untested, d.codes[len(d.codes)-4].code, d.codes[len(d.codes)-3].code)
}

func (d *demo) wait() error {
	var errs []error
	var mu sync.Mutex
	for i := 0; i < d.n; i++ {
		if err := <-d.done; err != nil {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		}
	}
	return errors.Join(errs...)
}

func sha256Hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}
