package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// addressFile is where a serving orderhub writes the URL it listens on,
// inside its data dir, so that `orderhub chat` run against the same data
// dir needs no --server (and no guess at :8080).
const addressFile = "address"

// writeAddress records the served address in dataDir; the returned func
// removes it again, unless another server has written its own since.
func writeAddress(dataDir, addr string) (remove func(), err error) {
	path := filepath.Join(dataDir, addressFile)
	content := []byte(localBase(addr) + "\n")
	if err := os.WriteFile(path, content, 0o644); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return func() {
		if now, err := os.ReadFile(path); err == nil && bytes.Equal(now, content) {
			_ = os.Remove(path)
		}
	}, nil
}

// servedAddress is the URL a server serving dataDir wrote, or fallback
// when none is serving it.
func servedAddress(dataDir, fallback string) string {
	b, err := os.ReadFile(filepath.Join(dataDir, addressFile))
	if err != nil {
		return fallback
	}
	if s := strings.TrimSpace(string(b)); strings.HasPrefix(s, "http") {
		return s
	}
	return fallback
}
