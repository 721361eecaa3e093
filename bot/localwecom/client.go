package localwecom

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
)

// Upload puts an image into a local WeCom at base (its /cgi-bin parent) as
// media, as the WeCom app does when a user sends a photo, and returns the
// media id a callback can carry. It is the client side of this server, for
// the tools that play a WeCom user against it (orderhub chat, simulate).
func Upload(ctx context.Context, client *http.Client, base, corpID, secret, name string, data []byte) (string, error) {
	var tok struct {
		AccessToken string `json:"access_token"`
		ErrCode     int    `json:"errcode"`
		ErrMsg      string `json:"errmsg"`
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/cgi-bin/gettoken?"+url.Values{"corpid": {corpID}, "corpsecret": {secret}}.Encode(), nil)
	if err != nil {
		return "", err
	}
	if err := do(client, req, &tok); err != nil {
		return "", fmt.Errorf("gettoken: %w", err)
	}
	if tok.ErrCode != 0 {
		return "", fmt.Errorf("gettoken: errcode %d %s", tok.ErrCode, tok.ErrMsg)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("media", name)
	if err != nil {
		return "", err
	}
	_, _ = fw.Write(data)
	_ = mw.Close()
	req, err = http.NewRequestWithContext(ctx, http.MethodPost, base+"/cgi-bin/media/upload?type=image&access_token="+url.QueryEscape(tok.AccessToken), &buf)
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	var up struct {
		ErrCode int    `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
		MediaID string `json:"media_id"`
	}
	if err := do(client, req, &up); err != nil {
		return "", fmt.Errorf("media/upload: %w", err)
	}
	if up.ErrCode != 0 {
		return "", fmt.Errorf("media/upload: errcode %d %s", up.ErrCode, up.ErrMsg)
	}
	return up.MediaID, nil
}

func do(client *http.Client, req *http.Request, out any) error {
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(out)
}
