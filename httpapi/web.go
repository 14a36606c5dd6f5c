package httpapi

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/hcgw/hcgw/fault"
	"github.com/hcgw/hcgw/web"
)

// openAPISpec describes every endpoint of this package (GET /openapi.yaml).
//
//go:embed openapi.yaml
var openAPISpec []byte

// OpenAPI returns the OpenAPI 3 description of the API.
func OpenAPI() []byte { return openAPISpec }

func (a *api) openAPI(c *gin.Context) {
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, "application/yaml", openAPISpec)
}

// checkpointPage serves the checkpoint page; checkpointAsset its files.
// Neither needs a token: the page holds no secret, and every call it makes
// carries the operator's own.
func (a *api) checkpointPage(c *gin.Context) { servePage(c, "checkpoint", web.Asset, web.Index) }

func (a *api) checkpointAsset(c *gin.Context) {
	servePage(c, "checkpoint", web.Asset, c.Param("asset"))
}

// homePage answers a person who opens the gateway's address in a browser
// with links to what is there for people; the API's unknown paths keep
// their JSON 404.
func (a *api) homePage(c *gin.Context) { servePage(c, "home", web.HomeAsset, web.HomeIndex) }

// servePage serves one file of an embedded page (checkpoint, operator) with
// the headers that keep it from loading anything else or being framed.
func servePage(c *gin.Context, page string, asset func(string) ([]byte, string, bool), name string) {
	body, ct, ok := asset(name)
	if !ok {
		renderError(c, fault.NotFound, "no such file of the "+page+" page")
		return
	}
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", web.ContentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-cache")
	c.Data(http.StatusOK, ct, body)
}
