package config

import (
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

const (
	hashGate1 = "5b7ebb2d146718ee431be705d18b7e90f0e032325a67c6057cffb8260d17c80c"
	hashOps   = "8205435d884702acdabb8d049b658a2fe72ca412ac5f201c64909af1fcb990e8"
)

// validConfig is a configuration using every list, valid as it is.
func validConfig() Config {
	c := Default()
	c.Trust.Anchors = []Anchor{{Path: "testdata/keys/root.pub.jwk"}}
	c.Keys = []string{"testdata/keys/gateway.jwk"}
	c.Clients = []Client{
		{Name: "gate-1", Role: RoleVerifier, TokenSHA256: hashGate1},
		{Name: "ops", Role: RoleAdmin, TokenSHA256: hashOps},
	}
	c.Peers = []Peer{{Region: HubRegion, URL: "http://127.0.0.1:8090"}}
	return c
}

func TestValidConfigurationsPass(t *testing.T) {
	tests := map[string]func(c *Config){
		"the base configuration": func(c *Config) {},
		"the hub":                func(c *Config) { c.Region = HubRegion; c.Peers = []Peer{{Region: "310000", URL: "https://sh.example"}} },
		"all interfaces":         func(c *Config) { c.Listen = ":8080" },
		"a random port":          func(c *Config) { c.Listen = "127.0.0.1:0" },
		"an IPv6 address":        func(c *Config) { c.Listen = "[::1]:8080" },
		"MySQL": func(c *Config) {
			c.Database = Database{Driver: DriverMySQL, DSN: "hcgw:pw@tcp(db:3306)/hcgw?parseTime=true"}
		},
		"an inline anchor":                            func(c *Config) { c.Trust.Anchors = []Anchor{{JWK: map[string]any{"kty": "OKP", "x": "y"}}} },
		"no anchors at all (nothing is trusted)":      func(c *Config) { c.Trust.Anchors = nil },
		"pulling every second":                        func(c *Config) { c.Trust.PullFrom = "https://hub.example"; c.Trust.PullInterval = time.Second },
		"a zero pull interval when nothing is pulled": func(c *Config) { c.Trust.PullInterval = 0 },
		"no expiry warning":                           func(c *Config) { c.Trust.ExpiryWarning = 0 },
		"no retries":                                  func(c *Config) { c.Federation.Retries = 0 },
		"no cache":                                    func(c *Config) { c.Federation.CacheMaxTTL = 0 },
		"no clock skew":                               func(c *Config) { c.Verify.ClockSkew = 0 },
		"a batch of one record":                       func(c *Config) { c.Audit.MaxBatch = 1 },
		"records kept for ever":                       func(c *Config) { c.Audit.Retention = 0 },
		"records kept one day":                        func(c *Config) { c.Audit.Retention = 24 * time.Hour },
		"records kept ten years":                      func(c *Config) { c.Audit.Retention = 3660 * 24 * time.Hour },
		"a peer under a path":                         func(c *Config) { c.Peers[0].URL = "https://gw.example/hcgw/" },
		"a client name with dots and dashes":          func(c *Config) { c.Clients[0].Name = "gate-1.hall_B" },
		"profiles on IPv4 loopback":                   func(c *Config) { c.Debug.PprofAddr = "127.0.0.1:6060" },
		"profiles on IPv6 loopback":                   func(c *Config) { c.Debug.PprofAddr = "[::1]:6060" },
		"the simulated platform":                      func(c *Config) { c.Platform.Kind = PlatformSimulated },
		"a platform's own API": func(c *Config) {
			c.Platform = Platform{Kind: PlatformHTTP, URL: "http://127.0.0.1:9000/api", Format: "zj-v1"}
		},
	}
	for name, mutate := range tests {
		t.Run(name, func(t *testing.T) {
			c := validConfig()
			mutate(&c)
			if err := c.Validate(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestEveryValidationRule(t *testing.T) {
	tests := map[string]struct {
		mutate func(c *Config)
		want   string // without the "config: " prefix
	}{
		"listen without a port":                  {func(c *Config) { c.Listen = "localhost" }, `key listen: must be host:port, like "127.0.0.1:8080" or ":8080", not "localhost"`},
		"listen with a named port":               {func(c *Config) { c.Listen = "localhost:http" }, `key listen: port must be a number from 0 to 65535, not "http"`},
		"listen with a port out of range":        {func(c *Config) { c.Listen = ":65536" }, `key listen: port must be a number from 0 to 65535, not "65536"`},
		"pprof on every interface":               {func(c *Config) { c.Debug.PprofAddr = ":6060" }, `key debug.pprof_addr: must be a loopback address like "127.0.0.1:6060", not ":6060"`},
		"pprof on a routable address":            {func(c *Config) { c.Debug.PprofAddr = "10.0.0.1:6060" }, `key debug.pprof_addr: must be a loopback address like "127.0.0.1:6060", not "10.0.0.1:6060"`},
		"pprof on a host name":                   {func(c *Config) { c.Debug.PprofAddr = "localhost:6060" }, `key debug.pprof_addr: must be a loopback address like "127.0.0.1:6060", not "localhost:6060"`},
		"pprof without a port":                   {func(c *Config) { c.Debug.PprofAddr = "127.0.0.1" }, `key debug.pprof_addr: must be host:port, like "127.0.0.1:8080" or ":8080", not "127.0.0.1"`},
		"a region of five digits":                {func(c *Config) { c.Region = "31000" }, `key region: must be six digits (a GB/T 2260 region code; "000000" for the hub), not "31000"`},
		"a region with letters":                  {func(c *Config) { c.Region = "31000a" }, `key region: must be six digits (a GB/T 2260 region code; "000000" for the hub), not "31000a"`},
		"a region of non-ASCII digits":           {func(c *Config) { c.Region = "３１００００" }, `key region: must be six digits (a GB/T 2260 region code; "000000" for the hub), not "３１００００"`},
		"an unknown database driver":             {func(c *Config) { c.Database.Driver = "postgres" }, `key database.driver: must be "sqlite" or "mysql", not "postgres"`},
		"an empty DSN":                           {func(c *Config) { c.Database.DSN = "" }, `key database.dsn: must not be empty`},
		"a SQLite DSN left with driver mysql":    {func(c *Config) { c.Database.Driver = DriverMySQL }, `key database.dsn: "file:hcgw.db" is not a MySQL DSN like "user:password@tcp(host:3306)/hcgw?parseTime=true"`},
		"a MySQL URL, which the driver refuses":  {func(c *Config) { c.Database = Database{Driver: DriverMySQL, DSN: "mysql://u:secret@db/hcgw"} }, `key database.dsn: "mysql://u:***@db/hcgw" is not a MySQL DSN like "user:password@tcp(host:3306)/hcgw?parseTime=true"`},
		"an empty anchor":                        {func(c *Config) { c.Trust.Anchors = []Anchor{{}} }, `key trust.anchors[0]: must be the path of a JWK file or an inline JWK object, not empty`},
		"an anchor with a path and a JWK":        {func(c *Config) { c.Trust.Anchors[0].JWK = map[string]any{"kty": "OKP"} }, `key trust.anchors[0]: must be either a path or an inline JWK, not both`},
		"an inline anchor without kty":           {func(c *Config) { c.Trust.Anchors = []Anchor{{JWK: map[string]any{"x": "y"}}} }, `key trust.anchors[0]: inline JWK has no "kty": it is not a JWK`},
		"an inline anchor holding a private key": {func(c *Config) { c.Trust.Anchors = []Anchor{{JWK: map[string]any{"kty": "OKP", "d": "secret"}}} }, `key trust.anchors[0]: inline JWK holds a private key ("d"): an anchor is a public key; remove the private part and keep the private key offline`},
		"an inline anchor that is not JSON": {func(c *Config) {
			c.Trust.Anchors = []Anchor{{JWK: map[string]any{"kty": "OKP", "n": map[any]any{1: 2}}}}
		}, `key trust.anchors[0]: inline JWK cannot be encoded as JSON (keys must be strings, numbers finite)`},
		"pulling from a non-HTTP URL": {func(c *Config) { c.Trust.PullFrom = "ftp://hub.example" }, `key trust.pull_from: must be an absolute http:// or https:// URL`},
		"pulling more often than every second": {func(c *Config) {
			c.Trust.PullFrom = "https://hub.example"
			c.Trust.PullInterval = 500 * time.Millisecond
		}, `key trust.pull_interval: must be at least 1s when trust.pull_from is set`},
		"a negative pull interval":                 {func(c *Config) { c.Trust.PullInterval = -time.Second }, `key trust.pull_interval: must not be negative`},
		"a negative expiry warning":                {func(c *Config) { c.Trust.ExpiryWarning = -time.Hour }, `key trust.expiry_warning: must not be negative`},
		"an empty key path":                        {func(c *Config) { c.Keys = append(c.Keys, "") }, `key keys[1]: must not be empty`},
		"a trust refresh of 10ms":                  {func(c *Config) { c.Trust.DBRefresh = 10 * time.Millisecond }, `key trust.db_refresh: must be between 50ms and 1m, not 10ms`},
		"no trust refresh":                         {func(c *Config) { c.Trust.DBRefresh = 0 }, `key trust.db_refresh: must be between 50ms and 1m, not 0s`},
		"a trust refresh of an hour":               {func(c *Config) { c.Trust.DBRefresh = time.Hour }, `key trust.db_refresh: must be between 50ms and 1m, not 1h0m0s`},
		"a client without a name":                  {func(c *Config) { c.Clients[1].Name = "" }, `key clients[1].name: must not be empty`},
		"a client name with a space":               {func(c *Config) { c.Clients[1].Name = "ops team" }, `key clients[1].name: must be 1 to 64 of A-Z a-z 0-9 . _ -, not "ops team"`},
		"two clients with one name":                {func(c *Config) { c.Clients[1].Name = "gate-1" }, `key clients[1].name: "gate-1" is already the name of clients[0]`},
		"a client with an unknown role":            {func(c *Config) { c.Clients[0].Role = "root" }, `key clients[0].role: must be "verifier" or "admin", not "root"`},
		"a client with no role":                    {func(c *Config) { c.Clients[0].Role = "" }, `key clients[0].role: must be "verifier" or "admin", not ""`},
		"a token in clear":                         {func(c *Config) { c.Clients[1].TokenSHA256 = "ops-test-token" }, `key clients[1].token_sha256: must be 64 lowercase hex characters (the SHA-256 of the token, never the token)`},
		"a token hash in upper case":               {func(c *Config) { c.Clients[1].TokenSHA256 = strings.ToUpper(hashOps) }, `key clients[1].token_sha256: must be 64 lowercase hex characters (the SHA-256 of the token, never the token)`},
		"a token hash one character short":         {func(c *Config) { c.Clients[1].TokenSHA256 = hashOps[1:] }, `key clients[1].token_sha256: must be 64 lowercase hex characters (the SHA-256 of the token, never the token)`},
		"two clients with one token":               {func(c *Config) { c.Clients[1].TokenSHA256 = hashGate1 }, `key clients[1].token_sha256: is the same token as clients[0]: every client needs its own token`},
		"a peer region of letters":                 {func(c *Config) { c.Peers[0].Region = "hub" }, `key peers[0].region: must be six digits (a GB/T 2260 region code; "000000" for the hub), not "hub"`},
		"a peer for the gateway's own region":      {func(c *Config) { c.Peers[0].Region = "310000" }, `key peers[0].region: "310000" is this gateway's own region: a peer for it would send requests to itself`},
		"two peers for one region":                 {func(c *Config) { c.Peers = append(c.Peers, Peer{Region: HubRegion, URL: "http://b"}) }, `key peers[1].region: "000000" is already the region of peers[0]: one peer per region`},
		"a peer URL without a scheme":              {func(c *Config) { c.Peers[0].URL = "127.0.0.1:8090" }, `key peers[0].url: must be an absolute http:// or https:// URL`},
		"a relative peer URL":                      {func(c *Config) { c.Peers[0].URL = "/hub" }, `key peers[0].url: must be an absolute http:// or https:// URL`},
		"a peer URL without a host":                {func(c *Config) { c.Peers[0].URL = "http:///x" }, `key peers[0].url: must name a host`},
		"a peer URL with credentials":              {func(c *Config) { c.Peers[0].URL = "http://u:secret@hub" }, `key peers[0].url: must not carry credentials: peers authenticate by signing their requests`},
		"a peer URL with a query":                  {func(c *Config) { c.Peers[0].URL = "http://hub/?x=1" }, `key peers[0].url: must be a base URL, without a query or fragment`},
		"an empty peer URL":                        {func(c *Config) { c.Peers[0].URL = "" }, `key peers[0].url: must be an absolute http:// or https:// URL, not empty`},
		"a peer URL that does not parse":           {func(c *Config) { c.Peers[0].URL = "http://[::1" }, `key peers[0].url: must be an absolute http:// or https:// URL`},
		"an audit queue of zero":                   {func(c *Config) { c.Audit.QueueSize = 0 }, `key audit.queue_size: must be between 1 and 1048576, not 0`},
		"an audit queue too large":                 {func(c *Config) { c.Audit.QueueSize = 1 << 21; c.Audit.MaxBatch = 1 }, `key audit.queue_size: must be between 1 and 1048576, not 2097152`},
		"an audit batch of zero":                   {func(c *Config) { c.Audit.MaxBatch = 0 }, `key audit.max_batch: must be between 1 and 1048576, not 0`},
		"a retention under a day":                  {func(c *Config) { c.Audit.Retention = 23 * time.Hour }, `key audit.retention: must be 0 or between 24h and 878400h, not 23h0m0s`},
		"a negative retention":                     {func(c *Config) { c.Audit.Retention = -time.Hour }, `key audit.retention: must be 0 or between 24h and 878400h, not -1h0m0s`},
		"a retention of two centuries":             {func(c *Config) { c.Audit.Retention = 2 * 878400 * time.Hour }, `key audit.retention: must be 0 or between 24h and 878400h, not 1756800h0m0s`},
		"an audit batch larger than its queue":     {func(c *Config) { c.Audit.MaxBatch = 9000 }, `key audit.max_batch: must not exceed audit.queue_size (8192)`},
		"a zero read timeout":                      {func(c *Config) { c.Server.ReadTimeout = 0; c.Server.ReadHeaderTimeout = 0 }, "key server.read_timeout: must be a positive duration, not 0s\nconfig: key server.read_header_timeout: must be a positive duration, not 0s"},
		"a negative write timeout":                 {func(c *Config) { c.Server.WriteTimeout = -time.Second; c.Verify.Deadline = time.Second }, `key server.write_timeout: must be a positive duration, not -1s`},
		"a zero idle timeout":                      {func(c *Config) { c.Server.IdleTimeout = 0 }, `key server.idle_timeout: must be a positive duration, not 0s`},
		"a zero shutdown timeout":                  {func(c *Config) { c.Server.ShutdownTimeout = 0 }, `key server.shutdown_timeout: must be a positive duration, not 0s`},
		"a header timeout beyond the read timeout": {func(c *Config) { c.Server.ReadHeaderTimeout = 6 * time.Second }, `key server.read_header_timeout: must not exceed server.read_timeout (5s)`},
		"a zero body limit":                        {func(c *Config) { c.Server.MaxBodyBytes = 0 }, `key server.max_body_bytes: must be between 1 and 1073741824, not 0`},
		"a batch body limit beyond 1 GiB":          {func(c *Config) { c.Server.MaxBatchBodyBytes = 1<<30 + 1 }, `key server.max_batch_body_bytes: must be between 1 and 1073741824, not 1073741825`},
		"a batch body limit below the body limit":  {func(c *Config) { c.Server.MaxBatchBodyBytes = 1000 }, `key server.max_batch_body_bytes: must not be less than server.max_body_bytes (65536)`},
		"a code limit beyond the body limit":       {func(c *Config) { c.Server.MaxCodeBytes = 70000 }, `key server.max_code_bytes: must not exceed server.max_body_bytes (65536)`},
		"a negative code limit":                    {func(c *Config) { c.Server.MaxCodeBytes = -1 }, `key server.max_code_bytes: must be between 1 and 1073741824, not -1`},
		"a batch of zero codes":                    {func(c *Config) { c.Server.MaxBatchCodes = 0 }, `key server.max_batch_codes: must be between 1 and 100000, not 0`},
		"a negative clock skew":                    {func(c *Config) { c.Verify.ClockSkew = -time.Second }, `key verify.clock_skew: must be between 0 and 5m, not -1s`},
		"a clock skew of an hour":                  {func(c *Config) { c.Verify.ClockSkew = time.Hour }, `key verify.clock_skew: must be between 0 and 5m, not 1h0m0s`},
		"a zero deadline":                          {func(c *Config) { c.Verify.Deadline = 0 }, `key verify.deadline: must be a positive duration, not 0s`},
		"a deadline beyond the write timeout":      {func(c *Config) { c.Verify.Deadline = 10 * time.Second }, `key verify.deadline: must be shorter than server.write_timeout (10s), or answers are cut off`},
		"a batch deadline past the write timeout":  {func(c *Config) { c.Verify.BatchDeadline = 10 * time.Second }, `key verify.batch_deadline: must be shorter than server.write_timeout (10s), or batch answers are cut off`},
		"a zero batch deadline":                    {func(c *Config) { c.Verify.BatchDeadline = 0 }, `key verify.batch_deadline: must be a positive duration, not 0s`},
		"a batch verified 2000 at a time":          {func(c *Config) { c.Verify.BatchParallelism = 2000 }, `key verify.batch_parallelism: must be between 1 and 1024, not 2000`},
		"a decode bound of 1 MiB":                  {func(c *Config) { c.QR.MaxDecodeBytes = 1 << 20 }, `key qr.max_decode_bytes: must be between 67108864 and 17179869184, not 1048576`},
		"a decode bound of 32 GiB":                 {func(c *Config) { c.QR.MaxDecodeBytes = 32 << 30 }, `key qr.max_decode_bytes: must be between 67108864 and 17179869184, not 34359738368`},
		"no decode at a time":                      {func(c *Config) { c.QR.MaxConcurrent = 0 }, `key qr.max_concurrent: must be between 1 and 1024, not 0`},
		"negative retries":                         {func(c *Config) { c.Federation.Retries = -1 }, `key federation.retries: must be between 0 and 10, not -1`},
		"eleven retries":                           {func(c *Config) { c.Federation.Retries = 11 }, `key federation.retries: must be between 0 and 10, not 11`},
		"a breaker that never opens":               {func(c *Config) { c.Federation.BreakerFailures = 0 }, `key federation.breaker_failures: must be between 1 and 1000, not 0`},
		"a breaker open for no time":               {func(c *Config) { c.Federation.BreakerOpen = 0 }, `key federation.breaker_open: must be a positive duration, not 0s`},
		"a negative cache TTL":                     {func(c *Config) { c.Federation.CacheMaxTTL = -time.Minute }, `key federation.cache_max_ttl: must not be negative`},
		"zero hops":                                {func(c *Config) { c.Federation.MaxHops = 0 }, `key federation.max_hops: must be between 1 and 10, not 0`},
		"eleven hops":                              {func(c *Config) { c.Federation.MaxHops = 11 }, `key federation.max_hops: must be between 1 and 10, not 11`},
		"an unknown platform kind":                 {func(c *Config) { c.Platform.Kind = "grpc" }, `key platform.kind: must be "", "simulated" or "http", not "grpc"`},
		"a platform API without a URL":             {func(c *Config) { c.Platform = Platform{Kind: PlatformHTTP, Format: "zj-v1"} }, `key platform.url: must be an absolute http:// or https:// URL, not empty`},
		"a platform API without a format":          {func(c *Config) { c.Platform = Platform{Kind: PlatformHTTP, URL: "http://p"} }, `key platform.format: must name the local format whose mapping table translates the platform's statuses`},
		"an unknown log level":                     {func(c *Config) { c.Log.Level = "trace" }, `key log.level: must be "debug", "info", "warn" or "error", not "trace"`},
		"an unknown log format":                    {func(c *Config) { c.Log.Format = "logfmt" }, `key log.format: must be "json" or "text", not "logfmt"`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := validConfig()
			tc.mutate(&c)
			wantErrors(t, c.Validate(), "config: "+tc.want)
		})
	}
}

// A file with many mistakes gets all of them reported, each naming the file
// and the key; the expected text is a golden file.
func TestValidationReportsEveryProblemAtOnce(t *testing.T) {
	const file, golden = "testdata/everything-wrong.yaml", "testdata/everything-wrong.golden"
	_, err := parseFile(t, file)
	if err == nil {
		t.Fatal("no error")
	}
	got := err.Error() + "\n"
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("got:\n%s\nwant (%s):\n%s", got, golden, want)
	}
	for i, line := range strings.Split(strings.TrimSpace(got), "\n") {
		if !strings.HasPrefix(line, "config "+file+": key ") {
			t.Errorf("line %d does not name the file and a key: %s", i+1, line)
		}
	}
}

func TestErrorsNeverShowSecrets(t *testing.T) {
	const password = "Pa55w0rd-do-not-show"
	tests := map[string]string{
		"a token hash in upper case": "clients:\n  - {name: a, role: admin, token_sha256: \"" + strings.ToUpper(hashGate1) + "\"}\n",
		"a clear token":              "clients:\n  - {name: a, role: admin, token_sha256: \"" + password + "\"}\n",
		"a repeated token hash": "clients:\n  - {name: a, role: admin, token_sha256: \"" + hashGate1 + "\"}\n" +
			"  - {name: b, role: admin, token_sha256: \"" + hashGate1 + "\"}\n",
		"a MySQL DSN that is a URL":     "database: {driver: mysql, dsn: \"mysql://hcgw:" + password + "@db:3306/hcgw\"}\n",
		"a MySQL DSN without database":  "database: {driver: mysql, dsn: \"hcgw:" + password + "@tcp(db:3306)\"}\n",
		"a peer URL with credentials":   "peers:\n  - {region: \"000000\", url: \"http://hcgw:" + password + "@hub\"}\n",
		"a pull URL with credentials":   "trust: {pull_from: \"http://hcgw:" + password + "@hub\"}\n",
		"a DSN given where a list goes": "keys: \"" + password + "\"\n",
	}
	for name, doc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("f.yaml", []byte(doc))
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			for _, secret := range []string{password, hashGate1, strings.ToUpper(hashGate1)} {
				if strings.Contains(msg, secret) {
					t.Errorf("the error shows a secret: %s", msg)
				}
			}
		})
	}
}

func TestCheckFiles(t *testing.T) {
	tests := map[string]struct {
		mutate func(c *Config)
		want   string // "" for no error; without the "config: " prefix
	}{
		"existing anchor, key and endorsements folder": {func(c *Config) { c.Trust.EndorsementsDir = "testdata/endorsements" }, ""},
		"an inline anchor reads no file":               {func(c *Config) { c.Trust.Anchors = []Anchor{{JWK: map[string]any{"kty": "OKP"}}} }, ""},
		"a missing anchor file":                        {func(c *Config) { c.Trust.Anchors[0].Path = "testdata/keys/missing.jwk" }, `key trust.anchors[0]: anchor file ` + shown("testdata/keys/missing.jwk") + `: no such file or directory`},
		"an anchor file that is not JSON":              {func(c *Config) { c.Trust.Anchors[0].Path = "testdata/keys/not-json.jwk" }, `key trust.anchors[0]: anchor file ` + shown("testdata/keys/not-json.jwk") + `: not a JSON object: invalid character 'h' in literal true (expecting 'r')`},
		"an anchor file without kty":                   {func(c *Config) { c.Trust.Anchors[0].Path = "testdata/keys/no-kty.jwk" }, `key trust.anchors[0]: anchor file ` + shown("testdata/keys/no-kty.jwk") + `: has no "kty": it is not a JWK`},
		"an anchor file holding the root private key":  {func(c *Config) { c.Trust.Anchors[0].Path = "testdata/keys/root.private.jwk" }, `key trust.anchors[0]: anchor file ` + shown("testdata/keys/root.private.jwk") + `: holds a private key ("d"): an anchor is a public key; remove the private part and keep the private key offline`},
		"an anchor that is a folder":                   {func(c *Config) { c.Trust.Anchors[0].Path = "testdata/keys" }, `key trust.anchors[0]: anchor file ` + shown("testdata/keys") + `: not a regular file`},
		"a missing key file":                           {func(c *Config) { c.Keys = []string{"testdata/keys/gateway.jwk", "testdata/keys/gone.jwk"} }, `key keys[1]: key file ` + shown("testdata/keys/gone.jwk") + `: no such file or directory`},
		"an existing trust list of DSCs":               {func(c *Config) { c.Trust.DSCFile = "testdata/dsc/trust-list.json" }, ""},
		"a missing trust list of DSCs":                 {func(c *Config) { c.Trust.DSCFile = "testdata/dsc/gone.json" }, `key trust.dsc_file: ` + shown("testdata/dsc/gone.json") + `: no such file or directory`},
		"a trust list of DSCs that is a folder":        {func(c *Config) { c.Trust.DSCFile = "testdata/dsc" }, `key trust.dsc_file: ` + shown("testdata/dsc") + `: not a regular file`},
		"a missing endorsements folder":                {func(c *Config) { c.Trust.EndorsementsDir = "testdata/nowhere" }, `key trust.endorsements_dir: ` + shown("testdata/nowhere") + `: no such file or directory`},
		"an endorsements folder that is a file":        {func(c *Config) { c.Trust.EndorsementsDir = "testdata/full.yaml" }, `key trust.endorsements_dir: ` + shown("testdata/full.yaml") + ` is not a directory`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := validConfig()
			tc.mutate(&c)
			err := c.CheckFiles()
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantErrors(t, err, "config: "+tc.want)
		})
	}
}

// shown is how a relative path appears in messages: as configured, then
// resolved.
func shown(p string) string {
	c := Default()
	return p + " (" + c.ResolvePath(p) + ")"
}

// Every validate tag on Config must be one whose failure Validate words;
// otherwise a new field's check would fail with the library's jargon.
func TestEveryValidateTagHasAMessage(t *testing.T) {
	worded := map[string]bool{"required": true, "oneof": true, "region": true, "clientname": true,
		"sha256": true, "min": true, "max": true, "omitempty": true, "dive": true}
	var walk func(t reflect.Type, path string)
	n := 0
	walk = func(typ reflect.Type, path string) {
		for i := range typ.NumField() {
			f := typ.Field(i)
			for _, rule := range strings.Split(f.Tag.Get("validate"), ",") {
				name, param, _ := strings.Cut(rule, "=")
				switch {
				case rule == "":
				case name == "gt" || name == "gte":
					// Their messages say "positive" and "not negative".
					if param != "0" || f.Type != reflect.TypeFor[time.Duration]() {
						t.Errorf("%s: %s is worded for durations against 0 only", path+f.Name, rule)
					}
				case !worded[name]:
					t.Errorf("%s: the tag %s has no message of its own", path+f.Name, name)
				}
				n++
			}
			ft := f.Type
			if ft.Kind() == reflect.Slice {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct && f.IsExported() {
				walk(ft, path+f.Name+".")
			}
		}
	}
	walk(reflect.TypeFor[Config](), "")
	if n < 40 {
		t.Errorf("only %d rules found: the walk misses fields", n)
	}
}
