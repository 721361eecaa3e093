// Package smstest is a local server speaking Tencent Cloud SMS's API
// (SendSms, 2021-01-11) for tests: it checks each request's TC3-HMAC-SHA256
// signature against the secret key, as the real API does, and records the
// texts it accepted.
package smstest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Text is one SendSms request the server accepted.
type Text struct {
	Phone, SdkAppID, SignName, TemplateID, Session string
	Params                                         []string
	Region                                         string
}

// Server is the local SMS API.
type Server struct {
	*httptest.Server
	SecretID, SecretKey string

	mu    sync.Mutex
	texts []Text
	// Refuse, when set, answers the phone's send with this status code
	// (FailedOperation.PhoneNumberInBlacklist, LimitExceeded.…).
	refuse map[string]string
	// Rejected counts requests refused for their signature.
	Rejected int
}

// New starts a server checking signatures made with secretID/secretKey;
// it is closed when the test ends.
func New(t testing.TB, secretID, secretKey string) *Server {
	s := &Server{SecretID: secretID, SecretKey: secretKey, refuse: map[string]string{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// Refuse makes the server answer sends to phone with code.
func (s *Server) Refuse(phone, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse[phone] = code
}

// Texts returns the texts accepted so far.
func (s *Server) Texts() []Text {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Text(nil), s.texts...)
}

func (s *Server) fail(w http.ResponseWriter, code, msg string) {
	writeJSON(w, map[string]any{"Response": map[string]any{"Error": map[string]string{"Code": code, "Message": msg}, "RequestId": "req-err"}})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if r.Method != http.MethodPost || r.Header.Get("X-TC-Action") != "SendSms" || r.Header.Get("X-TC-Version") != "2021-01-11" {
		s.fail(w, "InvalidAction", "want POST SendSms 2021-01-11")
		return
	}
	if err := s.verify(r, body); err != nil {
		s.mu.Lock()
		s.Rejected++
		s.mu.Unlock()
		s.fail(w, "AuthFailure.SignatureFailure", err.Error())
		return
	}
	var req struct {
		PhoneNumberSet   []string
		SmsSdkAppId      string
		SignName         string
		TemplateId       string
		TemplateParamSet []string
		SessionContext   string
	}
	if err := json.Unmarshal(body, &req); err != nil || len(req.PhoneNumberSet) == 0 || req.SmsSdkAppId == "" || req.TemplateId == "" {
		s.fail(w, "MissingParameter", "PhoneNumberSet, SmsSdkAppId and TemplateId are required")
		return
	}
	var set []map[string]any
	for _, p := range req.PhoneNumberSet {
		s.mu.Lock()
		code, refused := s.refuse[p]
		if !refused {
			code = "Ok"
			s.texts = append(s.texts, Text{Phone: p, SdkAppID: req.SmsSdkAppId, SignName: req.SignName, TemplateID: req.TemplateId,
				Params: req.TemplateParamSet, Session: req.SessionContext, Region: r.Header.Get("X-TC-Region")})
		}
		s.mu.Unlock()
		set = append(set, map[string]any{"SerialNo": "sn-1", "PhoneNumber": p, "Fee": 1, "SessionContext": req.SessionContext,
			"Code": code, "Message": map[bool]string{true: "send success", false: "refused"}[code == "Ok"], "IsoCode": "CN"})
	}
	writeJSON(w, map[string]any{"Response": map[string]any{"SendStatusSet": set, "RequestId": "req-ok"}})
}

// verify checks the Authorization header the way the API documents
// (https://cloud.tencent.com/document/api/382/52071): the canonical
// request of the signed headers and the payload's hash, the credential
// scope date/sms/tc3_request, and the key derived from the secret key.
func (s *Server) verify(r *http.Request, body []byte) error {
	auth := r.Header.Get("Authorization")
	const algo = "TC3-HMAC-SHA256 "
	if !strings.HasPrefix(auth, algo) {
		return fmt.Errorf("authorization is not TC3-HMAC-SHA256")
	}
	parts := map[string]string{}
	for _, kv := range strings.Split(strings.TrimPrefix(auth, algo), ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
		parts[k] = v
	}
	cred := strings.Split(parts["Credential"], "/")
	if len(cred) != 4 || cred[0] != s.SecretID || cred[2] != "sms" || cred[3] != "tc3_request" {
		return fmt.Errorf("credential %q", parts["Credential"])
	}
	ts, err := strconv.ParseInt(r.Header.Get("X-TC-Timestamp"), 10, 64)
	if err != nil || time.Since(time.Unix(ts, 0)).Abs() > 5*time.Minute {
		return fmt.Errorf("timestamp %q", r.Header.Get("X-TC-Timestamp"))
	}
	date := time.Unix(ts, 0).UTC().Format("2006-01-02")
	if cred[1] != date {
		return fmt.Errorf("credential date %s, timestamp's %s", cred[1], date)
	}
	signed := strings.Split(parts["SignedHeaders"], ";")
	if !sort.StringsAreSorted(signed) || !contains(signed, "host") || !contains(signed, "content-type") {
		return fmt.Errorf("signed headers %q", parts["SignedHeaders"])
	}
	var canon strings.Builder
	for _, h := range signed {
		v := r.Header.Get(h)
		if h == "host" {
			v = r.Host
		}
		canon.WriteString(h + ":" + strings.ToLower(strings.TrimSpace(v)) + "\n")
	}
	sum := sha256.Sum256(body)
	creq := strings.Join([]string{r.Method, "/", r.URL.RawQuery, canon.String(), parts["SignedHeaders"], hex.EncodeToString(sum[:])}, "\n")
	csum := sha256.Sum256([]byte(creq))
	toSign := strings.Join([]string{"TC3-HMAC-SHA256", strconv.FormatInt(ts, 10), date + "/sms/tc3_request", hex.EncodeToString(csum[:])}, "\n")
	key := mac([]byte("TC3"+s.SecretKey), date)
	key = mac(key, "sms")
	key = mac(key, "tc3_request")
	want := hex.EncodeToString(mac(key, toSign))
	if !hmac.Equal([]byte(want), []byte(parts["Signature"])) {
		return fmt.Errorf("signature mismatch")
	}
	return nil
}

func mac(key []byte, msg string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(msg))
	return h.Sum(nil)
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
