package federation

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/mapping"
)

// HolderKeyPrefix marks a status query about a holder rather than a code:
// the cid of such a query is "hk:" + the holder key.
const HolderKeyPrefix = "hk:"

// HolderKey turns an identity number into the key data sharing uses
// (DESIGN §7, approach 1): HMAC-SHA256 under the federation-wide secret,
// base64url. Without the secret, which only provincial gateways hold, the
// key cannot be reversed by trying every plausible identity number; the hub
// relays it and learns nothing.
func HolderKey(secret []byte, id string) (string, error) {
	id = strings.ToUpper(strings.TrimSpace(id))
	if _, err := mapping.MaskID(id); err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("hcgw-holder-v1\x00"))
	m.Write([]byte(id))
	return HolderKeyPrefix + base64.RawURLEncoding.EncodeToString(m.Sum(nil)), nil
}

// RegionAnswer is one region's part of a data-sharing answer.
type RegionAnswer struct {
	Region     string         `json:"region"`
	Status     mapping.Status `json:"status"`
	StatusAsOf time.Time      `json:"status_as_of"`
	Source     string         `json:"source"` // online or cache
	// IT is the itinerary mark the region answered, for verifications by
	// identity document (not in the data-sharing answer).
	IT *mapping.Itinerary `json:"-"`
}

// Shared is the combined answer of a data-sharing query.
type Shared struct {
	// Status is the most severe status among the regions that answered;
	// grey when none did (unknown is never green).
	Status      mapping.Status `json:"status"`
	Answered    []RegionAnswer `json:"answered"`
	Unknown     []string       `json:"unknown"`     // answered: no such holder
	Unavailable []string       `json:"unavailable"` // could not be asked in time
}

// Share asks every region of regions, in parallel and within ctx's
// deadline, for the holder's status, and combines the answers with the
// most-severe rule.
func (c *Client) Share(ctx context.Context, regions []string, holderKey string) Shared {
	type one struct {
		region string
		st     mapping.LiveStatus
		routed bool
		err    error
	}
	out := make(chan one, len(regions))
	var wg sync.WaitGroup
	for _, r := range regions {
		wg.Add(1)
		go func(r string) {
			defer wg.Done()
			st, routed, err := c.Status(ctx, r, holderKey)
			out <- one{r, st, routed, err}
		}(r)
	}
	wg.Wait()
	close(out)
	res := Shared{Status: mapping.Grey, Answered: []RegionAnswer{}, Unknown: []string{}, Unavailable: []string{}}
	first := true
	for o := range out {
		switch {
		case o.routed && o.err == nil && o.st.Status.Valid():
			src := "online"
			if o.st.Cached {
				src = "cache"
			}
			res.Answered = append(res.Answered, RegionAnswer{Region: o.region, Status: o.st.Status, StatusAsOf: o.st.At, Source: src, IT: o.st.IT})
			if first {
				res.Status, first = o.st.Status, false
			} else {
				res.Status = mapping.MostSevere(res.Status, o.st.Status)
			}
		case o.routed && fault.ReasonOf(o.err) == fault.StatusUnknown:
			res.Unknown = append(res.Unknown, o.region)
		default:
			res.Unavailable = append(res.Unavailable, o.region)
		}
	}
	sort.Slice(res.Answered, func(i, j int) bool { return res.Answered[i].Region < res.Answered[j].Region })
	sort.Strings(res.Unknown)
	sort.Strings(res.Unavailable)
	return res
}
