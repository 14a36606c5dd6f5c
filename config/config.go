package config

import (
	"path/filepath"
	"time"
)

// Config is the whole configuration of one gateway. The yaml tags are the
// file's keys; the HCGW_* environment variable of a scalar key is its path
// upper-cased with "_" between the parts (database.dsn → HCGW_DATABASE_DSN).
//
// The keys of DESIGN §10 are listen, region, database, trust (anchors,
// endorsements_dir, pull_from, pull_interval), keys, clients, peers and
// audit.sync; the others are operational additions. docs/configuration.md
// lists every key with its default.
//
// The validate tags are the checks of one value (go-playground/validator,
// worded by Validate); checks across keys are written in validate.go.
// Default is the one place that sets defaults: other packages read them
// from it.
type Config struct {
	// Listen is the host:port the HTTP API listens on.
	Listen string `yaml:"listen"`
	// Region is the six-digit region this gateway serves; "000000" for the hub.
	Region string `yaml:"region" validate:"region"`
	// Database selects the store.
	Database Database `yaml:"database"`
	// Trust configures the trust registry.
	Trust Trust `yaml:"trust"`
	// Keys are paths of this gateway's own private signing keys (JWK files).
	Keys []string `yaml:"keys" validate:"dive,required"`
	// Clients are the bearer-token clients; tokens are stored as SHA-256 hex.
	Clients []Client `yaml:"clients" validate:"dive"`
	// Peers are the other gateways this one talks to, one per region.
	Peers []Peer `yaml:"peers" validate:"dive"`
	// Audit configures the verification records' group commit.
	Audit Audit `yaml:"audit"`
	// Server holds HTTP timeouts and request size limits.
	Server Server `yaml:"server"`
	// Verify holds the verification's clock skew and deadline.
	Verify Verify `yaml:"verify"`
	// Federation holds the outbound client's retry, breaker and cache settings.
	Federation Federation `yaml:"federation"`
	// QR bounds the reading of uploaded images (POST /v1/qr/decode).
	QR QR `yaml:"qr"`
	// Log selects the log level and format.
	Log Log `yaml:"log"`
	// Platform is this region's own health-code platform, which answers
	// other regions' status requests for its codes.
	Platform Platform `yaml:"platform"`
	// MappingsDir is an optional folder of local→national mapping tables
	// (*.yaml, one per format) replacing the ones built into the binary
	// (configs/mappings).
	MappingsDir string `yaml:"mappings_dir"`
	// Rules configures the admission rules' evaluation (DESIGN §11).
	Rules Rules `yaml:"rules"`
	// Runtime tunes the Go runtime the gateway runs on.
	Runtime Runtime `yaml:"runtime"`
	// Debug holds operator-only diagnostics, off by default.
	Debug Debug `yaml:"debug"`

	// origin remembers where values came from, for error messages.
	origin origin
}

// Database selects the store: the embedded SQLite or MySQL (TiDB).
type Database struct {
	Driver string `yaml:"driver" validate:"oneof=sqlite mysql"` // DriverSQLite or DriverMySQL
	DSN    string `yaml:"dsn" validate:"required"`              // never logged as is: see RedactDSN
}

// Trust configures the trust registry (DESIGN §5).
type Trust struct {
	// Anchors are the pinned national root public keys.
	Anchors []Anchor `yaml:"anchors"`
	// EndorsementsDir is an optional folder of endorsement and revocation
	// JWS files loaded at start.
	EndorsementsDir string `yaml:"endorsements_dir"`
	// PullFrom is an optional peer base URL whose /v1/trust/list is pulled.
	PullFrom string `yaml:"pull_from"`
	// PullInterval is the pull period, and so the propagation bound of a
	// revocation.
	PullInterval time.Duration `yaml:"pull_interval"`
	// DBRefresh is how often a replica on a MySQL-protocol database reads
	// the trust entries other replicas saved, and so the bound within which
	// a revocation posted at one holds at all (docs/storage.md). More often
	// than 50 ms is load for nothing; less often than a minute leaves a
	// revoked key verifying at other replicas too long.
	DBRefresh time.Duration `yaml:"db_refresh" validate:"min=50ms,max=1m"`
	// ExpiryWarning is how long before an endorsement's exp the registry
	// starts warning about it; 0 disables the warning.
	ExpiryWarning time.Duration `yaml:"expiry_warning" validate:"gte=0"`
	// DSCFile is an optional trust-list file of X.509 document signers of
	// EU Digital COVID Certificates (docs/INTEROP.md), loaded at start.
	DSCFile string `yaml:"dsc_file"`
	// KeyTables is how many ES256 keys may hold a precomputed table at once
	// (trust/p256): a key verifying many signatures gets one and checks them
	// for less CPU, at the table's memory. 0 builds none.
	KeyTables int `yaml:"key_tables" validate:"min=0,max=4096"`
}

// Client is one bearer-token client of the HTTP API.
type Client struct {
	Name string `yaml:"name" validate:"required,clientname"`
	Role string `yaml:"role" validate:"oneof=verifier admin"` // RoleVerifier or RoleAdmin
	// TokenSHA256 is the lowercase hex SHA-256 of the token; the token
	// itself is never configured.
	TokenSHA256 string `yaml:"token_sha256" validate:"sha256"`
}

// Peer is another gateway, the one serving Region.
type Peer struct {
	Region string `yaml:"region" validate:"region"`
	URL    string `yaml:"url"` // base URL, http or https
}

// Audit configures the verification records (DESIGN §8).
type Audit struct {
	// Sync makes a response wait until its record is committed.
	Sync bool `yaml:"sync"`
	// QueueSize is how many records may wait for the group commit.
	QueueSize int `yaml:"queue_size" validate:"min=1,max=1048576"`
	// MaxBatch is the most records written in one commit.
	MaxBatch int `yaml:"max_batch" validate:"min=1,max=1048576"`
	// Linger is how long a commit may wait for more records to join it: a
	// little latency for much larger group commits under load.
	Linger time.Duration `yaml:"linger" validate:"min=0,max=100ms"`
	// Retention is how long records are kept: older ones are purged (by
	// whole day partitions on MySQL) at start and every hour. 0 keeps
	// every record. At least a day: a shorter one would drop today's
	// partition.
	Retention time.Duration `yaml:"retention" validate:"omitempty,min=24h,max=878400h"`
}

// Server holds the HTTP server's timeouts and the request limits of DESIGN §6.
type Server struct {
	// The timeouts of net/http.Server.
	ReadTimeout       time.Duration `yaml:"read_timeout" validate:"gt=0"`
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout" validate:"gt=0"`
	WriteTimeout      time.Duration `yaml:"write_timeout" validate:"gt=0"`
	IdleTimeout       time.Duration `yaml:"idle_timeout" validate:"gt=0"`
	// ShutdownTimeout bounds the graceful shutdown (in-flight requests and
	// the audit queue's last commit).
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout" validate:"gt=0"`
	// MaxBodyBytes limits a request body; larger is 413 too_large.
	MaxBodyBytes int64 `yaml:"max_body_bytes" validate:"min=1,max=1073741824"`
	// MaxBatchBodyBytes limits the body of POST /v1/verify/batch.
	MaxBatchBodyBytes int64 `yaml:"max_batch_body_bytes" validate:"min=1,max=1073741824"`
	// MaxCodeBytes limits one code.
	MaxCodeBytes int `yaml:"max_code_bytes" validate:"min=1,max=1073741824"`
	// MaxBatchCodes limits the codes of one batch.
	MaxBatchCodes int `yaml:"max_batch_codes" validate:"min=1,max=100000"`
	// RateLimit is each client's sustained request rate per second (token
	// bucket; per remote address for callers without a token); 0: no limit.
	RateLimit int `yaml:"rate_limit" validate:"min=0,max=1000000"`
	// RateBurst is the bucket's size (default 2 × rate_limit).
	RateBurst int `yaml:"rate_burst" validate:"min=0,max=10000000"`
	// IDLookupRate is each client's sustained verifications by identity
	// document per second (DESIGN §12), on top of rate_limit; 0: no limit.
	IDLookupRate int `yaml:"id_lookup_rate" validate:"min=0,max=1000000"`
	// IDLookupBurst is that bucket's size (0: twice id_lookup_rate).
	IDLookupBurst int `yaml:"id_lookup_burst" validate:"min=0,max=10000000"`
	// TLSCertFile and TLSKeyFile switch the listener to HTTPS.
	TLSCertFile string `yaml:"tls_cert_file"`
	TLSKeyFile  string `yaml:"tls_key_file"`
	// TLSClientCAFile, when set, makes /v1/federation/status require a
	// client certificate from a peer, verified against this CA (mutual TLS).
	TLSClientCAFile string `yaml:"tls_client_ca_file"`
}

// Verify holds the verification settings.
type Verify struct {
	// ClockSkew is the tolerance applied to iat/exp/nbf comparisons.
	ClockSkew time.Duration `yaml:"clock_skew" validate:"min=0,max=5m"`
	// Deadline bounds one verification, federation calls included.
	Deadline time.Duration `yaml:"deadline" validate:"gt=0"`
	// BatchDeadline bounds a whole POST /v1/verify/batch; the codes it
	// leaves no time for are answered unverified (issuer_unavailable).
	BatchDeadline time.Duration `yaml:"batch_deadline" validate:"gt=0"`
	// BatchParallelism is how many codes of one batch are verified at once.
	BatchParallelism int `yaml:"batch_parallelism" validate:"min=1,max=1024"`
}

// QR bounds the decoding of uploaded images by memory: an image is refused
// (413) when decoding it would need more than MaxDecodeBytes, and more than
// MaxConcurrent decodes at once are refused (503), so that decoding never
// holds more than their product.
type QR struct {
	// MaxDecodeBytes is the most memory one decode may need, estimated from
	// the image's header: pixels × bytes a pixel (bit depth and channels,
	// the decoder's own buffers) plus the reader's working copies. At least
	// what a 2048-pixel square image needs (2048² × 16), at most 16 GiB.
	MaxDecodeBytes int64 `yaml:"max_decode_bytes" validate:"min=67108864,max=17179869184"`
	// MaxConcurrent is how many images are decoded at once.
	MaxConcurrent int `yaml:"max_concurrent" validate:"min=1,max=1024"`
}

// Federation holds the outbound client settings of DESIGN §7.
type Federation struct {
	Retries         int           `yaml:"retries" validate:"min=0,max=10"`
	BreakerFailures int           `yaml:"breaker_failures" validate:"min=1,max=1000"`
	BreakerOpen     time.Duration `yaml:"breaker_open" validate:"gt=0"`
	CacheMaxTTL     time.Duration `yaml:"cache_max_ttl" validate:"gte=0"` // 0 disables the cache
	MaxHops         int           `yaml:"max_hops" validate:"min=1,max=10"`
	// HolderKeyFile holds the federation-wide secret (at least 32 bytes)
	// that turns an identity number into the holder key of data sharing;
	// provincial gateways have it, the hub never does.
	HolderKeyFile string `yaml:"holder_key_file"`
	// TLSCAFile verifies peers' HTTPS certificates (default: the system's).
	TLSCAFile string `yaml:"tls_ca_file"`
	// TLSCertFile and TLSKeyFile are this gateway's client certificate for
	// peers that require mutual TLS.
	TLSCertFile string `yaml:"tls_cert_file"`
	TLSKeyFile  string `yaml:"tls_key_file"`
}

// Platform is the provincial platform behind this gateway (DESIGN §7: a
// gateway answers /v1/federation/status for its own region from it).
type Platform struct {
	// Kind is "" (none: the gateway answers no status request), "simulated"
	// (the built-in simulated platform, codes in this gateway's database) or
	// "http" (the platform's own JSON API at URL).
	Kind string `yaml:"kind" validate:"oneof='' simulated http"`
	// URL is the base URL of the platform's JSON API (kind http).
	URL string `yaml:"url"`
	// Format names the local format whose mapping table translates the
	// platform's status values (kind http), e.g. "zj-v1".
	Format string `yaml:"format"`
}

// Platform kinds.
const (
	PlatformSimulated = "simulated"
	PlatformHTTP      = "http"
)

// Rules configures the admission rules' evaluation (DESIGN §11).
type Rules struct {
	// ValueSets is an optional JSON file of value sets (value set id → the
	// array of its codes, the EU's compressed valueSets.json) offered to
	// rules as external.valueSets; "" uses the EU's, built into the binary
	// (configs/valuesets).
	ValueSets string `yaml:"value_sets"`
}

// Runtime tunes the Go runtime.
type Runtime struct {
	// GCPercent is the collector's GOGC: how far, in percent of the live
	// heap, the heap may grow before the next collection. The gateway's
	// live heap is a few megabytes and every request allocates, so Go's
	// 100 collects many times a second under load. GOGC in the environment
	// wins over it.
	GCPercent int `yaml:"gc_percent" validate:"min=50,max=10000"`
}

// Debug holds operator-only diagnostics.
type Debug struct {
	// PprofAddr is a loopback host:port where net/http/pprof is served on
	// a listener of its own, never the API's; "" serves no profile.
	PprofAddr string `yaml:"pprof_addr"`
}

// Log selects the log output.
type Log struct {
	Level  string `yaml:"level" validate:"oneof=debug info warn error"` // debug, info, warn, error
	Format string `yaml:"format" validate:"oneof=json text"`            // json, text
}

// Accepted values of the enumerated keys.
const (
	DriverSQLite = "sqlite"
	DriverMySQL  = "mysql"

	RoleVerifier = "verifier"
	RoleAdmin    = "admin"

	// HubRegion is the national platform's region.
	HubRegion = "000000"
)

// DefaultRegion is the region of a gateway started without configuration.
// It is Shanghai, the region of DESIGN §10's example, rather than the hub:
// acting as the hub (relaying for everyone) must be a deliberate choice.
const DefaultRegion = "310000"

// Default returns the configuration used for every key a file or the
// environment does not set. It starts a provincial gateway on the embedded
// database with no anchors, keys, clients or peers: it trusts nothing and
// answers nobody until configured, which is the fail-closed starting point.
func Default() Config {
	return Config{
		Listen: "127.0.0.1:8080",
		Region: DefaultRegion,
		Database: Database{
			Driver: DriverSQLite,
			DSN:    "file:hcgw.db",
		},
		Trust: Trust{
			PullInterval:  60 * time.Second,
			DBRefresh:     2 * time.Second,
			ExpiryWarning: 7 * 24 * time.Hour,
			KeyTables:     64,
		},
		Audit: Audit{
			Sync:      true,
			QueueSize: 8192,
			MaxBatch:  512,
			Linger:    2 * time.Millisecond,
			Retention: 30 * 24 * time.Hour,
		},
		Server: Server{
			ReadTimeout:       5 * time.Second,
			ReadHeaderTimeout: 2 * time.Second,
			WriteTimeout:      10 * time.Second,
			IdleTimeout:       60 * time.Second,
			ShutdownTimeout:   15 * time.Second,
			MaxBodyBytes:      64 << 10,
			MaxBatchBodyBytes: 4 << 20,
			MaxCodeBytes:      4 << 10,
			MaxBatchCodes:     1000,
			IDLookupRate:      1,
			IDLookupBurst:     10,
		},
		Verify: Verify{
			ClockSkew:        60 * time.Second,
			Deadline:         1500 * time.Millisecond,
			BatchDeadline:    5 * time.Second,
			BatchParallelism: 8,
		},
		QR: QR{
			MaxDecodeBytes: 160 << 20,
			MaxConcurrent:  2,
		},
		Federation: Federation{
			Retries:         2,
			BreakerFailures: 5,
			BreakerOpen:     10 * time.Second,
			CacheMaxTTL:     5 * time.Minute,
			MaxHops:         3,
		},
		Log: Log{
			Level:  "info",
			Format: "json",
		},
		Runtime: Runtime{GCPercent: 400},
	}
}

// ResolvePath turns a path from the configuration into the path to open.
// Relative paths are relative to the working directory the gateway was
// started in (not to the configuration file), so DESIGN's
// "configs/keys/…" works when started from the repository root. The result
// is absolute when the working directory is known, so that messages about
// it are unambiguous. An empty path stays empty.
func (c *Config) ResolvePath(p string) string {
	if p == "" {
		return ""
	}
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return filepath.Clean(p)
}

// origin records where a Config's values came from.
type origin struct {
	file string            // the file, "" when there is none
	env  map[string]string // key path → the HCGW_* variable that set it
}

// source names where the value at key path came from, for messages: the
// environment variable that set it, else the file.
func (o origin) source(path string) string {
	for p := path; p != ""; p = parentPath(p) {
		if v, ok := o.env[p]; ok {
			return "env " + v
		}
	}
	return o.file
}

// parentPath strips the last element of a key path: "a.b[2]" → "a.b",
// "a.b" → "a", "a" → "".
func parentPath(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		switch p[i] {
		case '.':
			return p[:i]
		case '[':
			return p[:i]
		}
	}
	return ""
}
