package mapping

import (
	"bytes"
	"encoding/json"
	"io"
)

// DecodeClaims reads the JSON claims of a signed artefact (an endorsement,
// a revocation, a status request or answer) into v, refusing anything after
// the one JSON value: every problem is Malformed.
func DecodeClaims(payload []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(payload))
	if err := dec.Decode(v); err != nil {
		return Fail(Malformed, "claims: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Fail(Malformed, "claims: trailing data after the JSON object")
	}
	return nil
}
