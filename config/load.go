package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Load reads the configuration file at path over the defaults, applies the
// HCGW_* environment overrides, validates the result and checks that the
// files it names are usable. The error, if any, lists every problem found,
// one per line, each naming the file or variable and the key.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &fieldError{source: path, msg: unwrapPath(err).Error()}
	}
	c, err := decode(path, data)
	if err != nil {
		return nil, err
	}
	return finish(c, os.Environ())
}

// LoadEnvOnly is Load without a file: the defaults with the HCGW_*
// environment overrides, validated and checked.
func LoadEnvOnly() (*Config, error) {
	c := Default()
	return finish(&c, os.Environ())
}

// Parse decodes data as the content of the configuration file name (used
// only in messages) over the defaults and validates it. Unlike Load it reads
// no environment variable and checks no file, so the same bytes always give
// the same result.
func Parse(name string, data []byte) (*Config, error) {
	c, err := decode(name, data)
	if err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// finish applies the environment, then validates and checks files,
// reporting all problems of the three steps together.
func finish(c *Config, environ []string) (*Config, error) {
	errEnv := c.applyEnv(environ)
	errValid := c.Validate()
	errFiles := c.CheckFiles()
	if err := errors.Join(errEnv, errValid, errFiles); err != nil {
		return nil, err
	}
	return c, nil
}

// decode reads one YAML document over the defaults, strictly.
func decode(name string, data []byte) (c *Config, err error) {
	// yaml.v3 reports most problems by panicking internally and recovering;
	// this is a last line of defence so that a malformed file is an error,
	// never a crash of the gateway.
	defer func() {
		if r := recover(); r != nil {
			c, err = nil, &fieldError{source: name, msg: fmt.Sprintf("malformed YAML: %v", r)}
		}
	}()
	cfg := Default()
	cfg.origin.file = name
	if len(bytes.TrimSpace(data)) == 0 {
		return &cfg, nil
	}
	if err := decodeStrict(name, data, &cfg); err != nil {
		return nil, err
	}
	return &cfg, nil
}

// yamlErrorLines turns a yaml.v3 error into one fieldError per line of it,
// without the "yaml: " prefix: "yaml: line 3: did not find expected key"
// becomes "config FILE: line 3: did not find expected key".
func yamlErrorLines(name string, err error) error {
	if errors.Is(err, io.EOF) {
		return nil
	}
	var p problems
	text := strings.TrimPrefix(err.Error(), "yaml: ")
	text = strings.TrimPrefix(text, "unmarshal errors:\n")
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		line := 0
		if n, rest, ok := cutLine(l); ok {
			line, l = n, rest
		}
		p.add(name, line, "", "%s", l)
	}
	return p.err()
}

// cutLine splits "line 7: rest" into 7 and "rest".
func cutLine(s string) (int, string, bool) {
	rest, ok := strings.CutPrefix(s, "line ")
	num, msg, ok2 := strings.Cut(rest, ": ")
	n, err := strconv.Atoi(num)
	if !ok || !ok2 || err != nil || n < 0 {
		return 0, s, false
	}
	return n, msg, true
}
