package web

import (
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"orderhub/model"
	"orderhub/service"
)

type intakeJSON struct {
	ID          uint64               `json:"id"`
	Source      string               `json:"source"`
	Channel     string               `json:"channel"`
	ChannelName string               `json:"channel_name"`
	ExternalID  string               `json:"external_id"`
	State       string               `json:"state"`
	Customer    string               `json:"customer,omitempty"`
	Address     service.AddressParts `json:"address"`
	Lines       []service.IntakeLine `json:"lines"`
	Problems    []service.Problem    `json:"problems,omitempty"`
	OrderNo     string               `json:"order_no,omitempty"`
	Photo       string               `json:"photo_url,omitempty"`
	OCRText     string               `json:"ocr_text,omitempty"`
	ResolvedBy  string               `json:"resolved_by,omitempty"`
	CreatedAt   string               `json:"created_at"`
}

// MountIntake adds channel intake and review: the signed channel endpoint
// (outside the admin token: each channel signs with its own secret) and the
// staff endpoints over held orders and drafts. dataDir is where slip
// photos are stored.
func (s *Server) MountIntake(in *service.Intakes, dataDir string) {
	if in == nil || dataDir == "" {
		panic("web: MountIntake: missing dependency")
	}
	s.intakes, s.dataDir = in, dataDir
	s.engine.POST("/api/v1/channels/:channel/orders", s.channelOrder)
	staff := s.Staff()
	staff.GET("/intakes", s.listIntakes)
	staff.GET("/intakes/:id", s.getIntake)
	staff.GET("/intakes/:id/photo", s.intakePhoto)
	staff.POST("/intakes/:id/resolve", s.resolveIntake)
	staff.POST("/intakes/:id/dismiss", s.dismissIntake)
}

func (s *Server) intakeOut(v service.IntakeView) intakeJSON {
	out := intakeJSON{ID: v.ID, Source: v.Source, Channel: v.Channel, ChannelName: v.ChannelName, ExternalID: v.ExternalID, State: v.State,
		Customer: v.Doc.CustomerCode, Address: v.Doc.Address, Lines: v.Doc.Lines, Problems: v.Problems, OCRText: v.Doc.OCRText,
		ResolvedBy: v.ResolvedBy, CreatedAt: s.ts(v.CreatedAt)}
	if out.Lines == nil {
		out.Lines = []service.IntakeLine{}
	}
	if v.Order != nil {
		out.OrderNo = v.Order.Order.No
	}
	if v.Photo != "" {
		out.Photo = "/api/v1/intakes/" + strconv.FormatUint(v.ID, 10) + "/photo"
	}
	return out
}

// channelOrder takes an order from a channel. 201: placed; 200: a retry of
// one received before (the same answer); 202: held for review, nothing
// reserved, with what did not match.
func (s *Server) channelOrder(c *gin.Context) {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeErr(c, http.StatusRequestEntityTooLarge, "body_too_large", "请求体太大")
			return
		}
		writeErr(c, http.StatusBadRequest, "unreadable_body", "无法读取请求体")
		return
	}
	v, replayed, err := s.intakes.Receive(c.Request.Context(), c.Param("channel"),
		c.GetHeader("X-Orderhub-Timestamp"), c.GetHeader("X-Orderhub-Signature"), body)
	if err != nil {
		var inv *service.InvalidError
		if errors.As(err, &inv) && inv.Code() == service.CodeMalformedJSON {
			writeErr(c, http.StatusBadRequest, "malformed_json", inv.Message)
			return
		}
		s.fail(c, err)
		return
	}
	status := http.StatusCreated
	switch {
	case v.State == model.IntakeReview:
		status = http.StatusAccepted
	case replayed:
		status = http.StatusOK
	}
	if replayed {
		c.Header("Idempotent-Replayed", "true")
	}
	out := gin.H{"intake": s.intakeOut(v)}
	if v.Order != nil {
		out["order"] = s.detail(*v.Order)
	}
	c.JSON(status, out)
}

func (s *Server) listIntakes(c *gin.Context) {
	p, size, ok := page(c)
	if !ok {
		return
	}
	vs, total, err := s.intakes.List(c.Request.Context(), service.IntakeFilter{State: c.Query("state"), Channel: c.Query("channel"), Page: p, Size: size})
	if err != nil {
		s.fail(c, err)
		return
	}
	items := make([]intakeJSON, len(vs))
	for i, v := range vs {
		items[i] = s.intakeOut(v)
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "total": total, "page": p, "size": size})
}

func (s *Server) intakeID(c *gin.Context) (uint64, bool) {
	id, err := strconv.ParseUint(c.Param("id"), 10, 64)
	if err != nil {
		writeErr(c, http.StatusNotFound, "intake_not_found", "找不到来单 "+c.Param("id"))
		return 0, false
	}
	return id, true
}

func (s *Server) getIntake(c *gin.Context) {
	id, ok := s.intakeID(c)
	if !ok {
		return
	}
	v, err := s.intakes.Get(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := gin.H{"intake": s.intakeOut(v)}
	if v.Order != nil {
		out["order"] = s.detail(*v.Order)
	}
	c.JSON(http.StatusOK, out)
}

// intakePhoto serves the slip photo an order was read from.
func (s *Server) intakePhoto(c *gin.Context) {
	id, ok := s.intakeID(c)
	if !ok {
		return
	}
	v, err := s.intakes.Get(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	if v.Photo == "" || strings.Contains(v.Photo, "..") {
		writeErr(c, http.StatusNotFound, "photo_not_found", "这张来单没有照片")
		return
	}
	b, err := os.ReadFile(filepath.Join(s.dataDir, filepath.FromSlash(v.Photo)))
	if err != nil {
		writeErr(c, http.StatusNotFound, "photo_not_found", "照片文件已不在")
		return
	}
	c.Data(http.StatusOK, http.DetectContentType(b), b)
}

func (s *Server) resolveIntake(c *gin.Context) {
	id, ok := s.intakeID(c)
	if !ok {
		return
	}
	var in struct {
		Customer string `json:"customer"`
		Lines    []struct {
			Index int    `json:"index"`
			SKU   string `json:"sku"`
		} `json:"lines"`
		Remember bool   `json:"remember"`
		By       string `json:"by"`
	}
	if !bind(c, &in) {
		return
	}
	actor, ok := s.actor(c, in.By)
	if !ok {
		return
	}
	r := service.Resolution{Customer: in.Customer, Lines: map[int]string{}, Remember: in.Remember, Actor: actor}
	for _, l := range in.Lines {
		r.Lines[l.Index] = l.SKU
	}
	v, err := s.intakes.Resolve(c.Request.Context(), id, r)
	if err != nil {
		s.fail(c, err)
		return
	}
	status := http.StatusOK
	if v.Order == nil {
		status = http.StatusAccepted // still waiting: something is left to pick
	}
	out := gin.H{"intake": s.intakeOut(v)}
	if v.Order != nil {
		out["order"] = s.detail(*v.Order)
	}
	c.JSON(status, out)
}

func (s *Server) dismissIntake(c *gin.Context) {
	id, ok := s.intakeID(c)
	if !ok {
		return
	}
	var in struct {
		Reason string `json:"reason"`
		By     string `json:"by"`
	}
	if c.Request.ContentLength != 0 && !bind(c, &in) {
		return
	}
	actor, ok := s.actor(c, in.By)
	if !ok {
		return
	}
	v, err := s.intakes.Dismiss(c.Request.Context(), id, actor, in.Reason)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"intake": s.intakeOut(v)})
}
