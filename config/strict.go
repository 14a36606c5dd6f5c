package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

var (
	durationType = reflect.TypeFor[time.Duration]()
	anchorType   = reflect.TypeFor[Anchor]()
)

// decodeStrict decodes one YAML document into c, which holds the defaults.
//
// The document is first walked against Config's type, so that every problem
// is reported with its line and key path in the operator's terms ("unknown
// key "foo" in trust", "key server.read_timeout: must be a duration …")
// rather than in Go's ("field foo not found in type config.Trust"). Only a
// document the walk accepts is then decoded, with yaml.v3's KnownFields as a
// second, independent guard; anything it still refuses (an alias bomb, say)
// is reported in its own words.
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

	w := walker{name: name, seen: map[seenKey]bool{}}
	w.check(&doc, reflect.TypeFor[Config](), "")
	if err := w.p.err(); err != nil {
		return err
	}

	strict := yaml.NewDecoder(bytes.NewReader(data))
	strict.KnownFields(true)
	if err := strict.Decode(c); err != nil {
		return yamlErrorLines(name, err)
	}
	return nil
}

type seenKey struct {
	n *yaml.Node
	t reflect.Type
}

// walker checks a YAML node tree against a Go type, the way yaml.v3 would
// decode it, collecting every problem.
type walker struct {
	name string
	p    problems
	// seen makes the walk linear in the document's size: a node reached
	// again through an alias is checked once per type.
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

func (w *walker) add(line int, key, format string, args ...any) {
	w.p.add(w.name, line, key, format, args...)
}

func (w *walker) check(n *yaml.Node, t reflect.Type, path string) {
	n = deref(n)
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) > 0 {
			w.check(n.Content[0], t, path)
		}
		return
	}
	k := seenKey{n, t}
	if w.seen[k] {
		return
	}
	w.seen[k] = true

	if isNull(n) {
		switch {
		case t.Kind() == reflect.Struct && t != anchorType && t != durationType:
			// An empty section ("trust:") keeps its defaults.
		case t.Kind() == reflect.Slice:
			// An empty list ("peers:").
		case t.Kind() == reflect.String:
			w.add(n.Line, path, `has no value: write "" for an empty value, or remove the key to keep the default`)
		case t == anchorType:
			w.add(n.Line, path, "has no value: an anchor must be a JWK file path (a string) or an inline JWK object (a mapping)")
		default:
			w.add(n.Line, path, "has no value: remove the key to keep the default")
		}
		return
	}

	switch {
	case t == anchorType:
		var a Anchor
		if err := n.Decode(&a); err != nil {
			w.addYAML(err, path)
		}
	case t == durationType:
		w.scalar(n, t, path)
	case t.Kind() == reflect.Struct:
		if n.Kind != yaml.MappingNode {
			if path == "" {
				w.add(n.Line, "", "the configuration must be a mapping of keys, not %s", kindName(n))
			} else {
				w.add(n.Line, path, "must be a mapping of keys, not %s", kindName(n))
			}
			return
		}
		w.mapping(n, t, path)
	case t.Kind() == reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			w.add(n.Line, path, "must be a list, not %s", kindName(n))
			return
		}
		for i, e := range n.Content {
			w.check(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
		}
	default:
		w.scalar(n, t, path)
	}
}

// mapping checks the keys of a mapping node against struct type t.
func (w *walker) mapping(n *yaml.Node, t reflect.Type, path string) {
	first := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := deref(n.Content[i]), n.Content[i+1]
		if isMerge(kn) {
			w.merge(vn, t, path)
			continue
		}
		if kn.Kind != yaml.ScalarNode {
			w.add(kn.Line, "", "a key %s is %s; keys are plain names", where(path), kindName(kn))
			continue
		}
		key := kn.Value
		if l, dup := first[key]; dup {
			w.add(kn.Line, join(path, key), "set twice (first at line %d)", l)
			continue
		}
		first[key] = kn.Line
		f, ok := fieldByKey(t, key)
		if !ok {
			w.add(kn.Line, "", "unknown key %q %s%s", key, where(path), suggest(t, key))
			continue
		}
		w.check(vn, f.Type, join(path, key))
	}
}

// merge checks the value of a "<<" key: a mapping, or a list of mappings,
// whose keys are merged into the enclosing one.
func (w *walker) merge(v *yaml.Node, t reflect.Type, path string) {
	v = deref(v)
	srcs := []*yaml.Node{v}
	if v.Kind == yaml.SequenceNode {
		srcs = v.Content
	}
	for _, s := range srcs {
		s = deref(s)
		if s.Kind != yaml.MappingNode {
			w.add(s.Line, path, `"<<" (merge) needs a mapping or a list of mappings, not %s`, kindName(s))
			continue
		}
		if k := (seenKey{s, t}); !w.seen[k] {
			w.seen[k] = true
			w.mapping(s, t, path)
		}
	}
}

// scalar checks that a scalar node decodes into t, by letting yaml.v3 decode
// it: the walk then agrees with the real decoding by construction.
func (w *walker) scalar(n *yaml.Node, t reflect.Type, path string) {
	if n.Kind != yaml.ScalarNode {
		w.add(n.Line, path, "must be %s, not %s", typeName(t), kindName(n))
		return
	}
	isInt := t != durationType && t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64
	// yaml.v3 truncates a float into an integer field (1.5 → 1); a strict
	// configuration refuses it.
	if isInt && n.ShortTag() == "!!float" {
		w.add(n.Line, path, "must be an integer, not %s", quote(n.Value))
		return
	}
	if err := n.Decode(reflect.New(t).Interface()); err == nil {
		return
	}
	// Only bool, integer and duration keys get here (any scalar decodes into
	// a string), and none of them is a secret, so the value may be shown.
	switch {
	case t == durationType && isNumber(n.Value):
		w.add(n.Line, path, `must be a duration with a unit, like "60s" or "1.5s": a plain number such as %s is ambiguous`, n.Value)
	default:
		w.add(n.Line, path, "must be %s, not %s", typeName(t), quote(n.Value))
	}
}

// addYAML reports the errors of a yaml.v3 decoding under key path.
func (w *walker) addYAML(err error, path string) {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		w.add(0, path, "%s", strings.TrimPrefix(err.Error(), "yaml: "))
		return
	}
	for _, e := range te.Errors {
		line, msg, _ := cutLine(e)
		w.add(line, path, "%s", msg)
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

// distance is the Levenshtein distance, for short key names.
func distance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 1 << 30
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
