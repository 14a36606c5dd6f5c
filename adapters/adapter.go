package adapters

import (
	"fmt"
	"time"

	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

// Code is one decoded local or national code in the national model. Holder
// is masked; nothing in a Code may be a full name or identity number.
type Code struct {
	Format   string
	Iss      string // region of the signer
	Org      string // region whose data the status comes from
	ID       string // code id used in status queries (cid)
	Signed   bool   // false: an online-only token whose status lives only at Org
	Kid      string
	Status   mapping.Status
	StatusAt time.Time
	IssuedAt time.Time
	Expires  time.Time
	// ValidAtExpiry: the code is still valid at the instant Expires, and
	// expired only after it (eu-dcc, whose reference compares clock <=
	// exp). Otherwise Expires is the first instant it is expired, as a
	// JWT's exp is.
	ValidAtExpiry bool
	Holder        mapping.Holder
	NAT           *mapping.NAT
	Vac           *int
	Cert          *mapping.Cert      // a foreign health certificate's facts (eu-dcc); nil otherwise
	IT            *mapping.Itinerary // the itinerary mark (DESIGN §12); nil when the code has none
	// Payload is a foreign certificate's payload as decoded JSON, without
	// the holder's name (eu-dcc: claim -260/1 less nam), the data admission
	// rules read as payload (DESIGN §11); nil for the national model.
	Payload map[string]any
	// Digest is the SHA-256 of the code in its one canonical spelling
	// (canonical.go): two spellings of one signed code have one Digest,
	// which is the record's code hash. Zero: the verifier hashes the code
	// as scanned.
	Digest [32]byte
}

// Env is what an adapter may consult while decoding: the current trust
// snapshot and the clock-skew allowance for key windows.
type Env struct {
	Trust *trust.Snapshot
	Skew  time.Duration
	// Now is the validation time, for formats whose status depends on it
	// (eu-dcc: a recovery certificate's window); zero when unknown.
	Now time.Time
}

// Adapter decodes one format.
type Adapter interface {
	// Format is the stable format name, e.g. "nic-v1".
	Format() string
	// Prefixes are the literal prefixes that identify the format; detection
	// uses nothing else.
	Prefixes() []string
	// Decode decodes code (prefix included), checks its signature and the
	// signer's authority, and returns it in the national model. Failures are
	// *fault.Error with a stable reason.
	Decode(code string, env Env) (*Code, error)
}

// Registry detects a code's adapter by prefix in one walk of a byte trie:
// the cost depends on the prefix's length, not on how many adapters exist.
type Registry struct {
	root    *node
	formats map[string]Adapter
	order   []Adapter
}

type node struct {
	next    map[byte]*node
	adapter Adapter
}

// NewRegistry registers adapters. Two adapters may not share a format name
// or a prefix; a prefix that extends another is allowed and wins (longest
// match).
func NewRegistry(as ...Adapter) (*Registry, error) {
	r := &Registry{root: &node{}, formats: map[string]Adapter{}}
	for _, a := range as {
		if err := r.Register(a); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Register adds one adapter. It is meant for start-up, before the registry
// is shared.
func (r *Registry) Register(a Adapter) error {
	if _, dup := r.formats[a.Format()]; dup {
		return fmt.Errorf("adapter format %q registered twice", a.Format())
	}
	if len(a.Prefixes()) == 0 {
		return fmt.Errorf("adapter %q has no prefix", a.Format())
	}
	for _, p := range a.Prefixes() {
		if p == "" {
			return fmt.Errorf("adapter %q has an empty prefix", a.Format())
		}
		n := r.root
		for i := 0; i < len(p); i++ {
			if n.next == nil {
				n.next = map[byte]*node{}
			}
			c := n.next[p[i]]
			if c == nil {
				c = &node{}
				n.next[p[i]] = c
			}
			n = c
		}
		if n.adapter != nil {
			return fmt.Errorf("prefix %q claimed by %q and %q", p, n.adapter.Format(), a.Format())
		}
		n.adapter = a
	}
	r.formats[a.Format()] = a
	r.order = append(r.order, a)
	return nil
}

// Detect returns the adapter whose longest prefix starts code.
func (r *Registry) Detect(code string) (Adapter, bool) {
	var found Adapter
	n := r.root
	for i := 0; i < len(code) && n.next != nil; i++ {
		n = n.next[code[i]]
		if n == nil {
			break
		}
		if n.adapter != nil {
			found = n.adapter
		}
	}
	return found, found != nil
}

// ByFormat returns the adapter of a format name.
func (r *Registry) ByFormat(format string) (Adapter, bool) {
	a, ok := r.formats[format]
	return a, ok
}

// All returns the adapters in registration order.
func (r *Registry) All() []Adapter { return r.order }
