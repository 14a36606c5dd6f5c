package mapping

// DecodeClaims reads the JSON claims of a signed trust or federation
// artefact (an endorsement, a revocation, a status request or answer) into
// v: DecodeStrict over a closed claim set, since the contract names every
// claim of these (DESIGN §5, §7). Every problem is fault.Malformed, naming the
// claim.
func DecodeClaims(payload []byte, v any) error {
	return DecodeStrict(payload, v, artefactStrict)
}

var artefactStrict = Strict{What: "claims", Noun: "claim", Closed: true, Unknown: "unknown claim"}
