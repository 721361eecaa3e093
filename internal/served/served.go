// Package served is how a serving orderhub is found on this machine: the
// address file it writes into its data dir, which `orderhub chat`, `bench
// http` and `restore` read, and the forms of a listening address people
// and the process itself use.
package served

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
)

// AddressFile is where a serving orderhub writes the URL it listens on,
// inside its data dir, so that `orderhub chat` run against the same data
// dir needs no --server (and no guess at :8080).
const AddressFile = "address"

// WriteAddress records the served address in dataDir; the returned func
// removes it again, unless another server has written its own since.
func WriteAddress(dataDir, addr string) (remove func(), err error) {
	path := filepath.Join(dataDir, AddressFile)
	content := []byte(LocalBase(addr) + "\n")
	if err := os.WriteFile(path, content, 0o644); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return func() {
		if now, err := os.ReadFile(path); err == nil && bytes.Equal(now, content) {
			_ = os.Remove(path)
		}
	}, nil
}

// Address is the URL a server serving dataDir wrote, or fallback when
// none is serving it.
func Address(dataDir, fallback string) string {
	b, err := os.ReadFile(filepath.Join(dataDir, AddressFile))
	if err != nil {
		return fallback
	}
	if s := strings.TrimSpace(string(b)); strings.HasPrefix(s, "http") {
		return s
	}
	return fallback
}

// LocalBase is how this process reaches itself over HTTP.
func LocalBase(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://127.0.0.1:8080"
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// DisplayAddr is addr as a person types it into a browser: localhost for
// an address listening on every interface.
func DisplayAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host == "" || host == "::" || host == "0.0.0.0" {
		return "localhost:" + port
	}
	return addr
}
