package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/hcgw/hcgw/fault"
)

// Roles of DESIGN §6.
const (
	RoleVerifier = "verifier"
	RoleAdmin    = "admin"
)

// Client is one bearer-token holder. Only the SHA-256 of the token is kept.
type Client struct {
	Name        string
	Role        string
	TokenSHA256 [32]byte
}

// NewClient builds a Client from the hex SHA-256 of its token.
func NewClient(name, role, tokenSHA256Hex string) (Client, error) {
	b, err := hex.DecodeString(tokenSHA256Hex)
	if err != nil || len(b) != 32 {
		return Client{}, fmt.Errorf("client %q: token_sha256 must be 64 hex characters", name)
	}
	c := Client{Name: name, Role: role}
	copy(c.TokenSHA256[:], b)
	return c, nil
}

type authenticator struct{ clients []Client }

// identify finds the client whose token hashes to the presented one. Every
// client is compared, in constant time, so timing tells nothing about which
// (if any) prefix matched.
func (a *authenticator) identify(header string) (*Client, bool) {
	tok, ok := strings.CutPrefix(header, "Bearer ")
	if !ok || tok == "" || len(tok) > 512 {
		return nil, false
	}
	sum := sha256.Sum256([]byte(tok))
	var found *Client
	for i := range a.clients {
		if subtle.ConstantTimeCompare(sum[:], a.clients[i].TokenSHA256[:]) == 1 {
			found = &a.clients[i]
		}
	}
	return found, found != nil
}

const clientKey = "hcgw.client"

// require admits a request whose bearer token belongs to one of roles.
func (a *authenticator) require(roles ...string) gin.HandlerFunc {
	return func(c *gin.Context) {
		cl, ok := a.identify(header(c.Request.Header, authorizationHeader))
		if !ok {
			renderError(c, fault.Unauthenticated, "a valid bearer token is required")
			return
		}
		for _, r := range roles {
			if cl.Role == r {
				c.Set(clientKey, cl)
				c.Next()
				return
			}
		}
		renderError(c, fault.Forbidden, fmt.Sprintf("role %q may not call this endpoint", cl.Role))
	}
}

func clientName(c *gin.Context) string {
	if v, ok := c.Get(clientKey); ok {
		return v.(*Client).Name
	}
	return ""
}
