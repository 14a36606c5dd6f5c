package certlogic

import (
	"errors"
	"strings"
)

// Code is the stable name of a class of failure.
type Code string

const (
	// CodeInvalid: the expression is not valid CertLogic (Compile).
	CodeInvalid Code = "invalid_expression"
	// CodeTooLarge: the expression is nested deeper than MaxDepth or has
	// more than MaxNodes nodes (Compile).
	CodeTooLarge Code = "expression_too_large"
	// CodeType: an operand evaluated to a value the operation does not take
	// (Eval), e.g. "+" of a string, a guard neither truthy nor falsy.
	CodeType Code = "evaluation_type"
	// CodeBudget: the evaluation did more work than its budget (Eval).
	CodeBudget Code = "evaluation_budget"
	// CodeInternal: a defect of this package met at evaluation (recovered);
	// the caller treats it as any evaluation error.
	CodeInternal Code = "evaluation_internal"
)

// Error is every error of this package.
type Error struct {
	Code Code
	// Msg says what went wrong; for CodeInvalid it is the first issue, in
	// the reference validator's words.
	Msg string
	// Issues are all the validation issues (CodeInvalid, CodeTooLarge).
	Issues []Issue
}

func (e *Error) Error() string { return "certlogic: " + string(e.Code) + ": " + e.Msg }

// Is makes errors.Is(err, &Error{Code: c}) match on the code.
func (e *Error) Is(target error) bool {
	var t *Error
	return errors.As(target, &t) && t.Code == e.Code
}

// CodeOf returns the code of an error of this package, "" for others.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// Issue is one problem the validator found, in the shape of the reference
// validator's issues: the offending (sub-)expression and a message.
type Issue struct {
	Expr    any    `json:"expr"`
	Message string `json:"message"`
	// tooLarge marks hcgw's bounds, which the reference does not have.
	tooLarge bool
}

func invalid(issues []Issue) error {
	code := CodeInvalid
	for _, is := range issues {
		if is.tooLarge {
			code = CodeTooLarge
		}
	}
	msgs := make([]string, 0, 1)
	msgs = append(msgs, issues[0].Message)
	if len(issues) > 1 {
		msgs = append(msgs, "and "+itoa(len(issues)-1)+" more")
	}
	out := make([]Issue, len(issues))
	copy(out, issues)
	return &Error{Code: code, Msg: strings.Join(msgs, " "), Issues: out}
}

func typeError(msg string) error { return &Error{Code: CodeType, Msg: msg} }

var errBudget = &Error{Code: CodeBudget, Msg: "the evaluation exceeded its work budget"}
