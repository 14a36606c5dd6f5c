package config

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// EnvPrefix starts every environment variable that overrides a key.
const EnvPrefix = "HCGW_"

// envVar is one overridable key.
type envVar struct {
	name string        // HCGW_TRUST_PULL_INTERVAL
	path string        // trust.pull_interval
	v    reflect.Value // the field, settable
}

// envVars lists the overridable keys of c, walking the yaml tags: a key's
// variable is its path upper-cased with "_" between the parts. Because key
// names contain "_" themselves (endorsements_dir), names are built from the
// tags and looked up, never split. Lists of mappings (clients, peers) are not
// overridable: one flat variable cannot express them safely.
func envVars(c *Config) (vars []envVar, lists []string) {
	var walk func(v reflect.Value, path, name string)
	walk = func(v reflect.Value, path, name string) {
		t := v.Type()
		for i := range t.NumField() {
			key := yamlKey(t.Field(i))
			if key == "" {
				continue
			}
			fv := v.Field(i)
			p, n := join(path, key), name+"_"+strings.ToUpper(key)
			switch {
			case fv.Type() == durationType:
				vars = append(vars, envVar{n, p, fv})
			case fv.Kind() == reflect.Struct:
				walk(fv, p, n)
			case fv.Kind() == reflect.Slice:
				if e := fv.Type().Elem(); e.Kind() == reflect.String || e == anchorType {
					vars = append(vars, envVar{n, p, fv})
				} else {
					lists = append(lists, n)
				}
			default:
				vars = append(vars, envVar{n, p, fv})
			}
		}
	}
	walk(reflect.ValueOf(c).Elem(), "", strings.TrimSuffix(EnvPrefix, "_"))
	return vars, lists
}

// EnvNames returns the name of every environment variable that overrides a
// key, in the order of the keys.
func EnvNames() []string {
	c := Default()
	vars, _ := envVars(&c)
	names := make([]string, len(vars))
	for i, v := range vars {
		names[i] = v.name
	}
	return names
}

// applyEnv applies the HCGW_* variables of environ ("NAME=value" strings,
// as os.Environ returns) to c, and remembers which keys they set.
//
// A variable under a section's prefix (HCGW_TRUST_…) that names no key is an
// error, as an unknown key in the file is: a mistyped override must not be
// silently ignored. Other HCGW_* variables are left to their owners (the CLI
// may use HCGW_CONFIG, say).
func (c *Config) applyEnv(environ []string) error {
	vars, lists := envVars(c)
	byName := make(map[string]envVar, len(vars))
	for _, v := range vars {
		byName[v.name] = v
	}
	var sections []string
	t := reflect.TypeFor[Config]()
	for i := range t.NumField() {
		if f := t.Field(i); f.Type.Kind() == reflect.Struct && f.Type != durationType && yamlKey(f) != "" {
			sections = append(sections, EnvPrefix+strings.ToUpper(yamlKey(f))+"_")
		}
	}

	env := map[string]string{}
	for _, kv := range environ {
		name, value, ok := strings.Cut(kv, "=")
		if ok && strings.HasPrefix(name, EnvPrefix) {
			env[name] = value // the last one wins, as with getenv
		}
	}
	names := make([]string, 0, len(env))
	for n := range env {
		names = append(names, n)
	}
	slices.Sort(names)

	var p problems
	for _, name := range names {
		value := env[name]
		src := "env " + name
		v, ok := byName[name]
		if !ok {
			switch {
			case slices.ContainsFunc(lists, func(l string) bool { return name == l || strings.HasPrefix(name, l+"_") }):
				p.add(src, 0, "", "clients and peers cannot be set from the environment; set them in the configuration file")
			case slices.ContainsFunc(sections, func(s string) bool { return strings.HasPrefix(name, s) }):
				p.add(src, 0, "", "no such configuration key%s", suggestEnv(name, byName))
			}
			continue
		}
		if err := setFromEnv(v.v, value); err != nil {
			p.add(src, 0, v.path, "%v", err)
			continue
		}
		if c.origin.env == nil {
			c.origin.env = map[string]string{}
		}
		c.origin.env[v.path] = name
	}
	return p.err()
}

func suggestEnv(name string, known map[string]envVar) string {
	best, bestD := "", 3
	for k := range known {
		if d := distance(k, name); d < bestD || d == bestD && k < best {
			best, bestD = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %s?)", best)
}

// setFromEnv parses value into the field v. Messages never repeat the value
// of a string (it may be a DSN with a password); other values are safe to
// show.
func setFromEnv(v reflect.Value, value string) error {
	switch {
	case v.Type() == durationType:
		d, err := time.ParseDuration(value)
		if err != nil {
			if isNumber(value) {
				return fmt.Errorf(`must be a duration with a unit, like "60s" or "1.5s": a plain number such as %s is ambiguous`, value)
			}
			return fmt.Errorf(`must be a duration like "60s", "1.5s" or "5m", not %s`, quote(value))
		}
		v.SetInt(int64(d))
	case v.Kind() == reflect.String:
		v.SetString(value)
	case v.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(value)
		if err != nil {
			return fmt.Errorf("must be true or false, not %s", quote(value))
		}
		v.SetBool(b)
	case v.Kind() >= reflect.Int && v.Kind() <= reflect.Int64:
		n, err := strconv.ParseInt(value, 10, v.Type().Bits())
		if err != nil {
			return fmt.Errorf("must be an integer, not %s", quote(value))
		}
		v.SetInt(n)
	case v.Kind() == reflect.Slice:
		items, err := splitList(value)
		if err != nil {
			return err
		}
		if v.Type().Elem() == anchorType {
			anchors := make([]Anchor, len(items))
			for i, it := range items {
				anchors[i] = Anchor{Path: it}
			}
			v.Set(reflect.ValueOf(anchors))
		} else {
			v.Set(reflect.ValueOf(items))
		}
	default:
		return errors.New("cannot be set from the environment")
	}
	return nil
}

// splitList splits a comma-separated list of paths. An empty value is an
// empty list; an empty item ("a,,b") is a mistake.
func splitList(value string) ([]string, error) {
	if strings.TrimSpace(value) == "" {
		return []string{}, nil
	}
	parts := strings.Split(value, ",")
	for i, s := range parts {
		parts[i] = strings.TrimSpace(s)
		if parts[i] == "" {
			return nil, fmt.Errorf("item %d of the comma-separated list is empty", i+1)
		}
	}
	return parts, nil
}
