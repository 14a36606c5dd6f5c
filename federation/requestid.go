package federation

import "context"

type requestIDKey struct{}

// WithRequestID carries the id of the request being served into calls to
// peers, so one verification can be followed across gateways' logs.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the id carried by ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
