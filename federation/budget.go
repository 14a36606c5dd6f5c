package federation

import (
	"context"
	"net/http"
	"strconv"
	"sync"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/hcgw/hcgw/fault"
)

// Retry budget headers (docs/federation.md, a refinement of DESIGN §7 that
// peers built against §7 ignore): a status request says how many retries
// the rest of the chain may still spend on it, an answer how many it spent.
const (
	RetryBudgetHeader  = "Hcgw-Retry-Budget"
	RetriesSpentHeader = "Hcgw-Retries-Spent"
	// MaxRetryBudget bounds what a request may ask for.
	MaxRetryBudget = 10
)

// retryBudget is one verification's retries, shared by every hop of its
// chain: retries made here and those reported spent further down come out
// of one count, so that a sick platform gets at most 1 + budget calls,
// however many gateways stand between.
type retryBudget struct {
	mu    sync.Mutex
	left  int
	spent int
	here  int // retries the current client made under it
}

type budgetKey struct{}

// WithRetryBudget returns ctx carrying a budget of n retries for what is
// asked under it (a Responder's Source, a hub's relay).
func WithRetryBudget(ctx context.Context, n int) context.Context {
	return context.WithValue(ctx, budgetKey{}, &retryBudget{left: n})
}

// RetryBudgetFrom reads a status request's Hcgw-Retry-Budget header into
// ctx; an absent header leaves ctx as it is (a peer built against DESIGN
// §7), a malformed one is an error.
func RetryBudgetFrom(ctx context.Context, h http.Header) (context.Context, error) {
	v := h.Get(RetryBudgetHeader)
	if v == "" {
		return ctx, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > MaxRetryBudget || strconv.Itoa(n) != v {
		return ctx, fault.Fail(fault.BadRequest, "%s must be an integer from 0 to %d", RetryBudgetHeader, MaxRetryBudget)
	}
	return WithRetryBudget(ctx, n), nil
}

func budgetOf(ctx context.Context) *retryBudget {
	b, _ := ctx.Value(budgetKey{}).(*retryBudget)
	return b
}

// spent reports how many retries were spent under ctx's budget (0 without
// one).
func retriesSpent(ctx context.Context) int {
	b := budgetOf(ctx)
	if b == nil {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.spent
}

// remaining is what the next attempt may let the chain below spend.
func (b *retryBudget) remaining() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return max(b.left, 0)
}

// below notes retries an answer says were spent further down the chain.
func (b *retryBudget) below(resp *http.Response) {
	if resp == nil {
		return
	}
	n, err := strconv.Atoi(resp.Header.Get(RetriesSpentHeader))
	if err != nil || n <= 0 {
		return
	}
	n = min(n, MaxRetryBudget)
	b.mu.Lock()
	b.left -= n
	b.spent += n
	b.mu.Unlock()
}

// take spends one retry here, if any is left and the client, allowed max,
// has one left.
func (b *retryBudget) take(max int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.left <= 0 || b.here >= max {
		return false
	}
	b.left--
	b.spent++
	b.here++
	return true
}

// setBudgetHeader is the retry clients' RequestLogHook: before every
// attempt, the request tells the next gateway what the chain has left.
func setBudgetHeader(_ retryablehttp.Logger, req *http.Request, _ int) {
	if b := budgetOf(req.Context()); b != nil {
		req.Header.Set(RetryBudgetHeader, strconv.Itoa(b.remaining()))
	}
}
