package federation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/mapping"
	"github.com/hcgw/hcgw/trust"
)

// The filer's side of the correction protocol, on the Client: the org's
// route, breaker, in-flight bound and retries are those of status queries.

// Errors of FileCorrection and QueryCorrection besides ErrNoRoute.
var (
	// ErrCorrectionRefused: the org (or the hub) answered with a 4xx: the
	// message was read and refused; sending it again the same way will not
	// help. The error names the code the org answered.
	ErrCorrectionRefused = errors.New("correction refused")
)

// FileCorrection sends a signed correction about cid to org and returns
// the org's checked acknowledgement. Each attempt is signed anew (a fresh
// jti), so a retried filing is not a replay; the org keeps one ticket.
func (c *Client) FileCorrection(ctx context.Context, org, ticket, cid, claim, detail string) (*CorrectionAck, error) {
	return c.correctionCall(ctx, org, CorrectionsPath, TypCorrection, ticket, func(now time.Time, jti string) any {
		return CorrectionMsg{Iss: c.o.Region, Aud: org, IAT: now.Unix(), EXP: now.Add(MaxRequestLifetime).Unix(), JTI: jti,
			Ticket: ticket, CID: cid, Claim: claim, Detail: detail}
	})
}

// QueryCorrection asks org, signed, for the state of a ticket this gateway
// filed.
func (c *Client) QueryCorrection(ctx context.Context, org, ticket string) (*CorrectionAck, error) {
	return c.correctionCall(ctx, org, CorrectionQueryPath, TypCorrectionQuery, ticket, func(now time.Time, jti string) any {
		return CorrectionQuery{Iss: c.o.Region, Aud: org, IAT: now.Unix(), EXP: now.Add(MaxRequestLifetime).Unix(), JTI: jti, Ticket: ticket}
	})
}

// ForgetStatus drops the cached status of org's code cid: a correction
// changed it, and the next verification must ask again.
func (c *Client) ForgetStatus(org, cid string) { c.cache.drop(org + "\x00" + cid) }

func (c *Client) correctionCall(ctx context.Context, org, path, typ, ticket string, claims func(time.Time, string) any) (*CorrectionAck, error) {
	peer, ok := c.route(org)
	if !ok {
		return nil, ErrNoRoute
	}
	signer, err := trust.PickSigner(c.o.Signers, c.o.Trust.Snapshot(), trust.UseFederation, c.o.Region, c.o.Region, c.o.Clock())
	if err != nil {
		return nil, fmt.Errorf("no federation key: %w", err)
	}
	deadline, ok := ctx.Deadline()
	if limit := time.Now().Add(c.o.Deadline); !ok || deadline.After(limit) {
		deadline = limit
	}
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	var jti string
	body := &freshBody{sign: func() (string, error) {
		jti = newJTI()
		payload, err := json.Marshal(claims(c.o.Clock(), jti))
		if err != nil {
			return "", err
		}
		return signer.SignCompact(payload, typ)
	}}
	isRelayed := peer != org
	once := func() (any, error) {
		status, data, _, _, err := c.post(ctx, peer, path, body, 0)
		if err != nil {
			if isRelayed && !errors.Is(err, errBusy) {
				return nil, fmt.Errorf("%w: %w", errHub, err)
			}
			return nil, err
		}
		if isRelayed && status == http.StatusBadGateway && bytes.Contains(data, []byte(`"`+fault.UpstreamUnavailable.Code()+`"`)) {
			// The hub could not reach the org: the org's route fails.
			return nil, &regionError{fmt.Errorf("peer %s could not reach region %s", peer, org)}
		}
		if status >= 500 {
			return nil, hubFault(isRelayed, fmt.Errorf("peer %s answered %d", peer, status))
		}
		if status != http.StatusOK {
			// Read and refused: the peer is healthy.
			return relayed{status, data}, nil
		}
		ack, err := VerifyAck(c.o.Trust.Snapshot(), strings.TrimSpace(string(data)),
			AckExpect{Org: org, Aud: c.o.Region, RJTI: jti, Ticket: ticket}, c.o.Clock(), c.o.Skew)
		if err != nil {
			// A bad acknowledgement is a failure like a dead peer; relayed,
			// it is the org's (end-to-end signed).
			err = fmt.Errorf("peer %s: acknowledgement refused: %w", peer, err)
			if isRelayed {
				return nil, &regionError{err}
			}
			return nil, err
		}
		return ack, nil
	}
	call := once
	if isRelayed {
		// Through the hub, the org's own route (its breaker and slots), as
		// status queries go: an org the hub cannot reach fails alone.
		rt := c.routeFor(org)
		call = rt.through(org, once)
	}
	start := time.Now()
	out, err := c.breakers[peer].Execute(call)
	if !errors.Is(err, errRouteRefused) {
		c.observe(peer, start, err)
	}
	if isRelayed {
		c.observeRoute(peer, org, start, err)
	}
	if err != nil {
		return nil, err
	}
	if r, ok := out.(relayed); ok {
		return nil, fmt.Errorf("%w: %d %s", ErrCorrectionRefused, r.status, errorCode(r.body))
	}
	return out.(*CorrectionAck), nil
}

// errorCode is the code of an error envelope, or "".
func errorCode(b []byte) string {
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal(b, &e) != nil || !mapping.IDText(e.Error.Code, 64) {
		return ""
	}
	return e.Error.Code
}

// RefusedCode is the error code an org answered a refused correction with
// ("unknown_code", "unknown_ticket" …), or "".
func RefusedCode(err error) string {
	if !errors.Is(err, ErrCorrectionRefused) {
		return ""
	}
	msg := err.Error()
	if i := strings.LastIndexByte(msg, ' '); i >= 0 {
		return msg[i+1:]
	}
	return ""
}

// ForwardTo relays a correction message to region's peer at path,
// unchanged (the hub's relay), and returns the answer unchanged.
func (c *Client) ForwardTo(ctx context.Context, region, path string, body []byte, hops int) (int, []byte, error) {
	if _, ok := c.o.Peers[region]; !ok {
		return 0, nil, ErrNoRoute
	}
	start := time.Now()
	out, err := c.breakers[region].Execute(func() (any, error) {
		status, data, _, _, err := c.post(ctx, region, path, body, hops)
		if err != nil {
			return nil, err
		}
		if status >= 500 {
			return nil, fmt.Errorf("peer %s answered %d", region, status)
		}
		return relayed{status, data}, nil
	})
	c.observe(region, start, err)
	if err != nil {
		return 0, nil, err
	}
	r := out.(relayed)
	return r.status, r.body, nil
}
