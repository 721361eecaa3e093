// Package apierror is the error answer of the JSON edges (web and
// miniprogram), written once for both: the body {"error": {"code",
// "message", …}}, what an error service returns says in it, the answer to
// a JSON body that cannot be read, and the rule that an error service does
// not know is logged in full and answered without detail. Each edge adds
// only what is its own (the buyers' Chinese wording, WeChat's failures).
package apierror

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"orderhub/internal/httpstatus"
	"orderhub/internal/jsonbody"
	"orderhub/internal/reqlog"
	"orderhub/service"
)

// Body is an error answer.
type Body struct {
	Error Detail `json:"error"`
}

// Detail is what an error answer says.
type Detail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Field names the input at fault, on validation errors.
	Field string `json:"field,omitempty"`
	// Available lists what stock there is, on insufficient_stock.
	Available []Shortage `json:"available,omitempty"`
	// Missing lists the fields a stage change lacks, on missing_fields.
	Missing []string `json:"missing,omitempty"`
	// Proposed is the promised time orderhub proposes when promised_at is
	// missing: give "proposed" as promised_at to take it.
	Proposed *Proposal `json:"proposed,omitempty"`
	// WeChatErrcode is WeChat's errcode when a WeChat call failed.
	WeChatErrcode int64 `json:"wechat_errcode,omitempty"`
}

// Shortage is one short SKU of an insufficient_stock answer.
type Shortage struct {
	SKU       string `json:"sku"`
	Want      int64  `json:"want"`
	Available int64  `json:"available"`
}

// Proposal is a proposed promised time and what it rests on.
type Proposal struct {
	At           time.Time `json:"at"`
	Ship         time.Time `json:"ship"`
	WorkMinutes  int64     `json:"work_minutes"`
	Queue        int       `json:"queue"`
	TransitHours float64   `json:"transit_hours"`
	Region       string    `json:"region"`
	Confidence   float64   `json:"confidence"`
	Samples      int       `json:"samples"`
	Measured     bool      `json:"measured"`
}

// ProposalOf is p as an answer carries it.
func ProposalOf(p service.Proposal) Proposal {
	return Proposal{At: p.At, Ship: p.Ship, WorkMinutes: int64(p.Work / time.Minute), Queue: p.Queue, TransitHours: p.Transit.Hours(),
		Region: p.Region, Confidence: p.Confidence, Samples: p.Samples, Measured: p.Measured}
}

// Describe is what every edge answers for err: its status (the one table
// of httpstatus), its code and message, and the data the error carries.
func Describe(err error) (int, Detail) {
	d := Detail{Code: service.ErrorCode(err), Message: err.Error()}
	var inv *service.InvalidError
	if errors.As(err, &inv) {
		d.Field = inv.Field
	}
	var short *service.ShortError
	if errors.As(err, &short) {
		for _, l := range short.Lines {
			d.Available = append(d.Available, Shortage{SKU: l.SKU, Want: l.Want, Available: l.Available})
		}
	}
	var missing *service.MissingFieldsError
	if errors.As(err, &missing) {
		d.Missing = missing.Fields
		if p := missing.Proposal; p != nil {
			j := ProposalOf(*p)
			d.Proposed = &j
		}
	}
	var below *service.BelowLockedError
	if errors.As(err, &below) {
		d.Message = below.Error()
	}
	return httpstatus.Of(err), d
}

// Answer writes the answer for err and stops the request. A 500 — an
// error service does not know — is logged in full and answered "internal"
// with the request id, never with its text.
func Answer(c *gin.Context, log *slog.Logger, err error, status int, d Detail) {
	if status == http.StatusInternalServerError {
		log.ErrorContext(c.Request.Context(), "request failed", "err", err, "path", c.Request.URL.Path)
		d = Detail{Code: "internal", Message: "服务器内部错误（请求编号 " + reqlog.ID(c) + "）"}
	}
	c.AbortWithStatusJSON(status, Body{Error: d})
}

// Fail answers err as Describe says.
func Fail(c *gin.Context, log *slog.Logger, err error) {
	status, d := Describe(err)
	Answer(c, log, err, status, d)
}

// Write answers a refusal the edge words itself.
func Write(c *gin.Context, status int, code, msg string) {
	c.AbortWithStatusJSON(status, Body{Error: Detail{Code: code, Message: msg}})
}

// Bind decodes a JSON body into v, refusing unknown fields so that a typo
// is an error rather than a silently ignored value, and more than one JSON
// value; emptyOK lets the body be empty. It answers 400 (or 413) itself,
// naming the field at fault, and returns false on bad input.
func Bind(c *gin.Context, v any, emptyOK bool) bool {
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if emptyOK && errors.Is(err, io.EOF) {
		return true
	}
	if err == nil && dec.More() {
		err = errors.New("more than one JSON value")
	}
	if err == nil {
		return true
	}
	p := jsonbody.Explain(err)
	c.AbortWithStatusJSON(p.Status, Body{Error: Detail{Code: p.Code, Field: p.Field, Message: p.Message}})
	return false
}
