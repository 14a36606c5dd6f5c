package mapping

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Table is one local format's translation into the national model: which
// local field holds what, and which local status value means which national
// status. Tables live in configs/mappings/*.yaml, one per format.
type Table struct {
	Format string
	Region string            // the region whose format this is
	Fields map[string]string // national field → local field name
	status map[string]Status
	source string // file, for messages
}

// Map translates a local status value. An unknown value is grey, never
// green: a province adding a value this table does not know yet cannot turn a
// code green by accident.
func (t *Table) Map(local string) (Status, bool) {
	st, ok := t.status[local]
	if !ok {
		return Grey, false
	}
	return st, true
}

// Field returns the local field name of a national field ("" when the table
// has none).
func (t *Table) Field(national string) string { return t.Fields[national] }

// Values lists the table's local status values, sorted.
func (t *Table) Values() []string {
	out := make([]string, 0, len(t.status))
	for k := range t.status {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Source names the file the table came from.
func (t *Table) Source() string { return t.source }

// Tables are the loaded tables by format.
type Tables map[string]*Table

// Get returns the table of format or an error naming it: an adapter without
// its table must not start.
func (ts Tables) Get(format string) (*Table, error) {
	t, ok := ts[format]
	if !ok {
		return nil, fmt.Errorf("no mapping table for format %q (configs/mappings/%s.yaml)", format, format)
	}
	return t, nil
}

// The national fields a table may name.
var nationalFields = map[string]bool{
	"code_id": true, "status": true, "status_time": true, "issued_at": true, "expires": true,
	"ttl": true, "name": true, "id": true,
}

// ParseTable reads one table. Every problem names the file and line; an
// unknown key, a status outside the four national ones, or a local value
// given twice refuses the table.
func ParseTable(name string, data []byte) (*Table, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("mapping %s: %v", name, err)
	}
	var extra yaml.Node
	if dec.Decode(&extra) == nil {
		return nil, fmt.Errorf("mapping %s: line %d: only one YAML document is allowed", name, extra.Line)
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("mapping %s: the table must be a mapping", name)
	}
	fail := func(n *yaml.Node, format string, args ...any) error {
		return fmt.Errorf("mapping %s: line %d: %s", name, n.Line, fmt.Sprintf(format, args...))
	}
	t := &Table{Fields: map[string]string{}, status: map[string]Status{}, source: name}
	root := doc.Content[0]
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if seen[k.Value] {
			return nil, fail(k, "key %q given twice", k.Value)
		}
		seen[k.Value] = true
		switch k.Value {
		case "format", "region":
			if v.Kind != yaml.ScalarNode || v.Value == "" {
				return nil, fail(v, "%s must be a non-empty string", k.Value)
			}
			if k.Value == "format" {
				t.Format = v.Value
			} else {
				if !ValidRegion(v.Value) {
					return nil, fail(v, "region %q is not six digits", v.Value)
				}
				t.Region = v.Value
			}
		case "fields":
			if v.Kind != yaml.MappingNode {
				return nil, fail(v, "fields must be a mapping of national field → local field")
			}
			for j := 0; j+1 < len(v.Content); j += 2 {
				fk, fv := v.Content[j], v.Content[j+1]
				if !nationalFields[fk.Value] {
					return nil, fail(fk, "unknown national field %q", fk.Value)
				}
				if fv.Kind != yaml.ScalarNode || fv.Value == "" {
					return nil, fail(fv, "local field name for %q must be a non-empty string", fk.Value)
				}
				if _, dup := t.Fields[fk.Value]; dup {
					return nil, fail(fk, "field %q given twice", fk.Value)
				}
				t.Fields[fk.Value] = fv.Value
			}
		case "status":
			if v.Kind != yaml.MappingNode {
				return nil, fail(v, "status must be a mapping of local value → national status")
			}
			for j := 0; j+1 < len(v.Content); j += 2 {
				sk, sv := v.Content[j], v.Content[j+1]
				if sk.Kind != yaml.ScalarNode || sk.Value == "" {
					return nil, fail(sk, "a local status value must be a non-empty string")
				}
				if _, dup := t.status[sk.Value]; dup {
					return nil, fail(sk, "local value %q given twice", sk.Value)
				}
				st, ok := ParseStatus(sv.Value)
				if sv.Kind != yaml.ScalarNode || !ok {
					return nil, fail(sv, "local value %q maps to %q, which is not green, yellow, red or grey", sk.Value, sv.Value)
				}
				t.status[sk.Value] = st
			}
		default:
			return nil, fail(k, "unknown key %q (format, region, fields, status)", k.Value)
		}
	}
	switch {
	case t.Format == "":
		return nil, fmt.Errorf("mapping %s: format is missing", name)
	case t.Region == "":
		return nil, fmt.Errorf("mapping %s: region is missing", name)
	case len(t.status) == 0:
		return nil, fmt.Errorf("mapping %s: status table is empty", name)
	}
	if base := strings.TrimSuffix(path.Base(name), path.Ext(name)); base != t.Format {
		return nil, fmt.Errorf("mapping %s: format %q must match the file name", name, t.Format)
	}
	return t, nil
}

// LoadTables reads every *.yaml of fsys's root.
func LoadTables(fsys fs.FS) (Tables, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, err
	}
	ts := Tables{}
	var errs []error
	for _, n := range names {
		data, err := fs.ReadFile(fsys, n)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		t, err := ParseTable(n, data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if _, dup := ts[t.Format]; dup {
			errs = append(errs, fmt.Errorf("mapping %s: format %q defined twice", n, t.Format))
			continue
		}
		ts[t.Format] = t
	}
	return ts, errors.Join(errs...)
}
