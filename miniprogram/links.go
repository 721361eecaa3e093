package miniprogram

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"orderhub/service"
)

// linkRequestJSON is a buyer's request to be linked to their company, as
// they follow it: 待审核, 已关联 (with the company), 未通过 (with why).
type linkRequestJSON struct {
	No           string      `json:"no"`
	CompanyName  string      `json:"company_name"`
	CustomerCode string      `json:"customer_code"`
	Note         string      `json:"note"`
	State        string      `json:"state"`
	StateName    string      `json:"state_name"`
	Reason       string      `json:"reason,omitempty"`
	Customer     *linkedJSON `json:"customer"`
	CreatedAt    string      `json:"created_at"`
	DecidedAt    *string     `json:"decided_at"`
}

// linkedJSON is the company an approved request linked the buyer to.
type linkedJSON struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

func (a *API) linkRequestOut(v service.LinkRequestView) linkRequestJSON {
	out := linkRequestJSON{No: v.No, CompanyName: v.CompanyName, CustomerCode: v.CustomerCode, Note: v.Note, State: v.State,
		StateName: service.LinkRequestStateName(v.State), Reason: v.Reason, CreatedAt: a.ts(v.CreatedAt), DecidedAt: a.tsPtr(v.DecidedAt)}
	if c := v.Customer; c != nil {
		out.Customer = &linkedJSON{Code: c.Code, Name: c.Name}
	}
	return out
}

// askLink is a new buyer asking to be linked to their company (by its name
// and/or customer code, with a note); customer service on duty is pushed
// it in WeCom and answers there (关联 … 同意/拒绝).
func (a *API) askLink(c *gin.Context) {
	var in struct {
		CompanyName  string `json:"company_name"`
		CustomerCode string `json:"customer_code"`
		Note         string `json:"note"`
	}
	if !bind(c, &in) {
		return
	}
	v, err := a.d.Links.Ask(c.Request.Context(), buyer(c), service.LinkAsk{CompanyName: in.CompanyName, CustomerCode: in.CustomerCode, Note: in.Note})
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"request": a.linkRequestOut(v)})
}

// listLinks lists the buyer's requests, newest first; open is the one
// waiting, if any.
func (a *API) listLinks(c *gin.Context) {
	vs, err := a.d.Links.Mine(c.Request.Context(), buyer(c).ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	items := make([]linkRequestJSON, len(vs))
	var open *linkRequestJSON
	for i, v := range vs {
		items[i] = a.linkRequestOut(v)
		if v.OpenBuyerID != nil {
			open = &items[i]
		}
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "open": open})
}
