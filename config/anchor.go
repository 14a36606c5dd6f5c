package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"gopkg.in/yaml.v3"
)

// maxJWKFile bounds what Anchor.Bytes reads: a JWK is a few hundred bytes,
// and a path pointing at a device or a huge file must not hang or exhaust
// the gateway at start.
const maxJWKFile = 64 << 10

// Anchor is one pinned national root public key: either the path of a JWK
// file (a YAML string) or an inline JWK object (a YAML mapping). Exactly one
// of Path and JWK is set.
type Anchor struct {
	Path string
	JWK  map[string]any
}

// UnmarshalYAML accepts both forms of an anchor.
func (a *Anchor) UnmarshalYAML(n *yaml.Node) error {
	switch {
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str":
		*a = Anchor{Path: n.Value}
		return nil
	case n.Kind == yaml.MappingNode:
		var m map[string]any
		if err := n.Decode(&m); err != nil {
			return err
		}
		*a = Anchor{JWK: m}
		return nil
	}
	// A *yaml.TypeError lets the decoder go on and report other problems too.
	return &yaml.TypeError{Errors: []string{fmt.Sprintf(
		"line %d: an anchor must be a JWK file path (a string) or an inline JWK object (a mapping)", n.Line)}}
}

// MarshalYAML writes an anchor back in the form it was given.
func (a Anchor) MarshalYAML() (any, error) {
	if a.JWK != nil {
		return a.JWK, nil
	}
	return a.Path, nil
}

// Bytes returns the anchor's JWK as JSON: the file's content for a path (read
// relative to the working directory, like every path of the configuration),
// the JSON encoding of the inline object otherwise. It checks that the
// result is a JSON object; parsing it as a key is the trust registry's job.
func (a Anchor) Bytes() ([]byte, error) {
	if a.JWK != nil {
		if a.Path != "" {
			return nil, errors.New("anchor has both a path and an inline JWK")
		}
		b, err := json.Marshal(a.JWK)
		if err != nil {
			return nil, fmt.Errorf("inline anchor JWK cannot be encoded as JSON: %v", err)
		}
		return b, nil
	}
	if a.Path == "" {
		return nil, errors.New("anchor has neither a path nor an inline JWK")
	}
	b, err := readSmallFile(a.Path, maxJWKFile)
	if err != nil {
		return nil, fmt.Errorf("anchor file %s: %w", a.Path, err)
	}
	var obj map[string]any
	if err := json.Unmarshal(b, &obj); err != nil {
		return nil, fmt.Errorf("anchor file %s: not a JSON object: %v", a.Path, err)
	}
	return b, nil
}

// readSmallFile reads a regular file of at most max bytes. Errors do not
// repeat the path: callers name it.
func readSmallFile(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, unwrapPath(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, unwrapPath(err)
	}
	if !st.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, unwrapPath(err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("larger than %d bytes", max)
	}
	return b, nil
}

// unwrapPath drops the path an *fs.PathError repeats, leaving "no such file
// or directory" and the like.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
