package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/trust"
)

// maxRuleBody bounds POST /v1/rules: a rule may be 64 KiB (trust.MaxRule),
// its JWS a third more, so the body limit of other endpoints would answer
// too_large before the rule could be told bad_rule.
const maxRuleBody = trust.MaxRuleJWS + 1<<10

// addRule takes a rule JWS (DESIGN §11): the compact JWS as the body, or
// {"jws": "..."}.
func (a *api) addRule(c *gin.Context) {
	token, ok := readJWSBody(c, maxRuleBody)
	if !ok {
		return
	}
	rl, added, err := a.Trust.AddRule(c.Request.Context(), token)
	switch k := fault.KindOf(err); {
	case k == fault.Internal: // the store
		a.fail(c, fault.Wrap(fault.Unavailable, err, "rule could not be stored; retry"))
		return
	case err != nil:
		a.fail(c, err) // trust.ErrBadRule 400, ErrRuleForbidden 403, ErrConflict 409
		return
	}
	status := http.StatusOK
	if added {
		status = http.StatusCreated
		a.event(c, TrustEvent{Action: "rule", Kid: rl.Signer, Sub: rl.Country, Detail: "id=" + rl.Identifier + " version=" + rl.Version})
	}
	c.JSON(status, gin.H{"id": rl.Identifier, "version": rl.Version, "region": rl.Country, "added": added})
}

func (a *api) rules(c *gin.Context) {
	body, etag := a.Trust.Snapshot().RuleList()
	c.Header("ETag", etag)
	c.Header("Cache-Control", "no-cache")
	if inm := c.GetHeader("If-None-Match"); inm != "" && etagMatch(inm, etag) {
		c.Status(http.StatusNotModified)
		return
	}
	c.Data(http.StatusOK, "application/json", body)
}
