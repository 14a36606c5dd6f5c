package config

import (
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// normalized returns a copy of c that compares equal to any configuration
// with the same values: no provenance, and nil for empty lists.
func normalized(c *Config) Config {
	n := *c
	n.origin = origin{}
	v := reflect.ValueOf(&n).Elem()
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Struct:
			for i := range v.NumField() {
				if v.Type().Field(i).IsExported() {
					walk(v.Field(i))
				}
			}
		case reflect.Slice:
			if v.Len() == 0 {
				v.Set(reflect.Zero(v.Type()))
			}
		}
	}
	walk(v)
	return n
}

func assertSameConfig(t *testing.T, got, want *Config) {
	t.Helper()
	g, w := normalized(got), normalized(want)
	if !reflect.DeepEqual(g, w) {
		gy, _ := yaml.Marshal(g)
		wy, _ := yaml.Marshal(w)
		t.Errorf("configurations differ\n--- got\n%s\n--- want\n%s", gy, wy)
	}
}

// clearEnv removes every HCGW_* variable for the duration of the test, so that
// the machine's environment cannot change the outcome.
func clearEnv(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, EnvPrefix) {
			t.Setenv(name, "") // restores the value at the end of the test
			os.Unsetenv(name)
		}
	}
}

func parseFile(t *testing.T, path string) (*Config, error) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return Parse(path, data)
}

func TestDefaultIsValidAndMatchesDesign(t *testing.T) {
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatalf("Default() does not validate: %v", err)
	}
	if err := c.CheckFiles(); err != nil {
		t.Fatalf("Default() names files: %v", err)
	}
	tests := map[string]struct {
		got, want any
	}{
		"the gateway listens on loopback port 8080":         {c.Listen, "127.0.0.1:8080"},
		"the gateway serves the region of DESIGN's example": {c.Region, "310000"},
		"the database is the embedded SQLite":               {c.Database, Database{Driver: "sqlite", DSN: "file:hcgw.db"}},
		"the trust list is pulled every 60 s":               {c.Trust.PullInterval, 60 * time.Second},
		"expiring endorsements are announced a week ahead":  {c.Trust.ExpiryWarning, 168 * time.Hour},
		"records are committed before the answer":           {c.Audit.Sync, true},
		"a body is at most 64 KiB":                          {c.Server.MaxBodyBytes, int64(65536)},
		"a batch body is at most 4 MiB":                     {c.Server.MaxBatchBodyBytes, int64(4194304)},
		"a code is at most 4 KiB":                           {c.Server.MaxCodeBytes, 4096},
		"a batch holds at most 1000 codes":                  {c.Server.MaxBatchCodes, 1000},
		"a verification has 1.5 s":                          {c.Verify.Deadline, 1500 * time.Millisecond},
		"calls out are retried at most twice":               {c.Federation.Retries, 2},
		"a breaker opens after 5 failures":                  {c.Federation.BreakerFailures, 5},
		"a breaker half-opens after 10 s":                   {c.Federation.BreakerOpen, 10 * time.Second},
		"more than 3 hops is a loop":                        {c.Federation.MaxHops, 3},
		"nothing is trusted without configuration":          {len(c.Trust.Anchors), 0},
		"nobody can authenticate without configuration":     {len(c.Clients), 0},
		"logs are JSON at level info":                       {c.Log, Log{Level: "info", Format: "json"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if !reflect.DeepEqual(tc.got, tc.want) {
				t.Errorf("got %v, want %v", tc.got, tc.want)
			}
		})
	}
}

func TestGoldenFiles(t *testing.T) {
	full := Config{
		Listen:   "0.0.0.0:9443",
		Region:   "330000",
		Database: Database{Driver: "mysql", DSN: "hcgw:s3cret@tcp(127.0.0.1:3306)/hcgw?parseTime=true"},
		Trust: Trust{
			Anchors: []Anchor{
				{Path: "testdata/keys/root.pub.jwk"},
				{JWK: map[string]any{"kty": "OKP", "crv": "Ed25519", "x": "K25fc3bcVNJrioW0uV7mnXN-W4UTijpX4kHtfbVCALk"}},
			},
			EndorsementsDir: "testdata/endorsements",
			PullFrom:        "https://hub.example:8443",
			PullInterval:    30 * time.Second,
			DBRefresh:       500 * time.Millisecond,
			ExpiryWarning:   72 * time.Hour,
			DSCFile:         "testdata/dsc/trust-list.json",
			KeyTables:       32,
		},
		Keys: []string{"testdata/keys/gateway.jwk"},
		Clients: []Client{
			{Name: "gate-1", Role: "verifier", TokenSHA256: "5b7ebb2d146718ee431be705d18b7e90f0e032325a67c6057cffb8260d17c80c"},
			{Name: "ops", Role: "admin", TokenSHA256: "8205435d884702acdabb8d049b658a2fe72ca412ac5f201c64909af1fcb990e8"},
		},
		Peers: []Peer{
			{Region: "000000", URL: "https://hub.example:8443"},
			{Region: "310000", URL: "http://127.0.0.1:8091/gw"},
		},
		Audit: Audit{Sync: false, QueueSize: 1024, MaxBatch: 64, Linger: 3 * time.Millisecond, Retention: 90 * 24 * time.Hour},
		Server: Server{
			ReadTimeout: 6 * time.Second, ReadHeaderTimeout: 3 * time.Second, WriteTimeout: 12 * time.Second,
			IdleTimeout: 90 * time.Second, ShutdownTimeout: 20 * time.Second,
			MaxBodyBytes: 32768, MaxBatchBodyBytes: 2097152, MaxCodeBytes: 2048, MaxBatchCodes: 500,
			RateLimit: 100, RateBurst: 300, IDLookupRate: 3, IDLookupBurst: 7, TLSCertFile: "testdata/keys/gateway.jwk", TLSKeyFile: "testdata/keys/gateway.jwk",
			TLSClientCAFile: "testdata/keys/gateway.jwk",
		},
		Verify: Verify{ClockSkew: 30 * time.Second, Deadline: 2500 * time.Millisecond, BatchDeadline: 4 * time.Second, BatchParallelism: 16},
		QR:     QR{MaxDecodeBytes: 64 << 20, MaxConcurrent: 3},
		Federation: Federation{Retries: 1, BreakerFailures: 3, BreakerOpen: 20 * time.Second, CacheMaxTTL: time.Minute, MaxHops: 4, HolderKeyFile: "testdata/keys/gateway.jwk",
			TLSCAFile: "testdata/keys/gateway.jwk", TLSCertFile: "testdata/keys/gateway.jwk", TLSKeyFile: "testdata/keys/gateway.jwk"},
		Log:         Log{Level: "debug", Format: "text"},
		MappingsDir: "testdata/endorsements",
		Platform:    Platform{Kind: "http", URL: "http://127.0.0.1:9000/api", Format: "zj-v1"},
		Rules:       Rules{ValueSets: "testdata/valuesets.json"},
		Runtime:     Runtime{GCPercent: 250},
		Debug:       Debug{PprofAddr: "127.0.0.1:6060"},
	}
	design := Default()
	design.Trust.Anchors = []Anchor{{Path: "configs/keys/national-root.pub.jwk"}}
	design.Keys = []string{"configs/keys/shanghai.jwk"}
	design.Clients = full.Clients
	design.Peers = []Peer{{Region: "000000", URL: "http://127.0.0.1:8090"}}
	def := Default()

	tests := map[string]struct {
		file string
		want *Config
	}{
		"a file setting every key is read into every field":  {"testdata/full.yaml", &full},
		"the example of DESIGN §10 is a valid configuration": {"testdata/design.yaml", &design},
		"an empty file means the defaults":                   {"testdata/empty.yaml", &def},
		"a file of comments means the defaults":              {"testdata/comments.yaml", &def},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := parseFile(t, tc.file)
			if err != nil {
				t.Fatal(err)
			}
			assertSameConfig(t, got, tc.want)
		})
	}
}

// The full file must set every key to something other than its default;
// otherwise TestGoldenFiles could not tell a key that is read from one that
// is ignored.
func TestFullFileSetsEveryKey(t *testing.T) {
	full, err := parseFile(t, "testdata/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	def := Default()
	dvars, lists := envVars(&def)
	fvars, _ := envVars(full)
	for i, v := range dvars {
		if reflect.DeepEqual(v.v.Interface(), fvars[i].v.Interface()) {
			t.Errorf("testdata/full.yaml leaves %s at its default", v.path)
		}
	}
	if len(lists) != 2 || len(full.Clients) == 0 || len(full.Peers) == 0 {
		t.Errorf("testdata/full.yaml must set clients and peers (lists %v)", lists)
	}
}

func TestMarshalledConfigParsesBackToItself(t *testing.T) {
	for _, file := range []string{"testdata/full.yaml", "testdata/design.yaml", "testdata/empty.yaml"} {
		t.Run(file, func(t *testing.T) {
			c, err := parseFile(t, file)
			if err != nil {
				t.Fatal(err)
			}
			out, err := yaml.Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			again, err := Parse("marshalled", out)
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			assertSameConfig(t, again, c)
		})
	}
}

func TestResolvePathIsRelativeToTheWorkingDirectory(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	abs := filepath.Join(t.TempDir(), "k.jwk")
	tests := map[string]struct {
		in, want string
	}{
		"an empty path stays empty":                    {"", ""},
		"a relative path is joined to the working dir": {"configs/keys/a.jwk", filepath.Join(wd, "configs/keys/a.jwk")},
		"a relative path is cleaned":                   {"./configs/../configs/a.jwk", filepath.Join(wd, "configs/a.jwk")},
		"an absolute path is kept":                     {abs, abs},
		"a path is not expanded by a shell (no tilde)": {"~/k.jwk", filepath.Join(wd, "~/k.jwk")},
	}
	c := Default()
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := c.ResolvePath(tc.in); got != tc.want {
				t.Errorf("ResolvePath(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
