package web

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"orderhub/internal/httpstatus"
	"orderhub/internal/jsonbody"
	"orderhub/internal/reqlog"
	"orderhub/service"
)

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Available lists what stock there is, on insufficient_stock.
	Available []shortageJSON `json:"available,omitempty"`
	// Missing lists the fields a stage change lacks, on missing_fields.
	Missing []string `json:"missing,omitempty"`
	// Proposed is the promised time orderhub proposes when promised_at is
	// missing: give "proposed" as promised_at to take it.
	Proposed *proposalJSON `json:"proposed,omitempty"`
}

type shortageJSON struct {
	SKU       string `json:"sku"`
	Want      int64  `json:"want"`
	Available int64  `json:"available"`
}

func writeErr(c *gin.Context, status int, code, msg string) {
	c.JSON(status, errorBody{Error: errorDetail{Code: code, Message: msg}})
}

// fail maps any error to a status and a JSON body, once, here.
func (s *Server) fail(c *gin.Context, err error) { fail(c, s.d.Log, err) }

// fail maps any error to a status and a JSON body. Errors service does not
// know are logged in full and answered without detail.
func fail(c *gin.Context, log *slog.Logger, err error) {
	d := errorDetail{Code: service.ErrorCode(err), Message: err.Error()}
	status := httpstatus.Of(err)
	var short *service.ShortError
	if errors.As(err, &short) {
		for _, l := range short.Lines {
			d.Available = append(d.Available, shortageJSON{SKU: l.SKU, Want: l.Want, Available: l.Available})
		}
	}
	var missing *service.MissingFieldsError
	if errors.As(err, &missing) {
		d.Missing = missing.Fields
		if p := missing.Proposal; p != nil {
			j := proposalOf(*p)
			d.Proposed = &j
		}
	}
	var below *service.BelowLockedError
	if errors.As(err, &below) {
		d.Message = below.Error()
	}
	if status == http.StatusInternalServerError {
		log.ErrorContext(c.Request.Context(), "request failed", "err", err, "path", c.Request.URL.Path)
		d = errorDetail{Code: "internal", Message: "服务器内部错误（请求编号 " + reqlog.ID(c) + "）"}
	}
	c.JSON(status, errorBody{Error: d})
}

// bind decodes a JSON body into v, refusing unknown fields so that a typo
// is an error rather than a silently ignored value. It answers 400 itself
// and returns false on bad input.
func bind(c *gin.Context, v any) bool {
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("more than one JSON value")
	}
	if err == nil {
		return true
	}
	p := jsonbody.Explain(err)
	writeErr(c, p.Status, p.Code, p.Message)
	return false
}

// proposalJSON is a proposed promised time and what it rests on.
type proposalJSON struct {
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

func proposalOf(p service.Proposal) proposalJSON {
	return proposalJSON{At: p.At, Ship: p.Ship, WorkMinutes: int64(p.Work / time.Minute), Queue: p.Queue, TransitHours: p.Transit.Hours(),
		Region: p.Region, Confidence: p.Confidence, Samples: p.Samples, Measured: p.Measured}
}
