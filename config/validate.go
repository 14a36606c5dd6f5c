package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	playground "github.com/go-playground/validator/v10"
)

// Bounds the struct tags cannot say: they depend on another key, or on a
// file's size.
const (
	minPullInterval = time.Second
	// maxDSCFile bounds a trust-list file of document signers (the EU
	// gateway's list is a few hundred certificates of about 1 KiB).
	maxDSCFile = 8 << 20
	// maxValueSetsFile bounds a value sets file (the EU's is about 6 KiB).
	maxValueSetsFile = 4 << 20
)

// Validate checks every key and returns all problems at once (errors.Join),
// each naming the key and where its value came from (the file, or the
// environment variable that set it). The checks of one value are the
// fields' validate tags; the few here relate keys to each other or parse an
// address. It reads no file: CheckFiles does.
func (c *Config) Validate() error {
	v := validator{c: c}
	v.tags(tagChecker.Struct(c))

	if err := checkHostPort(c.Listen); err != nil {
		v.add("listen", "%v", err)
	}
	if c.Debug.PprofAddr != "" {
		if err := checkLoopbackHostPort(c.Debug.PprofAddr); err != nil {
			v.add("debug.pprof_addr", "%v", err)
		}
	}
	if c.Database.Driver == DriverMySQL && c.Database.DSN != "" && !looksLikeMySQLDSN(c.Database.DSN) {
		v.add("database.dsn", "%s is not a MySQL DSN like \"user:password@tcp(host:3306)/hcgw?parseTime=true\"", quote(RedactDSN(c.Database.DSN)))
	}
	c.validateTrust(&v)
	c.validateClients(&v)
	if c.Platform.Kind == PlatformHTTP {
		if err := checkPeerURL(c.Platform.URL); err != nil {
			v.add("platform.url", "%v", err)
		}
		if c.Platform.Format == "" {
			v.add("platform.format", "must name the local format whose mapping table translates the platform's statuses")
		}
	}
	c.validatePeers(&v)

	if a := c.Audit; a.MaxBatch > a.QueueSize && a.QueueSize > 0 {
		v.add("audit.max_batch", "must not exceed audit.queue_size (%d)", a.QueueSize)
	}
	s := c.Server
	if s.ReadHeaderTimeout > s.ReadTimeout && s.ReadTimeout > 0 {
		v.add("server.read_header_timeout", "must not exceed server.read_timeout (%v)", s.ReadTimeout)
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
	if d := c.Verify.Deadline; d > 0 && s.WriteTimeout > 0 && d >= s.WriteTimeout {
		v.add("verify.deadline", "must be shorter than server.write_timeout (%v), or answers are cut off", s.WriteTimeout)
	}
	if bd := c.Verify.BatchDeadline; bd > 0 && s.WriteTimeout > 0 && bd >= s.WriteTimeout {
		v.add("verify.batch_deadline", "must be shorter than server.write_timeout (%v), or batch answers are cut off", s.WriteTimeout)
	}
	// In the file's order, so that an operator fixes it top to bottom.
	slices.SortStableFunc(v.p.errs, func(a, b error) int {
		return slices.Compare(keyOrder(a.(*fieldError).key), keyOrder(b.(*fieldError).key))
	})
	return v.p.err()
}

// keyOrder places a key path in Config's field order: "clients[1].role" →
// [index of clients, 1, index of role].
func keyOrder(path string) []int {
	var order []int
	t := reflect.TypeFor[Config]()
	for _, part := range strings.Split(path, ".") {
		name, idx, _ := strings.Cut(part, "[")
		f, ok := fieldByKey(t, name)
		if !ok {
			break
		}
		order, t = append(order, f.Index[0]), f.Type
		if n, err := strconv.Atoi(strings.TrimSuffix(idx, "]")); err == nil && t.Kind() == reflect.Slice {
			order, t = append(order, n), t.Elem()
		}
	}
	return order
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
}

// validateClients refuses two clients with one name or one token; the
// fields' own checks are tags.
func (c *Config) validateClients(v *validator) {
	names := map[string]int{}
	tokens := map[string]int{}
	for i, cl := range c.Clients {
		key := fmt.Sprintf("clients[%d]", i)
		if j, dup := names[cl.Name]; dup && clientNamePattern.MatchString(cl.Name) {
			v.add(key+".name", "%s is already the name of clients[%d]", quote(cl.Name), j)
		} else if !dup {
			names[cl.Name] = i
		}
		// The value is never shown: a hash of a short token can be reversed.
		if j, dup := tokens[cl.TokenSHA256]; dup && tokenHashPattern.MatchString(cl.TokenSHA256) {
			v.add(key+".token_sha256", "is the same token as clients[%d]: every client needs its own token", j)
		} else if !dup {
			tokens[cl.TokenSHA256] = i
		}
	}
}

// validatePeers refuses a peer for this gateway's own region, two peers for
// one region, and a URL that is not a base URL.
func (c *Config) validatePeers(v *validator) {
	regions := map[string]int{}
	for i, p := range c.Peers {
		key := fmt.Sprintf("peers[%d]", i)
		j, dup := regions[p.Region]
		switch {
		case !regionPattern.MatchString(p.Region): // a tag reports it
		case p.Region == c.Region:
			v.add(key+".region", "%s is this gateway's own region: a peer for it would send requests to itself", quote(p.Region))
		case dup:
			v.add(key+".region", "%s is already the region of peers[%d]: one peer per region", quote(p.Region), j)
		default:
			regions[p.Region] = i
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

// tagChecker runs the validate tags. Its field names are the YAML keys, so
// that an error's namespace is the key path ("Config.clients[1].role").
var tagChecker = func() *playground.Validate {
	t := playground.New()
	t.RegisterTagNameFunc(yamlKey)
	for tag, re := range map[string]*regexp.Regexp{"region": regionPattern, "clientname": clientNamePattern} {
		if err := t.RegisterValidation(tag, func(fl playground.FieldLevel) bool { return re.MatchString(fl.Field().String()) }); err != nil {
			panic(err) // a tag name the library refuses: a programming error
		}
	}
	return t
}()

// tags reports the failures of the validate tags in the words of this
// package. Only enumerations and numbers are shown: the tags on secrets
// (required, sha256) have messages without the value.
func (v *validator) tags(err error) {
	var errs playground.ValidationErrors
	if !errors.As(err, &errs) {
		if err != nil {
			v.add("", "%v", err)
		}
		return
	}
	for _, fe := range errs {
		key := strings.TrimPrefix(fe.Namespace(), "Config.")
		switch fe.Tag() {
		case "required":
			v.add(key, "must not be empty")
		case "oneof":
			v.add(key, "must be %s, not %s", alternatives(strings.Fields(fe.Param())), quote(fmt.Sprint(fe.Value())))
		case "region":
			v.add(key, "must be six digits (a GB/T 2260 region code; %q for the hub), not %s", HubRegion, quote(fmt.Sprint(fe.Value())))
		case "clientname":
			v.add(key, "must be 1 to 64 of A-Z a-z 0-9 . _ -, not %s", quote(fmt.Sprint(fe.Value())))
		case "sha256":
			v.add(key, "must be 64 lowercase hex characters (the SHA-256 of the token, never the token)")
		case "gt": // gt=0, on durations only
			v.add(key, "must be a positive duration, not %v", fe.Value())
		case "gte": // gte=0
			v.add(key, "must not be negative")
		case "min", "max":
			v.add(key, "must be %s, not %v", bounds(fe.StructNamespace()), fe.Value())
		default:
			v.add(key, "fails the check %s=%s", fe.Tag(), fe.Param())
		}
	}
}

// bounds states the min and max tags of the field at a Go namespace
// ("Config.Audit.Retention") as "between MIN and MAX", and an omitempty as
// "0 or".
func bounds(namespace string) string {
	t := reflect.TypeFor[Config]()
	var f reflect.StructField
	for _, name := range strings.Split(namespace, ".")[1:] {
		name, _, _ = strings.Cut(name, "[")
		for t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		f, _ = t.FieldByName(name)
		t = f.Type
	}
	var lo, hi, zero string
	for _, rule := range strings.Split(f.Tag.Get("validate"), ",") {
		k, val, _ := strings.Cut(rule, "=")
		switch k {
		case "min":
			lo = val
		case "max":
			hi = val
		case "omitempty":
			zero = "0 or "
		}
	}
	return zero + "between " + lo + " and " + hi
}

// alternatives writes oneof's values as "a", "b" or "c".
func alternatives(vals []string) string {
	for i, s := range vals {
		vals[i] = strconv.Quote(strings.Trim(s, "'"))
	}
	if len(vals) < 2 {
		return strings.Join(vals, "")
	}
	return strings.Join(vals[:len(vals)-1], ", ") + " or " + vals[len(vals)-1]
}

// The patterns of the values the tags region and clientname check, and of a
// SHA-256 in hex (the sha256 tag). A region is the rule of
// mapping.ValidRegion, kept here so that this package depends on no other.
var (
	regionPattern     = regexp.MustCompile(`^[0-9]{6}$`)
	clientNamePattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
	tokenHashPattern  = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

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

// checkLoopbackHostPort checks a host:port whose host is a loopback IP
// address: a profile shows the process's memory and must not be reachable
// from the network.
func checkLoopbackHostPort(s string) error {
	if err := checkHostPort(s); err != nil {
		return err
	}
	host, _, _ := net.SplitHostPort(s)
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("must be a loopback address like \"127.0.0.1:6060\", not %s", quote(s))
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
