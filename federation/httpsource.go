package federation

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/hcgw/hcgw/mapping"
)

// HTTPSource connects a gateway to its province's own platform over that
// platform's JSON API:
//
//	GET {URL}/codes/{cid}  →  200 {"status": "<local value>", "status_time": <unix>,
//	                              "expires": <unix, optional>, "name": "...", "id": "..."}
//	                          404 when the platform does not know the code
//
// The local status value is mapped through the province's mapping table
// (unknown → grey); the holder is masked here, whatever the platform sends.
type HTTPSource struct {
	URL    string
	Table  *mapping.Table
	Client *http.Client // nil: a client with a 5 s timeout

	once sync.Once // makes http, on the first Lookup
	http *retryablehttp.Client
}

type platformAnswer struct {
	Status     string             `json:"status"`
	StatusTime int64              `json:"status_time"`
	Expires    int64              `json:"expires"`
	Name       string             `json:"name"`
	ID         string             `json:"id"`
	Itinerary  *mapping.Itinerary `json:"itinerary"` // the itinerary mark {r, star, t}; optional
}

// Lookup implements Source.
func (h *HTTPSource) Lookup(ctx context.Context, cid string) (mapping.LiveStatus, error) {
	h.once.Do(func() {
		hc := h.Client
		if hc == nil {
			hc = &http.Client{Timeout: 5 * time.Second}
		}
		h.http = retryClient(hc, 2, 20*time.Millisecond, 250*time.Millisecond)
		// The retry budget (budget.go) bounds these retries too, but the
		// platform is no gateway: it is not told of it.
		h.http.RequestLogHook = nil
	})
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodGet,
		strings.TrimRight(h.URL, "/")+"/codes/"+url.PathEscape(cid), nil)
	if err != nil {
		return mapping.LiveStatus{}, err
	}
	resp, err := h.http.Do(req)
	if err != nil {
		return mapping.LiveStatus{}, fmt.Errorf("platform: %w", err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return mapping.LiveStatus{}, ErrUnknownCode
	default:
		return mapping.LiveStatus{}, fmt.Errorf("platform answered %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
	if err != nil {
		return mapping.LiveStatus{}, fmt.Errorf("platform answer: %w", err)
	}
	if len(body) > MaxBody {
		return mapping.LiveStatus{}, fmt.Errorf("platform answer larger than %d bytes", MaxBody)
	}
	// The one strict reader: a "status" given twice, or as "Status", must
	// not be read either way (open: a platform may add members).
	var a platformAnswer
	if err := mapping.DecodeStrict(body, &a, mapping.Strict{What: "platform answer", Noun: "member"}); err != nil {
		return mapping.LiveStatus{}, fmt.Errorf("platform answer: %w", err)
	}
	if a.Itinerary != nil {
		if err := a.Itinerary.Validate("itinerary"); err != nil {
			return mapping.LiveStatus{}, fmt.Errorf("platform answer: %w", err)
		}
	}
	st, _ := h.Table.Map(a.Status)
	if a.StatusTime <= 0 {
		return mapping.LiveStatus{}, fmt.Errorf("platform answer without status_time")
	}
	out := mapping.LiveStatus{Status: st, At: time.Unix(a.StatusTime, 0).UTC(), IT: a.Itinerary}
	if a.Expires > 0 {
		out.Expires = time.Unix(a.Expires, 0).UTC()
	}
	if a.Name != "" || a.ID != "" {
		holder, err := mapping.NewHolder(a.Name, a.ID)
		if err != nil {
			return mapping.LiveStatus{}, fmt.Errorf("platform answer: holder cannot be masked")
		}
		out.Holder = holder
	}
	return out, nil
}
