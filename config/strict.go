package config

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/agnivade/levenshtein"
	"gopkg.in/yaml.v3"
)

var (
	durationType = reflect.TypeFor[time.Duration]()
	anchorType   = reflect.TypeFor[Anchor]()
)

// decodeStrict decodes one YAML document into c, which holds the defaults.
//
// yaml.v3 with KnownFields does the checking: unknown keys, wrong types and
// duplicate keys. Its messages speak Go ("field foo not found in type
// config.Trust") and give only a line, so each is translated, with the key
// path found in a walk of the document (sites). The walk adds what yaml.v3
// lets through: a key with no value (which would keep the default silently)
// and a fraction for an integer (which yaml.v3 truncates).
func decodeStrict(name string, data []byte, c *Config) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) { // only comments
			return nil
		}
		return yamlErrorLines(name, err)
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return yamlErrorLines(name, err)
	default:
		// The line of the second document's "---".
		return &fieldError{source: name, line: extra.Line,
			msg: `more than one YAML document: a configuration is a single document (remove the "---" separator)`}
	}

	s := sites{name: name, byLine: map[int][]*site{}, seen: map[seenKey]bool{}}
	s.walk(&doc, reflect.TypeFor[Config](), "")
	strict := yaml.NewDecoder(bytes.NewReader(data))
	strict.KnownFields(true)
	err := strict.Decode(c)
	var te *yaml.TypeError
	switch {
	case errors.As(err, &te):
		for _, e := range te.Errors {
			s.translate(e)
		}
	case err != nil && len(s.found) == 0:
		return yamlErrorLines(name, err)
	}
	// In the file's order, once each: a huge number for an integer is
	// reported by both the walk and yaml.v3.
	slices.SortStableFunc(s.found, func(a, b *fieldError) int { return cmp.Or(a.line-b.line, a.col-b.col) })
	var p problems
	for i, e := range s.found {
		if i == 0 || e.Error() != s.found[i-1].Error() {
			p.errs = append(p.errs, e)
		}
	}
	return p.err()
}

type seenKey struct {
	n *yaml.Node
	t reflect.Type
}

// site is where a node of the document sits, as yaml.v3 decodes it.
type site struct {
	n    *yaml.Node
	t    reflect.Type // what the node decodes into; for a key, its mapping's struct
	path string       // the value's key path; for a key, its mapping's
	key  bool         // n is a mapping's key
	used bool         // a message has been placed here
}

// sites indexes a document's nodes by their key paths, following aliases and
// merges as yaml.v3 does.
type sites struct {
	name   string
	byLine map[int][]*site
	found  []*fieldError
	// seen makes the walk linear in the document's size: a node reached
	// again through an alias is walked once per type.
	seen map[seenKey]bool
}

func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// isMerge mirrors yaml.v3's test for a "<<" merge key.
func isMerge(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Value == "<<" &&
		(n.Tag == "" || n.Tag == "!" || n.Tag == "!!merge" || n.Tag == "tag:yaml.org,2002:merge")
}

func isInt(t reflect.Type) bool {
	return t != durationType && t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64
}

// add reports a problem at node n.
func (s *sites) add(n *yaml.Node, key, format string, args ...any) {
	s.found = append(s.found, &fieldError{source: s.name, line: n.Line, col: n.Column, key: key, msg: fmt.Sprintf(format, args...)})
}

func (s *sites) walk(n *yaml.Node, t reflect.Type, path string) {
	n = deref(n)
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) > 0 {
			s.walk(n.Content[0], t, path)
		}
		return
	}
	k := seenKey{n, t}
	if s.seen[k] {
		return
	}
	s.seen[k] = true
	s.index(&site{n: n, t: t, path: path})
	switch {
	case isNull(n):
		s.null(n, t, path)
	case t == anchorType || t == durationType:
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		s.mapping(n, t, path)
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		for i, e := range n.Content {
			s.walk(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
		}
	case isInt(t) && n.Kind == yaml.ScalarNode && n.ShortTag() == "!!float":
		s.add(n, path, "must be an integer, not %s", quote(n.Value))
	}
}

// null refuses a key with no value where yaml.v3 would keep the default.
func (s *sites) null(n *yaml.Node, t reflect.Type, path string) {
	switch {
	case t.Kind() == reflect.Struct && t != anchorType, t.Kind() == reflect.Slice:
		// An empty section ("trust:") keeps its defaults; an empty list is empty.
	case t.Kind() == reflect.String:
		s.add(n, path, `has no value: write "" for an empty value, or remove the key to keep the default`)
	case t == anchorType:
		s.add(n, path, "has no value: an anchor must be a JWK file path (a string) or an inline JWK object (a mapping)")
	default:
		s.add(n, path, "has no value: remove the key to keep the default")
	}
}

func (s *sites) mapping(n *yaml.Node, t reflect.Type, path string) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := deref(n.Content[i]), n.Content[i+1]
		if isMerge(kn) {
			s.merge(vn, t, path)
			continue
		}
		s.index(&site{n: kn, t: t, path: path, key: true})
		if f, ok := fieldByKey(t, kn.Value); ok && kn.Kind == yaml.ScalarNode {
			s.walk(vn, f.Type, join(path, kn.Value))
		}
	}
}

// merge walks the value of a "<<" key: a mapping, or a list of mappings,
// whose keys are merged into the enclosing one.
func (s *sites) merge(v *yaml.Node, t reflect.Type, path string) {
	v = deref(v)
	srcs := []*yaml.Node{v}
	if v.Kind == yaml.SequenceNode {
		srcs = v.Content
	}
	for _, m := range srcs {
		m = deref(m)
		if m.Kind != yaml.MappingNode {
			// yaml.v3 says this without a line.
			s.add(m, path, `"<<" (merge) needs a mapping or a list of mappings, not %s`, kindName(m))
			continue
		}
		if k := (seenKey{m, t}); !s.seen[k] {
			s.seen[k] = true
			s.mapping(m, t, path)
		}
	}
}

func (s *sites) index(x *site) {
	s.byLine[x.n.Line] = append(s.byLine[x.n.Line], x)
}

// find returns the first site not yet used at line that satisfies ok.
func (s *sites) find(line int, ok func(site) bool) (*site, bool) {
	for _, x := range s.byLine[line] {
		if !x.used && ok(*x) {
			x.used = true
			return x, true
		}
	}
	return nil, false
}

// translate turns one of yaml.v3's unmarshal errors into the operator's
// terms, at its key path. One it cannot place is kept in its own words.
func (s *sites) translate(e string) {
	line, msg, _ := cutLine(e)
	if rest, ok := strings.CutPrefix(msg, "field "); ok {
		key, typ, _ := strings.Cut(rest, " not found in type ")
		if x, ok := s.find(line, func(x site) bool { return x.key && x.n.Value == key && x.t.String() == typ }); ok {
			s.add(x.n, "", "unknown key %q %s%s", key, where(x.path), suggest(x.t, key))
			return
		}
	}
	if rest, ok := strings.CutPrefix(msg, "mapping key "); ok {
		q, first, _ := strings.Cut(rest, " already defined at line ")
		key, _ := strconv.Unquote(q)
		if x, ok := s.find(line, func(x site) bool { return x.key && x.n.Value == key }); ok {
			s.add(x.n, join(x.path, key), "set twice (first at line %s)", first)
			return
		}
	}
	if strings.HasPrefix(msg, "an anchor must be") {
		if x, ok := s.find(line, func(x site) bool { return !x.key && x.t == anchorType }); ok {
			s.add(x.n, x.path, "%s", msg)
			return
		}
	}
	if rest, ok := strings.CutPrefix(msg, "cannot unmarshal "); ok {
		tag, _, _ := strings.Cut(rest, " ")
		into := rest[strings.LastIndex(rest, " into ")+len(" into "):]
		if into == "string" {
			if x, ok := s.find(line, func(x site) bool { return x.key && x.n.Kind != yaml.ScalarNode }); ok {
				s.add(x.n, "", "a key %s is %s; keys are plain names", where(x.path), kindName(x.n))
				return
			}
		}
		if x, ok := s.find(line, func(x site) bool { return !x.key && x.t.String() == into && x.n.ShortTag() == tag }); ok {
			s.wrongType(x)
			return
		}
	}
	// Not placed: kept in yaml.v3's words, without the value it quotes,
	// which could be a secret.
	s.add(&yaml.Node{Line: line}, "", "%s", quotedValue.ReplaceAllString(msg, "a value"))
}

var quotedValue = regexp.MustCompile("`[^`]*`")

// wrongType says what the value at x should have been.
func (s *sites) wrongType(x *site) {
	n, t := x.n, x.t
	switch {
	case x.path == "":
		s.add(n, "", "the configuration must be a mapping of keys, not %s", kindName(n))
	case n.Kind != yaml.ScalarNode || t.Kind() == reflect.Struct || t.Kind() == reflect.Slice:
		s.add(n, x.path, "must be %s, not %s", typeName(t), kindName(n))
	case t == durationType && isNumber(n.Value):
		s.add(n, x.path, `must be a duration with a unit, like "60s" or "1.5s": a plain number such as %s is ambiguous`, n.Value)
	default:
		// Only bool, integer and duration keys get here (any scalar decodes
		// into a string), and none of them is a secret.
		s.add(n, x.path, "must be %s, not %s", typeName(t), quote(n.Value))
	}
}

func isNumber(s string) bool {
	_, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return err == nil
}

func typeName(t reflect.Type) string {
	switch {
	case t == durationType:
		return `a duration like "60s", "1.5s" or "5m"`
	case t.Kind() == reflect.Bool:
		return "true or false"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64:
		return "an integer"
	case t.Kind() == reflect.String:
		return "a string"
	case t.Kind() == reflect.Slice:
		return "a list"
	}
	return "a mapping of keys"
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return "an empty value"
		}
		return "a single value"
	}
	return "an alias"
}

func where(path string) string {
	if path == "" {
		return "at the top level"
	}
	return "in " + path
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// yamlKey is the key name of a struct field, "" when the field is not a key.
func yamlKey(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" {
		return ""
	}
	return name
}

func fieldByKey(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		if f := t.Field(i); yamlKey(f) == key && key != "" {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// suggest proposes the known key an unknown one was probably meant to be:
// same letters in another case or separator style (pullInterval,
// pull-interval), or a typo of one or two letters.
func suggest(t reflect.Type, key string) string {
	norm := func(s string) string {
		return strings.NewReplacer("_", "", "-", "").Replace(strings.ToLower(s))
	}
	best, bestD := "", 3
	for i := range t.NumField() {
		k := yamlKey(t.Field(i))
		if k == "" {
			continue
		}
		if norm(k) == norm(key) {
			return fmt.Sprintf(" (did you mean %q?)", k)
		}
		if d := distance(k, key); d < bestD && len(key) > 3 {
			best, bestD = k, d
		}
	}
	if best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return ""
}

// distance is the Levenshtein distance, for key names; a long name (a
// fuzzer's, say) is no typo of a short key and is not measured.
func distance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 1 << 30
	}
	return levenshtein.ComputeDistance(a, b)
}
