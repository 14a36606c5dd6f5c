package federation

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/hcgw/hcgw/mapping"
)

// StatusWriter is a platform that takes a status set by a resolved
// correction (DESIGN §13: the new status reaches the platform).
type StatusWriter interface {
	SetStatus(ctx context.Context, cid string, st mapping.Status, ticket string) error
}

// SetStatus implements StatusWriter: the code's status changes now, its
// holder and its end stay (a minute from now when it had none left).
func (m *MemorySource) SetStatus(_ context.Context, cid string, st mapping.Status, _ string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	old, ok := m.codes[cid]
	if !ok {
		return ErrUnknownCode
	}
	now := time.Now()
	old.Status, old.At = st, now
	if !old.Expires.After(now) {
		old.Expires = now.Add(time.Minute)
	}
	m.codes[cid] = old
	return nil
}

// platformStatus is the body of the platform call that sets a corrected
// status (docs/corrections.md): the local value of the province's table
// and the national status it stands for.
type platformStatus struct {
	Status     string `json:"status"`
	National   string `json:"national"`
	StatusTime int64  `json:"status_time"`
	Ticket     string `json:"ticket"`
}

// SetStatus implements StatusWriter over the platform's JSON API:
//
//	PUT {URL}/codes/{cid}/status  {"status": "<local value>", "national": "green",
//	                               "status_time": <unix>, "ticket": "<ticket>"}
//	→ 200 or 204; 404 when the platform does not know the code
//
// The local value is the first, in sort order, of the table's values that
// map to st.
func (h *HTTPSource) SetStatus(ctx context.Context, cid string, st mapping.Status, ticket string) error {
	local := ""
	for _, v := range h.Table.Values() {
		if got, _ := h.Table.Map(v); got == st {
			local = v
			break
		}
	}
	if local == "" {
		return fmt.Errorf("platform: table %s has no value for %s", h.Table.Format, st)
	}
	body, _ := json.Marshal(platformStatus{Status: local, National: string(st), StatusTime: time.Now().Unix(), Ticket: ticket})
	hc := h.Client
	if hc == nil {
		hc = &http.Client{Timeout: 5 * time.Second}
	}
	// A PUT of the same status is idempotent: it may be retried.
	rc := retryClient(hc, 2, 20*time.Millisecond, 250*time.Millisecond)
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodPut,
		strings.TrimRight(h.URL, "/")+"/codes/"+url.PathEscape(cid)+"/status", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := rc.Do(req)
	if err != nil {
		return fmt.Errorf("platform: %w", err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK, http.StatusNoContent:
		return nil
	case http.StatusNotFound:
		return ErrUnknownCode
	}
	return fmt.Errorf("platform answered %d", resp.StatusCode)
}
