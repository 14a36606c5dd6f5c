package config

import (
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"time"
)

// Bounds of the validated values. They exist to catch typos (an extra zero)
// and values that would overflow where they are used, not to tune anything.
const (
	maxClockSkew        = 5 * time.Minute
	maxHops             = 10
	maxRetries          = 10
	maxBreakerFailures  = 1000
	maxQueueSize        = 1 << 20
	maxRetention        = 100 * 366 * 24 * time.Hour // a century
	maxBodyBytes        = 1 << 30
	maxBatchCodes       = 100000
	maxBatchParallelism = 1024
	// A decode's bound: at least what a QR image as large as /v1/qr/encode
	// draws needs (qr.MaxSize² pixels, 8 bytes each at most, with the
	// reader's copies), at most 16 GiB (a typo's extra zeros).
	minDecodeBytes  = 2048 * 2048 * 16
	maxDecodeBytes  = 16 << 30
	maxQRConcurrent = 1024
	minPullInterval = time.Second
	// A refresh reads the trust table's keys: more often than every 50 ms
	// is load for nothing; less often than a minute leaves a revoked key
	// verifying at other replicas for too long.
	minDBRefresh, maxDBRefresh = 50 * time.Millisecond, time.Minute
	maxClientName              = 64
	// maxDSCFile bounds a trust-list file of document signers (the EU
	// gateway's list is a few hundred certificates of about 1 KiB).
	maxDSCFile = 8 << 20
	// maxValueSetsFile bounds a value sets file (the EU's is about 6 KiB).
	maxValueSetsFile = 4 << 20
)

// Validate checks every key and returns all problems at once (errors.Join),
// each naming the key and where its value came from (the file, or the
// environment variable that set it). It reads no file: CheckFiles does.
func (c *Config) Validate() error {
	v := validator{c: c}

	if err := checkHostPort(c.Listen); err != nil {
		v.add("listen", "%v", err)
	}
	if !validRegion(c.Region) {
		v.add("region", "must be six digits (a GB/T 2260 region code; %q for the hub), not %s", HubRegion, quote(c.Region))
	}

	switch c.Database.Driver {
	case DriverSQLite, DriverMySQL:
	default:
		v.add("database.driver", "must be %q or %q, not %s", DriverSQLite, DriverMySQL, quote(c.Database.Driver))
	}
	switch {
	case c.Database.DSN == "":
		v.add("database.dsn", "must not be empty")
	case c.Database.Driver == DriverMySQL && !looksLikeMySQLDSN(c.Database.DSN):
		v.add("database.dsn", "%s is not a MySQL DSN like \"user:password@tcp(host:3306)/hcgw?parseTime=true\"", quote(RedactDSN(c.Database.DSN)))
	}

	c.validateTrust(&v)

	for i, k := range c.Keys {
		if k == "" {
			v.add(fmt.Sprintf("keys[%d]", i), "must be the path of a JWK file, not empty")
		}
	}

	c.validateClients(&v)

	switch c.Platform.Kind {
	case "", PlatformSimulated:
	case PlatformHTTP:
		if err := checkPeerURL(c.Platform.URL); err != nil {
			v.add("platform.url", "%v", err)
		}
		if c.Platform.Format == "" {
			v.add("platform.format", "must name the local format whose mapping table translates the platform's statuses")
		}
	default:
		v.add("platform.kind", "must be empty, %q or %q, not %s", PlatformSimulated, PlatformHTTP, quote(c.Platform.Kind))
	}
	c.validatePeers(&v)

	v.positiveInt("audit.queue_size", int64(c.Audit.QueueSize), maxQueueSize)
	v.positiveInt("audit.max_batch", int64(c.Audit.MaxBatch), maxQueueSize)
	if c.Audit.Linger < 0 || c.Audit.Linger > 100*time.Millisecond {
		v.add("audit.linger", "must be between 0 and 100ms, not %s", c.Audit.Linger)
	}
	// A day at least: retention drops whole day partitions, and a shorter
	// one would purge the records of today's verifications.
	if r := c.Audit.Retention; r != 0 && (r < 24*time.Hour || r > maxRetention) {
		v.add("audit.retention", "must be 0 (keep every record) or between 24h and %s, not %s", maxRetention, r)
	}
	if c.Audit.MaxBatch > c.Audit.QueueSize && c.Audit.QueueSize > 0 {
		v.add("audit.max_batch", "must not exceed audit.queue_size (%d)", c.Audit.QueueSize)
	}

	s := c.Server
	v.positiveDuration("server.read_timeout", s.ReadTimeout)
	v.positiveDuration("server.read_header_timeout", s.ReadHeaderTimeout)
	v.positiveDuration("server.write_timeout", s.WriteTimeout)
	v.positiveDuration("server.idle_timeout", s.IdleTimeout)
	v.positiveDuration("server.shutdown_timeout", s.ShutdownTimeout)
	if s.ReadHeaderTimeout > s.ReadTimeout && s.ReadTimeout > 0 {
		v.add("server.read_header_timeout", "must not exceed server.read_timeout (%v)", s.ReadTimeout)
	}
	v.positiveInt("server.max_body_bytes", s.MaxBodyBytes, maxBodyBytes)
	v.positiveInt("server.max_batch_body_bytes", s.MaxBatchBodyBytes, maxBodyBytes)
	v.positiveInt("server.max_code_bytes", int64(s.MaxCodeBytes), maxBodyBytes)
	v.positiveInt("server.max_batch_codes", int64(s.MaxBatchCodes), maxBatchCodes)
	if s.RateLimit < 0 || s.RateLimit > 1_000_000 {
		v.add("server.rate_limit", "must be between 0 (no limit) and 1000000 requests per second, not %d", s.RateLimit)
	}
	if s.RateBurst < 0 || s.RateBurst > 10_000_000 {
		v.add("server.rate_burst", "must be between 0 (twice rate_limit) and 10000000, not %d", s.RateBurst)
	}
	if s.IDLookupRate < 0 || s.IDLookupRate > 1_000_000 {
		v.add("server.id_lookup_rate", "must be between 0 (no limit) and 1000000 lookups per second, not %d", s.IDLookupRate)
	}
	if s.IDLookupBurst < 0 || s.IDLookupBurst > 10_000_000 {
		v.add("server.id_lookup_burst", "must be between 0 (twice id_lookup_rate) and 10000000, not %d", s.IDLookupBurst)
	}
	if (s.TLSCertFile == "") != (s.TLSKeyFile == "") {
		v.add("server.tls_cert_file", "tls_cert_file and tls_key_file go together")
	}
	if s.TLSClientCAFile != "" && s.TLSCertFile == "" {
		v.add("server.tls_client_ca_file", "mutual TLS needs the listener's own tls_cert_file and tls_key_file")
	}
	if f := c.Federation; (f.TLSCertFile == "") != (f.TLSKeyFile == "") {
		v.add("federation.tls_cert_file", "tls_cert_file and tls_key_file go together")
	}
	if s.MaxCodeBytes > 0 && s.MaxBodyBytes > 0 && int64(s.MaxCodeBytes) > s.MaxBodyBytes {
		v.add("server.max_code_bytes", "must not exceed server.max_body_bytes (%d)", s.MaxBodyBytes)
	}
	if s.MaxBodyBytes > 0 && s.MaxBatchBodyBytes > 0 && s.MaxBatchBodyBytes < s.MaxBodyBytes {
		v.add("server.max_batch_body_bytes", "must not be less than server.max_body_bytes (%d)", s.MaxBodyBytes)
	}

	switch {
	case c.Verify.ClockSkew < 0:
		v.add("verify.clock_skew", "must not be negative")
	case c.Verify.ClockSkew > maxClockSkew:
		v.add("verify.clock_skew", "must not exceed %v: a larger skew stretches every validity window", maxClockSkew)
	}
	v.positiveDuration("verify.deadline", c.Verify.Deadline)
	if c.Verify.Deadline > 0 && s.WriteTimeout > 0 && c.Verify.Deadline >= s.WriteTimeout {
		v.add("verify.deadline", "must be shorter than server.write_timeout (%v), or answers are cut off", s.WriteTimeout)
	}
	v.positiveDuration("verify.batch_deadline", c.Verify.BatchDeadline)
	if bd := c.Verify.BatchDeadline; bd > 0 && s.WriteTimeout > 0 && bd >= s.WriteTimeout {
		v.add("verify.batch_deadline", "must be shorter than server.write_timeout (%v), or batch answers are cut off", s.WriteTimeout)
	}
	if n := c.Verify.BatchParallelism; n < 1 || n > maxBatchParallelism {
		v.add("verify.batch_parallelism", "must be between 1 and %d, not %d", maxBatchParallelism, n)
	}

	v.positiveInt("qr.max_decode_bytes", c.QR.MaxDecodeBytes, maxDecodeBytes)
	if c.QR.MaxDecodeBytes > 0 && c.QR.MaxDecodeBytes < minDecodeBytes {
		v.add("qr.max_decode_bytes", "must be at least %d (a 2048-pixel square QR image), not %d", minDecodeBytes, c.QR.MaxDecodeBytes)
	}
	v.positiveInt("qr.max_concurrent", int64(c.QR.MaxConcurrent), maxQRConcurrent)

	f := c.Federation
	if f.Retries < 0 || f.Retries > maxRetries {
		v.add("federation.retries", "must be between 0 and %d, not %d", maxRetries, f.Retries)
	}
	if f.BreakerFailures < 1 || f.BreakerFailures > maxBreakerFailures {
		v.add("federation.breaker_failures", "must be between 1 and %d, not %d", maxBreakerFailures, f.BreakerFailures)
	}
	v.positiveDuration("federation.breaker_open", f.BreakerOpen)
	if f.CacheMaxTTL < 0 {
		v.add("federation.cache_max_ttl", "must not be negative (0 disables the cache)")
	}
	if f.MaxHops < 1 || f.MaxHops > maxHops {
		v.add("federation.max_hops", "must be between 1 and %d, not %d", maxHops, f.MaxHops)
	}

	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		v.add("log.level", "must be debug, info, warn or error, not %s", quote(c.Log.Level))
	}
	switch c.Log.Format {
	case "json", "text":
	default:
		v.add("log.format", "must be json or text, not %s", quote(c.Log.Format))
	}
	return v.p.err()
}

func (c *Config) validateTrust(v *validator) {
	for i, a := range c.Trust.Anchors {
		key := fmt.Sprintf("trust.anchors[%d]", i)
		switch {
		case a.Path != "" && a.JWK != nil:
			v.add(key, "must be either a path or an inline JWK, not both")
		case a.JWK != nil:
			if msg := checkJWKObject(a.JWK); msg != "" {
				v.add(key, "inline JWK %s", msg)
			}
		case a.Path == "":
			v.add(key, "must be the path of a JWK file or an inline JWK object, not empty")
		}
	}
	if c.Trust.PullFrom != "" {
		if err := checkPeerURL(c.Trust.PullFrom); err != nil {
			v.add("trust.pull_from", "%v", err)
		}
		if c.Trust.PullInterval < minPullInterval {
			v.add("trust.pull_interval", "must be at least %v when trust.pull_from is set", minPullInterval)
		}
	} else if c.Trust.PullInterval < 0 {
		v.add("trust.pull_interval", "must not be negative")
	}
	if c.Trust.DBRefresh < minDBRefresh || c.Trust.DBRefresh > maxDBRefresh {
		v.add("trust.db_refresh", "must be between %v and %v", minDBRefresh, maxDBRefresh)
	}
	if c.Trust.ExpiryWarning < 0 {
		v.add("trust.expiry_warning", "must not be negative (0 disables the warning)")
	}
}

func (c *Config) validateClients(v *validator) {
	names := map[string]int{}
	tokens := map[string]int{}
	for i, cl := range c.Clients {
		key := fmt.Sprintf("clients[%d]", i)
		switch {
		case cl.Name == "":
			v.add(key+".name", "must not be empty")
		case !validClientName(cl.Name):
			v.add(key+".name", "must be 1 to %d of A-Z a-z 0-9 . _ -, not %s", maxClientName, quote(cl.Name))
		default:
			if j, dup := names[cl.Name]; dup {
				v.add(key+".name", "%s is already the name of clients[%d]", quote(cl.Name), j)
			} else {
				names[cl.Name] = i
			}
		}
		switch cl.Role {
		case RoleVerifier, RoleAdmin:
		default:
			v.add(key+".role", "must be %q or %q, not %s", RoleVerifier, RoleAdmin, quote(cl.Role))
		}
		// The value is never shown: a hash of a short token can be reversed,
		// and a "hash" that is really a clear token must not reach a log.
		if !validTokenHash(cl.TokenSHA256) {
			v.add(key+".token_sha256", "must be 64 lowercase hex characters (the SHA-256 of the token, never the token)")
		} else if j, dup := tokens[cl.TokenSHA256]; dup {
			v.add(key+".token_sha256", "is the same token as clients[%d]: every client needs its own token", j)
		} else {
			tokens[cl.TokenSHA256] = i
		}
	}
}

func (c *Config) validatePeers(v *validator) {
	regions := map[string]int{}
	for i, p := range c.Peers {
		key := fmt.Sprintf("peers[%d]", i)
		switch {
		case !validRegion(p.Region):
			v.add(key+".region", "must be six digits, not %s", quote(p.Region))
		case p.Region == c.Region:
			v.add(key+".region", "%s is this gateway's own region: a peer for it would send requests to itself", quote(p.Region))
		default:
			if j, dup := regions[p.Region]; dup {
				v.add(key+".region", "%s is already the region of peers[%d]: one peer per region", quote(p.Region), j)
			} else {
				regions[p.Region] = i
			}
		}
		if err := checkPeerURL(p.URL); err != nil {
			v.add(key+".url", "%v", err)
		}
	}
}

// CheckFiles checks that the files the configuration names can be used:
// every anchor file is a readable JSON object holding a public JWK, every
// key file is readable, dsc_file, when set, is a readable file of at most
// 8 MiB, and endorsements_dir, when set, is a directory. It
// parses no key; that is the trust registry's job at start. Paths are
// resolved with ResolvePath.
func (c *Config) CheckFiles() error {
	v := validator{c: c}
	for i, a := range c.Trust.Anchors {
		if a.Path == "" || a.JWK != nil {
			continue // Validate reports these
		}
		key := fmt.Sprintf("trust.anchors[%d]", i)
		b, err := readSmallFile(c.ResolvePath(a.Path), maxJWKFile)
		if err != nil {
			v.add(key, "anchor file %s: %v", c.showPath(a.Path), err)
			continue
		}
		var obj map[string]any
		if err := json.Unmarshal(b, &obj); err != nil {
			v.add(key, "anchor file %s: not a JSON object: %v", c.showPath(a.Path), err)
			continue
		}
		if msg := checkJWKObject(obj); msg != "" {
			v.add(key, "anchor file %s: %s", c.showPath(a.Path), msg)
		}
	}
	for i, k := range c.Keys {
		if k == "" {
			continue
		}
		if _, err := readSmallFile(c.ResolvePath(k), maxJWKFile); err != nil {
			v.add(fmt.Sprintf("keys[%d]", i), "key file %s: %v", c.showPath(k), err)
		}
	}
	for key, f := range map[string]string{"server.tls_cert_file": c.Server.TLSCertFile, "server.tls_key_file": c.Server.TLSKeyFile,
		"server.tls_client_ca_file": c.Server.TLSClientCAFile, "federation.tls_ca_file": c.Federation.TLSCAFile,
		"federation.tls_cert_file": c.Federation.TLSCertFile, "federation.tls_key_file": c.Federation.TLSKeyFile} {
		if f == "" {
			continue
		}
		if _, err := readSmallFile(c.ResolvePath(f), 1<<20); err != nil {
			v.add(key, "%s: %v", c.showPath(f), err)
		}
	}
	if f := c.Federation.HolderKeyFile; f != "" {
		b, err := readSmallFile(c.ResolvePath(f), maxJWKFile)
		switch {
		case err != nil:
			v.add("federation.holder_key_file", "%s: %v", c.showPath(f), err)
		case len(b) < 32:
			v.add("federation.holder_key_file", "%s holds %d bytes; the secret must be at least 32", c.showPath(f), len(b))
		}
	}
	if f := c.Trust.DSCFile; f != "" {
		if _, err := readSmallFile(c.ResolvePath(f), maxDSCFile); err != nil {
			v.add("trust.dsc_file", "%s: %v", c.showPath(f), err)
		}
	}
	if f := c.Rules.ValueSets; f != "" {
		if _, err := readSmallFile(c.ResolvePath(f), maxValueSetsFile); err != nil {
			v.add("rules.value_sets", "%s: %v", c.showPath(f), err)
		}
	}
	for key, d := range map[string]string{"trust.endorsements_dir": c.Trust.EndorsementsDir, "mappings_dir": c.MappingsDir} {
		if d == "" {
			continue
		}
		st, err := os.Stat(c.ResolvePath(d))
		switch {
		case err != nil:
			v.add(key, "%s: %v", c.showPath(d), unwrapPath(err))
		case !st.IsDir():
			v.add(key, "%s is not a directory", c.showPath(d))
		}
	}
	return v.p.err()
}

// showPath names a path in a message as configured, followed by the path it
// resolves to when that differs, so that "relative to what?" never arises.
func (c *Config) showPath(p string) string {
	if r := c.ResolvePath(p); r != p {
		return p + " (" + r + ")"
	}
	return p
}

// checkJWKObject is the little a configuration can check of an anchor JWK
// without parsing keys: it is encodable, has a key type, and is public. A
// root private key pasted as an anchor is refused outright. The key material
// is never shown.
func checkJWKObject(m map[string]any) string {
	if _, err := json.Marshal(m); err != nil {
		return "cannot be encoded as JSON (keys must be strings, numbers finite)"
	}
	if kty, ok := m["kty"].(string); !ok || kty == "" {
		return `has no "kty": it is not a JWK`
	}
	if _, ok := m["d"]; ok {
		return `holds a private key ("d"): an anchor is a public key; remove the private part and keep the private key offline`
	}
	return ""
}

type validator struct {
	c *Config
	p problems
}

func (v *validator) add(key, format string, args ...any) {
	v.p.add(v.c.origin.source(key), 0, key, format, args...)
}

func (v *validator) positiveDuration(key string, d time.Duration) {
	if d <= 0 {
		v.add(key, "must be a positive duration, not %v", d)
	}
}

func (v *validator) positiveInt(key string, n, max int64) {
	if n < 1 || n > max {
		v.add(key, "must be between 1 and %d, not %d", max, n)
	}
}

// validRegion reports whether s is six ASCII digits. It is the rule of
// mapping.ValidRegion, kept here so that this package depends on no other.
func validRegion(s string) bool {
	if len(s) != 6 {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func validTokenHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := range len(s) {
		if (s[i] < '0' || s[i] > '9') && (s[i] < 'a' || s[i] > 'f') {
			return false
		}
	}
	return true
}

func validClientName(s string) bool {
	if len(s) == 0 || len(s) > maxClientName {
		return false
	}
	for i := range len(s) {
		b := s[i]
		if !('a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || b == '.' || b == '_' || b == '-') {
			return false
		}
	}
	return true
}

func checkHostPort(s string) error {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("must be host:port, like \"127.0.0.1:8080\" or \":8080\", not %s", quote(s))
	}
	_ = host // any host name or address; an empty host listens on all interfaces
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("port must be a number from 0 to 65535, not %s", quote(port))
	}
	return nil
}

// checkPeerURL checks an absolute http(s) base URL. The URL itself is not
// shown: it could carry credentials.
func checkPeerURL(s string) error {
	if s == "" {
		return fmt.Errorf("must be an absolute http:// or https:// URL, not empty")
	}
	u, err := url.Parse(s)
	switch {
	case err != nil, u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("must be an absolute http:// or https:// URL")
	case u.Host == "" || u.Hostname() == "":
		return fmt.Errorf("must name a host")
	case u.User != nil:
		return fmt.Errorf("must not carry credentials: peers authenticate by signing their requests")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return fmt.Errorf("must be a base URL, without a query or fragment")
	}
	return nil
}
