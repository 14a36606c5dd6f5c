package trust

import (
	"bytes"
	"errors"
	"io"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// decodeStrict decodes data into v refusing what a signed artefact must not
// be ambiguous about: a member name in another case than the field's, a
// name given twice, a member nothing reads, invalid UTF-8, trailing data.
// It is a stand-in for the project's one strict JSON reader (package
// mapping), written in parallel; the two are to be unified.
func decodeStrict(data []byte, v any) error {
	return json.Unmarshal(data, v,
		json.RejectUnknownMembers(true),
		json.MatchCaseInsensitiveNames(false),
		jsontext.AllowDuplicateNames(false),
		jsontext.AllowInvalidUTF8(false))
}

// errTooDeep is jsonDepth's answer past its limit.
var errTooDeep = errors.New("nested too deep")

// jsonDepth checks that data is one JSON value nested at most max deep,
// without building it.
func jsonDepth(data []byte, max int) error {
	dec := jsontext.NewDecoder(bytes.NewReader(data))
	for {
		_, err := dec.ReadToken()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if dec.StackDepth() > max {
			return errTooDeep
		}
	}
}
