package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// fieldError is one configuration problem. Its text is
//
//	config SOURCE: line N: key PATH: MESSAGE
//
// where SOURCE is the file or "env HCGW_…", and the line and key parts are
// present when known. A message never contains a token hash or a DSN
// password.
type fieldError struct {
	source string
	line   int
	col    int // orders problems on one line; not shown
	key    string
	msg    string
}

func (e *fieldError) Error() string {
	var b strings.Builder
	b.WriteString("config")
	if e.source != "" {
		b.WriteString(" ")
		b.WriteString(e.source)
	}
	b.WriteString(": ")
	if e.line > 0 {
		b.WriteString("line ")
		b.WriteString(strconv.Itoa(e.line))
		b.WriteString(": ")
	}
	if e.key != "" {
		b.WriteString("key ")
		b.WriteString(e.key)
		b.WriteString(": ")
	}
	b.WriteString(e.msg)
	return b.String()
}

// problems collects errors so that all of them are reported at once.
type problems struct {
	errs []error
}

func (p *problems) add(source string, line int, key, format string, args ...any) {
	p.errs = append(p.errs, &fieldError{source: source, line: line, key: key, msg: fmt.Sprintf(format, args...)})
}

func (p *problems) err() error {
	return errors.Join(p.errs...)
}

// quote shows a user-supplied value in a message, shortened so that a huge
// value cannot flood the log. Only values of keys that hold no secret are
// ever passed to it.
func quote(s string) string {
	const max = 40
	if r := []rune(s); len(r) > max {
		s = string(r[:max]) + "…"
	}
	return strconv.Quote(s)
}
