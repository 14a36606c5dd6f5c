package config

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestEnvNamesFollowTheYAMLKeys(t *testing.T) {
	want := []string{
		"HCGW_LISTEN",
		"HCGW_REGION",
		"HCGW_DATABASE_DRIVER",
		"HCGW_DATABASE_DSN",
		"HCGW_TRUST_ANCHORS",
		"HCGW_TRUST_ENDORSEMENTS_DIR",
		"HCGW_TRUST_PULL_FROM",
		"HCGW_TRUST_PULL_INTERVAL",
		"HCGW_TRUST_DB_REFRESH",
		"HCGW_TRUST_EXPIRY_WARNING",
		"HCGW_TRUST_DSC_FILE",
		"HCGW_TRUST_KEY_TABLES",
		"HCGW_KEYS",
		"HCGW_AUDIT_SYNC",
		"HCGW_AUDIT_QUEUE_SIZE",
		"HCGW_AUDIT_MAX_BATCH",
		"HCGW_AUDIT_LINGER",
		"HCGW_AUDIT_RETENTION",
		"HCGW_SERVER_READ_TIMEOUT",
		"HCGW_SERVER_READ_HEADER_TIMEOUT",
		"HCGW_SERVER_WRITE_TIMEOUT",
		"HCGW_SERVER_IDLE_TIMEOUT",
		"HCGW_SERVER_SHUTDOWN_TIMEOUT",
		"HCGW_SERVER_MAX_BODY_BYTES",
		"HCGW_SERVER_MAX_BATCH_BODY_BYTES",
		"HCGW_SERVER_MAX_CODE_BYTES",
		"HCGW_SERVER_MAX_BATCH_CODES",
		"HCGW_SERVER_RATE_LIMIT",
		"HCGW_SERVER_RATE_BURST",
		"HCGW_SERVER_ID_LOOKUP_RATE",
		"HCGW_SERVER_ID_LOOKUP_BURST",
		"HCGW_SERVER_TLS_CERT_FILE",
		"HCGW_SERVER_TLS_KEY_FILE",
		"HCGW_SERVER_TLS_CLIENT_CA_FILE",
		"HCGW_VERIFY_CLOCK_SKEW",
		"HCGW_VERIFY_DEADLINE",
		"HCGW_VERIFY_BATCH_DEADLINE",
		"HCGW_VERIFY_BATCH_PARALLELISM",
		"HCGW_FEDERATION_RETRIES",
		"HCGW_FEDERATION_BREAKER_FAILURES",
		"HCGW_FEDERATION_BREAKER_OPEN",
		"HCGW_FEDERATION_CACHE_MAX_TTL",
		"HCGW_FEDERATION_MAX_HOPS",
		"HCGW_FEDERATION_HOLDER_KEY_FILE",
		"HCGW_FEDERATION_TLS_CA_FILE",
		"HCGW_FEDERATION_TLS_CERT_FILE",
		"HCGW_FEDERATION_TLS_KEY_FILE",
		"HCGW_QR_MAX_DECODE_BYTES",
		"HCGW_QR_MAX_CONCURRENT",
		"HCGW_LOG_LEVEL",
		"HCGW_LOG_FORMAT",
		"HCGW_PLATFORM_KIND",
		"HCGW_PLATFORM_URL",
		"HCGW_PLATFORM_FORMAT",
		"HCGW_MAPPINGS_DIR",
		"HCGW_RULES_VALUE_SETS",
		"HCGW_RUNTIME_GC_PERCENT",
		"HCGW_DEBUG_PPROF_ADDR",
	}
	got := EnvNames()
	if !slices.Equal(got, want) {
		t.Errorf("EnvNames() =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	seen := map[string]bool{}
	for _, n := range got {
		if seen[n] {
			t.Errorf("%s names two keys", n)
		}
		seen[n] = true
	}
}

func TestEnvOverrides(t *testing.T) {
	tests := map[string]struct {
		env   []string
		check func(c *Config) (got, want any)
		path  string // the key the variable is recorded as having set
	}{
		"a nested key": {
			[]string{"HCGW_DATABASE_DSN=file:/var/lib/hcgw/hcgw.db"},
			func(c *Config) (any, any) { return c.Database.DSN, "file:/var/lib/hcgw/hcgw.db" },
			"database.dsn",
		},
		"a key whose name contains an underscore": {
			[]string{"HCGW_TRUST_ENDORSEMENTS_DIR=testdata/endorsements"},
			func(c *Config) (any, any) { return c.Trust.EndorsementsDir, "testdata/endorsements" },
			"trust.endorsements_dir",
		},
		"the trust list of document signers": {
			[]string{"HCGW_TRUST_DSC_FILE=testdata/dsc/trust-list.json"},
			func(c *Config) (any, any) { return c.Trust.DSCFile, "testdata/dsc/trust-list.json" },
			"trust.dsc_file",
		},
		"a duration": {
			[]string{"HCGW_TRUST_PULL_INTERVAL=90s"},
			func(c *Config) (any, any) { return c.Trust.PullInterval, 90 * time.Second },
			"trust.pull_interval",
		},
		"a fractional duration": {
			[]string{"HCGW_VERIFY_DEADLINE=1.25s"},
			func(c *Config) (any, any) { return c.Verify.Deadline, 1250 * time.Millisecond },
			"verify.deadline",
		},
		"a bool set to false": {
			[]string{"HCGW_AUDIT_SYNC=false"},
			func(c *Config) (any, any) { return c.Audit.Sync, false },
			"audit.sync",
		},
		"a bool written 0": {
			[]string{"HCGW_AUDIT_SYNC=0"},
			func(c *Config) (any, any) { return c.Audit.Sync, false },
			"audit.sync",
		},
		"an integer": {
			[]string{"HCGW_SERVER_MAX_BATCH_CODES=250"},
			func(c *Config) (any, any) { return c.Server.MaxBatchCodes, 250 },
			"server.max_batch_codes",
		},
		"a 64-bit integer": {
			[]string{"HCGW_SERVER_MAX_BATCH_BODY_BYTES=8388608"},
			func(c *Config) (any, any) { return c.Server.MaxBatchBodyBytes, int64(8388608) },
			"server.max_batch_body_bytes",
		},
		"a top-level string": {
			[]string{"HCGW_REGION=000000"},
			func(c *Config) (any, any) { return c.Region, "000000" },
			"region",
		},
		"a comma list of key paths": {
			[]string{"HCGW_KEYS=testdata/keys/gateway.jwk, testdata/keys/root.pub.jwk"},
			func(c *Config) (any, any) {
				return c.Keys, []string{"testdata/keys/gateway.jwk", "testdata/keys/root.pub.jwk"}
			},
			"keys",
		},
		"a comma list of anchor paths": {
			[]string{"HCGW_TRUST_ANCHORS=testdata/keys/root.pub.jwk"},
			func(c *Config) (any, any) { return c.Trust.Anchors, []Anchor{{Path: "testdata/keys/root.pub.jwk"}} },
			"trust.anchors",
		},
		"an empty list": {
			[]string{"HCGW_KEYS="},
			func(c *Config) (any, any) { return c.Keys, []string{} },
			"keys",
		},
		"an empty string disables pulling": {
			[]string{"HCGW_TRUST_PULL_FROM="},
			func(c *Config) (any, any) { return c.Trust.PullFrom, "" },
			"trust.pull_from",
		},
		"a variable that is not a key is left to its owner": {
			[]string{"HCGW_CONFIG=/etc/hcgw.yaml", "HCGW=1", "HCGWX_LISTEN=:1", "PATH=/bin"},
			func(c *Config) (any, any) { return normalized(c), normalized(ptr(Default())) },
			"",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := Default()
			if err := c.applyEnv(tc.env); err != nil {
				t.Fatal(err)
			}
			got, want := tc.check(&c)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %#v, want %#v", got, want)
			}
			if tc.path != "" {
				name, _, _ := strings.Cut(tc.env[0], "=")
				if src := c.origin.source(tc.path); src != "env "+name {
					t.Errorf("source of %s = %q", tc.path, src)
				}
			}
		})
	}
}

func TestBadEnvValues(t *testing.T) {
	tests := map[string]struct {
		env  []string
		want []string
	}{
		"a bool that is not one": {
			[]string{"HCGW_AUDIT_SYNC=yes please"},
			[]string{`config env HCGW_AUDIT_SYNC: key audit.sync: must be true or false, not "yes please"`},
		},
		"a plain integer for a duration": {
			[]string{"HCGW_TRUST_PULL_INTERVAL=60"},
			[]string{`config env HCGW_TRUST_PULL_INTERVAL: key trust.pull_interval: must be a duration with a unit, like "60s" or "1.5s": a plain number such as 60 is ambiguous`},
		},
		"a word for a duration": {
			[]string{"HCGW_SERVER_READ_TIMEOUT=fast"},
			[]string{`config env HCGW_SERVER_READ_TIMEOUT: key server.read_timeout: must be a duration like "60s", "1.5s" or "5m", not "fast"`},
		},
		"an empty integer": {
			[]string{"HCGW_AUDIT_QUEUE_SIZE="},
			[]string{`config env HCGW_AUDIT_QUEUE_SIZE: key audit.queue_size: must be an integer, not ""`},
		},
		"an integer with a unit": {
			[]string{"HCGW_SERVER_MAX_BODY_BYTES=64KiB"},
			[]string{`config env HCGW_SERVER_MAX_BODY_BYTES: key server.max_body_bytes: must be an integer, not "64KiB"`},
		},
		"an integer too large for its key": {
			[]string{"HCGW_AUDIT_MAX_BATCH=99999999999999999999"},
			[]string{`config env HCGW_AUDIT_MAX_BATCH: key audit.max_batch: must be an integer, not "99999999999999999999"`},
		},
		"a list with an empty item": {
			[]string{"HCGW_KEYS=a.jwk,,b.jwk"},
			[]string{`config env HCGW_KEYS: key keys: item 2 of the comma-separated list is empty`},
		},
		"a mistyped key in a section": {
			[]string{"HCGW_DATABASE_DNS=x"},
			[]string{`config env HCGW_DATABASE_DNS: no such configuration key (did you mean HCGW_DATABASE_DSN?)`},
		},
		"a key spelt as in the file's nesting only": {
			[]string{"HCGW_TRUST_PULLINTERVAL=5s"},
			[]string{`config env HCGW_TRUST_PULLINTERVAL: no such configuration key (did you mean HCGW_TRUST_PULL_INTERVAL?)`},
		},
		"clients": {
			[]string{"HCGW_CLIENTS=ops:admin:abc"},
			[]string{`config env HCGW_CLIENTS: clients and peers cannot be set from the environment; set them in the configuration file`},
		},
		"a peer's field": {
			[]string{"HCGW_PEERS_0_URL=http://x"},
			[]string{`config env HCGW_PEERS_0_URL: clients and peers cannot be set from the environment; set them in the configuration file`},
		},
		"several at once, in name order": {
			[]string{"HCGW_VERIFY_DEADLINE=2", "HCGW_AUDIT_SYNC=on", "HCGW_LOG_LEVEL=debug"},
			[]string{
				`config env HCGW_AUDIT_SYNC: key audit.sync: must be true or false, not "on"`,
				`config env HCGW_VERIFY_DEADLINE: key verify.deadline: must be a duration with a unit, like "60s" or "1.5s": a plain number such as 2 is ambiguous`,
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := Default()
			wantErrors(t, c.applyEnv(tc.env), tc.want...)
		})
	}
}

func TestStringEnvValuesAreNeverShown(t *testing.T) {
	c := Default()
	err := c.applyEnv([]string{"HCGW_DATABASE_DRIVER=mysql", "HCGW_DATABASE_DSN=mysql://u:Sup3rSecret@db/hcgw"})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Validate()
	wantErrors(t, err, `config env HCGW_DATABASE_DSN: key database.dsn: "mysql://u:***@db/hcgw" is not a MySQL DSN like "user:password@tcp(host:3306)/hcgw?parseTime=true"`)
}

func TestLoadAppliesTheEnvironmentOverTheFile(t *testing.T) {
	clearEnv(t)
	t.Setenv("HCGW_DATABASE_DSN", "hcgw:other@tcp(db2:3306)/hcgw")
	t.Setenv("HCGW_TRUST_ENDORSEMENTS_DIR", "testdata/keys")
	t.Setenv("HCGW_AUDIT_SYNC", "true")
	t.Setenv("HCGW_SERVER_READ_TIMEOUT", "7s")
	t.Setenv("HCGW_KEYS", "testdata/keys/gateway.jwk,testdata/keys/root.pub.jwk")
	c, err := Load("testdata/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want, err := parseFile(t, "testdata/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want.Database.DSN = "hcgw:other@tcp(db2:3306)/hcgw"
	want.Trust.EndorsementsDir = "testdata/keys"
	want.Audit.Sync = true
	want.Server.ReadTimeout = 7 * time.Second
	want.Keys = []string{"testdata/keys/gateway.jwk", "testdata/keys/root.pub.jwk"}
	assertSameConfig(t, c, want)
}

func TestLoadErrors(t *testing.T) {
	tests := map[string]struct {
		file string
		env  map[string]string
		want []string
	}{
		"a missing file": {
			"testdata/missing.yaml", nil,
			[]string{`config testdata/missing.yaml: no such file or directory`},
		},
		"a value set by the environment is blamed on the variable": {
			"testdata/full.yaml", map[string]string{"HCGW_FEDERATION_MAX_HOPS": "0"},
			[]string{`config env HCGW_FEDERATION_MAX_HOPS: key federation.max_hops: must be between 1 and 10, not 0`},
		},
		"a list set by the environment is blamed on the variable": {
			"testdata/full.yaml", map[string]string{"HCGW_TRUST_ANCHORS": "testdata/keys/root.private.jwk"},
			[]string{`config env HCGW_TRUST_ANCHORS: key trust.anchors[0]: anchor file ` + shown("testdata/keys/root.private.jwk") + `: holds a private key ("d"): an anchor is a public key; remove the private part and keep the private key offline`},
		},
		"environment, validation and file problems together": {
			"testdata/full.yaml", map[string]string{"HCGW_AUDIT_SYNC": "maybe", "HCGW_LOG_LEVEL": "loud", "HCGW_KEYS": "testdata/keys/gone.jwk"},
			[]string{
				`config env HCGW_AUDIT_SYNC: key audit.sync: must be true or false, not "maybe"`,
				`config env HCGW_LOG_LEVEL: key log.level: must be "debug", "info", "warn" or "error", not "loud"`,
				`config env HCGW_KEYS: key keys[0]: key file ` + shown("testdata/keys/gone.jwk") + `: no such file or directory`,
			},
		},
		"a file problem is blamed on the file": {
			"testdata/design.yaml", nil,
			[]string{
				`config testdata/design.yaml: key trust.anchors[0]: anchor file ` + shown("configs/keys/national-root.pub.jwk") + `: no such file or directory`,
				`config testdata/design.yaml: key keys[0]: key file ` + shown("configs/keys/shanghai.jwk") + `: no such file or directory`,
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			clearEnv(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			c, err := Load(tc.file)
			if c != nil {
				t.Errorf("Load returned a configuration with an error")
			}
			wantErrors(t, err, tc.want...)
			var fe *fieldError
			if !errors.As(err, &fe) {
				t.Errorf("not a *fieldError: %T", err)
			}
		})
	}
}

func TestLoadEnvOnly(t *testing.T) {
	clearEnv(t)
	c, err := LoadEnvOnly()
	if err != nil {
		t.Fatal(err)
	}
	def := Default()
	assertSameConfig(t, c, &def)

	t.Setenv("HCGW_LISTEN", ":9000")
	t.Setenv("HCGW_REGION", "000000")
	c, err = LoadEnvOnly()
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != ":9000" || c.Region != "000000" {
		t.Errorf("got listen %q region %q", c.Listen, c.Region)
	}

	t.Setenv("HCGW_REGION", "hub")
	_, err = LoadEnvOnly()
	wantErrors(t, err, `config env HCGW_REGION: key region: must be six digits (a GB/T 2260 region code; "000000" for the hub), not "hub"`)
}

func ptr[T any](v T) *T { return &v }
