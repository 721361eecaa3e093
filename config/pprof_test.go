package config

import "testing"

// TestPprofAddrLoopbackOnly: the profiler is served on loopback or not at
// all.
func TestPprofAddrLoopbackOnly(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr string
		ok   bool
	}{
		{"", true},
		{"127.0.0.1:6060", true},
		{"localhost:6060", true},
		{"[::1]:6060", true},
		{":6060", false},
		{"0.0.0.0:6060", false},
		{"10.0.0.5:6060", false},
		{"127.0.0.1", false},
	}
	for _, tc := range tests {
		t.Run(tc.addr, func(t *testing.T) {
			c := Default()
			c.PprofAddr = tc.addr
			if err := c.Validate(); (err == nil) != tc.ok {
				t.Errorf("Validate() = %v, want ok %v", err, tc.ok)
			}
		})
	}
}
