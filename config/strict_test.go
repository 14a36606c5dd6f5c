package config

import (
	"errors"
	"strings"
	"testing"
)

// wantErrors checks that err holds exactly the messages want, in order.
func wantErrors(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %q", want)
	}
	got := strings.Split(err.Error(), "\n")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestUnknownKeysAreRejectedWithTheirLine(t *testing.T) {
	tests := map[string]struct {
		yaml string
		want []string
	}{
		"at the top level": {
			"listen: 127.0.0.1:8080\nlisten_addr: x\n",
			[]string{`config f.yaml: line 2: unknown key "listen_addr" at the top level`},
		},
		"in database": {
			"database:\n  driver: sqlite\n  password: x\n",
			[]string{`config f.yaml: line 3: unknown key "password" in database`},
		},
		"in trust": {
			"trust:\n  pull_interval: 5s\n  foo: 1\n",
			[]string{`config f.yaml: line 3: unknown key "foo" in trust`},
		},
		"in a client": {
			"clients:\n  - name: a\n    role: admin\n    token: abc\n",
			[]string{`config f.yaml: line 4: unknown key "token" in clients[0]`},
		},
		"in the second of two clients written inline": {
			"clients:\n  - {name: a}\n  - {name: b, roles: admin}\n",
			[]string{`config f.yaml: line 3: unknown key "roles" in clients[1] (did you mean "role"?)`},
		},
		"in a peer": {
			"peers:\n  - region: \"000000\"\n    address: http://x\n",
			[]string{`config f.yaml: line 3: unknown key "address" in peers[0]`},
		},
		"in audit": {
			"audit:\n  async: true\n",
			[]string{`config f.yaml: line 2: unknown key "async" in audit (did you mean "sync"?)`},
		},
		"in server": {
			"server:\n  maxBodyBytes: 10\n",
			[]string{`config f.yaml: line 2: unknown key "maxBodyBytes" in server (did you mean "max_body_bytes"?)`},
		},
		"in verify": {
			"verify:\n  clock-skew: 1s\n",
			[]string{`config f.yaml: line 2: unknown key "clock-skew" in verify (did you mean "clock_skew"?)`},
		},
		"in federation": {
			"federation:\n  hops: 3\n",
			[]string{`config f.yaml: line 2: unknown key "hops" in federation`},
		},
		"in log": {
			"log:\n  lvl: debug\n",
			[]string{`config f.yaml: line 2: unknown key "lvl" in log`},
		},
		"in several places at once, each reported": {
			"foo: 1\ntrust:\n  bar: 2\nlog:\n  baz: 3\n",
			[]string{
				`config f.yaml: line 1: unknown key "foo" at the top level`,
				`config f.yaml: line 3: unknown key "bar" in trust`,
				`config f.yaml: line 5: unknown key "baz" in log`,
			},
		},
		"brought in by a merge key": {
			"base: &b\n  sync: true\n",
			[]string{`config f.yaml: line 1: unknown key "base" at the top level`},
		},
		"merged from an anchor of another section": {
			"trust: &t\n  pull_interval: 5s\nverify:\n  <<: *t\n",
			[]string{`config f.yaml: line 2: unknown key "pull_interval" in verify`},
		},
		"in two clients on one line, each at its own index": {
			"clients: [{name: a, rolez: x}, {name: b, rolez: y}]\n",
			[]string{
				`config f.yaml: line 1: unknown key "rolez" in clients[0] (did you mean "role"?)`,
				`config f.yaml: line 1: unknown key "rolez" in clients[1] (did you mean "role"?)`,
			},
		},
		"a key that is not a name": {
			"? [a, b]\n: 1\n",
			[]string{`config f.yaml: line 1: a key at the top level is a list; keys are plain names`},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("f.yaml", []byte(tc.yaml))
			wantErrors(t, err, tc.want...)
		})
	}
}

func TestAnInlineAnchorAcceptsAnyJWKMember(t *testing.T) {
	c, err := Parse("f.yaml", []byte("trust:\n  anchors:\n    - {kty: EC, crv: P-256, x: a, y: b, alg: ES256, use: sig, kid: k1}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Trust.Anchors[0].JWK["kid"]; got != "k1" {
		t.Errorf("kid = %v", got)
	}
}

func TestWrongTypesAreRejected(t *testing.T) {
	tests := map[string]struct {
		yaml string
		want string
	}{
		"a plain integer for a duration": {
			"trust:\n  pull_interval: 60\n",
			`config f.yaml: line 2: key trust.pull_interval: must be a duration with a unit, like "60s" or "1.5s": a plain number such as 60 is ambiguous`,
		},
		"a quoted integer for a duration": {
			"verify:\n  deadline: \"2\"\n",
			`config f.yaml: line 2: key verify.deadline: must be a duration with a unit, like "60s" or "1.5s": a plain number such as 2 is ambiguous`,
		},
		"a word for a duration": {
			"server:\n  read_timeout: soon\n",
			`config f.yaml: line 2: key server.read_timeout: must be a duration like "60s", "1.5s" or "5m", not "soon"`,
		},
		"a word for an integer": {
			"audit:\n  queue_size: many\n",
			`config f.yaml: line 2: key audit.queue_size: must be an integer, not "many"`,
		},
		"a fraction for an integer": {
			"server:\n  max_body_bytes: 1.5\n",
			`config f.yaml: line 2: key server.max_body_bytes: must be an integer, not "1.5"`,
		},
		"a duration for an integer": {
			"federation:\n  retries: 2s\n",
			`config f.yaml: line 2: key federation.retries: must be an integer, not "2s"`,
		},
		"a number too large for an integer": {
			"federation:\n  max_hops: 99999999999999999999\n",
			`config f.yaml: line 2: key federation.max_hops: must be an integer, not "99999999999999999999"`,
		},
		"two wrong values on one line, each at its own key": {
			"audit: {queue_size: many, max_batch: few}\n",
			"config f.yaml: line 1: key audit.queue_size: must be an integer, not \"many\"\n" +
				"config f.yaml: line 1: key audit.max_batch: must be an integer, not \"few\"",
		},
		// The fraction is found by the walk, the word by yaml.v3: still in
		// the order they are written.
		"a word and a fraction on one line, in their order": {
			"audit: {queue_size: many, max_batch: 1.5}\n",
			"config f.yaml: line 1: key audit.queue_size: must be an integer, not \"many\"\n" +
				"config f.yaml: line 1: key audit.max_batch: must be an integer, not \"1.5\"",
		},
		"a wrong value reached through an alias": {
			"x: &n many\n",
			`config f.yaml: line 1: unknown key "x" at the top level`,
		},
		"a wrong value in a merged mapping": {
			"peers:\n  - &p {region: \"000000\", url: 7s}\n  - {<<: *p, region: [x]}\n",
			`config f.yaml: line 3: key peers[1].region: must be a string, not a list`,
		},
		"a word for a bool": {
			"audit:\n  sync: maybe\n",
			`config f.yaml: line 2: key audit.sync: must be true or false, not "maybe"`,
		},
		"a list for a string": {
			"listen: [a, b]\n",
			`config f.yaml: line 1: key listen: must be a string, not a list`,
		},
		"a mapping for a string": {
			"database:\n  dsn: {user: root}\n",
			`config f.yaml: line 2: key database.dsn: must be a string, not a mapping`,
		},
		"a single value for a section": {
			"trust: yes\n",
			`config f.yaml: line 1: key trust: must be a mapping of keys, not a single value`,
		},
		"a list for a section": {
			"audit: [sync]\n",
			`config f.yaml: line 1: key audit: must be a mapping of keys, not a list`,
		},
		"a single value for a list": {
			"keys: configs/keys/a.jwk\n",
			`config f.yaml: line 1: key keys: must be a list, not a single value`,
		},
		"a mapping for a list": {
			"peers: {region: \"000000\"}\n",
			`config f.yaml: line 1: key peers: must be a list, not a mapping`,
		},
		"a list for a client": {
			"clients:\n  - [a, verifier]\n",
			`config f.yaml: line 2: key clients[0]: must be a mapping of keys, not a list`,
		},
		"a list as the whole file": {
			"- listen\n",
			`config f.yaml: line 1: the configuration must be a mapping of keys, not a list`,
		},
		"a single value as the whole file": {
			"hello\n",
			`config f.yaml: line 1: the configuration must be a mapping of keys, not a single value`,
		},
		"a number for an anchor": {
			"trust:\n  anchors: [42]\n",
			`config f.yaml: line 2: key trust.anchors[0]: an anchor must be a JWK file path (a string) or an inline JWK object (a mapping)`,
		},
		"a list for an anchor": {
			"trust:\n  anchors:\n    - [a]\n",
			`config f.yaml: line 3: key trust.anchors[0]: an anchor must be a JWK file path (a string) or an inline JWK object (a mapping)`,
		},
		"no value for a string": {
			"listen:\n",
			`config f.yaml: line 1: key listen: has no value: write "" for an empty value, or remove the key to keep the default`,
		},
		"no value for a duration": {
			"verify:\n  deadline: ~\n",
			`config f.yaml: line 2: key verify.deadline: has no value: remove the key to keep the default`,
		},
		"no value for an anchor": {
			"trust:\n  anchors: [~]\n",
			`config f.yaml: line 2: key trust.anchors[0]: has no value: an anchor must be a JWK file path (a string) or an inline JWK object (a mapping)`,
		},
		"a key set twice": {
			"region: \"310000\"\nlisten: a:1\nregion: \"330000\"\n",
			`config f.yaml: line 3: key region: set twice (first at line 1)`,
		},
		"a key set twice in a section": {
			"audit:\n  sync: true\n  sync: false\n",
			`config f.yaml: line 3: key audit.sync: set twice (first at line 2)`,
		},
		"a merge key whose value is not a mapping": {
			"audit:\n  <<: 1\n",
			`config f.yaml: line 2: key audit: "<<" (merge) needs a mapping or a list of mappings, not a single value`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("f.yaml", []byte(tc.yaml))
			wantErrors(t, err, tc.want)
		})
	}
}

func TestSyntaxErrorsNameTheFileAndLine(t *testing.T) {
	tests := map[string]struct {
		yaml string
		want string
	}{
		"an unterminated quote": {
			"listen: 'a\nregion: b\n",
			`config f.yaml: line 3: found unexpected end of stream`,
		},
		// yaml.v3 reports the line of the mapping the parser was in.
		"a bad indentation": {
			"trust:\n  pull_interval: 5s\n pull_from: x\n",
			`config f.yaml: line 2: did not find expected key`,
		},
		"a tab for indentation": {
			"trust:\n\tpull_interval: 5s\n",
			`config f.yaml: line 2: found character that cannot start any token`,
		},
		"an alias to nothing": {
			"listen: *nowhere\n",
			`config f.yaml: unknown anchor 'nowhere' referenced`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("f.yaml", []byte(tc.yaml))
			wantErrors(t, err, tc.want)
		})
	}
}

func TestOneDocumentOnly(t *testing.T) {
	tests := map[string]struct {
		yaml string
		want string // "" when the file is accepted
	}{
		"two documents": {
			"listen: a:1\n---\nregion: \"330000\"\n",
			`config f.yaml: line 2: more than one YAML document: a configuration is a single document (remove the "---" separator)`,
		},
		"an empty second document": {
			"listen: a:1\n---\n",
			`config f.yaml: line 2: more than one YAML document: a configuration is a single document (remove the "---" separator)`,
		},
		"a syntax error in a second document": {
			"listen: a:1\n---\nregion: 'x\n",
			`config f.yaml: line 3: found unexpected end of stream`,
		},
		"one document with a leading marker": {"---\nlisten: a:1\n", ""},
		"one document with an end marker":    {"listen: a:1\n...\n", ""},
		"a lone document marker":             {"---\n", ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("f.yaml", []byte(tc.yaml))
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantErrors(t, err, tc.want)
		})
	}
	t.Run("the golden file with two documents", func(t *testing.T) {
		_, err := parseFile(t, "testdata/two-documents.yaml")
		wantErrors(t, err, `config testdata/two-documents.yaml: line 2: more than one YAML document: a configuration is a single document (remove the "---" separator)`)
	})
}

func TestEmptySectionsAndListsKeepDefaults(t *testing.T) {
	c, err := Parse("f.yaml", []byte("trust:\naudit:\npeers:\nkeys: []\n"))
	if err != nil {
		t.Fatal(err)
	}
	def := Default()
	assertSameConfig(t, c, &def)
}

func TestMergeKeysAreFollowed(t *testing.T) {
	c, err := Parse("f.yaml", []byte(
		"x-peer: &p {url: \"http://hub.example\"}\n"+
			"peers:\n  - {<<: *p, region: \"000000\"}\n"))
	if err == nil {
		t.Fatalf("x-peer is not a key; got %+v", c.Peers)
	}
	c, err = Parse("f.yaml", []byte(
		"peers:\n  - &p {region: \"000000\", url: \"http://hub.example\"}\n"+
			"  - {<<: *p, region: \"330000\"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Peers[1].URL != "http://hub.example" || c.Peers[1].Region != "330000" {
		t.Errorf("peers[1] = %+v", c.Peers[1])
	}
}

func TestDecodeErrorsAreFieldErrors(t *testing.T) {
	_, err := Parse("f.yaml", []byte("audit:\n  sync: maybe\n"))
	var fe *fieldError
	if !errors.As(err, &fe) || fe.source != "f.yaml" || fe.line != 2 || fe.key != "audit.sync" {
		t.Errorf("got %#v", fe)
	}
}

// A yaml.v3 message the walk cannot place keeps its line and its words, but
// not the value it quotes, which could be a secret.
func TestAnUnplacedDecodeErrorHidesItsValue(t *testing.T) {
	s := sites{name: "f.yaml", byLine: map[int][]*site{}, seen: map[seenKey]bool{}}
	s.translate("line 9: cannot unmarshal !!str `hunter2` into []string")
	var p problems
	for _, e := range s.found {
		p.errs = append(p.errs, e)
	}
	wantErrors(t, p.err(), "config f.yaml: line 9: cannot unmarshal !!str a value into []string")
}
