// Package bot is orderhub's WeCom side: the callback of the self-built app
// staff talk to (signature, AES, dedupe), the chat commands, and sending
// through the WeCom API with github.com/silenceper/wechat/v2.
package bot

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/silenceper/wechat/v2/util"
)

// ErrCorpID is a message that decrypted but was meant for another corp.
var ErrCorpID = errors.New("receive id is not our corp id")

// Crypto is WeCom's callback crypto (WXBizMsgCrypt) for one app: the
// signature and AES-256-CBC come from silenceper/wechat's util; the receive
// id check is ours so that a wrong corp id is told apart from garbage.
type Crypto struct {
	token  string
	key    []byte
	aesKey string
	corpID string
}

// NewCrypto checks the EncodingAESKey (43 characters, 32 bytes decoded).
func NewCrypto(token, encodingAESKey, corpID string) (*Crypto, error) {
	if token == "" || corpID == "" {
		return nil, errors.New("bot: token and corp id are required")
	}
	if len(encodingAESKey) != 43 {
		return nil, errors.New("bot: EncodingAESKey must be 43 characters")
	}
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil || len(key) != 32 {
		return nil, errors.New("bot: EncodingAESKey is not valid base64 of 32 bytes")
	}
	return &Crypto{token: token, key: key, aesKey: encodingAESKey, corpID: corpID}, nil
}

// Sign is msg_signature over the parts: sha1 of the sorted concatenation.
func (c *Crypto) Sign(timestamp, nonce, data string) string {
	return util.Signature(c.token, timestamp, nonce, data)
}

// Verify checks a msg_signature in constant time.
func (c *Crypto) Verify(signature, timestamp, nonce, data string) bool {
	want := c.Sign(timestamp, nonce, data)
	return subtle.ConstantTimeCompare([]byte(want), []byte(signature)) == 1
}

// Decrypt opens an Encrypt element (or echostr) and checks the receive id.
func (c *Crypto) Decrypt(data string) (msg []byte, err error) {
	defer func() {
		// util.AESDecryptMsg trusts the length prefix it decrypts; a
		// crafted ciphertext must not take the process down.
		if r := recover(); r != nil {
			err = fmt.Errorf("decrypt: %v", r)
		}
	}()
	raw, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		return nil, fmt.Errorf("decrypt: %w", err)
	}
	_, msg, receiveID, err := util.AESDecryptMsg(raw, c.key)
	if err != nil {
		return nil, fmt.Errorf("decrypt: %w", err)
	}
	if subtle.ConstantTimeCompare(receiveID, []byte(c.corpID)) != 1 {
		return nil, ErrCorpID
	}
	return msg, nil
}

// Encrypt seals plain as WeCom does (orderhub chat plays WeCom with it).
func (c *Crypto) Encrypt(plain []byte) (string, error) {
	random := make([]byte, 16)
	if _, err := rand.Read(random); err != nil {
		return "", err
	}
	b, err := util.EncryptMsg(random, plain, c.corpID, c.aesKey)
	return string(b), err
}
