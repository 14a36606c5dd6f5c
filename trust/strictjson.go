package trust

import (
	"bytes"
	"errors"
	"io"

	"github.com/go-json-experiment/json/jsontext"
)

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
